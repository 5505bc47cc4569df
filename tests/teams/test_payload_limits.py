"""The worst case through the real botbuilder adapter: every activity Accord sends Teams is within its limits.

Twelve members with 200-character names vote on an eleven-point scale with 1,000-character
comments, on questions with long prompts and guidance; the super-user asks `who` and `who all`,
reveals, and records each answer with a 2,000-character note; the summary follows. Everything
the fake connector received (channel posts, updates, private chats) and every invoke answer is
checked against the table in `tests/limits.py`, and what a person must see is checked to be there
in full. Then: a 70-member channel, where those beyond Teams' 60 refreshed users get their own
view from a button; and a Teams that refuses smaller messages with 413, where Accord splits
instead of giving up.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.teams.platform import TeamsPlatform
from bot.app import build
from bot.config import parse_config
from bot.server import build_runtime, create_web_app
from engine.assessment import Conversation
from engine.views import CHANNEL as EVERYONE
from engine.views import Kind, Message
from storage.migrate import upgrade
from tests.limits import TEAMS, activity_size, card_problems, long_comment, long_name, normalised, png_size, teams_problems
from tests.teams.conftest import CHANNEL, TeamsHarness, _free_port
from tests.teams.fake_connector import FakeConnector, Sent

pytestmark = pytest.mark.wire  # an adapter's edge, not storage: SQLite alone (tests/conftest.py)

FRAMEWORK = Path(__file__).resolve().parent.parent / "worst-case-framework.yaml"



def members(size: int) -> list[dict[str, str]]:
    return [{"id": f"29:m{n:02d}", "name": long_name(n), "aadObjectId": f"aad-m{n:02d}"} for n in range(size)]


class Speaker:
    """The harness's `Member` shape for an account dict."""

    def __init__(self, account: dict[str, str]) -> None:
        self._account = account
        self.teams_id = account["id"]
        self.name = account["name"]

    def account(self) -> dict[str, str]:
        return dict(self._account)


class SmallTeams(FakeConnector):
    """A Teams that refuses any activity over `most` characters with 413 MessageSizeTooBig."""

    most: int = 10**9

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.read()
        if len(body) > self.most:
            self.refused = getattr(self, "refused", 0) + 1
            return web.json_response({"error": {"code": "MessageSizeTooBig", "message": "too big"}}, status=413)
        return await super()._post(request)


async def start(connector: FakeConnector, db_url: str) -> tuple[TeamsHarness, Any]:
    upgrade(db_url)
    port = _free_port()
    config = parse_config(
        f"frameworks:\n  default: worst-case\n  paths: ['{FRAMEWORK}']\n"
        "assessment:\n  auto_reveal: false\n  auto_advance: true\n"
        "reminders:\n  enabled: false\ndigests:\n  enabled: false\n"
        f"teams:\n  local_mode: true\nserver:\n  port: {port}\n",
        environ={},
    )
    application = build(config, db_url)
    runtime = build_runtime(application)
    platform = TeamsPlatform(runtime)
    server = TestServer(create_web_app(runtime, [platform]), host="127.0.0.1", port=port)
    await server.start_server()
    session = aiohttp.ClientSession()
    harness = TeamsHarness(session, str(server.make_url("")).rstrip("/"), connector, platform, application)

    async def stop() -> None:
        await session.close()
        await server.close()
        application.database.dispose()

    return harness, stop


@pytest.fixture
async def council(request, db_url):
    size, most = request.param
    connector = SmallTeams(members=members(size), page_size=100)
    connector.most = most
    connector.start()
    harness, stop = await start(connector, db_url)
    try:
        yield harness, [Speaker(a) for a in connector.members]
    finally:
        await stop()
        connector.stop()


def check_everything(connector: FakeConnector, answers: list[dict]) -> int:
    problems: list[str] = []
    for sent in connector.sent:
        problems += [f"{sent.method} to {sent.conversation_id}: {p}" for p in teams_problems(sent.activity)]
    for body in answers:  # invoke answers: the card that replaces the one pressed
        if activity_size(body) > 25_000:
            problems.append(f"an invoke answer of {activity_size(body)}")
        problems += card_problems(body["value"])
    assert not problems, "\n".join(problems[:20])
    return len(connector.sent) + len(answers)


def private_to(connector: FakeConnector, who: Speaker) -> list[Sent]:
    return connector.to_conversation(f"personal:{who.teams_id}")


def readable(sent: list[Sent]) -> str:
    """What a person reads in some activities: the text of every card, JSON escapes undone."""
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("text", "title", "value") and isinstance(value, str):
                    texts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for s in sent:
        walk(s.card or {})
        texts.append(s.activity.get("text") or "")
    return normalised("\n".join(texts))


def question_of(teams: TeamsHarness) -> str:
    card = next(c for c in reversed(teams.shared_cards()) if c.get("refresh"))
    return card["refresh"]["action"]["data"]["question"]


