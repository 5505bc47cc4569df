"""Delivering what the outbox holds: one dispatcher, one `Deliverer` per platform.

A platform adapter implements `Deliverer.deliver`: post a message to a channel or a person, or
update the message posted earlier under the same key (a question's progress line), and say
what it posted so the next update can find it. It raises `RetryLater` for a rate limit or an
outage (Slack's 429 with Retry-After, a Bot Framework 503) and `Undeliverable` for what will
never work (a channel the bot was removed from). The dispatcher records every outcome in the
outbox, so a message is never lost.

A dispatcher claims what it sends for a short lease (`LEASE`) and renews the claim while it is
still sending, however slow the platform: a claim passes to a live process within about a lease
of its owner dying, and never while the owner lives. A message taken over that way may have
reached the platform in the attempt that died with its process, so the deliverer is told
(`Attempt.uncertain`): a platform that can tell whether it arrived (Slack, by the outbox id in
the message's metadata) looks before sending; one that cannot (Teams) may show that one message
twice. Only the message in flight can be in that state: the others claimed with it had not
been started.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Engine

from engine.assessment import Conversation
from engine.views import Message
from storage.unit_of_work import SqlUnitOfWork

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """The platform cannot take the message now; try again after `seconds`.

    `done`: what part of the message did reach the platform (a post whose chart upload was then
    refused), in the deliverer's own words. The outbox keeps it with the message and the next
    attempt gets it back, whichever process makes it, so nothing is sent twice.
    """

    def __init__(self, seconds: float, reason: str = "", *, done: dict[str, Any] | None = None) -> None:
        super().__init__(reason or f"retry after {seconds:g} s")
        self.seconds = max(0.0, seconds)
        self.done = done


class Undeliverable(Exception):
    """The message can never be delivered as it is; it is set aside with the reason."""


@dataclass(frozen=True)
class Attempt:
    """Which outbox message a delivery is, for a platform that can mark it and look for it later."""

    outbox_id: int
    queued_at: datetime | None  # it cannot have reached the platform before this
    # An earlier attempt may have reached the platform without its outcome being recorded (its
    # process died mid-send): look before sending, where the platform allows.
    uncertain: bool = False


class Deliverer(Protocol):
    async def deliver(
        self,
        conversation: Conversation,
        message: Message,
        previous: dict[str, Any] | None,
        done: dict[str, Any] | None = None,
        attempt: Attempt | None = None,
    ) -> dict[str, Any] | None:
        """Post the message, or update the one `previous` refers to; return a ref for keyed messages.

        `done`: what an earlier attempt said it had delivered (`RetryLater.done`), or None.
        `attempt`: the outbox message being delivered; None for a message sent outside the outbox.
        """


@dataclass
class DrainReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


# How long a claim lasts unless its dispatcher renews it; renewed every third of it while held.
# It bounds how long a channel waits after the process sending to it dies (the other processes,
# or this one restarted, take the message over as its claim runs out), and it is long enough
# that a live process, renewing every few seconds, never loses a claim to a hiccup.
LEASE = timedelta(seconds=8)


@dataclass
class _Claim:
    """The messages a dispatcher holds from one claim, and the end of the claim (its token)."""

    ids: set[int]
    until: datetime
    lost: set[int] = field(default_factory=set)
    # One renewal at a time: the claim's end is the token the next renewal must present.
    renewing: asyncio.Lock = field(default_factory=asyncio.Lock)


# An outage or a rate limit only delays a message, however many attempts it takes: a council's
# channel should get its summary after a long Slack or Teams outage too. Only a message still
# waiting after this long is set aside (its reason kept in outbox.last_error), so that a channel
# Accord can no longer reach does not hold its later messages for ever.
KEEP_TRYING_FOR = timedelta(days=3)


def backoff(attempts: int) -> timedelta:
    """Waits between retries when the platform gives no Retry-After: 2 s, 4 s, 8 s ... at most 10 min."""
    return timedelta(seconds=min(600, 2**attempts))


class OutboxDispatcher:
    def __init__(
        self,
        database: Engine,
        deliverers: Mapping[str, Deliverer],
        clock: Callable[[], datetime],
        *,
        batch: int = 50,
        lease: timedelta = LEASE,
        keep_trying_for: timedelta = KEEP_TRYING_FOR,
        gather: float = 0.0,
        run: Callable[..., Awaitable[Any]] | None = None,
    ) -> None:
        self._database = database
        # Where its database work runs: the server's `storage.database_work`, so the event
        # loop never waits for SQLite; None runs it right here (tests, the console).
        self._run = run or _here
        self._deliverers = dict(deliverers)
        self._clock = clock
        self._batch = batch
        self._lease = lease
        self._keep_trying_for = keep_trying_for
        self._gather = gather
        self._wake = asyncio.Event()
        self._claims_end: datetime | None = None  # when the first claim held by another process runs out

    def register(self, platform: str, deliverer: Deliverer) -> None:
        self._deliverers[platform] = deliverer

    def wake(self) -> None:
        """Ask the running loop to drain now (a use case just queued something)."""
        self._wake.set()

    async def drain(self) -> DrainReport:
        """Deliver everything due now, batch after batch while a batch comes back full.

        What is queued while a pass runs waits for the next pass (its command woke the
        dispatcher), so that under a stream of votes every pass sends a question's progress
        line once, at its newest, instead of chasing each vote.
        """
        report = DrainReport()
        holding: list[_Claim] = []  # this drain's current claim, renewed by its heartbeat
        heartbeat = asyncio.create_task(self._heartbeat(holding))
        try:
            while True:
                items, superseded, until, self._claims_end = await self._run(self._claim)  # superseded settled already
                if not items:
                    return report
                claim = _Claim({item.id for item in items}, until)
                holding[:] = [claim]
                report.sent += len(superseded)
                full = len(items) + len(superseded) >= self._batch  # a full claim: more may be due
                blocked: set[Conversation] = set()
                for item in items:
                    if self._clock() >= claim.until and not await self._keep(claim):
                        # The heartbeat could not renew the claim (the database out of reach, or
                        # this process stalled): another dispatcher may have these messages now.
                        log.warning("stopped sending: the claim on outbox messages %s could not be renewed", sorted(claim.ids))
                        return report
                    if item.id in claim.lost:
                        continue  # another dispatcher has it now (this one stalled past its lease)
                    if item.conversation in blocked:
                        # An earlier message to this channel is waiting: keep the channel's order.
                        await self._run(self._release, item.id)
                        claim.ids.discard(item.id)
                        continue
                    outcome = await self._deliver_one(item)
                    claim.ids.discard(item.id)
                    if outcome == "sent":
                        report.sent += 1
                    elif outcome == "retry":
                        report.retried += 1
                        blocked.add(item.conversation)
                    else:
                        report.failed += 1
                if not full:
                    return report
        finally:
            heartbeat.cancel()

    async def _heartbeat(self, holding: list[_Claim]) -> None:
        """Renew the claim on what a drain still holds, every third of the lease, while it runs."""
        every = self._lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            if holding and holding[0].ids:
                await self._keep(holding[0])

    async def _keep(self, claim: _Claim) -> bool:
        """Renew `claim`; False if the database could not be asked (the next beat tries again)."""
        async with claim.renewing:
            held, until = sorted(claim.ids), self._clock() + self._lease
            try:
                taken = await self._run(self._renew, held, claim.until, until)
            except Exception:  # noqa: BLE001 - a failed renewal must not end the drain; the lease has time to spare
                log.warning("could not renew the claim on outbox messages %s", held, exc_info=True)
                return False
            claim.until = until
        lost = taken & claim.ids
        if lost:
            claim.lost |= lost
            claim.ids -= lost
            log.warning("outbox messages %s were taken over by another process after this one's claim ran out", sorted(lost))
        return True

    def _renew(self, item_ids: list[int], held: datetime, until: datetime) -> set[int]:
        with SqlUnitOfWork(self._database) as uow:
            taken = uow.outbox.renew(item_ids, held, until)
            uow.commit()
        return taken

    def _claim(self) -> tuple[list, list, datetime, datetime | None]:
        now = self._clock()
        with SqlUnitOfWork(self._database) as uow:
            items = uow.outbox.claim_due(now, self._batch, self._lease)
            # A question's message is updated on every vote; when several versions wait, only
            # the newest is worth sending. The older ones are settled without a platform call,
            # which also keeps a burst of votes well inside the platforms' rate limits. The
            # outbox already merges versions queued back to back; several still arrive here
            # when one was queued while an older one was in flight, or behind another message.
            newest = {(i.conversation, i.key): i for i in items if i.key}
            superseded = [i for i in items if i.key and newest[(i.conversation, i.key)] is not i]
            uow.outbox.mark_all_sent([i.id for i in superseded], self._clock())
            uow.commit()
        # The newest version goes out where the oldest stood in its channel's order: a question
        # not posted yet must still come before the reveal queued after it.
        in_place: list = []
        placed: set = set()
        for item in items:
            if not item.key:
                in_place.append(item)
            elif (item.conversation, item.key) not in placed:
                placed.add((item.conversation, item.key))
                in_place.append(newest[(item.conversation, item.key)])
        return in_place, superseded, now + self._lease, uow.outbox.claims_end

    def _release(self, item_id: int) -> None:
        with SqlUnitOfWork(self._database) as uow:
            uow.outbox.release(item_id)
            uow.commit()

    async def _deliver_one(self, item) -> str:
        deliverer = self._deliverers.get(item.conversation.platform)
        key = item.message.key
        now = self._clock()
        if deliverer is None:
            await self._run(self._record, item, "failed", f"no deliverer for {item.conversation.platform}")
            return "failed"
        previous = await self._run(self._posted_ref, item.conversation, key) if key else None
        if item.taken_over:
            log.info(
                "message %s to %s was claimed by a process that stopped before recording whether it was sent; trying it again",
                item.id, item.conversation,
            )  # fmt: skip
        attempt = Attempt(item.id, item.created_at, uncertain=item.taken_over)
        try:
            ref = await deliverer.deliver(item.conversation, item.message, previous, item.delivered, attempt)
        except RetryLater as wait:
            if item.created_at is not None and now - item.created_at > self._keep_trying_for:
                await self._run(self._record, item, "failed", f"gave up after {item.attempts} attempts over {now - item.created_at}: {wait}")
                log.error("message %s to %s set aside after %s of outage: %s", item.id, item.conversation, now - item.created_at, wait)
                return "failed"
            retry_at = now + max(timedelta(seconds=wait.seconds), timedelta(seconds=0))
            if wait.seconds <= 0:
                retry_at = now + backoff(item.attempts)
            await self._run(self._record, item, "retry", str(wait), retry_at, wait.done)
            log.warning("delivery to %s delayed until %s: %s", item.conversation, retry_at, wait)
            return "retry"
        except Undeliverable as never:
            await self._run(self._record, item, "failed", str(never))
            log.error("message %s to %s set aside: %s", item.id, item.conversation, never)
            return "failed"
        except Exception as broken:  # noqa: BLE001 - an unexpected failure must not lose the message
            log.exception("delivery of message %s failed", item.id)
            await self._run(self._record, item, "retry", f"{type(broken).__name__}: {broken}", now + backoff(item.attempts))
            return "retry"
        await self._run(self._sent, item, key, ref)
        return "sent"

    def _posted_ref(self, conversation: Conversation, key: str) -> dict[str, Any] | None:
        with SqlUnitOfWork(self._database, read_only=True) as uow:
            return uow.outbox.posted_ref(conversation, key)

    def _sent(self, item, key: str | None, ref: dict[str, Any] | None) -> None:
        with SqlUnitOfWork(self._database) as uow:
            if key and ref is not None:
                uow.outbox.remember_ref(item.conversation, key, ref, self._clock())
            uow.outbox.mark_sent(item.id, self._clock())
            uow.commit()

    def _record(self, item, outcome: str, reason: str, at: datetime | None = None, done: dict[str, Any] | None = None) -> None:
        with SqlUnitOfWork(self._database) as uow:
            if outcome == "retry":
                uow.outbox.retry_later(item.id, at or self._clock(), reason, done)
            else:
                uow.outbox.give_up(item.id, self._clock(), reason)
            uow.commit()

    def _next_pass(self, interval: float) -> float:
        """Seconds to the next pass: `interval`, or sooner when a claim held elsewhere runs out."""
        if self._claims_end is None:
            return interval
        return min(interval, max(0.05, (self._claims_end - self._clock()).total_seconds() + 0.05))

    async def run(self, stop: asyncio.Event, interval: float = 2.0) -> None:
        """Drain whenever woken, and every `interval` seconds for retries that came due.

        Once woken it first waits `gather` seconds, so that what a burst of commands queues is
        sent together: when eight members vote within a second, the question's progress line is
        updated once or twice rather than eight times (see `drain`), which keeps the channel calm,
        stays well inside Slack's and Teams' rate limits, and leaves the votes the machine.
        """
        while not stop.is_set():
            try:
                await self.drain()
            except Exception:  # noqa: BLE001 - keep the loop alive; the next pass retries
                log.exception("the outbox dispatcher failed a pass")
            self._wake.clear()
            waiters = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())]
            await asyncio.wait(waiters, timeout=self._next_pass(interval), return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
            if self._gather and self._wake.is_set() and not stop.is_set():
                stopping = asyncio.create_task(stop.wait())
                await asyncio.wait([stopping], timeout=self._gather)
                stopping.cancel()


async def _here(function: Callable[..., Any], *args: Any) -> Any:
    return function(*args)
