"""The assessment repository: load whole `Assessment` aggregates, save only what changed.

The repository pattern as in cosmicpython (`adapters/repository.py`): the use cases ask for an
assessment and get the domain object; they never see a row. It lives inside a unit of work
(`storage.unit_of_work.SqlUnitOfWork`), which owns the session and the transaction.

Saving writes the difference, not the aggregate. Every assessment loaded or added here is kept
in an identity map together with the state of the rows that store it (`storage.tracking`), keyed
by natural keys: a member by its platform identity, a round by (question, number), a vote by
(question, number, voter). `save` compares the aggregate with that state and inserts new
members, rounds and votes, updates the columns that changed and deletes withdrawn votes, so one
vote is one small INSERT (or UPDATE) plus the version bump. The statements are SQLAlchemy Core,
built once: the ORM's unit of work and statement building cost more than the SQL itself here.

Loading asks the database for the assessment's id and version; when this process committed
that very version last, the copy kept in `storage.tracking.AggregateCache` is used instead of
reading the four tables again.

Concurrency, on two levels:

- Pessimistic, the normal path. `get(..., for_update=True)` and `active_in(..., for_update=True)`
  lock the assessment row (SELECT ... FOR UPDATE on PostgreSQL), so two commands on one
  assessment run one after the other and the second sees the first's result: two members
  voting at once both land, and a double-submitted vote becomes one vote, changed once. On
  SQLite every writing transaction begins with BEGIN IMMEDIATE (see `storage.database`), which
  serialises whole commands the same way; FOR UPDATE is left out of the SQL there.
- Optimistic, the safety net. The assessment row has a version: every save that changes the
  aggregate bumps it with UPDATE ... WHERE version = <the version loaded>. A command that loaded
  without the lock and lost a race fails with `ConcurrentChange` ("someone else changed this
  assessment ... please try again") instead of overwriting the other command's work. The
  database's unique constraints (one vote per member per round, one member per identity, one
  round per question and number) are reported the same way, and the one-active-assessment-per-
  channel index as `ActiveAssessmentExists`. After either error the unit of work can only be
  rolled back (its `with` block does that); running the command again in a new unit of work
  is safe, because nothing of the failed attempt was stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import PrimaryKeyConstraint, Table, UniqueConstraint, bindparam, delete, insert, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql import Select
from sqlmodel import Session, SQLModel

from engine.assessment import Assessment, AssessmentStatus, Conversation, Identity
from engine.errors import NotFound
from storage import mapping, schedule, statements
from storage.changes import change_set, changed_columns
from storage.errors import ActiveAssessmentExists, ConcurrentChange
from storage.tables import AssessmentRow, MemberRow, RoundRow, VoteRow
from storage.tracking import AggregateCache, Columns, PendingCache, Stored, Tracked

ACTIVE_CONVERSATION_INDEX = "uq_assessment_active_conversation"

# Core tables and statements, built once: the repository runs the same few statements again and
# again, and building a statement costs more than running a small one on SQLite.
_assessment: Table = AssessmentRow.__table__
_member: Table = MemberRow.__table__
_round: Table = RoundRow.__table__
_vote: Table = VoteRow.__table__

_VERSION_BY_ID = select(_assessment.c.id, _assessment.c.version).where(_assessment.c.id == bindparam("b_id"))
_VERSION_NOW = select(_assessment.c.version).where(_assessment.c.id == bindparam("b_id"))  # after writing
_IN_CONVERSATION = (
    _assessment.c.platform == bindparam("b_platform"),
    _assessment.c.workspace == bindparam("b_workspace"),
    _assessment.c.channel_id == bindparam("b_channel"),
)
_VERSION_OF_ACTIVE = select(_assessment.c.id, _assessment.c.version).where(
    *_IN_CONVERSATION, _assessment.c.status == AssessmentStatus.ACTIVE.value
)
_VERSION_OF_LATEST = (
    select(_assessment.c.id, _assessment.c.version)
    .where(*_IN_CONVERSATION)
    .order_by(_assessment.c.created_at.desc(), _assessment.c.id.desc())
    .limit(1)
)
_LOCKED = {statement: statement.with_for_update() for statement in (_VERSION_BY_ID, _VERSION_OF_ACTIVE)}

_LOAD_ASSESSMENT = select(_assessment).where(_assessment.c.id == bindparam("b_id"))
_LOAD_MEMBERS = select(_member).where(_member.c.assessment_id == bindparam("b_id")).order_by(_member.c.id)
_LOAD_ROUNDS = select(_round).where(_round.c.assessment_id == bindparam("b_id")).order_by(_round.c.position)
_LOAD_VOTES = (
    select(_vote)
    .join(_round, _round.c.id == _vote.c.round_id)
    .where(_round.c.assessment_id == bindparam("b_id"))
    .order_by(_vote.c.id)
)

# The scheduler's batches: the same loads for many assessments at once, in chunks of ids.
_CHUNK = 500
_IDS = bindparam("b_ids", expanding=True)
_VERSIONS_OF_MANY = (
    select(_assessment.c.id, _assessment.c.version).where(_assessment.c.id.in_(_IDS)).order_by(_assessment.c.id)
)
_LOAD_MANY_ASSESSMENTS = select(_assessment).where(_assessment.c.id.in_(_IDS))
_LOAD_MANY_MEMBERS = select(_member).where(_member.c.assessment_id.in_(_IDS)).order_by(_member.c.id)
_LOAD_MANY_ROUNDS = select(_round).where(_round.c.assessment_id.in_(_IDS)).order_by(_round.c.position)
_LOAD_MANY_VOTES = (
    select(_vote)
    .join(_round, _round.c.id == _vote.c.round_id)
    .where(_round.c.assessment_id.in_(_IDS))
    .order_by(_vote.c.id)
)

_INSERT_ASSESSMENT = insert(_assessment)
_INSERT_MEMBER = insert(_member)
_INSERT_ROUND = insert(_round)
_INSERT_VOTE = insert(_vote)
_DELETE_VOTE = delete(_vote).where(_vote.c.round_id == bindparam("b_round"), _vote.c.member_id == bindparam("b_member"))
_DELETE_ROUND = delete(_round).where(_round.c.id == bindparam("b_id"))


@dataclass(frozen=True)
class AssessmentSummary:
    """One line of a workspace's list of assessments."""

    id: str
    title: str
    status: AssessmentStatus
    created_at: datetime
    channel_id: str


