"""The Bot Framework connector unwell for a while, in every way it can be, while an assessment runs.

Accord's web app with the Teams platform (botbuilder, the real `TeamsDeliverer` and the outbox
dispatcher of `bot/delivery.py`) talks to the stand-in connector on loopback. The question card
is posted, then the connector stops taking the bot's posts and card updates: first it answers
503, then 429 with a Retry-After of 30 s, then it holds each request longer than the bot waits and
drops it (a timeout, the message never shown). Meanwhile the team votes, Sam reveals the votes and
finalises the question. The runtime's clock is moved on by the test, so the outbox's waits pass
without the test sleeping for them.

Once the connector recovers, the channel must show every message queued, each once, in the order
it was queued, and the question card updated in place with the four votes; nothing set aside.
(A post Teams took but whose answer was lost may show twice: Teams offers no way to look for it.
That case is documented in docs/reliability.md, not tested here.)
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator

import aiohttp
import msrest.universal_http
import pytest
from aiohttp.test_utils import TestServer
from sqlmodel import select

from adapters.teams.platform import TeamsPlatform
from bot.app import build
from bot.config import parse_config
from bot.server import build_runtime, create_web_app
from storage.migrate import upgrade
from storage.tables import OutboxRow
from storage.unit_of_work import SqlUnitOfWork
from tests.slack.conftest import Clock
from tests.teams.conftest import (
    AMIRA,
    BEN,
    CHANNEL,
    CHLOE,
    SAM,
    TeamsHarness,
    _free_port,
    config_text,
)

CLIENT_TIMEOUT = 1  # seconds the bot waits for the connector's answer in this test (msrest's default is 100)


@pytest.fixture
async def teams(db_url, connector, monkeypatch) -> AsyncIterator[tuple[TeamsHarness, Clock]]:
    original = msrest.universal_http.ClientConnection.__init__

    def shorter(self) -> None:
        original(self)
        self.timeout = CLIENT_TIMEOUT

    monkeypatch.setattr(msrest.universal_http.ClientConnection, "__init__", shorter)
    upgrade(db_url)
    port = _free_port()
    application = build(parse_config(config_text() + f"server:\n  port: {port}\n", environ={}), db_url)
    clock = Clock()
    runtime = build_runtime(application, clock)
    platform = TeamsPlatform(runtime, None)
    server = TestServer(create_web_app(runtime, [platform]), host="127.0.0.1", port=port)
    await server.start_server()
    session = aiohttp.ClientSession()
    try:
        yield TeamsHarness(session, str(server.make_url("")).rstrip("/"), connector, platform, application), clock
    finally:
        await session.close()
        await server.close()
        application.database.dispose()


def outbox(teams: TeamsHarness) -> list[dict]:
    with SqlUnitOfWork(teams.application.database, read_only=True) as uow:
        return [row.model_dump() for row in uow.session.exec(select(OutboxRow).order_by(OutboxRow.id)).all()]


async def pass_time(teams: TeamsHarness, clock: Clock, seconds: float, steps: int = 1) -> None:
    """Move the clock on in `steps`, and let the dispatcher do what came due each time."""
    for _ in range(steps):
        clock.advance(seconds / steps)
        await teams.platform.runtime.dispatcher.drain()


async def test_after_an_outage_everything_queued_reaches_the_channel_once_and_in_order(teams):
    teams, clock = teams
    connector = teams.connector
    status, _ = await teams.say(SAM, "start")
    assert status == 201
    await teams.settle()
    question_card = next(c for c in teams.shared_cards() if c.get("refresh"))
    question = question_card["actions"][0]["data"]["question"]
    before = len(connector.sent)

    # 1. The connector answers 503 to everything the bot sends.
    connector.outage_status = 503
    for member, current, ambition in ((AMIRA, "2", "4"), (BEN, "3", "4")):
        status, body = await teams.vote(member, question, current, ambition)
        assert status == 200 and body["statusCode"] == 200, body  # the voter is answered all the same
    await pass_time(teams, clock, 30, steps=3)

    # 2. Then 429 with Retry-After 30 s.
    connector.outage_status, connector.outage_retry_after = 429, "30"
    for member, current, ambition in ((CHLOE, "4", "5"), (SAM, "3", "3")):
        status, body = await teams.vote(member, question, current, ambition)
        assert status == 200 and body["statusCode"] == 200, body
    status, _ = await teams.say(SAM, "reveal")
    assert status == 201
    await pass_time(teams, clock, 60, steps=4)
    assert len(connector.sent) == before, "the connector took something while it was down"

    # 3. Then it holds every request longer than the bot waits, and drops it.
    connector.outage_status, connector.outage_retry_after = 0, None
    connector.stall = CLIENT_TIMEOUT + 1.0
    status, _ = await teams.say(SAM, "finalise 3 4 agreed after discussion")
    assert status == 201
    await pass_time(teams, clock, 60, steps=2)
    await asyncio.sleep(connector.stall)  # the connector's side of the last request ends too
    assert len(connector.sent) == before and connector.dropped > 0

    # 4. It recovers; the outbox's longest wait so far passes.
    connector.stall = 0.0
    await pass_time(teams, clock, 700, steps=2)
    await teams.settle()

    rows = outbox(teams)
    print(f"{len(rows)} outbox messages; {connector.dropped} requests timed out and dropped; attempts per message: {Counter(r['attempts'] for r in rows)}")
    assert all(row["sent_at"] is not None for row in rows), [(row["id"], row["last_error"]) for row in rows if row["sent_at"] is None]
    assert all(row["failed_at"] is None for row in rows), [row["last_error"] for row in rows if row["failed_at"]]
    assert any(row["attempts"] > 1 for row in rows), "nothing was ever refused: the outage did not happen"

    after = [s for s in connector.sent[before:] if s.conversation_id.startswith(CHANNEL)]
    posts = [s.activity.get("summary") or "" for s in after if s.method in ("post", "reply")]
    expected = ["Votes revealed: question 1.1", "Consensus recorded: question 1.1", "Question 2.1 "]
    # Each once (none twice, none lost), in the order queued.
    assert len(posts) == len(expected) and all(p.startswith(e) for p, e in zip(posts, expected)), posts
    # The question card was updated in place, with every vote, before the reveal was posted.
    updates = [i for i, s in enumerate(after) if s.method == "update" and s.activity_id and "4 of 4 have voted" in json.dumps(s.card)]
    first_post = next(i for i, s in enumerate(after) if s.method in ("post", "reply"))
    assert updates and updates[0] < first_post, "the card's progress was not brought up to date before the reveal"


async def test_a_503_with_retry_after_is_waited_out_as_teams_asks(teams):
    """A card update (a PUT, which urllib3 would retry on its own) refused with 503 and Retry-After."""
    teams, clock = teams
    connector = teams.connector
    status, _ = await teams.say(SAM, "start")
    assert status == 201
    await teams.platform.runtime.dispatcher.drain()
    await teams.settle()
    question = next(c for c in teams.shared_cards() if c.get("refresh"))["actions"][0]["data"]["question"]
    connector.outage_status, connector.outage_retry_after = 503, "120"
    status, body = await teams.vote(AMIRA, question, "2", "4")
    assert status == 200 and body["statusCode"] == 200, body
    await teams.platform.runtime.dispatcher.drain()
    waiting = [row for row in outbox(teams) if row["sent_at"] is None]
    assert waiting and waiting[0]["last_error"].startswith("Teams answered HTTP 503"), waiting[0]["last_error"]
    assert (waiting[0]["next_attempt_at"] - clock()).total_seconds() > 100  # Teams' 120 s, not the outbox's own 2 s
