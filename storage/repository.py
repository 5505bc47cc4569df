"""The assessment repository: load whole `Assessment` aggregates, save only what changed.

The repository pattern as in cosmicpython (`adapters/repository.py`): the use cases ask for an
assessment and get the domain object; they never see a row. It lives inside a unit of work
(`storage.unit_of_work.SqlUnitOfWork`), which owns the session and the transaction.

Saving writes the difference, not the aggregate. Every assessment loaded or added here is kept
in an identity map together with the rows it came from, keyed by natural keys: a member by its
platform identity, a round by (question, number), a vote by (question, number, voter). `save`
compares the aggregate with those rows and inserts new members, rounds and votes, updates the
columns that changed and deletes withdrawn votes, so one vote is one small INSERT (or UPDATE).

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
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, SQLModel, select
from sqlmodel.sql.expression import Select

from engine.assessment import Assessment, AssessmentStatus, Conversation, Identity, RoundState, Vote
from engine.errors import NotFound
from storage import mapping, schedule
from storage.errors import ActiveAssessmentExists, ConcurrentChange
from storage.tables import AssessmentRow, MemberRow, RoundRow, VoteRow

ACTIVE_CONVERSATION_INDEX = "uq_assessment_active_conversation"

RoundKey = tuple[str, int]  # (question id, round number)
VoteKey = tuple[str, int, Identity]  # (question id, round number, voter)


@dataclass(frozen=True)
class AssessmentSummary:
    """One line of a workspace's list of assessments."""

    id: str
    title: str
    status: AssessmentStatus
    created_at: datetime
    channel_id: str


@dataclass
class _Tracked:
    """An aggregate in the identity map, with the rows that currently store it."""

    assessment: Assessment
    row: AssessmentRow | None = None  # None until an added assessment is first written
    members: dict[Identity, MemberRow] = field(default_factory=dict)
    rounds: dict[RoundKey, RoundRow] = field(default_factory=dict)
    votes: dict[VoteKey, VoteRow] = field(default_factory=dict)
    schedule: tuple | None = None  # what the scheduler's row was made from (`storage.schedule.signature`)


