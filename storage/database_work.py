"""Where a server's blocking database work runs, so the event loop never waits on it.

Every part of `accord serve` that writes to the database from the event loop (Slack's and
Teams' commands, the outbox dispatcher, Graph's profiles) goes through one `DatabaseWork`; the
scheduler's sweeps run on threads of their own, where waiting for SQLite's lock stops no request:

- SQLite: the one writer thread of `storage.group_commit`. SQLite writes one transaction at a
  time, so threads side by side would only queue for its lock in a busy handler that sleeps in
  steps of milliseconds; in turn on one thread they never wait for each other, and votes that
  arrive together share a commit.
- PostgreSQL: transactions run side by side. Commands (votes) go to one of `LANES` writers,
  always the same one for a conversation, where the votes of one conversation that arrive
  together share a commit (votes on one assessment wait for its row lock in turn anyway);
  other work runs on a small thread pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Engine

from storage.group_commit import GroupCommit, SharedTransaction

T = TypeVar("T")

POOL_THREADS = 8
LANES = 4  # PostgreSQL: writers for commands, so that one conversation's lock waits hold up few others


class DatabaseWork:
    def __init__(self, engine: Engine, *, threads: int = POOL_THREADS, lanes: int = LANES) -> None:
        grouped = engine.dialect.name == "sqlite"
        self._group = GroupCommit(engine) if grouped else None
        self._lanes = [] if grouped else [GroupCommit(engine, keyed=True) for _ in range(lanes)]
        self._pool = None if grouped else ThreadPoolExecutor(max_workers=threads, thread_name_prefix="accord-db")

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)`, which opens its own units of work, off the event loop."""
        if self._group is not None:
            return await self._group.call(function, *args)
        return await asyncio.get_running_loop().run_in_executor(self._pool, partial(function, *args))

    async def command(self, command: Callable[[SharedTransaction], T], conversation: Hashable) -> T:
        """A command that changes the assessment of `conversation` (a vote), in a group commit.

        `command` opens its units of work with ``shared=`` the transaction it is given.
        """
        if self._group is not None:
            return await self._group.run(command)
        lane = self._lanes[hash(conversation) % len(self._lanes)]
        return await lane.run(command, conversation)

    def close(self) -> None:
        """Finish the work asked for and stop the threads (the server is stopping)."""
        if self._group is not None:
            self._group.close()
        for lane in self._lanes:
            lane.close()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