@pytest.mark.parametrize("council", [(12, 10**9)], indirect=True)
async def test_the_worst_case_assessment_stays_within_teams_limits_and_loses_nothing(council):
    teams, people = council
    connector = teams.connector
    chair = people[0]
    status, _ = await teams.say(chair, "start worst-case")
    assert status == 201
    await teams.settle()
    answers: list[dict] = []
    for number in range(2):
        question = question_of(teams)
        for n, member in enumerate(people):
            status, body = await teams.vote(member, question, str(n % 11), "10", long_comment(n, question))
            assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive", body
            answers.append(body)
        await teams.settle()
        await teams.say(chair, "who")
        shown = readable(private_to(connector, chair))
        for n, member in enumerate(people):  # every voter, with the whole comment
            assert normalised(member.name) in shown and normalised(long_comment(n, question)) in shown
        await teams.say(chair, "reveal")
        note = long_comment(99, question, 2000)
        await teams.say(chair, f"finalise {number + 3} {number + 7} {note}")
        await teams.settle()
        assert normalised(note) in readable([s for s in connector.sent if s.conversation_id.startswith(CHANNEL)])

    assert any("Summary: " in json.dumps(card) for card in teams.shared_cards())
    images = {e["url"] for card in teams.shared_cards() for e in card["body"] if e["type"] == "Image"}
    assert images
    for url in images:  # inline ones are checked with the cards; the rest fetched as Teams would
        if url.startswith("http"):
            async with teams.session.get(url) as response:
                assert response.status == 200
                assert max(png_size(await response.read())) <= TEAMS["image pixels per side"]
    before = len(private_to(connector, chair))
    await teams.say(chair, "who all")
    cards = private_to(connector, chair)[before:]
    assert len(cards) > 1 and "(part 2 of" in json.dumps(cards[1].card)  # paged, not one 300 KB card
    everything = readable(cards)
    for question in ("evidence", "medium-term"):
        for n, member in enumerate(people):
            assert normalised(member.name) in everything and normalised(long_comment(n, question)) in everything
    assert check_everything(connector, answers) > 40


@pytest.mark.parametrize("council", [(70, 10**9)], indirect=True)
async def test_members_beyond_teams_sixty_refreshed_users_see_their_own_view_with_a_button(council):
    teams, people = council
    await teams.say(people[0], "start worst-case")
    await teams.settle()
    card = next(c for c in reversed(teams.shared_cards()) if c.get("refresh"))
    assert len(card["refresh"]["userIds"]) == 60
    late = people[65]
    assert late.teams_id not in card["refresh"]["userIds"]  # Teams will never refresh this card for them
    (button,) = [a for a in card["actions"] if a["verb"] == "refresh"]
    assert button["title"] == "Show my vote"
    question = question_of(teams)
    await teams.vote(late, question, "4", "9", "from the back row")
    status, body = await teams.card_action(late, button["verb"], button["data"])
    assert status == 200
    own = json.dumps(body["value"])
    assert "Current position 4, ambition 9" in own  # their own vote, which only they and the super-user see
    choices = {e["id"]: e.get("value") for e in body["value"]["body"] if e["type"] == "Input.ChoiceSet"}
    assert choices == {"current": "4", "ambition": "9"}
    await teams.say(people[0], "status")
    await teams.say(people[0], "who")
    await teams.settle()
    waiting = readable(private_to(teams.connector, people[0]))
    assert all(normalised(p.name) in waiting for p in people[1:65])  # everyone not yet voted, by whole name
    check_everything(teams.connector, [body])


@pytest.mark.parametrize("council", [(4, 6_000)], indirect=True)
async def test_a_message_teams_refuses_as_too_large_is_split_and_sent_not_dropped(council):
    teams, people = council
    connector = teams.connector
    chair = people[0]
    await teams.say(chair, "start worst-case")
    await teams.settle()
    question = question_of(teams)
    for n, member in enumerate(people):
        await teams.vote(member, question, "3", "7", long_comment(n, question))
    await teams.say(chair, "who")
    assert connector.refused >= 1  # Teams refused the answer whole...
    shown = readable(private_to(connector, chair))
    for n, member in enumerate(people):  # ...and the chair still got every comment, in smaller parts
        assert normalised(long_comment(n, question)) in shown
    said_in_channel = readable(connector.to_conversation(f"{CHANNEL};messageid=1"))
    assert "could not message you privately" not in said_in_channel
    assert all(len(json.dumps(s.activity)) <= 6_000 for s in private_to(connector, chair))


@pytest.mark.parametrize("council", [(4, 10**9)], indirect=True)
async def test_a_card_updated_in_place_keeps_its_parts_in_place_as_it_grows_and_shrinks(council):
    teams, people = council
    await teams.say(people[0], "help")  # Accord learns the channel (its conversation reference)
    deliverer = teams.platform.deliverer
    where = Conversation("msteams", "tenant-north", CHANNEL)

    def notice(paragraphs: int) -> Message:
        text = tuple(f"Paragraph {n}: " + " ".join(f"word{n}x{i}" for i in range(400)) for n in range(paragraphs))
        return Message(Kind.NOTICE, EVERYONE, "A long notice", text, key="notice:1")

    connector = teams.connector
    connector.clear()
    ref = await deliverer.deliver(where, notice(8), None)
    posted = [s.activity_id for s in connector.sent if s.method == "post"]
    assert len(posted) >= 2 and [ref["activityId"], *ref["more"]] == posted
    ref = await deliverer.deliver(where, notice(16), ref)
    updated = [s.activity_id for s in connector.sent if s.method == "update"]
    assert updated == posted  # every earlier card edited in place...
    grown = [ref["activityId"], *ref["more"]]
    assert len(grown) > len(posted) and grown[: len(posted)] == posted  # ...and the new parts posted after them
    ref = await deliverer.deliver(where, notice(1), ref)
    assert "more" not in ref
    assert [s.activity_id for s in connector.sent if s.method == "delete"] == grown[1:]  # none left stale
    check_everything(connector, [])
