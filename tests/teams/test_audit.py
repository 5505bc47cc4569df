"""`audit` in Teams, turn by turn with botbuilder's TestAdapter: the super-user's private card (issue 16)."""

from __future__ import annotations

import json

import pytest

from adapters.teams.bot import AccordTeamsBot, Services
from adapters.teams.cards import render
from adapters.teams.references import ReferenceBook
from bot.app import build
from bot.config import parse_config
from bot.door import Door
from bot.platform_state import ConversationReferences
from storage.migrate import upgrade
from tests.teams.conftest import AMIRA, BEN, SAM, config_text
from tests.teams.test_turns import (
    NOW,
    RecordingDeliverer,
    adapter_for,
    card_action,
    mention,
)


class KeepingDeliverer(RecordingDeliverer):
    """Keeps the private messages themselves, to read the card each becomes."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    async def send_to_person(self, person, message) -> None:
        await super().send_to_person(person, message)
        self.messages.append((person.user_id, message))


@pytest.fixture
def teams(db_url):
    upgrade(db_url)
    application = build(parse_config(config_text(), environ={}), db_url)
    deliverer = KeepingDeliverer()
    bot = AccordTeamsBot(
        Services(
            door=Door(application.accord, application.database, wake=lambda: None),
            references=ReferenceBook(ConversationReferences(application.database), lambda: NOW),
            deliverer=deliverer,
            graph=None,
            clock=lambda: NOW,
        )
    )
    yield bot, deliverer
    application.database.dispose()


async def test_the_super_user_gets_the_trail_as_a_private_card_and_a_member_is_refused(teams):
    bot, deliverer = teams
    await adapter_for(bot, SAM).send(mention("start"))
    for member, current in ((AMIRA, "2"), (AMIRA, "1"), (BEN, "5")):
        adapter = adapter_for(bot, member)
        await adapter.send(mention("join"))
        await adapter.process_activity(card_action("vote", {"question": "evidence", "current": current, "ambition": "5"}), bot.on_turn)
    await adapter_for(bot, SAM).send(mention("reveal"))
    await adapter_for(bot, SAM).send(mention("finalise 2 4 two camps, agreed the lower view"))

    await adapter_for(bot, SAM).send(mention("audit"))
    (trail,) = [m for who, m in deliverer.messages if who == SAM.aad and m.heading.startswith("Audit trail")]
    card = json.dumps(render(trail), ensure_ascii=False)
    assert "Sam Patel: revealed, question 1.1" in card
    assert "Amira Khan: vote changed, question 1.1: current 2, ambition 5 → current 1, ambition 5" in card
    assert "Note: two camps, agreed the lower view" in card and "teams" in card

    amira = adapter_for(bot, AMIRA)
    await amira.send(mention("audit"))
    answers = []
    while (activity := amira.get_next_activity()) is not None:
        answers.append(json.dumps([a.content for a in activity.attachments or []]) + (activity.text or ""))
    answers += [" ".join(m.text) for who, m in deliverer.messages if who == AMIRA.aad]
    assert any("Only the super-user can read the audit trail" in answer for answer in answers), answers
