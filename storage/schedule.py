"""The scheduler's rows: what is due, read through indexes, and what was sent, written once.

Two halves.

Keeping the schedule row in step. `follow` is called by the assessment repository whenever a
save changes what the scheduler cares about (`signature`): a question opened, a deadline set or
cleared, everyone has voted or someone withdrew, the assessment completed, its schedule changed.
It sets `remind_at` to the open round's opening time (the next reminder sweep works out when each
member's reminder is really due and moves it on), `deadline_at` to the round's closing time, and
clears both when no round is open. A new assessment's row gets `digest_at` = its creation time,
which the digest sweep turns into the next slot of the digest's cron schedule.

Serving the sweeps. Each sweep asks for the rows due (`WHERE remind_at <= :now`, an index range
scan) in batches, so its cost grows with the work due, not with the number of assessments. The
reminder sweep then reads everything it needs for a whole batch in a handful of set-based
queries (`open_rounds`: the open rounds, the members with the time zone and working hours their
platform told us, the votes, the reminders so far), and its reminders go into the outbox in one
multi-row INSERT (`storage.outbox.OutboxRepository.add_once`), each under its unique dedupe key,
in the same transaction as the reminder counts and the new `remind_at`: a crash before the commit leaves nothing behind, and a
second process deciding the same reminder finds its key taken.

Lock order, everywhere: the assessment row first (FOR UPDATE on PostgreSQL), then its schedule
row. A command holds its assessment's lock when the repository calls `follow`; the reminder
sweep locks the batch's assessments in id order before it reads votes, so a member who votes while
the sweep runs is either seen as having voted or reminded just before they did, never both.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Text, and_, bindparam, cast, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from engine.assessment import (
    Assessment,
    AssessmentStatus,
    Conversation,
    Identity,
    Member,
    Role,
    Round,
    RoundState,
    Vote,
)
from engine.framework import Framework, parse_framework
from storage import mapping
from storage.scheduler_tables import ReminderRow, ScheduleRow
from storage.tables import AssessmentRow, MemberRow, PersonProfileRow, RoundRow, VoteRow

_schedule = ScheduleRow.__table__
_reminder = ReminderRow.__table__


# ------------------------------------------------------------- following the aggregate


def signature(assessment: Assessment) -> tuple:
    """What the schedule row depends on; the repository calls `follow` when it changes."""
    round_ = _open_round(assessment)
    if round_ is None:
        return (assessment.status, None, assessment.settings.schedule)
    progress = assessment.progress(round_)
    return (
        assessment.status,
        (round_.question_id, round_.number),
        round_.closes_at,
        progress.voted >= 2,
        progress.complete,
        assessment.settings.schedule,
    )


def follow(session: Session, assessment: Assessment) -> None:
    """Bring the assessment's schedule row in line with it (insert it for a new assessment)."""
    round_ = _open_round(assessment)
    values: dict[str, Any] = {"question_id": None, "round_number": None, "remind_at": None, "deadline_at": None}
    if round_ is not None:
        values.update(question_id=round_.question_id, round_number=round_.number, deadline_at=round_.closes_at)
        if not assessment.progress(round_).complete:
            # Due at once: the reminder sweep works out each member's real time and moves it on.
            values["remind_at"] = round_.opened_at
    statement = _insert(session, _schedule).values(
        assessment_id=assessment.id, digest_at=assessment.created_at, **values
    )
    session.execute(statement.on_conflict_do_update(index_elements=["assessment_id"], set_=values))


def _open_round(assessment: Assessment) -> Round | None:
    round_ = assessment.focus_round
    if assessment.status is AssessmentStatus.ACTIVE and round_ is not None and round_.state is RoundState.OPEN:
        return round_
    return None


# ------------------------------------------------------------------------ read models


@dataclass
class OpenRound:
    """One due assessment as the reminder sweep needs it.

    `assessment` is a read-only view: every member, but only the open round (with its votes).
    It is enough to decide and word reminders; it is never saved.
    """

    assessment: Assessment
    round: Round
    round_id: int
    member_ids: dict[Identity, int]
    zones: dict[Identity, str | None]  # the time zone each member's platform told us, if any
    working_hours: dict[Identity, dict[str, Any] | None]  # as the platform told us (Graph), if it did
    reminders: dict[Identity, Reminded]


