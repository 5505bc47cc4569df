"""Turn logic with botbuilder's TestAdapter: say this, expect that, without HTTP.

Each person speaks through a TestAdapter whose template is that person in the team's channel
(TestAdapter stamps every activity with its template's sender and conversation). What a turn
sends back is read from the adapter; private messages are caught by a deliverer that records
them instead of opening a one-to-one chat. The wire itself is tested in test_http_*.py.
"""

from __future__ import annotations

import itertools

import json
from datetime import datetime, timezone

import pytest
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, Entity

from adapters.teams.bot import AccordTeamsBot, Services
from adapters.teams.delivery import TeamsDeliverer
from adapters.teams.references import ReferenceBook
from bot.door import Door
from bot.platform_state import ConversationReferences
from bot.app import build
from bot.config import parse_config
from engine.assessment import Conversation
from storage.migrate import upgrade
from storage.unit_of_work import SqlUnitOfWork
from tests.teams.conftest import AMIRA, BEN, CHANNEL, SAM, TENANT, Member, config_text

NOW = datetime(2025, 3, 3, 9, 30, tzinfo=timezone.utc)
CONVERSATION = Conversation("msteams", TENANT, CHANNEL)


class RecordingDeliverer(TeamsDeliverer):
    def __init__(self) -> None:
        super().__init__(adapter=None, app_id=None, references=None, images=None)
        self.private: list[tuple[str, str]] = []

    async def send_to_person(self, person, message) -> None:
        self.private.append((person.user_id, message.heading))


@pytest.fixture
def team(db_url):
    upgrade(db_url)
    application = build(parse_config(config_text(), environ={}), db_url)
    deliverer = RecordingDeliverer()
    woken: list[int] = []
    bot = AccordTeamsBot(
        Services(
            door=Door(application.accord, application.database, wake=lambda: woken.append(1)),
            references=ReferenceBook(ConversationReferences(application.database), lambda: NOW),
            deliverer=deliverer,
            graph=None,
            clock=lambda: NOW,
        )
    )
    yield bot, application, deliverer, woken
    application.database.dispose()


_ACTIVITY_IDS = itertools.count(1000, 100)


class UniqueIdsAdapter(TestAdapter):
    """botbuilder's TestAdapter numbers activities per adapter from 0, so two people's adapters
    (or a sent message and a processed invoke) reuse ids; Teams' ids are unique, and Accord
    treats an activity id seen before as a redelivery. Every activity here gets a fresh one."""

    async def process_activity(self, activity, logic):
        self._next_id = next(_ACTIVITY_IDS)
        return await super().process_activity(activity, logic)

    async def receive_activity(self, activity):
        self._next_id = next(_ACTIVITY_IDS)
        return await super().receive_activity(activity)


def adapter_for(bot: AccordTeamsBot, member: Member) -> TestAdapter:
    template = Activity(
        channel_id="msteams",
        service_url="https://connector.invalid/",  # never called: nothing in a turn here leaves the process
        from_property=ChannelAccount(id=member.teams_id, name=member.name, aad_object_id=member.aad),
        recipient=ChannelAccount(id="28:accord-bot", name="Accord"),
        conversation=ConversationAccount(id=f"{CHANNEL};messageid=1", conversation_type="channel", is_group=True, tenant_id=TENANT),
    )
    return UniqueIdsAdapter(bot.on_turn, template)


def mention(text: str) -> Activity:
    return Activity(
        type="message",
        text=f"<at>Accord</at> {text}",
        entities=[Entity().deserialize({"type": "mention", "text": "<at>Accord</at>", "mentioned": {"id": "28:accord-bot", "name": "Accord"}})],
        channel_data={"tenant": {"id": TENANT}, "channel": {"id": CHANNEL}},
    )


def card_action(verb: str, data: dict) -> Activity:
    return Activity(
        type="invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"},
        channel_data={"tenant": {"id": TENANT}, "channel": {"id": CHANNEL}},
    )


def card_of(activity: Activity) -> str:
    return json.dumps([a.content for a in activity.attachments or []])


def stored(application):
    with SqlUnitOfWork(application.database, read_only=True) as uow:
        return uow.assessments.latest_in(CONVERSATION)


async def test_help_is_answered_in_the_thread_as_a_card(team):
    bot, *_ = team
    adapter = adapter_for(bot, SAM)
    await adapter.send(mention("help"))
    reply = adapter.get_next_activity()
    assert reply.attachments[0].content_type == "application/vnd.microsoft.card.adaptive"
    assert "What you can say to Accord" in card_of(reply)