@dataclass(frozen=True)
class RowIds:
    """The ids of a loaded assessment's member and round rows, which the scheduler's rows point to."""

    members: dict[Identity, int]
    rounds: dict[tuple[str, int], int]  # (question id, round number)


class AssessmentRepository:
    """Assessments in one session: loaded whole, tracked, and saved as a difference."""

    def __init__(self, session: Session, cache: AggregateCache | PendingCache | None = None) -> None:
        self._session = session
        self._cache = cache
        self._seen: dict[str, Tracked] = {}
        self._added: set[str] = set()  # new in this unit of work: loaded back once before being cached
        self._written: set[str] = set()  # whose rows this unit of work changed

    @property
    def seen(self) -> list[Assessment]:
        """Every assessment loaded or added in this unit of work."""
        return [tracked.assessment for tracked in self._seen.values()]

    # ----------------------------------------------------------------------- adding

    def add(self, assessment: Assessment) -> None:
        """Store a new assessment now (in the current transaction).

        Raises `ActiveAssessmentExists` when the channel already runs an active assessment. The
        insert runs in a savepoint, so after that refusal the unit of work is still usable
        (for instance to load the assessment that is already running and say so).
        """
        if assessment.id in self._seen:
            raise ValueError(f"assessment {assessment.id} is already in this unit of work")
        tracked = Tracked(assessment)
        self._seen[assessment.id] = tracked
        try:
            with refusals_translated(), self._session.begin_nested():
                self._write(tracked)
        except BaseException:
            del self._seen[assessment.id]
            raise
        self._added.add(assessment.id)

    # ---------------------------------------------------------------------- loading

    def get(self, assessment_id: str, *, for_update: bool = False) -> Assessment:
        """The whole assessment; `for_update` locks it until the end of the transaction."""
        found = self._find(_VERSION_BY_ID, {"b_id": assessment_id}, for_update)
        if found is None:
            raise NotFound(
                "That assessment no longer exists; it may have been deleted. Start a new one if you need to."
            )
        return found

    def get_many(self, assessment_ids: list[str], *, for_update: bool = False) -> dict[str, Assessment]:
        """Several whole assessments in a handful of queries, whatever their number (the scheduler).

        Locked in id order when `for_update`, as every batch takes its locks; the ones that no
        longer exist are left out.
        """
        ids = sorted(set(assessment_ids))
        if not ids:
            return {}
        statement = _VERSIONS_OF_MANY.with_for_update() if for_update else _VERSIONS_OF_MANY
        versions = dict(self._connection().execute(statement, {"b_ids": ids}).all())
        found: dict[str, Assessment] = {}
        missing: list[str] = []
        for assessment_id, version in versions.items():
            tracked = self._seen.get(assessment_id)
            if tracked is not None:
                if tracked.version is not None and tracked.version != version:
                    raise ConcurrentChange()
                found[assessment_id] = tracked.assessment
                continue
            tracked = self._cache.get(assessment_id, version) if self._cache is not None else None
            if tracked is None:
                missing.append(assessment_id)
            else:
                self._seen[assessment_id] = tracked
                found[assessment_id] = tracked.assessment
        for tracked in self._load_many(missing):
            self._seen[tracked.assessment.id] = tracked
            found[tracked.assessment.id] = tracked.assessment
        return {assessment_id: found[assessment_id] for assessment_id in ids if assessment_id in found}

    def active_in(self, conversation: Conversation, *, for_update: bool = False) -> Assessment | None:
        """The channel's assessment under way, if there is one."""
        written = self._cache.active_in(conversation) if isinstance(self._cache, PendingCache) else None
        if written is not None and written.assessment.id not in self._seen:
            # Written earlier in this same transaction, which has held the assessment's lock
            # since: nobody else can have changed it, so there is no version to read.
            self._seen[written.assessment.id] = written
            return written.assessment
        return self._find(_VERSION_OF_ACTIVE, _where(conversation), for_update)

    def latest_in(self, conversation: Conversation) -> Assessment | None:
        """The channel's most recently started assessment, active or completed."""
        return self._find(_VERSION_OF_LATEST, _where(conversation), False)

    def list_for_workspace(self, platform: str, workspace: str) -> list[AssessmentSummary]:
        """Every assessment of one workspace (or tenant), newest first; no other workspace's."""
        rows = self._connection().execute(
            select(
                _assessment.c.id,
                _assessment.c.title,
                _assessment.c.status,
                _assessment.c.created_at,
                _assessment.c.channel_id,
            )
            .where(_assessment.c.platform == platform, _assessment.c.workspace == workspace)
            .order_by(_assessment.c.created_at.desc(), _assessment.c.id.desc())
        )
        return [
            AssessmentSummary(r.id, r.title, AssessmentStatus(r.status), r.created_at, r.channel_id) for r in rows
        ]

    def row_ids(self, assessment_id: str) -> RowIds:
        """The row ids of an assessment loaded in this unit of work (and written, if it is new)."""
        tracked = self._seen[assessment_id]
        return RowIds(
            {identity: stored.id for identity, stored in tracked.members.items()},
            {key: stored.id for key, stored in tracked.rounds.items()},
        )

    # ----------------------------------------------------------------------- saving

    def save(self, assessment: Assessment) -> None:
        """Write the changes made to an assessment loaded or added in this unit of work."""
        tracked = self._seen.get(assessment.id)
        if tracked is None or tracked.assessment is not assessment:
            raise ValueError(
                f"assessment {assessment.id} was not loaded or added in this unit of work; "
                "load it with get() or active_in() and change that object"
            )
        with refusals_translated():
            self._write(tracked)

    def save_all(self) -> None:
        """Write the changes of every assessment seen (what the unit of work does on commit)."""
        with refusals_translated():
            for tracked in self._seen.values():
                self._write(tracked)

    def committed(self) -> None:
        """The transaction committed: what this unit of work wrote is now what is stored."""
        # A new assessment still holds the framework it was started with; the next load gives
        # the one rebuilt from its stored snapshot, and that is the one worth keeping.
        if isinstance(self._cache, PendingCache):
            for assessment_id, tracked in self._seen.items():
                if assessment_id not in self._added:
                    self._cache.put(tracked, written=assessment_id in self._written)
        elif self._cache is not None:
            for assessment_id, tracked in self._seen.items():
                if assessment_id not in self._added:
                    self._cache.put(tracked)
        self._written.clear()

    def forget(self) -> None:
        """Drop the identity map: after a rollback the state in it no longer says what is stored."""
        self._seen.clear()
        self._added.clear()
        self._written.clear()

    # -------------------------------------------------------------------- internals

    def _connection(self) -> Connection:
        return self._session.connection()

    def _find(self, statement: Select, parameters: dict[str, Any], for_update: bool) -> Assessment | None:
        if for_update:
            statement = _LOCKED[statement]  # FOR UPDATE is left out of the SQL on SQLite
        hit = self._connection().execute(statement, parameters).first()
        if hit is None:
            return None
        assessment_id, version = hit
        tracked = self._seen.get(assessment_id)
        if tracked is None:
            tracked = self._cache.get(assessment_id, version) if self._cache is not None else None
            if tracked is None:
                tracked = self._load(assessment_id)
            self._seen[assessment_id] = tracked
            return tracked.assessment
        if tracked.version is not None and tracked.version != version and assessment_id not in self._written:
            # Someone committed a change since this unit of work loaded it: the object in hand
            # is stale, and saving it would fail anyway. Say so now. (A version this unit of work
            # moved on itself is no news: it holds the assessment since.)
            raise ConcurrentChange()
        return tracked.assessment

    def _load(self, assessment_id: str) -> Tracked:
        connection = self._connection()
        key = {"b_id": assessment_id}
        row = connection.execute(_LOAD_ASSESSMENT, key).one()
        members = connection.execute(_LOAD_MEMBERS, key).all()
        rounds = connection.execute(_LOAD_ROUNDS, key).all()
        votes = connection.execute(_LOAD_VOTES, key).all()
        return _tracked(row, members, rounds, votes)

    def _load_many(self, assessment_ids: list[str]) -> list[Tracked]:
        """Like `_load` for many: four queries in all, the rows then grouped by assessment."""
        loaded: list[Tracked] = []
        connection = self._connection()
        for start in range(0, len(assessment_ids), _CHUNK):
            key = {"b_ids": assessment_ids[start : start + _CHUNK]}
            members: dict[str, list] = {}
            for member_row in connection.execute(_LOAD_MANY_MEMBERS, key):
                members.setdefault(member_row.assessment_id, []).append(member_row)
            rounds: dict[str, list] = {}
            owner: dict[int, str] = {}
            for round_row in connection.execute(_LOAD_MANY_ROUNDS, key):
                rounds.setdefault(round_row.assessment_id, []).append(round_row)
                owner[round_row.id] = round_row.assessment_id
            votes: dict[str, list] = {}
            for vote_row in connection.execute(_LOAD_MANY_VOTES, key):
                votes.setdefault(owner[vote_row.round_id], []).append(vote_row)
            for row in connection.execute(_LOAD_MANY_ASSESSMENTS, key):
                loaded.append(_tracked(row, members.get(row.id, []), rounds.get(row.id, []), votes.get(row.id, [])))
        return loaded

    def _write(self, tracked: Tracked) -> None:
        """Bring the rows in line with the aggregate: apply its change set (`storage.changes`).

        The assessment row goes first, with its version check, so a lost race is found before
        anything else is written; then deletions, updates, and new rows parents first, because
        a vote needs its round's and member's ids.
        """
        connection = self._connection()
        assessment = tracked.assessment
        changes = change_set(tracked)
        columns, assessment_changes, inserted = changes.columns, changes.assessment_changes, changes.inserted
        if inserted:
            connection.execute(
                _INSERT_ASSESSMENT, {**mapping.assessment_fixed_columns(assessment), **columns, "version": 1}
            )
            tracked.columns = columns
        changed = not changes.empty
        withdrawn, stepped_back = changes.withdrawn, changes.stepped_back
        shared = isinstance(self._cache, PendingCache)
        if changed and not inserted and shared and self._cache.holds(assessment.id):
            # An earlier command of this shared transaction wrote it, and the transaction holds
            # its lock since: nobody can have changed it in between (see PendingCache).
            if assessment_changes:
                _update_row(connection, "assessment", Stored(None, tracked.columns), columns, key=assessment.id)
            tracked.columns = columns
        elif changed and not inserted:
            # The optimistic check: of two commands that loaded the same version, one writes.
            old = tracked.version
            result = connection.execute(
                statements.update_where("assessment", tuple(assessment_changes) + ("version",), ("id", "version")),
                {**statements.values(assessment_changes), "v_version": old + 1, "k_id": assessment.id, "k_version": old},
            )
            if result.rowcount != 1:
                raise ConcurrentChange()
            tracked.columns = columns

        for key in withdrawn:
            question_id, number, voter = key
            connection.execute(
                _DELETE_VOTE, {"b_round": tracked.rounds[(question_id, number)].id, "b_member": tracked.members[voter].id}
            )
            del tracked.votes[key]
        for key in stepped_back:
            connection.execute(_DELETE_ROUND, {"b_id": tracked.rounds.pop(key).id})

        for identity, stored, member, wanted in changes.member_updates:
            _update_row(connection, "member", stored, wanted)
            tracked.members[identity] = Stored(stored.id, wanted, member)
        for key, stored, shape, wanted in changes.round_updates:
            _update_row(connection, "round", stored, wanted)
            tracked.rounds[key] = Stored(stored.id, wanted, shape)
        for vote_key, stored, vote, wanted in changes.vote_updates:
            updated = changed_columns(stored.columns, wanted)
            connection.execute(
                statements.update_where("vote", tuple(updated), ("round_id", "member_id")),
                {
                    **statements.values(updated),
                    "k_round_id": tracked.rounds[vote_key[:2]].id,
                    "k_member_id": tracked.members[vote_key[2]].id,
                },
            )
            tracked.votes[vote_key] = Stored(None, wanted, vote)

        for identity, member, wanted in changes.new_members:
            result = connection.execute(
                _INSERT_MEMBER, {"assessment_id": assessment.id, **mapping.identity_columns(identity), **wanted}
            )
            tracked.members[identity] = Stored(result.inserted_primary_key[0], wanted, member)
        for key, shape, wanted in changes.new_rounds:
            result = connection.execute(
                _INSERT_ROUND, {"assessment_id": assessment.id, "question_id": key[0], "number": key[1], **wanted}
            )
            tracked.rounds[key] = Stored(result.inserted_primary_key[0], wanted, shape)
        if changes.new_votes:
            connection.execute(
                _INSERT_VOTE,
                [
                    {"round_id": tracked.rounds[key[:2]].id, "member_id": tracked.members[key[2]].id, **wanted}
                    for key, _, wanted in changes.new_votes
                ],
            )
            for key, vote, wanted in changes.new_votes:
                tracked.votes[key] = Stored(None, wanted, vote)

        if changed:
            self._written.add(assessment.id)
            # Every row written moved the version on (the database's triggers, migration 0006),
            # so the version this copy now stands for is read, not predicted; a shared
            # transaction reads all its versions once, before its commit (PendingCache.settle).
            if not shared:
                tracked.version = connection.execute(_VERSION_NOW, {"b_id": assessment.id}).scalar_one()

        # The scheduler's row for this assessment (when reminders, a deadline or a digest are
        # due) follows the aggregate in the same transaction; most saves leave it as it is.
        wanted_schedule = schedule.signature(assessment)
        if wanted_schedule != tracked.schedule:
            schedule.follow(self._session, assessment)
            tracked.schedule = wanted_schedule


