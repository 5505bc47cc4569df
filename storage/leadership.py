"""Which process runs the scheduler's sweeps: a PostgreSQL advisory lock, held on its own connection.

Several `accord serve` workers can share one PostgreSQL; only the one holding this lock sweeps
for due reminders, deadlines and digests. When it stops, its connection closes, the lock is
freed and another worker takes it at its next tick. On SQLite one process runs them.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine, text

log = logging.getLogger("accord.scheduler")

# Names Accord's scheduler lock among PostgreSQL's two-key advisory locks ("Acco"); the second
# key is the schema's hash, so installs in separate schemas of one database do not block each other.
LOCK_CLASS = 0x4163636F


class Leadership:
    """Whether this process runs the sweeps: always on SQLite; on PostgreSQL, while it holds the lock.

    The lock is PostgreSQL's session-level advisory lock, taken with `pg_try_advisory_lock` on
    a connection kept open for it (in autocommit, so it never sits idle in a transaction). It is
    held for as long as that connection lives: a process that stops or loses the connection
    frees it, and the next process to ask takes it over.
    """

    def __init__(self, database: Engine) -> None:
        self._database = database
        self._connection = None
        self._holding = False
        self._mutex = threading.Lock()

    @property
    def shared(self) -> bool:
        return self._database.dialect.name == "postgresql"

    def holds(self) -> bool:
        if not self.shared:
            return True
        with self._mutex:
            try:
                if self._connection is None:
                    self._connection = self._database.connect().execution_options(isolation_level="AUTOCOMMIT")
                if self._holding:
                    self._connection.execute(text("SELECT 1"))
                    return True
                got = self._connection.execute(
                    text("SELECT pg_try_advisory_lock(:class, hashtext(current_schema()))"), {"class": LOCK_CLASS}
                ).scalar()
                if got:
                    self._holding = True
                    log.info("this process now runs the scheduler's sweeps")
                return bool(got)
            except Exception:  # noqa: BLE001 - a lost connection means a lost lock; try again next tick
                log.warning("lost the scheduler lock's connection; will try again", exc_info=True)
                self._drop()
                return False

    def release(self) -> None:
        with self._mutex:
            if self._connection is not None and self._holding:
                try:
                    self._connection.execute(
                        text("SELECT pg_advisory_unlock(:class, hashtext(current_schema()))"), {"class": LOCK_CLASS}
                    )
                except Exception:  # noqa: BLE001 - closing the connection frees it anyway
                    log.debug("could not unlock; closing the connection frees the lock", exc_info=True)
            self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # noqa: BLE001
                pass
        self._connection = None
        self._holding = False
