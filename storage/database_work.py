"""Where a server's blocking database work runs, so the event loop never waits on it.

Every part of `accord serve` that writes to the database from the event loop (Slack's and
Teams' commands, the outbox dispatcher, Graph's profiles) goes through one `DatabaseWork`; the
scheduler's sweeps run on threads of their own, where waiting for SQLite's lock stops no request:

- SQLite: the one writer thread of `storage.group_commit`. SQLite writes one transaction at a
  time, so threads side by side would only queue for its lock in a busy handler that sleeps in
  steps of milliseconds; in turn on one thread they never wait for each other, and votes that
  arrive together share a commit.
- PostgreSQL: a small thread pool, since transactions there run side by side.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Engine

from storage.group_commit import GroupCommit, SharedTransaction

T = TypeVar("T")

POOL_THREADS = 8


class DatabaseWork:
    def __init__(self, engine: Engine, *, threads: int = POOL_THREADS) -> None:
        grouped = engine.dialect.name == "sqlite"
        self._group = GroupCommit(engine) if grouped else None
        self._pool = None if grouped else ThreadPoolExecutor(max_workers=threads, thread_name_prefix="accord-db")

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)`, which opens its own units of work, off the event loop."""
        if self._group is not None:
            return await self._group.call(function, *args)
        return await asyncio.get_running_loop().run_in_executor(self._pool, partial(function, *args))

    async def command(self, command: Callable[[SharedTransaction | None], T]) -> T:
        """A command that changes an assessment (a vote): in a group commit on SQLite.

        `command` opens its units of work with ``shared=`` what it is given (None on PostgreSQL,
        where it runs in a transaction of its own).
        """
        if self._group is not None:
            return await self._group.run(command)
        return await asyncio.get_running_loop().run_in_executor(self._pool, command, None)

    def close(self) -> None:
        """Finish the work asked for and stop the threads (the server is stopping)."""
        if self._group is not None:
            self._group.close()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
