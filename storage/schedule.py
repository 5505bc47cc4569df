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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from engine.assessment import Assessment, AssessmentStatus, Conversation, Identity, Round, RoundState
from storage.scheduler_tables import ReminderRow, ScheduleRow
from storage.tables import AssessmentRow, MemberRow, PersonProfileRow, RoundRow

if TYPE_CHECKING:
    from storage.repository import AssessmentRepository

_schedule = ScheduleRow.__table__
_reminder = ReminderRow.__table__


# ------------------------------------------------------------- following the aggregate


def signature(assessment: Assessment) -> tuple:
    """What the schedule row depends on; the repository calls `follow` when it changes."""
    round_ = _open_round(assessment)
    if round_ is None:
        return (assessment.status, None, assessment.settings.schedule, assessment.is_paused, assessment.starts_at)
    progress = assessment.progress(round_)
    return (
        assessment.status,
        (round_.question_id, round_.number),
        round_.closes_at,
        progress.voted >= 2,
        progress.complete,
        assessment.settings.schedule,
        assessment.is_paused,
    )


def follow(session: Session, assessment: Assessment) -> None:
    """Bring the assessment's schedule row in line with it (insert it for a new assessment)."""
    round_ = _open_round(assessment)
    values: dict[str, Any] = {"question_id": None, "round_number": None, "remind_at": None, "deadline_at": None}
    if assessment.is_scheduled and assessment.is_active:
        # The deadline sweep opens a scheduled assessment when its start time comes.
        values["deadline_at"] = assessment.starts_at
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
    # While paused nothing is due by the clock: `resume` brings the row back (the signature changes).
    if assessment.status is AssessmentStatus.ACTIVE and not assessment.is_paused and round_ is not None and round_.state is RoundState.OPEN:
        return round_
    return None


# ------------------------------------------------------------------------ read models


@dataclass
class OpenRound:
    """One due assessment as the reminder sweep needs it: the assessment, its open round, the row
    ids the reminder counts point to, and what each member's platform told us of their day."""

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


# Core tables: the sweeps read plain rows, without the ORM's bookkeeping.
_members = MemberRow.__table__
_profiles = PersonProfileRow.__table__


# ------------------------------------------------------------------------- repository


class ScheduleRepository:
    """The scheduler's rows; whole assessments come from the unit of work's assessment repository."""

    def __init__(self, session: Session, assessments: AssessmentRepository) -> None:
        self._session = session
        self._assessments = assessments

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
        assessments = self._assessments.get_many(ids, for_update=True)
        still_due = {
            row.assessment_id
            for row in self._session.execute(
                select(_schedule.c.assessment_id).where(_schedule.c.assessment_id.in_(ids), _schedule.c.remind_at <= now)
            )
        }
        found: dict[str, OpenRound] = {}
        nothing_open: list[str] = []
        for assessment_id, assessment in assessments.items():
            if assessment_id not in still_due:
                continue  # a command moved it on meanwhile
            round_ = _open_round(assessment)
            if round_ is None:
                nothing_open.append(assessment_id)
                continue
            ids_of = self._assessments.row_ids(assessment_id)
            found[assessment_id] = OpenRound(
                assessment, round_, ids_of.rounds[(round_.question_id, round_.number)], ids_of.members, {}, {}, {}
            )
        if not found:
            return [], nothing_open
        m, p = _members.c, _profiles.c
        for row in self._session.execute(
            select(m.assessment_id, m.platform, m.workspace, m.user_id, p.timezone, p.working_hours)
            .join(_profiles, and_(p.platform == m.platform, p.workspace == m.workspace, p.user_id == m.user_id))
            .where(m.assessment_id.in_(list(found)))
        ):
            item, who = found[row.assessment_id], Identity(row.platform, row.workspace, row.user_id)
            item.zones[who], item.working_hours[who] = row.timezone, _json_object(row.working_hours)
        by_round = {item.round_id: item for item in found.values()}
        members = {item.round_id: {member_id: who for who, member_id in item.member_ids.items()} for item in found.values()}
        for row in self._session.execute(
            select(
                _reminder.c.round_id, _reminder.c.member_id, _reminder.c.sent, _reminder.c.last_sent_at, _reminder.c.requested_at
            ).where(_reminder.c.round_id.in_(list(by_round)))
        ):
            who = members[row.round_id].get(row.member_id)
            if who is not None:
                by_round[row.round_id].reminders[who] = Reminded(row.sent, _utc(row.last_sent_at), _utc(row.requested_at))
        return list(found.values()), nothing_open

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
