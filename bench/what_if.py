"""What-if servers: Accord without one of its speed mechanisms, to show what each one is worth.

A mechanism stays only while a target's ratio needs it (docs/architecture.md); these switches
run the same server without it, in the benchmark's server process only.
"""

from __future__ import annotations

WITHOUT_TRACKING_CACHE = "without the tracking cache"  # every command reads its assessment from the tables


def without_tracking_cache() -> None:
    """Every unit of work's repository starts with no cache (`storage.tracking`)."""
    from storage import repository

    plain = repository.AssessmentRepository.__init__

    def uncached(self, session, cache=None) -> None:  # noqa: ANN001 - the repository's own signature
        plain(self, session, None)

    repository.AssessmentRepository.__init__ = uncached


SAVEPOINTS_THROUGH_SQLALCHEMY = "with its savepoints through Connection.exec_driver_sql"


def savepoints_through_sqlalchemy() -> None:
    """A grouped command's SAVEPOINT and RELEASE go through SQLAlchemy's execution context."""
    from storage.group_commit import SharedTransaction

    class Through:
        def __init__(self, connection) -> None:  # noqa: ANN001
            self._connection = connection

        def execute(self, sql: str) -> None:
            self._connection.exec_driver_sql(sql)

    SharedTransaction._driver = lambda self: Through(self.connection)
