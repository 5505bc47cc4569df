"""What the repository knows of a stored assessment, and the process's cache of committed ones.

`Tracked` pairs an `Assessment` with the state of its rows as last written: the assessment
row's version and columns, and for every member, round and vote its columns (and, for members
and rounds, the row id that votes point to). The repository saves by comparing the aggregate
with that state, so it never reads a row back to find out what changed.

`AggregateCache` keeps, per database, the assessments this process committed last, each with
the version it committed. Loading an assessment always asks the database for its current
version first (one indexed read, under the row lock when the command will write); only when
the cached version is that version is the cached copy used instead of four more queries and
the hydration. A stale copy is never used because the database itself moves the version on
whenever any of an assessment's rows changes, whoever changes them: triggers on the assessment,
member, round and vote tables (migration 0006_assessment_version) see to it, so a repair by
hand or a script needs no rule to follow. The cache holds copies that nobody changes: every use
gets its own copy, and a command's changes enter the cache only after its transaction committed.

It stays because the Teams target needs it: see the what-if rows of docs/benchmarks.md.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, bindparam, select
from sqlalchemy.engine import Connection

from engine.assessment import Assessment, AssessmentStatus, Conversation, Identity
from storage import mapping
from storage.tables import AssessmentRow

_assessment = AssessmentRow.__table__
_VERSIONS = select(_assessment.c.id, _assessment.c.version).where(_assessment.c.id.in_(bindparam("ids", expanding=True)))

RoundKey = tuple[str, int]  # (question id, round number)
VoteKey = tuple[str, int, Identity]  # (question id, round number, voter)
Columns = dict[str, Any]


@dataclass(frozen=True)
class Stored:
    """One child row as written: its id (members and rounds; None for votes) and its columns.

    `source` is what the columns were made from: the `Member` or `Vote` itself (immutable
    values, shared by every copy of the aggregate) or a round's `mapping.round_shape`. A save
    that finds the same source again knows the row is unchanged without mapping it again.
    """

    id: int | None
    columns: Columns
    source: Any = None


@dataclass
class Tracked:
    """An aggregate in a unit of work, with the state of the rows that currently store it."""

    assessment: Assessment
    version: int | None = None  # None until an added assessment is first written
    columns: Columns = field(default_factory=dict)
    members: dict[Identity, Stored] = field(default_factory=dict)
    rounds: dict[RoundKey, Stored] = field(default_factory=dict)
    votes: dict[VoteKey, Stored] = field(default_factory=dict)
    schedule: tuple | None = None  # what the scheduler's row was made from (`storage.schedule.signature`)

    def copy(self) -> Tracked:
        """A copy whose aggregate and row state can change without changing this one.

        `Stored` values and column dicts are replaced, never changed in place, so they are shared.
        """
        return Tracked(
            self.assessment.copy(),
            self.version,
            self.columns,
            dict(self.members),
            dict(self.rounds),
            dict(self.votes),
            self.schedule,
        )


class AggregateCache:
    """The assessments last committed by this process, each at the version it committed."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._entries: OrderedDict[str, Tracked] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, assessment_id: str, version: int) -> Tracked | None:
        """A private copy of the assessment at `version`, or None if that is not what is kept."""
        with self._lock:
            entry = self._entries.get(assessment_id)
            if entry is None:
                return None
            if entry.version != version:
                del self._entries[assessment_id]  # someone else committed since: useless now
                return None
            self._entries.move_to_end(assessment_id)
        return entry.copy()

    def put(self, tracked: Tracked) -> None:
        """Keep a copy of an assessment just committed (never an older version than the one kept)."""
        kept = _settled_copy(tracked)
        if kept is not None:
            self.keep(kept)

    def keep(self, kept: Tracked) -> None:
        """Keep `kept` itself, which nobody else holds (`put` makes such a copy)."""
        with self._lock:
            entry = self._entries.get(kept.assessment.id)
            if entry is not None and entry.version is not None and entry.version > kept.version:
                return
            self._entries[kept.assessment.id] = kept
            self._entries.move_to_end(kept.assessment.id)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class PendingCache:
    """The cache as seen from inside a transaction shared by several units of work.

    When commands share one transaction (`storage.group_commit`), each one's unit of work
    "commits" by releasing its savepoint; the assessment it wrote is then what the next command
    in the transaction must see, but it is not stored until the shared transaction commits. So
    those copies wait here, where the later commands of the same transaction find them, and
    enter the process's cache only once the transaction has committed (`publish`); if it rolls
    back they are dropped with it.

    An assessment a command of this transaction wrote is held by it: SQLite's write lock from
    ``BEGIN IMMEDIATE``, PostgreSQL's row lock from the write, in a savepoint since released. Until
    the commit nobody else can change it, so its copy here is what is stored whatever the version
    says, and its later commands write without the optimistic check or reading the version back:
    the versions are read once, just before the commit (`settle`).
    """

    def __init__(self, cache: AggregateCache) -> None:
        self._cache = cache
        self._pending: dict[str, Tracked] = {}
        self._written: set[str] = set()

    def get(self, assessment_id: str, version: int) -> Tracked | None:
        entry = self._pending.get(assessment_id)
        if entry is None:
            return self._cache.get(assessment_id, version)
        return entry.copy() if assessment_id in self._written or entry.version == version else None

    def holds(self, assessment_id: str) -> bool:
        """Whether a command of this transaction wrote the assessment (see the class)."""
        return assessment_id in self._written

    def active_in(self, conversation: Conversation) -> Tracked | None:
        """A copy of the conversation's active assessment if this transaction wrote it, else None.

        A conversation has at most one active assessment (`uq_assessment_active_conversation`),
        and one this transaction wrote is held by it (see the class).
        """
        for assessment_id, entry in self._pending.items():
            assessment = entry.assessment
            if (
                assessment_id in self._written
                and assessment.conversation == conversation
                and assessment.status is AssessmentStatus.ACTIVE
            ):
                return entry.copy()
        return None

    def put(self, tracked: Tracked, *, written: bool = False) -> None:
        """Keep what a command left (its savepoint released); `written`: it changed the rows."""
        kept = _settled_copy(tracked)
        if kept is not None:
            self._pending[kept.assessment.id] = kept
            if written:
                self._written.add(kept.assessment.id)

    def settle(self, connection: Connection) -> None:
        """Just before the shared commit: the versions the written assessments are committed at."""
        if not self._written:
            return
        for assessment_id, version in connection.execute(_VERSIONS, {"ids": sorted(self._written)}):
            self._pending[assessment_id].version = version

    def publish(self) -> None:
        """The shared transaction committed: what it wrote is now what is stored."""
        for kept in self._pending.values():
            self._cache.keep(kept)
        self._pending.clear()
        self._written.clear()


def _settled_copy(tracked: Tracked) -> Tracked | None:
    """A copy of a just-written assessment as a load would give it, or None if it is not stored yet."""
    if tracked.version is None:
        return None
    kept = tracked.copy()
    mapping.as_loaded(kept.assessment)
    return kept


# One cache per database: an engine and its read-only twin (`storage.database.read_only`) share
# a connection pool, and so share a cache; two engines on the same file do not, which only costs
# a reload.
_CACHES: weakref.WeakKeyDictionary[Any, AggregateCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def cache_for(engine: Engine) -> AggregateCache:
    with _CACHES_LOCK:
        cache = _CACHES.get(engine.pool)
        if cache is None:
            cache = _CACHES[engine.pool] = AggregateCache()
        return cache
