"""The database's writers: threads that run commands (votes) in groups sharing one commit.

A vote is a small transaction, and most of its cost is the transaction itself: beginning it,
taking the assessment's lock, and the commit waiting for the disk (SQLite with
``synchronous=FULL`` and PostgreSQL both make a vote the voter was told is saved survive a power
cut). So commands are grouped (`run`): the commands waiting when a writer comes back from a
commit run one after another in one transaction, each in its own savepoint, and the transaction
commits once, as databases do with their log ("group commit"). Nobody is answered before that
commit, so an answer still means the change is stored. Each command keeps its own
all-or-nothing: one that fails (a refused vote, a replayed delivery, a bug) rolls back to its
savepoint and gets its own exception while the others go on; if the shared commit itself fails,
every command of the group gets that failure and nothing of any of them is stored, which is
what each was told. No group waits for more commands to arrive: a vote alone commits as soon
as it would have anyway.

- SQLite lets one transaction write at a time: the server gives all its SQLite work to one
  writer, in the order it was asked for, and a group may hold commands on any assessment.
  Threads side by side would only queue for SQLite's lock in its busy handler, which sleeps in
  steps of milliseconds. Other work (`call`) runs alone on the same thread, between groups, with
  its own units of work: a command there opens its own transaction, so it must never run inside
  a group.
- PostgreSQL runs transactions side by side, and its row locks are what order two commands on
  one assessment. A group there holds only commands of one conversation (`keyed`): they lock
  the same assessment row, so two groups, in this process or another, never wait for each
  other's locks in opposite orders (a deadlock). `storage.database_work` gives each
  conversation one of a few writers, so conversations still commit side by side.

The event loop goes on reading and answering requests while a writer waits for the database
(Python lets other threads run during that wait). A grouped command is a function of the
`SharedTransaction`, which opens its units of work (`SqlUnitOfWork(engine, shared=...)`).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from storage.outbox import HeldVersions
from storage.tracking import PendingCache, cache_for
from storage.unit_of_work import SessionOnDemand

log = logging.getLogger("accord.storage")

T = TypeVar("T")

# The most commands one transaction takes: it holds SQLite's write lock, so a scheduler sweep
# or another process waits at most this many commands' time.
MOST_PER_GROUP = 64


@dataclass
class SharedTransaction:
    """The transaction a group of commands runs in, and the cache view that goes with it."""

    connection: Connection
    cache: PendingCache
    held: HeldVersions = field(default_factory=HeldVersions)
    _savepoints: int = 0

    def savepoint(self) -> str:
        """Begin a command's savepoint; its name, to release it or roll back to it."""
        self._savepoints += 1
        name = f"accord_{self._savepoints}"
        self._driver().execute(f"SAVEPOINT {name}")
        return name

    def release(self, name: str) -> None:
        """Keep the command's writes in the shared transaction."""
        self._driver().execute(f"RELEASE SAVEPOINT {name}")

    def _driver(self) -> Any:
        # Every grouped command begins and releases a savepoint: two fixed statements that need
        # nothing of SQLAlchemy's (no parameters, no result). Through its execution context they
        # cost a sixth of a grouped vote, enough to miss the Slack target (the what-if rows of
        # docs/benchmarks.md), so they go to the driver's connection (sqlite3 or psycopg) of the
        # same transaction, `PoolProxiedConnection.driver_connection`; its errors reach the
        # command or the group as any other exception would. Rolling back to a savepoint, rare,
        # goes the usual way. On PostgreSQL a row lock taken inside a savepoint that is rolled
        # back is let go, which is why only a command whose savepoint was released counts as
        # holding its assessment (`storage.tracking.PendingCache`).
        return self.connection.connection.driver_connection

    def roll_back_to(self, name: str) -> None:
        """Undo the command's writes; the transaction and the commands before it carry on."""
        self.connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {name}")
        self.connection.exec_driver_sql(f"RELEASE SAVEPOINT {name}")