class AssessmentRepository:
    """Assessments in one session: loaded whole, tracked, and saved as a difference."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._seen: dict[str, _Tracked] = {}

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
        tracked = _Tracked(assessment)
        self._seen[assessment.id] = tracked
        try:
            with refusals_translated(), self._session.begin_nested():
                self._write(tracked)
        except BaseException:
            del self._seen[assessment.id]
            raise

    # ---------------------------------------------------------------------- loading

    def get(self, assessment_id: str, *, for_update: bool = False) -> Assessment:
        """The whole assessment; `for_update` locks it until the end of the transaction."""
        found = self._find(
            select(AssessmentRow.id, AssessmentRow.version).where(AssessmentRow.id == assessment_id),
            for_update,
        )
        if found is None:
            raise NotFound(
                "That assessment no longer exists; it may have been deleted. Start a new one if you need to."
            )
        return found

    def active_in(self, conversation: Conversation, *, for_update: bool = False) -> Assessment | None:
        """The channel's assessment under way, if there is one."""
        return self._find(
            select(AssessmentRow.id, AssessmentRow.version).where(
                *_in(conversation), AssessmentRow.status == AssessmentStatus.ACTIVE.value
            ),
            for_update,
        )

    def latest_in(self, conversation: Conversation) -> Assessment | None:
        """The channel's most recently started assessment, active or completed."""
        return self._find(
            select(AssessmentRow.id, AssessmentRow.version)
            .where(*_in(conversation))
            .order_by(AssessmentRow.created_at.desc(), AssessmentRow.id.desc())
            .limit(1),
            False,
        )

    def list_for_workspace(self, platform: str, workspace: str) -> list[AssessmentSummary]:
        """Every assessment of one workspace (or tenant), newest first; no other workspace's."""
        rows = self._session.exec(
            select(
                AssessmentRow.id,
                AssessmentRow.title,
                AssessmentRow.status,
                AssessmentRow.created_at,
                AssessmentRow.channel_id,
            )
            .where(AssessmentRow.platform == platform, AssessmentRow.workspace == workspace)
            .order_by(AssessmentRow.created_at.desc(), AssessmentRow.id.desc())
        )
        return [
            AssessmentSummary(r.id, r.title, AssessmentStatus(r.status), r.created_at, r.channel_id) for r in rows
        ]

    def due_for_reveal(self, now: datetime) -> list[str]:
        """Ids of active assessments whose open round's deadline has passed (for the scheduler).

        Reads the index on round.closes_at, so the sweep costs what is due, not what is stored.
        """
        rows = self._session.exec(
            select(RoundRow.assessment_id)
            .join(AssessmentRow, AssessmentRow.id == RoundRow.assessment_id)
            .where(
                RoundRow.closes_at <= now,
                RoundRow.state == RoundState.OPEN.value,
                AssessmentRow.status == AssessmentStatus.ACTIVE.value,
            )
            .order_by(RoundRow.closes_at)
        )
        return list(dict.fromkeys(rows))

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

    def forget(self) -> None:
        """Drop the identity map: after a rollback the rows in it no longer say what is stored."""
        self._seen.clear()

    # -------------------------------------------------------------------- internals

    def _find(self, statement: Select, for_update: bool) -> Assessment | None:
        if for_update:
            statement = statement.with_for_update()  # left out of the SQL on SQLite
        hit = self._session.exec(statement).first()
        if hit is None:
            return None
        assessment_id, version = hit
        tracked = self._seen.get(assessment_id)
        if tracked is None:
            return self._load(assessment_id)
        if tracked.row is not None and tracked.row.version != version:
            # Someone committed a change since this unit of work loaded it: the object in hand
            # is stale, and saving it would fail anyway. Say so now.
            raise ConcurrentChange()
        return tracked.assessment

    def _load(self, assessment_id: str) -> Assessment:
        session = self._session
        row = session.exec(select(AssessmentRow).where(AssessmentRow.id == assessment_id)).one()
        members = session.exec(
            select(MemberRow).where(MemberRow.assessment_id == assessment_id).order_by(MemberRow.id)
        ).all()
        rounds = session.exec(
            select(RoundRow).where(RoundRow.assessment_id == assessment_id).order_by(RoundRow.position)
        ).all()
        votes = session.exec(
            select(VoteRow)
            .join(RoundRow, RoundRow.id == VoteRow.round_id)
            .where(RoundRow.assessment_id == assessment_id)
            .order_by(VoteRow.id)
        ).all()
        assessment = mapping.assessment_from_rows(row, members, rounds, votes)
        tracked = _Tracked(assessment, row, schedule=schedule.signature(assessment))
        identities: dict[int, Identity] = {}
        for member_row in members:
            identities[member_row.id] = mapping.member_identity(member_row)
            tracked.members[identities[member_row.id]] = member_row
        round_keys: dict[int, RoundKey] = {}
        for round_row in rounds:
            round_keys[round_row.id] = (round_row.question_id, round_row.number)
            tracked.rounds[round_keys[round_row.id]] = round_row
        for vote_row in votes:
            tracked.votes[(*round_keys[vote_row.round_id], identities[vote_row.member_id])] = vote_row
        self._seen[assessment_id] = tracked
        return assessment

    def _write(self, tracked: _Tracked) -> None:
        """Bring the rows in line with the aggregate, touching only what differs.

        Three flushes, parents before children, because a new row's id is known only once it
        is inserted: first the assessment row (with its version check) and the changes to rows
        that already exist, then new members and rounds, then new votes. A flush with nothing
        to do sends nothing.
        """
        _check_storable(tracked)
        session = self._session
        assessment = tracked.assessment
        changed = False

        if tracked.row is None:
            tracked.row = AssessmentRow(
                **mapping.assessment_fixed_columns(assessment), **mapping.assessment_columns(assessment), version=1
            )
            session.add(tracked.row)
            inserted = True
        else:
            changed |= _assign(tracked.row, mapping.assessment_columns(assessment))
            inserted = False

        new_members: list[MemberRow] = []
        for identity, member in assessment.members.items():
            member_row = tracked.members.get(identity)
            if member_row is None:
                member_row = MemberRow(
                    assessment_id=assessment.id, **mapping.identity_columns(identity), **mapping.member_columns(member)
                )
                tracked.members[identity] = member_row
                new_members.append(member_row)
            else:
                changed |= _assign(member_row, mapping.member_columns(member))

        new_rounds: list[RoundRow] = []
        wanted_votes: dict[VoteKey, Vote] = {}
        for position, round_ in enumerate(assessment.rounds):
            key = (round_.question_id, round_.number)
            round_row = tracked.rounds.get(key)
            columns = mapping.round_columns(round_, position)
            if round_row is None:
                round_row = RoundRow(
                    assessment_id=assessment.id, question_id=round_.question_id, number=round_.number, **columns
                )
                tracked.rounds[key] = round_row
                new_rounds.append(round_row)
            else:
                changed |= _assign(round_row, columns)
            for voter, vote in round_.votes.items():
                wanted_votes[(*key, voter)] = vote

        new_votes: list[tuple[VoteKey, VoteRow]] = []
        for key, vote in wanted_votes.items():
            vote_row = tracked.votes.get(key)
            if vote_row is None:
                new_votes.append((key, VoteRow(**mapping.vote_columns(vote))))
            else:
                changed |= _assign(vote_row, mapping.vote_columns(vote))
        withdrawn = [key for key in tracked.votes if key not in wanted_votes]
        for key in withdrawn:
            session.delete(tracked.votes.pop(key))
        kept = {(round_.question_id, round_.number) for round_ in assessment.rounds}
        stepped_back = [key for key in tracked.rounds if key not in kept]
        for key in stepped_back:
            session.delete(tracked.rounds.pop(key))

        changed = changed or bool(new_members or new_rounds or new_votes or withdrawn or stepped_back)
        if changed and not inserted:
            # The optimistic check: the UPDATE carries WHERE version = <loaded version>.
            tracked.row.version += 1
        session.flush()

        session.add_all(new_members)
        session.add_all(new_rounds)
        session.flush()

        for key, vote_row in new_votes:
            vote_row.round_id = tracked.rounds[(key[0], key[1])].id
            vote_row.member_id = tracked.members[key[2]].id
            tracked.votes[key] = vote_row
            session.add(vote_row)
        session.flush()

        # The scheduler's row for this assessment (when reminders, a deadline or a digest are
        # due) follows the aggregate in the same transaction; most saves leave it as it is.
        wanted = schedule.signature(assessment)
        if wanted != tracked.schedule:
            schedule.follow(session, assessment)
            tracked.schedule = wanted


