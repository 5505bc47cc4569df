"""The outbox and its dispatcher: delayed by outages, never lost, never sent twice, in order.

The platform is the far side of the wire here, so a recording deliverer stands in for it; the
outbox, the dispatcher and the database are the real ones (SQLite, and PostgreSQL when set).
"""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event
from sqlmodel import select

from bot.delivery import OutboxDispatcher, RetryLater, Undeliverable
from engine.assessment import Conversation, Identity
from engine.views import CHANNEL, Kind, Message, message_from_dict, message_to_dict, only
from storage.tables import OutboxRow
from storage.unit_of_work import SqlUnitOfWork
from tests.clock import Clock

BOARD = Conversation("slack", "T1", "C-board")
OTHER = Conversation("slack", "T1", "C-other")


class Platform:
    """Stands in for Slack's Web API: records what arrives; can be told to refuse."""

    def __init__(self) -> None:
        self.received: list[tuple[Conversation, str, dict | None]] = []
        self.refusals: list[Exception] = []

    async def deliver(self, conversation, message, previous, done=None, attempt=None):
        if self.refusals:
            raise self.refusals.pop(0)
        self.received.append((conversation, message.heading, previous))
        return {"ts": str(len(self.received))}


def message(heading: str, key: str | None = None) -> Message:
    return Message(kind=Kind.NOTICE, audience=CHANNEL, heading=heading, key=key)


def queue(database, clock, *items: tuple[Conversation, Message], dedupe_key: str | None = None) -> list[bool]:
    with SqlUnitOfWork(database) as uow:
        added = [uow.outbox.add(where, what, clock(), dedupe_key=dedupe_key) for where, what in items]
        uow.commit()
    return added


def dispatcher(database, platform, clock) -> OutboxDispatcher:
    return OutboxDispatcher(database, {"slack": platform}, clock)


async def test_messages_arrive_in_order_and_keyed_ones_update_in_place(db_engine):
    clock, platform = Clock(), Platform()
    queue(db_engine, clock, (BOARD, message("Question 1.1", "round:a:q1:1")))
    first = await dispatcher(db_engine, platform, clock).drain()
    queue(db_engine, clock, (BOARD, message("Question 1.1", "round:a:q1:1")), (BOARD, message("Consensus")))
    report = await dispatcher(db_engine, platform, clock).drain()
    assert (first.sent, report.sent) == (1, 2)
    assert [(heading, previous) for _, heading, previous in platform.received] == [
        ("Question 1.1", None),
        ("Question 1.1", {"ts": "1"}),  # the second is an update of the first
        ("Consensus", None),
    ]
    assert await dispatcher(db_engine, platform, clock).drain() == type(report)()  # nothing twice


async def test_only_the_newest_version_of_a_keyed_message_is_sent(db_engine):
    clock, platform = Clock(), Platform()
    queue(db_engine, clock, (BOARD, message("Question 1.1", "round:a:q1:1")))
    await dispatcher(db_engine, platform, clock).drain()
    versions = [(BOARD, Message(kind=Kind.QUESTION, audience=CHANNEL, heading="Question 1.1", footer=f"{n} of 6 have voted.", key="round:a:q1:1")) for n in range(1, 6)]
    queue(db_engine, clock, *versions)
    sent = []
    platform.deliver_original = platform.deliver

    async def recording(conversation, message, previous, done=None, attempt=None):
        sent.append((message.footer, previous))
        return await platform.deliver_original(conversation, message, previous)

    platform.deliver = recording
    await dispatcher(db_engine, platform, clock).drain()
    assert sent == [("5 of 6 have voted.", {"ts": "1"})]  # one update, of the message posted first
    with SqlUnitOfWork(db_engine) as uow:
        assert uow.outbox.pending() == 0