async def test_start_opens_an_assessment_and_leaves_the_channel_messages_to_the_outbox(team):
    bot, application, _, woken = team
    adapter = adapter_for(bot, SAM)
    await adapter.send(mention("start"))
    assert adapter.get_next_activity() is None  # nothing in the thread: the channel messages are queued
    assessment = stored(application)
    assert assessment is not None and assessment.title == "A two-question council self-assessment"
    assert woken  # the dispatcher was asked to post them
    with SqlUnitOfWork(application.database, read_only=True) as uow:
        assert uow.outbox.pending(CONVERSATION) == 2  # the introduction and the first question


async def test_a_vote_typed_in_the_channel_is_confirmed_privately(team):
    bot, application, deliverer, _ = team
    await adapter_for(bot, SAM).send(mention("start"))
    adapter = adapter_for(bot, AMIRA)
    await adapter.send(mention("join"))
    adapter.activity_buffer.clear()
    deliverer.private.clear()
    await adapter.send(mention("vote 2 4"))
    assert adapter.get_next_activity() is None
    assert deliverer.private == [(AMIRA.aad, "We recorded your vote on question 1.1")]


async def test_a_card_vote_answers_with_the_voters_own_card(team):
    bot, application, _, _ = team
    await adapter_for(bot, SAM).send(mention("start"))
    adapter = adapter_for(bot, BEN)
    await adapter.send(mention("join"))
    adapter.activity_buffer.clear()
    await adapter.process_activity(card_action("vote", {"question": "evidence", "current": "3", "ambition": "4"}), bot.on_turn)
    response = adapter.get_next_activity()
    assert response.type == "invokeResponse"
    invoke = response.value
    assert invoke.status == 200
    assert invoke.body.type == "application/vnd.microsoft.card.adaptive"  # the model, serialised once by the platform
    card = json.dumps(invoke.body.value)
    assert "We recorded your vote on question 1.1" in card
    assert stored(application).own_vote(next(iter(m for m in stored(application).members if m.user_id == BEN.aad)), "evidence").current == 3


async def test_a_card_without_a_score_changes_nothing(team):
    bot, application, _, _ = team
    await adapter_for(bot, SAM).send(mention("start"))
    adapter = adapter_for(bot, SAM)
    adapter.activity_buffer.clear()
    await adapter.process_activity(card_action("vote", {"question": "evidence", "current": "", "ambition": "4"}), bot.on_turn)
    invoke = adapter.get_next_activity().value
    assert invoke.status == 200
    assert "Choose where we are now before voting." in json.dumps(invoke.body.value)
    assert all(not r.votes for r in stored(application).rounds)


async def test_the_accept_proposal_button_finalises_for_a_super_user_only(team):
    bot, application, _, _ = team
    await adapter_for(bot, SAM).send(mention("start"))
    for member in (AMIRA, BEN):
        adapter = adapter_for(bot, member)
        await adapter.send(mention("join"))
        await adapter.process_activity(card_action("vote", {"question": "evidence", "current": "3", "ambition": "4"}), bot.on_turn)
    await adapter_for(bot, SAM).send(mention("reveal"))
    amira = adapter_for(bot, AMIRA)
    await amira.process_activity(card_action("finalise", {"question": "evidence"}), bot.on_turn)
    assert "Only" in json.dumps(amira.get_next_activity().value.body.value)
    sam = adapter_for(bot, SAM)
    await sam.process_activity(card_action("finalise", {"question": "evidence"}), bot.on_turn)
    assert "Consensus recorded: question 1.1" in json.dumps(sam.get_next_activity().value.body.value)
    assert stored(application).consensus_for("evidence").current == 3


async def test_an_older_clients_submit_is_a_vote_too(team):
    bot, application, deliverer, _ = team
    await adapter_for(bot, SAM).send(mention("start"))
    adapter = adapter_for(bot, AMIRA)
    await adapter.send(mention("join"))
    deliverer.private.clear()
    submit = Activity(type="message", value={"verb": "vote", "question": "evidence", "current": "2", "ambition": "3"},
                      channel_data={"tenant": {"id": TENANT}, "channel": {"id": CHANNEL}})
    await adapter.send(submit)
    assert deliverer.private == [(AMIRA.aad, "We recorded your vote on question 1.1")]
