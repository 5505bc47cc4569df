"""Claims on outbox messages: short, renewed while the sender lives, passed on when it dies.

A dispatcher claims what it sends for a lease of seconds (`bot.delivery.LEASE`) and renews the
claim while a send is still in flight, so a slow platform never loses a live claim and a dead
process's messages go out from another within about a lease. A message taken over that way is
handed to the platform's deliverer marked uncertain: its first attempt may have arrived.

A recording deliverer stands in for the platform; the outbox, the dispatchers and the database
are the real ones (SQLite, and PostgreSQL when set).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from bot.delivery import LEASE, Attempt, OutboxDispatcher
from engine.assessment import Conversation
from engine.views import CHANNEL, Kind, Message
from storage.unit_of_work import SqlUnitOfWork
from tests.clock import Clock

BOARD = Conversation("slack", "T1", "C-board")


class Platform:
    """Records each delivery with the attempt it was told about; can be made slow."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.received: list[tuple[str, Attempt | None]] = []

    async def deliver(self, conversation, message, previous, done=None, attempt=None):
        if self.seconds:
            await asyncio.sleep(self.seconds)
        self.received.append((message.heading, attempt))


def queue(database, now: datetime, *headings: str) -> None:
    with SqlUnitOfWork(database) as uow:
        for heading in headings:
            uow.outbox.add(BOARD, Message(kind=Kind.NOTICE, audience=CHANNEL, heading=heading), now)
        uow.commit()


def claim_and_die(database, now: datetime, lease: timedelta = LEASE) -> list[int]:
    """A dispatcher claims what is due, and its process dies before recording anything."""
    with SqlUnitOfWork(database) as uow:
        claimed = uow.outbox.claim_due(now, 50, lease)
        uow.commit()
    return [item.id for item in claimed]


async def test_every_delivery_names_its_outbox_message_and_a_first_attempt_is_not_uncertain(db_engine):
    clock, platform = Clock(), Platform()
    queue(db_engine, clock(), "Sam started an assessment")
    await OutboxDispatcher(db_engine, {"slack": platform}, clock).drain()
    ((_, attempt),) = platform.received
    assert attempt is not None and attempt.uncertain is False
    assert attempt.queued_at == clock()
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        assert uow.outbox.pending() == 0


async def test_a_dead_dispatchers_messages_pass_to_another_within_the_lease_marked_uncertain(db_engine):
    clock, platform = Clock(), Platform()
    queue(db_engine, clock(), "Summary of question 1.1", "Question 1.2")
    assert len(claim_and_die(db_engine, clock())) == 2
    successor = OutboxDispatcher(db_engine, {"slack": platform}, clock)

    clock.advance(LEASE.total_seconds() - 1)
    await successor.drain()
    assert platform.received == []  # the claim still stands: its owner might be alive

    clock.advance(2)  # the owner did not renew it: it is dead, or too stalled to count on
    report = await successor.drain()
    assert report.sent == 2
    assert [(heading, attempt.uncertain) for heading, attempt in platform.received] == [
        ("Summary of question 1.1", True),
        ("Question 1.2", True),
    ]
    assert LEASE <= timedelta(seconds=10)  # "within seconds": the bound


async def test_a_slow_send_longer_than_the_lease_keeps_its_claim_while_its_sender_lives(db_engine):
    """The first dispatcher's heartbeat renews the claim; the second never gets the message."""
    lease = timedelta(seconds=0.6)
    slow, other = Platform(seconds=2.0), Platform()

    def clock() -> datetime:
        return datetime.now(timezone.utc)

    queue(db_engine, clock(), "Votes revealed")
    first = OutboxDispatcher(db_engine, {"slack": slow}, clock, lease=lease)
    second = OutboxDispatcher(db_engine, {"slack": other}, clock, lease=lease)
    sending = asyncio.create_task(first.drain())
    for _ in range(22):  # 2.2 s of a second process looking for work, three leases and more
        await asyncio.sleep(0.1)
        await second.drain()
    report = await sending
    assert report.sent == 1
    assert [heading for heading, _ in slow.received] == ["Votes revealed"]
    assert other.received == []
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        assert uow.outbox.pending() == 0


async def test_a_dispatcher_that_cannot_renew_its_claim_stops_and_leaves_the_rest_to_another(db_engine):
    """Stalled past its lease, it sends none of the messages another dispatcher may have taken."""
    lease = timedelta(seconds=0.6)

    def clock() -> datetime:
        return datetime.now(timezone.utc)

    async def database_out_of_reach_for_renewals(function, *args):
        if function.__name__ == "_renew":
            raise ConnectionError("the database did not answer")
        return function(*args)

    stalled, successor = Platform(seconds=1.5), Platform()
    queue(db_engine, clock(), "first", "second", "third")
    first = OutboxDispatcher(db_engine, {"slack": stalled}, clock, lease=lease, run=database_out_of_reach_for_renewals)
    sending = asyncio.create_task(first.drain())
    await asyncio.sleep(0.8)  # its claim has run out unrenewed while "first" is still on its way
    taken = await OutboxDispatcher(db_engine, {"slack": successor}, clock, lease=timedelta(seconds=30)).drain()
    report = await sending
    assert taken.sent == 3
    assert [(heading, attempt.uncertain) for heading, attempt in successor.received] == [
        ("first", True),  # the one in flight: the platform is told to look before sending
        ("second", True),
        ("third", True),
    ]
    assert [heading for heading, _ in stalled.received] == ["first"]  # and nothing after it
    assert report.sent == 1


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