def _tracked(row: Any, members: list, rounds: list, votes: list) -> Tracked:
    """An aggregate and its row state from its rows (members by id, rounds by position, votes by id)."""
    assessment = mapping.assessment_from_rows(row, members, rounds, votes)
    # The row state is taken from the aggregate just built, so a later save compares like
    # with like (the same mapping both ways).
    tracked = Tracked(
        assessment, row.version, mapping.assessment_columns(assessment), schedule=schedule.signature(assessment)
    )
    for member_row in members:
        identity = mapping.member_identity(member_row)
        member = assessment.members[identity]
        tracked.members[identity] = Stored(member_row.id, mapping.member_columns(member), member)
    round_ids = {round_row.position: round_row.id for round_row in rounds}
    for position, round_ in enumerate(assessment.rounds):
        tracked.rounds[(round_.question_id, round_.number)] = Stored(
            round_ids[position], mapping.round_columns(round_, position), mapping.round_shape(round_, position)
        )
        for voter, vote in round_.votes.items():
            tracked.votes[(round_.question_id, round_.number, voter)] = Stored(None, mapping.vote_columns(vote), vote)
    return tracked


def _where(conversation: Conversation) -> dict[str, str]:
    """The parameters every lookup by channel takes: platform, workspace and channel together."""
    return {"b_platform": conversation.platform, "b_workspace": conversation.workspace, "b_channel": conversation.channel_id}