async def test_a_burst_of_votes_gathers_into_one_update_of_the_progress_line(db_engine):
    """The running dispatcher waits a moment once woken, so a burst of changes is sent once."""
    clock, platform = Clock(), Platform()
    running = OutboxDispatcher(db_engine, {"slack": platform}, clock, gather=0.3)
    stop = asyncio.Event()
    task = asyncio.create_task(running.run(stop, interval=60))
    try:
        await asyncio.sleep(0.05)  # its first pass finds nothing
        for voted in range(1, 6):  # five votes, each waking it, a few milliseconds apart
            queue(db_engine, clock, (BOARD, Message(kind=Kind.QUESTION, audience=CHANNEL, heading="Question 1.1", footer=f"{voted} of 6 have voted.", key="round:a:q1:1")))
            running.wake()
            await asyncio.sleep(0.01)
        for _ in range(100):
            if platform.received:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)
    finally:
        stop.set()
        await task
    assert len(platform.received) == 1  # one post, showing the newest count
    with SqlUnitOfWork(db_engine) as uow:
        assert uow.outbox.pending() == 0


# ------------------------------------------------------- versions coalesced when queued

PROGRESS = "round:a:q1:1"


def progress(voted: int, key: str = PROGRESS) -> Message:
    return message(f"Question 1.1: {voted} of 6 have voted", key)


def waiting(database, conversation: Conversation = BOARD) -> list:
    """The rows still to send to a conversation, oldest first."""
    with SqlUnitOfWork(database) as uow:
        statement = select(OutboxRow.id, OutboxRow.message, OutboxRow.next_attempt_at, OutboxRow.attempts).where(
            OutboxRow.platform == conversation.platform,
            OutboxRow.workspace == conversation.workspace,
            OutboxRow.channel_id == conversation.channel_id,
            OutboxRow.sent_at.is_(None),
            OutboxRow.failed_at.is_(None),
        )
        return list(uow.session.exec(statement.order_by(OutboxRow.id)).all())


async def test_votes_in_a_row_leave_one_version_of_the_progress_line_to_send(db_engine):
    clock, platform = Clock(), Platform()
    for voted in range(1, 6):  # five votes, five commands, five transactions
        assert queue(db_engine, clock, (BOARD, progress(voted))) == [True]
        clock.advance(1)
    assert [row.message["heading"] for row in waiting(db_engine)] == ["Question 1.1: 5 of 6 have voted"]
    report = await dispatcher(db_engine, platform, clock).drain()
    assert report.sent == 1
    assert [heading for _, heading, _ in platform.received] == ["Question 1.1: 5 of 6 have voted"]


async def test_a_version_queued_after_another_message_is_not_merged_into_the_older_one(db_engine):
    clock, platform = Clock(), Platform()
    queue(db_engine, clock, (BOARD, progress(5)))
    queue(db_engine, clock, (BOARD, message("Votes revealed")))
    queue(db_engine, clock, (BOARD, progress(6)))  # a late vote, after the reveal
    assert [row.message["heading"] for row in waiting(db_engine)] == [
        "Question 1.1: 5 of 6 have voted", "Votes revealed", "Question 1.1: 6 of 6 have voted",
    ]  # fmt: skip
    await dispatcher(db_engine, platform, clock).drain()
    # The dispatcher drops the older version it claims with the newer and sends the newer in the
    # older one's place: the question, never posted yet, still comes before its reveal.
    assert [heading for _, heading, _ in platform.received] == ["Question 1.1: 6 of 6 have voted", "Votes revealed"]


async def test_a_version_queued_while_the_older_one_is_delivered_follows_it(db_engine):
    clock, platform = Clock(), Platform()
    queue(db_engine, clock, (BOARD, progress(1)))
    original = platform.deliver

    async def a_vote_arrives_meanwhile(conversation, message, previous, done=None, attempt=None):
        if not platform.received:
            queue(db_engine, clock, (BOARD, progress(2)))
        return await original(conversation, message, previous)

    platform.deliver = a_vote_arrives_meanwhile
    sender = dispatcher(db_engine, platform, clock)
    await sender.drain()
    assert [row.message["heading"] for row in waiting(db_engine)] == ["Question 1.1: 2 of 6 have voted"]
    await sender.drain()
    assert [(heading, previous) for _, heading, previous in platform.received] == [
        ("Question 1.1: 1 of 6 have voted", None),
        ("Question 1.1: 2 of 6 have voted", {"ts": "1"}),
    ]