def _check_storable(tracked: _Tracked) -> None:
    """Refuse, before writing anything, what the tables cannot hold.

    The engine never removes a member (an observer is a member who does not vote) nor a round
    anyone voted in (rounds are history); the one round it drops is a next question that opened
    by itself and stepped back, untouched, when an earlier one was reopened. A stored vote needs
    its voter's member row. Were that to change,
    storage would have to change with it: say so rather than lose votes.
    """
    assessment = tracked.assessment
    dropped = [identity.key for identity in tracked.members if identity not in assessment.members]
    if dropped:
        raise ValueError(f"removing members is not supported (assessment {assessment.id}: {', '.join(dropped)})")
    kept = {(round_.question_id, round_.number) for round_ in assessment.rounds}
    dropped_rounds = {key for key in tracked.rounds if key not in kept}
    if any((key[0], key[1]) in dropped_rounds for key in tracked.votes):
        raise ValueError(f"rounds with votes are history and are never deleted (assessment {assessment.id})")
    for round_ in assessment.rounds:
        strangers = [voter.key for voter in round_.votes if voter not in assessment.members]
        if strangers:
            raise ValueError(
                f"votes by non-members cannot be stored (assessment {assessment.id}: {', '.join(strangers)})"
            )


def _in(conversation: Conversation) -> tuple:
    """The filter every lookup by channel goes through: platform, workspace and channel together."""
    return (
        AssessmentRow.platform == conversation.platform,
        AssessmentRow.workspace == conversation.workspace,
        AssessmentRow.channel_id == conversation.channel_id,
    )


def _assign(row: SQLModel, columns: dict[str, object]) -> bool:
    """Set the columns that differ; the ORM then updates exactly those. True when any did."""
    changed = False
    for name, value in columns.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


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