def _update_row(connection: Connection, table: str, stored: Stored, wanted: Columns, *, key: Any = None) -> None:
    changes = changed_columns(stored.columns, wanted)
    row_id = stored.id if key is None else key
    connection.execute(statements.update_where(table, tuple(changes), ("id",)), {**statements.values(changes), "k_id": row_id})


# --------------------------------------------------------- the database's refusals


@contextmanager
def refusals_translated() -> Iterator[None]:
    """Give a constraint the database enforced, or a lost race, its meaning in the domain."""
    try:
        yield
    except StaleDataError:
        raise ConcurrentChange() from None
    except sa_exc.IntegrityError as error:
        name = _constraint_name(error)
        if name == ACTIVE_CONVERSATION_INDEX:
            raise ActiveAssessmentExists() from error
        if _is_unique_violation(error):
            raise ConcurrentChange() from error
        raise


def _is_unique_violation(error: sa_exc.IntegrityError) -> bool:
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate == "23505"  # PostgreSQL unique_violation
    return str(error.orig).startswith("UNIQUE constraint failed")


def _constraint_name(error: sa_exc.IntegrityError) -> str | None:
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return name
    # SQLite names the columns, not the constraint: "UNIQUE constraint failed: vote.round_id, ..."
    found = re.match(r"UNIQUE constraint failed: (.+)", str(error.orig))
    if found is None:
        return None
    columns = tuple(column.strip() for column in found.group(1).split(","))
    return _unique_by_columns().get(columns)


def _unique_by_columns() -> dict[tuple[str, ...], str]:
    """Every named unique constraint and unique index of the schema, by its "table.column" list."""
    names: dict[tuple[str, ...], str] = {}
    for table in SQLModel.metadata.tables.values():
        uniques = [index for index in table.indexes if index.unique]
        uniques += [c for c in table.constraints if isinstance(c, (UniqueConstraint, PrimaryKeyConstraint))]
        for unique in uniques:
            if unique.name:
                names[tuple(f"{table.name}.{column.name}" for column in unique.columns)] = unique.name
    return names