@dataclass(frozen=True)
class Reminded:
    """One member's reminders for one round so far."""

    sent: int = 0
    last_sent_at: datetime | None = None
    requested_at: datetime | None = None  # when a super-user last asked for one (`remind`)


@dataclass(frozen=True)
class Sent:
    round_id: int
    member_id: int
    number: int  # this member's reminder count for the round, including this one
    at: datetime


@dataclass
class _FrameworkCache:
    """Frameworks parsed from snapshots, reused while a snapshot's text is the same.

    Nearly every assessment of an organisation shares one framework snapshot, so a sweep parses
    it once rather than once per assessment (parsing and checking a framework takes a while).
    """

    entries: dict[tuple[str, int, str], Framework] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, assessment_id: str, framework_id: str, version: int, snapshot: str) -> Framework:
        key = (framework_id, version, snapshot)
        with self.lock:
            framework = self.entries.get(key)
        if framework is None:
            framework = parse_framework(json.loads(snapshot), source=f"the framework snapshot of assessment {assessment_id}")
            with self.lock:
                if len(self.entries) >= 32:
                    self.entries.pop(next(iter(self.entries)))
                self.entries[key] = framework
        return framework


_frameworks = _FrameworkCache()


@dataclass
class _View:
    assessment: Assessment
    open_round: Round | None
    open_round_id: int | None
    member_ids: dict[Identity, int]
    zones: dict[Identity, str | None]
    working_hours: dict[Identity, dict[str, Any] | None]


# Core tables: the sweeps read plain rows, without the ORM's bookkeeping.
_assessments = AssessmentRow.__table__
_members = MemberRow.__table__
_rounds = RoundRow.__table__
_votes = VoteRow.__table__
_profiles = PersonProfileRow.__table__


# ------------------------------------------------------------------------- repository


class ScheduleRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # ---------------------------------------------------------------- reminders

    def due_reminders(self, now: datetime, limit: int) -> list[str]:
        """Assessments whose open round may have reminders due, oldest first (index range scan)."""
        rows = self._session.execute(
            select(_schedule.c.assessment_id)
            .where(_schedule.c.remind_at <= now)
            .order_by(_schedule.c.remind_at, _schedule.c.assessment_id)
            .limit(limit)
        )
        return [row[0] for row in rows]

    def open_rounds(self, assessment_ids: Sequence[str], now: datetime) -> tuple[list[OpenRound], list[str]]:
        """Lock the assessments and read their open rounds; also the ids with nothing open.

        A handful of queries for the whole batch, whatever its size. Assessments are locked in
        id order (FOR UPDATE on PostgreSQL; SQLite's write transaction covers it), then their
        schedule rows re-read, so what a command committed meanwhile is seen.
        """
        if not assessment_ids:
            return [], []
        ids = sorted(set(assessment_ids))
        views = self._views(ids, lock=True, every_round=False)
        still_due = {
            row.assessment_id
            for row in self._session.execute(
                select(_schedule.c.assessment_id).where(_schedule.c.assessment_id.in_(ids), _schedule.c.remind_at <= now)
            )
        }
        round_ids = [view.open_round_id for view in views.values() if view.open_round_id is not None]
        sent: dict[int, list[Any]] = {}
        if round_ids:
            for row in self._session.execute(
                select(
                    _reminder.c.round_id, _reminder.c.member_id, _reminder.c.sent, _reminder.c.last_sent_at, _reminder.c.requested_at
                ).where(_reminder.c.round_id.in_(round_ids))
            ):
                sent.setdefault(row.round_id, []).append(row)
        found: list[OpenRound] = []
        nothing_open: list[str] = []
        for assessment_id, view in views.items():
            if assessment_id not in still_due:
                continue  # a command moved it on meanwhile
            if view.open_round is None:
                nothing_open.append(assessment_id)
                continue
            identities = {member_id: identity for identity, member_id in view.member_ids.items()}
            found.append(
                OpenRound(
                    assessment=view.assessment,
                    round=view.open_round,
                    round_id=view.open_round_id,
                    member_ids=view.member_ids,
                    zones=view.zones,
                    working_hours=view.working_hours,
                    reminders={
                        identities[r.member_id]: Reminded(r.sent, _utc(r.last_sent_at), _utc(r.requested_at))
                        for r in sent.get(view.open_round_id, [])
                        if r.member_id in identities
                    },
                )
            )
        return found, nothing_open

    def assessments(self, assessment_ids: Sequence[str]) -> dict[str, Assessment]:
        """Read-only views of whole assessments for the digest, in a handful of queries.

        Every member and every round with what was recorded at its reveal and its consensus;
        votes only for a round still open (a digest counts them, and names the missing voters
        to super-users). Never saved.
        """
        if not assessment_ids:
            return {}
        return {key: view.assessment for key, view in self._views(sorted(set(assessment_ids)), lock=False, every_round=True).items()}

    def _views(self, ids: list[str], *, lock: bool, every_round: bool) -> dict[str, _View]:
        session = self._session
        a = _assessments.c
        query = (
            select(
                a.id, a.title, a.platform, a.workspace, a.channel_id, a.framework_id, a.framework_version,
                cast(a.framework_snapshot, Text).label("snapshot"), a.settings, a.status, a.focus_question_id,
                a.created_at, a.completed_at,
            )
            .where(a.id.in_(ids))
            .order_by(a.id)
        )  # fmt: skip
        rows = session.execute(query.with_for_update() if lock else query).all()
        r = _rounds.c
        round_query = select(_rounds).where(r.assessment_id.in_(ids)).order_by(r.assessment_id, r.position)
        if not every_round:
            round_query = round_query.join(_assessments, a.id == r.assessment_id).where(
                r.question_id == a.focus_question_id, r.state == RoundState.OPEN.value
            )
        rounds: dict[str, list[Any]] = {}
        for row in session.execute(round_query):
            rounds.setdefault(row.assessment_id, []).append(row)
        m, p = _members.c, _profiles.c
        members: dict[str, list[Any]] = {}
        for row in session.execute(
            select(m.id, m.assessment_id, m.platform, m.workspace, m.user_id, m.name, m.role, p.timezone, p.working_hours)
            .outerjoin(_profiles, and_(p.platform == m.platform, p.workspace == m.workspace, p.user_id == m.user_id))
            .where(m.assessment_id.in_(ids))
            .order_by(m.id)
        ):
            members.setdefault(row.assessment_id, []).append(row)
        open_ids = [
            row.id for found in rounds.values() for row in found if row.state == RoundState.OPEN.value
        ]
        votes: dict[int, list[Any]] = {}
        if open_ids:
            v = _votes.c
            for row in session.execute(
                select(v.round_id, v.member_id, v.current, v.ambition, v.comment, v.cast_at).where(v.round_id.in_(open_ids))
            ):
                votes.setdefault(row.round_id, []).append(row)

        views: dict[str, _View] = {}
        for row in rows:
            people = members.get(row.id, [])
            identities = {person.id: Identity(person.platform, person.workspace, person.user_id) for person in people}
            built: list[Round] = []
            open_round, open_round_id = None, None
            for round_row in rounds.get(row.id, []):
                cast_votes = {
                    identities[vote.member_id]: Vote(identities[vote.member_id], vote.current, vote.ambition, vote.comment, _utc(vote.cast_at))
                    for vote in votes.get(round_row.id, [])
                    if vote.member_id in identities
                }
                round_ = mapping._round(round_row, cast_votes)  # the row as the repository maps it
                built.append(round_)
                if round_.state is RoundState.OPEN and round_.question_id == row.focus_question_id:
                    open_round, open_round_id = round_, round_row.id
            status = AssessmentStatus(row.status)
            view = Assessment(
                id=row.id,
                title=row.title,
                conversation=Conversation(row.platform, row.workspace, row.channel_id),
                framework=_frameworks.get(row.id, row.framework_id, row.framework_version, row.snapshot),
                settings=mapping.settings_from_json(row.settings),
                created_at=_utc(row.created_at),
                members={identities[p_.id]: Member(identities[p_.id], p_.name, Role(p_.role)) for p_ in people},
                rounds=built,
                status=status,
                completed_at=_utc(row.completed_at),
                focus_question_id=row.focus_question_id,
            )
            views[row.id] = _View(
                assessment=view,
                open_round=open_round if status is AssessmentStatus.ACTIVE else None,
                open_round_id=open_round_id if status is AssessmentStatus.ACTIVE else None,
                member_ids={identity: member_id for member_id, identity in identities.items()},
                zones={identities[p_.id]: p_.timezone for p_ in people},
                working_hours={identities[p_.id]: _json_object(p_.working_hours) for p_ in people},
            )
        return views

    def reminders_of(self, assessment_id: str, question_id: str, number: int) -> tuple[int | None, dict[Identity, tuple[int, Reminded]]]:
        """For one round: its row id, and per member their member id and reminders so far."""
        round_id = self._session.execute(
            select(RoundRow.id).where(
                RoundRow.assessment_id == assessment_id, RoundRow.question_id == question_id, RoundRow.number == number
            )
        ).scalar()
        if round_id is None:
            return None, {}
        rows = self._session.execute(
            select(
                MemberRow.id, MemberRow.platform, MemberRow.workspace, MemberRow.user_id,
                _reminder.c.sent, _reminder.c.last_sent_at, _reminder.c.requested_at,
            )  # fmt: skip
            .outerjoin(_reminder, and_(_reminder.c.member_id == MemberRow.id, _reminder.c.round_id == round_id))
            .where(MemberRow.assessment_id == assessment_id)
        )
        return round_id, {
            Identity(r.platform, r.workspace, r.user_id): (r.id, Reminded(r.sent or 0, _utc(r.last_sent_at), _utc(r.requested_at)))
            for r in rows
        }

    def request(self, round_id: int, member_ids: Iterable[int], at: datetime) -> None:
        """Note that a super-user asked for these members to be reminded, at the end of their quiet hours."""
        rows = [{"round_id": round_id, "member_id": member_id, "sent": 0, "requested_at": at} for member_id in member_ids]
        if not rows:
            return
        statement = _insert(self._session, _reminder)
        statement = statement.on_conflict_do_update(
            index_elements=["round_id", "member_id"], set_={"requested_at": statement.excluded.requested_at}
        ).returning(_reminder.c.id)
        self._session.execute(statement, rows).all()

    def remind_by(self, assessment_id: str, when: datetime) -> None:
        """Make sure the reminder sweep looks at this assessment by `when`."""
        self._session.execute(
            update(_schedule)
            .where(
                _schedule.c.assessment_id == assessment_id,
                or_(_schedule.c.remind_at.is_(None), _schedule.c.remind_at > when),
            )
            .values(remind_at=when)
        )

    def record_sent(self, sent: Iterable[Sent]) -> None:
        """Count reminders that went out (one row per member and round, upserted)."""
        rows = [{"round_id": s.round_id, "member_id": s.member_id, "sent": s.number, "last_sent_at": s.at} for s in sent]
        if not rows:
            return
        statement = _insert(self._session, _reminder)
        statement = statement.on_conflict_do_update(
            index_elements=["round_id", "member_id"],
            set_={"sent": statement.excluded.sent, "last_sent_at": statement.excluded.last_sent_at},
        ).returning(_reminder.c.id)  # RETURNING lets SQLAlchemy send the rows as a few multi-row INSERTs
        self._session.execute(statement, rows).all()

    def plan_reminders(self, plans: Iterable[tuple[str, str | None, int | None, datetime | None]]) -> None:
        """Set when each assessment's reminders are next due: (assessment, open question, round, when).

        Called with the batch's assessments locked (see `open_rounds`), so what it writes is what
        the sweep just saw; a round of None means nothing is open and nothing is due.
        """
        rows = [{"b_id": a, "b_question": q, "b_number": n, "b_when": when} for a, q, n, when in plans]
        if not rows:
            return
        self._session.execute(
            update(_schedule)
            .where(_schedule.c.assessment_id == bindparam("b_id"))
            .values(question_id=bindparam("b_question"), round_number=bindparam("b_number"), remind_at=bindparam("b_when")),
            rows,
        )

    # ------------------------------------------------------------------ deadlines

    def due_deadlines(self, now: datetime, limit: int) -> list[str]:
        rows = self._session.execute(
            select(_schedule.c.assessment_id)
            .where(_schedule.c.deadline_at <= now)
            .order_by(_schedule.c.deadline_at, _schedule.c.assessment_id)
            .limit(limit)
        )
        return [row[0] for row in rows]

    def deadline_handled(self, assessment_ids: Sequence[str], now: datetime) -> None:
        """Nothing more to do for these deadlines that have passed (a later one set meanwhile stays)."""
        if assessment_ids:
            self._session.execute(
                update(_schedule)
                .where(_schedule.c.assessment_id.in_(list(assessment_ids)), _schedule.c.deadline_at <= now)
                .values(deadline_at=None)
            )

    # -------------------------------------------------------------------- digests

    def due_digests(self, now: datetime, limit: int) -> list[tuple[str, datetime]]:
        rows = self._session.execute(
            select(_schedule.c.assessment_id, _schedule.c.digest_at)
            .where(_schedule.c.digest_at <= now)
            .order_by(_schedule.c.digest_at, _schedule.c.assessment_id)
            .limit(limit)
        )
        return [(row[0], _utc(row[1])) for row in rows]

    def plan_digest(self, assessment_id: str, when: datetime | None) -> None:
        self.plan_digests([(assessment_id, when)])

    def plan_digests(self, plans: Iterable[tuple[str, datetime | None]]) -> None:
        """When each assessment's next digest is due (None: no more digests)."""
        rows = [{"b_id": assessment_id, "b_when": when} for assessment_id, when in plans]
        if rows:
            self._session.execute(
                update(_schedule).where(_schedule.c.assessment_id == bindparam("b_id")).values(digest_at=bindparam("b_when")),
                rows,
            )

    def put_off(self, assessment_id: str, column: str, until: datetime) -> None:
        """Move one of an assessment's due times on (after a failure, so it is not retried at once)."""
        self._session.execute(
            update(_schedule).where(_schedule.c.assessment_id == assessment_id).values({column: until})
        )

    def newest_in(self, conversation: Conversation) -> str | None:
        """The id of the channel's most recently started assessment (reads the conversation index)."""
        return self._session.execute(
            select(AssessmentRow.id)
            .where(
                AssessmentRow.platform == conversation.platform,
                AssessmentRow.workspace == conversation.workspace,
                AssessmentRow.channel_id == conversation.channel_id,
            )
            .order_by(AssessmentRow.created_at.desc(), AssessmentRow.id.desc())
            .limit(1)
        ).scalar()

    def row(self, assessment_id: str) -> ScheduleRow | None:
        found = self._session.execute(select(_schedule).where(_schedule.c.assessment_id == assessment_id)).first()
        if found is None:
            return None
        return ScheduleRow(
            assessment_id=found.assessment_id,
            question_id=found.question_id,
            round_number=found.round_number,
            remind_at=_utc(found.remind_at),
            deadline_at=_utc(found.deadline_at),
            digest_at=_utc(found.digest_at),
        )


def _insert(session: Session, model: type) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(model)


def _json_object(value: Any) -> dict[str, Any] | None:
    """Working hours as stored when they are a JSON object; anything else stored there is not."""
    return value if isinstance(value, dict) else None


def _utc(value: datetime | None) -> datetime | None:
    """Times as the domain uses them: aware, in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


__all__ = ["OpenRound", "Reminded", "ScheduleRepository", "Sent", "follow", "signature"]
