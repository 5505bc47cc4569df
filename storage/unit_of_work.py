"""The unit of work: one transaction around one command, rolled back unless committed.

The pattern from cosmicpython (`service_layer/unit_of_work.py`). A use case in `bot/` runs as

    with SqlUnitOfWork(engine) as uow:
        assessment = uow.assessments.get(assessment_id, for_update=True)
        outcome = assessment.cast_vote(voter, question_id, current, ambition, now)
        uow.commit()

and if anything raises before `commit()` (a refused vote, a bug, a lost connection), leaving
the block rolls the transaction back and nothing is stored: bad input changes nothing.

`commit()` first writes the changes of every assessment loaded or added in this unit of work
(`AssessmentRepository.save_all`; an unchanged one costs no statement), so a use case cannot
lose its work by forgetting `save()`. Once the database has committed, those assessments are
kept in the process's cache (`storage.tracking`), so the next command on one of them skips
reading it again; a rolled-back unit of work leaves the cache as it was. `save()` is still there for writing early, e.g. to see a
refusal from the database before doing more.

Every table a use case touches has its repository here (assessments, outbox, profiles,
schedule, reports), so a use case never needs the session, and a fake unit of work can stand
in for this one in service tests.

A unit of work opened with `receipt=` (`storage.receipts`) records that receipt in the
transaction it commits; when the receipt is already there, the request was applied before, so
`commit()` rolls back and raises `Replayed` instead of applying it twice.

`commit()` also writes the audit trail (`storage.audit`): the events each of those assessments
recorded (`Assessment.pending_audit`) go to the end of its chain in the same transaction, so an
entry exists exactly when its change does, and a rolled-back command leaves none. `platform` is
set by the use case to the platform the request came from (the scheduler's sweeps leave it).

A unit of work opened with `shared=` (a `storage.group_commit.SharedTransaction`) runs inside
a transaction that several commands share: it begins a savepoint, its `commit()` releases it,
and what it wrote counts as committed (for the cache too) only when the shared transaction does.
Versions of a keyed message it queues wait for the shared commit too (`storage.outbox`).
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlmodel import Session

from storage.audit import AuditLog
from storage.database import read_only as read_only_engine
from storage.outbox import HeldVersions, OutboxRepository
from storage.profiles import ProfileRepository
from storage.receipts import Receipt, ReceiptRepository, Replayed
from storage.reports import ReportQueries
from storage.schedule import ScheduleRepository
from storage.repository import AssessmentRepository, refusals_translated
from storage.tracking import cache_for

if TYPE_CHECKING:
    from storage.group_commit import SharedTransaction


class SqlUnitOfWork:
    """A session and a transaction for one command; `assessments` is its repository.

    `read_only=True` is for commands that only look (status, summaries, lists): on SQLite their
    transaction does not take the write lock, so they never wait behind a vote, and `commit()`
    is refused.
    """

    assessments: AssessmentRepository
    outbox: OutboxRepository
    profiles: ProfileRepository
    schedule: ScheduleRepository  # the scheduler's rows: reminders sent, digests planned
    reports: ReportQueries  # organisations, earlier assessments and peers, for reports
    audit: AuditLog  # the hash-chained audit trail
    platform: str | None = None  # where the request came from, for the trail; None: the scheduler

    def __init__(
        self, engine: Engine, *, read_only: bool = False, shared: SharedTransaction | None = None, receipt: Receipt | None = None
    ) -> None:
        self._engine = engine
        self._receipt = receipt
        self._read_only = read_only
        self._shared = shared
        self._savepoint: str | None = None
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use it in a `with` block")
        return self._session

    def __enter__(self) -> SqlUnitOfWork:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        # No autoflush: the repository decides when rows are written, so a query never sends
        # half-made changes. No expiry on commit: the rows stay usable for diffing afterwards.
        if self._shared is not None:
            # The session joins the shared transaction and never ends it: rollback goes to the
            # command's savepoint (below).
            self._savepoint = self._shared.savepoint()
            self._session = SessionOnDemand(self._shared.connection)  # type: ignore[assignment]
            cache = self._shared.cache
        else:
            bind = read_only_engine(self._engine) if self._read_only else self._engine
            self._session = Session(bind, autoflush=False, expire_on_commit=False)
            cache = cache_for(self._engine)
        self.assessments = AssessmentRepository(self._session, cache)
        self._held = HeldVersions() if self._shared is not None else None
        self.outbox = OutboxRepository(self._session, self._held)
        self.profiles = ProfileRepository(self._session)
        self.schedule = ScheduleRepository(self._session, self.assessments)
        self.reports = ReportQueries(self._session)
        self.audit = AuditLog(self._session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.rollback()  # nothing left to undo after a commit; everything otherwise
        finally:
            self._session.close()
            self._session = None

    def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("this unit of work was opened read-only; open another to change anything")
        receipt = self._receipt
        if receipt is not None and not ReceiptRepository(self.session).record(receipt):
            raise Replayed(f"request {receipt.key} of {receipt.platform} {receipt.workspace} was already applied")
        self.assessments.save_all()
        with refusals_translated():
            self._write_audit()
            if self._shared is None:
                self.session.commit()
            else:
                self._session.flush()
                self._shared.release(self._savepoint)
                self._savepoint = None
                if self._held:
                    self._shared.held.take(self._held)
        self.assessments.committed()

    def _write_audit(self) -> None:
        for assessment in self.assessments.seen:
            if assessment.pending_audit:
                self.audit.append(assessment.id, assessment.pending_audit, self.platform)
                assessment.pending_audit.clear()

    def rollback(self) -> None:
        if self._shared is None:
            self.session.rollback()
        elif self._savepoint is not None:
            self._session.expunge_all()
            self._shared.roll_back_to(self._savepoint)
            self._savepoint = None
        self.assessments.forget()


class SessionOnDemand:
    """A grouped command's session, made only when something needs more than its connection.

    A vote reaches the database only through ``session.connection()`` (Core statements), and an
    ORM `Session` made for each command of a group (its transaction object, identity map and weak
    references) cost about a tenth of a grouped vote's work. So `connection()` hands over the
    shared transaction's connection directly. Anything else (``add``, ``exec``, ``execute``, ...)
    makes the Session, joined to the shared transaction and never ending it, and goes to it.
    """

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._session: Session | None = None

    def connection(self, *args: Any, **kwargs: Any) -> Connection:
        return self._connection

    def flush(self) -> None:
        if self._session is not None:
            self._session.flush()

    def expunge_all(self) -> None:
        if self._session is not None:
            self._session.expunge_all()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    def __getattr__(self, name: str) -> Any:
        if self._session is None:
            self._session = Session(self._connection, autoflush=False, expire_on_commit=False, join_transaction_mode="rollback_only")
        return getattr(self._session, name)