def test_a_claimed_version_is_never_changed_even_once_its_lease_has_run_out(db_engine):
    clock = Clock()
    queue(db_engine, clock, (BOARD, progress(1)))
    with SqlUnitOfWork(db_engine) as uow:
        (claimed,) = uow.outbox.claim_due(clock(), 10, timedelta(seconds=30))
        uow.commit()
    queue(db_engine, clock, (BOARD, progress(2)))
    clock.advance(60)  # the lease is over, but the dispatcher may still be sending it
    queue(db_engine, clock, (BOARD, progress(3)))
    rows = waiting(db_engine)
    assert [row.message["heading"] for row in rows] == ["Question 1.1: 1 of 6 have voted", "Question 1.1: 3 of 6 have voted"]
    assert rows[0].id == claimed.id


async def test_a_version_waiting_for_a_retry_is_replaced_and_keeps_its_turn(db_engine):
    clock, platform = Clock(), Platform()
    queue(db_engine, clock, (BOARD, progress(1)))
    platform.refusals.append(RetryLater(30, "429 Too Many Requests"))
    sender = dispatcher(db_engine, platform, clock)
    await sender.drain()
    (before,) = waiting(db_engine)
    clock.advance(10)
    queue(db_engine, clock, (BOARD, progress(2)))
    (after,) = waiting(db_engine)
    assert (after.id, after.next_attempt_at, after.attempts) == (before.id, before.next_attempt_at, 1)
    assert after.message["heading"] == "Question 1.1: 2 of 6 have voted"
    clock.advance(19)
    await sender.drain()
    assert platform.received == []  # the new version does not jump the platform's wait
    clock.advance(2)
    await sender.drain()
    assert [heading for _, heading, _ in platform.received] == ["Question 1.1: 2 of 6 have voted"]


async def test_other_channels_other_keys_and_set_aside_messages_are_not_merged(db_engine):
    clock, platform = Clock(), Platform()
    queue(db_engine, clock, (BOARD, progress(1)))
    queue(db_engine, clock, (OTHER, progress(1)))  # the same key in another channel
    queue(db_engine, clock, (BOARD, progress(1, key="round:a:q2:1")))  # another question
    assert len(waiting(db_engine)) == 2 and len(waiting(db_engine, OTHER)) == 1
    await dispatcher(db_engine, platform, clock).drain()
    assert sorted((where.channel_id, heading) for where, heading, _ in platform.received) == [
        ("C-board", "Question 1.1: 1 of 6 have voted"),
        ("C-board", "Question 1.1: 1 of 6 have voted"),
        ("C-other", "Question 1.1: 1 of 6 have voted"),
    ]

    platform.received.clear()
    queue(db_engine, clock, (BOARD, progress(2)))
    platform.refusals.append(Undeliverable("channel_not_found"))
    await dispatcher(db_engine, platform, clock).drain()
    queue(db_engine, clock, (BOARD, progress(3)))  # the failed version is not brought back
    await dispatcher(db_engine, platform, clock).drain()
    assert [heading for _, heading, _ in platform.received] == ["Question 1.1: 3 of 6 have voted"]


def test_a_keyed_message_for_later_or_with_a_dedupe_key_gets_a_row_of_its_own(db_engine):
    clock = Clock()
    queue(db_engine, clock, (BOARD, progress(1)))
    queue(db_engine, clock, (BOARD, progress(2)), dedupe_key="progress:once")
    with SqlUnitOfWork(db_engine) as uow:
        assert uow.outbox.add(BOARD, progress(3), clock(), not_before=clock() + timedelta(hours=1))
        uow.commit()
    assert len(waiting(db_engine)) == 3


async def test_a_version_given_to_a_row_between_scan_and_claim_is_the_one_sent(db_engine):
    """PostgreSQL's READ COMMITTED lets a command commit between the dispatcher's two statements."""
    if db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite's BEGIN IMMEDIATE runs the two commands one after the other")
    clock, platform = Clock(), Platform()
    queue(db_engine, clock, (BOARD, progress(1)))
    scanned = []

    def a_vote_commits_after_the_scan(connection, cursor, statement, parameters, context, executemany):
        if not scanned and statement.lstrip().upper().startswith("SELECT") and "claimed_until" in statement:
            scanned.append(statement)
            queue(db_engine, clock, (BOARD, progress(2)))

    event.listen(db_engine, "after_cursor_execute", a_vote_commits_after_the_scan)
    try:
        await dispatcher(db_engine, platform, clock).drain()
    finally:
        event.remove(db_engine, "after_cursor_execute", a_vote_commits_after_the_scan)
    assert scanned
    assert [heading for _, heading, _ in platform.received] == ["Question 1.1: 2 of 6 have voted"]
    assert waiting(db_engine) == []