@dataclass
class _Job:
    grouped: bool
    work: Callable[..., Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future
    key: Hashable = None  # what a group's commands must share when the writer is `keyed`


_STOP = object()


class GroupCommit:
    """One writer thread; `run` and `call` are awaited from an event loop.

    `keyed`: a group takes only commands run with the same key (PostgreSQL, by conversation).
    """

    def __init__(self, engine: Engine, *, most: int = MOST_PER_GROUP, keyed: bool = False) -> None:
        self._engine = engine
        self._most = most
        self._keyed = keyed
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    async def run(self, command: Callable[[SharedTransaction], T], key: Hashable = None) -> T:
        """Run `command` in the next group (of `key`'s); its result once the group has committed."""
        return await self._submit(True, command, key)

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """Run `function(*args)` alone on the writer thread, in turn with everything else."""
        return await self._submit(False, partial(function, *args) if args else function)

    def close(self) -> None:
        """Finish what was asked, then stop the thread (the server is shutting down)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._jobs.put(_STOP)
            thread.join()

    async def _submit(self, grouped: bool, work: Callable[..., Any], key: Hashable = None) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._start()
        self._jobs.put(_Job(grouped, work, loop, future, key))
        return await future

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="accord-db-writer", daemon=True)
                self._thread.start()

    # ------------------------------------------------------------------ the thread

    def _serve(self) -> None:
        waiting = None  # a job taken from the queue that does not belong in the group before it
        while True:
            job, waiting = (waiting if waiting is not None else self._jobs.get()), None
            if job is _STOP:
                return
            if not job.grouped:
                self._alone(job)
                continue
            group = [job]
            while len(group) < self._most:
                following = self._next()
                if following is None:
                    break
                if following is _STOP or not following.grouped or (self._keyed and following.key != job.key):
                    waiting = following
                    break
                group.append(following)
            self._group(group)

    def _next(self) -> Any:
        try:
            return self._jobs.get_nowait()
        except queue.Empty:
            return None

    def _alone(self, job: _Job) -> None:
        try:
            outcome = (True, job.work())
        except Exception as failed:  # noqa: BLE001 - it is this job's answer
            outcome = (False, failed)
        _answer(job.loop, [(job.future, *outcome)])

    def _group(self, group: list[_Job]) -> None:
        outcomes: list[tuple[asyncio.Future, bool, Any]] = []
        try:
            with self._engine.connect() as connection:
                with connection.begin():
                    shared = SharedTransaction(connection, PendingCache(cache_for(self._engine)))
                    for job in group:
                        try:
                            outcomes.append((job.future, True, job.work(shared)))
                        except Exception as failed:  # noqa: BLE001 - it is this command's answer
                            outcomes.append((job.future, False, failed))
                    if shared.held:
                        shared.held.write(SessionOnDemand(connection))  # type: ignore[arg-type]
                    shared.cache.settle(connection)
        except Exception as failed:  # noqa: BLE001 - the commit (or BEGIN) failed: nothing was stored
            log.error("a group of %d commands could not be committed: %s", len(group), failed)
            own = {id(future): value for future, ok, value in outcomes if not ok}
            outcomes = [(job.future, False, own.get(id(job.future), failed)) for job in group]
        else:
            shared.cache.publish()
        by_loop: dict[asyncio.AbstractEventLoop, list] = {}
        for job, outcome in zip(group, outcomes):
            by_loop.setdefault(job.loop, []).append(outcome)
        for loop, settled in by_loop.items():
            _answer(loop, settled)


def _answer(loop: asyncio.AbstractEventLoop, outcomes: list[tuple[asyncio.Future, bool, Any]]) -> None:
    try:
        loop.call_soon_threadsafe(_settle_all, outcomes)
    except RuntimeError:  # the loop has closed: nobody is waiting any more
        log.warning("%d database commands finished after their event loop had closed", len(outcomes))


def _settle_all(outcomes: list[tuple[asyncio.Future, bool, Any]]) -> None:
    for future, ok, value in outcomes:
        if future.done():  # its request was cancelled meanwhile
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)