async def test_a_rate_limit_delays_a_message_and_holds_its_channel_but_not_others(db_engine):
    clock, platform = Clock(), Platform()
    queue(db_engine, clock, (BOARD, message("first")), (BOARD, message("second")), (OTHER, message("elsewhere")))
    platform.refusals.append(RetryLater(30, "429 Too Many Requests"))
    sender = dispatcher(db_engine, platform, clock)
    await sender.drain()
    assert [heading for _, heading, _ in platform.received] == ["elsewhere"]
    clock.advance(29)
    await sender.drain()
    assert [heading for _, heading, _ in platform.received] == ["elsewhere"]
    clock.advance(2)
    await sender.drain()
    assert [heading for _, heading, _ in platform.received] == ["elsewhere", "first", "second"]
    with SqlUnitOfWork(db_engine) as uow:
        assert uow.outbox.pending() == 0


async def test_an_undeliverable_message_is_set_aside_and_the_rest_go_on(db_engine):
    clock, platform = Clock(), Platform()
    queue(db_engine, clock, (BOARD, message("to a channel we left")), (OTHER, message("fine")))
    platform.refusals.append(Undeliverable("channel_not_found"))
    report = await dispatcher(db_engine, platform, clock).drain()
    assert (report.sent, report.failed) == (1, 1)
    assert [heading for _, heading, _ in platform.received] == ["fine"]


async def test_an_unexpected_failure_is_retried_not_lost(db_engine):
    clock, platform = Clock(), Platform()
    queue(db_engine, clock, (BOARD, message("important")))
    platform.refusals.append(ConnectionResetError("peer went away"))
    sender = dispatcher(db_engine, platform, clock)
    await sender.drain()
    assert platform.received == []
    clock.advance(600)
    await sender.drain()
    assert [heading for _, heading, _ in platform.received] == ["important"]


def test_a_dedupe_key_keeps_a_message_to_one_copy(db_engine):
    clock = Clock()
    assert queue(db_engine, clock, (BOARD, message("reminder")), dedupe_key="reminder:a:q1:1:amira:1") == [True]
    assert queue(db_engine, clock, (BOARD, message("reminder")), dedupe_key="reminder:a:q1:1:amira:1") == [False]
    with SqlUnitOfWork(db_engine) as uow:
        assert uow.outbox.pending(BOARD) == 1


async def test_two_dispatchers_never_send_one_message_twice(db_engine):
    clock, platform = Clock(), Platform()
    queue(db_engine, clock, *[(Conversation("slack", "T1", f"C{i}"), message(f"m{i}")) for i in range(20)])
    await asyncio.gather(dispatcher(db_engine, platform, clock).drain(), dispatcher(db_engine, platform, clock).drain())
    headings = sorted(heading for _, heading, _ in platform.received)
    assert headings == sorted(f"m{i}" for i in range(20))


def test_messages_survive_the_round_trip_through_the_outbox():
    person = Identity("slack", "T1", "U1")
    from engine.views import Button, Chart, ChartKind, ChoiceInput, Field, Link, Option, Series, TextInput

    original = Message(
        kind=Kind.REVEAL,
        audience=only(person),
        heading="Votes revealed",
        text=("one", "two"),
        fields=(Field("Votes", "6"),),
        inputs=(ChoiceInput("current", "Now", (Option(1, "1 Emerging", "d"),), 1), TextInput("comment", "Comment")),
        buttons=(Button("vote", "Vote", "q1", "primary"),),
        links=(Link("LGA", "https://www.local.gov.uk/", "guidance", "why"),),
        charts=(Chart(ChartKind.RADAR, "t", ("a", "b"), (Series("Now", (1.0, None)),), "alt", 1, 5),),
        footer="f",
        key="k",
    )
    assert message_from_dict(message_to_dict(original)) == original


async def test_health_reports_the_database(db_engine):
    from bot.app import Application
    from bot.catalogue import FrameworkCatalogue
    from bot.config import parse_config
    from bot.server import build_runtime, create_web_app

    application = Application(parse_config("", environ={}), FrameworkCatalogue.load(), db_engine, accord=None)
    app = create_web_app(build_runtime(application), [])
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/healthz")
        assert response.status == 200
        assert await response.json() == {"status": "ok", "database": "ok", "platforms": [], "process": os.getpid()}


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def test_a_long_outage_delays_messages_and_loses_none(db_engine):
    """Slack down for a day: thirty attempts, and the channel still gets its messages, in order, once."""
    clock, platform = Clock(), Platform()
    queue(db_engine, clock, (BOARD, message("Consensus on 1.1")), (BOARD, message("Question 1.2")))
    outage = OutboxDispatcher(db_engine, {"slack": platform}, clock)
    for _ in range(30):
        platform.refusals = [RetryLater(0, "Slack answered 503")]
        await outage.drain()
        clock.advance(3600)  # past any backoff
    platform.refusals = []
    await outage.drain()
    assert [heading for _, heading, _ in platform.received] == ["Consensus on 1.1", "Question 1.2"]
    with SqlUnitOfWork(db_engine) as uow:
        assert uow.outbox.pending() == 0


async def test_a_message_nobody_could_deliver_for_three_days_is_set_aside_and_the_next_goes(db_engine):
    clock, platform = Clock(), Platform()
    queue(db_engine, clock, (BOARD, message("Consensus on 1.1")))
    clock.advance(3600)
    queue(db_engine, clock, (BOARD, message("Question 1.2")))
    clock.advance(3 * 24 * 3600)  # the first is now older than three days; the second is not
    platform.refusals = [RetryLater(0, "Slack answered 503")]
    await dispatcher(db_engine, platform, clock).drain()
    await dispatcher(db_engine, platform, clock).drain()
    assert [heading for _, heading, _ in platform.received] == ["Question 1.2"]
    with SqlUnitOfWork(db_engine) as uow:
        set_aside = [(row.message["heading"], row.last_error) for row in uow.session.exec(select(OutboxRow).where(OutboxRow.failed_at.is_not(None)))]
    assert [heading for heading, _ in set_aside] == ["Consensus on 1.1"]
    assert "gave up after" in set_aside[0][1]


def test_a_claim_that_waited_for_another_never_takes_a_version_the_other_settled(db_engine):
    """Two dispatchers claim at once after a dead one's lease ran out (issue found by
    tests/slack/test_crash_votes.py with two workers on PostgreSQL). The first claims the dead
    one's older version and the newest, and settles the older unsent; the second, which had seen
    both free and waited for the first's lock, must not claim the settled one and send its old
    count after the newest."""
    import threading

    clock = Clock()
    queue(db_engine, clock, (BOARD, progress(3)))
    with SqlUnitOfWork(db_engine) as uow:  # a dispatcher claims "3 of 6" and its process dies
        assert len(uow.outbox.claim_due(clock(), 50, timedelta(seconds=8))) == 1
        uow.commit()
    queue(db_engine, clock, (BOARD, progress(6)))  # behind the claimed one: a row of its own
    clock.advance(9)  # the dead dispatcher's lease has run out

    second: list = []
    with SqlUnitOfWork(db_engine) as first:
        items = first.outbox.claim_due(clock(), 50, timedelta(seconds=8))
        assert [item.message.heading for item in items] == ["Question 1.1: 3 of 6 have voted", "Question 1.1: 6 of 6 have voted"]
        first.outbox.mark_all_sent([items[0].id], clock())  # the older version, superseded

        def claim_meanwhile() -> None:
            with SqlUnitOfWork(db_engine) as uow:
                second.extend(uow.outbox.claim_due(clock(), 50, timedelta(seconds=8)))
                uow.commit()

        other = threading.Thread(target=claim_meanwhile)
        other.start()
        other.join(0.5)  # on PostgreSQL it waits for the first's row locks; on SQLite for its write lock
        first.commit()
    other.join(10)
    assert not other.is_alive()
    assert [item.message.heading for item in second] == []  # nothing to send: "3 of 6" is settled
