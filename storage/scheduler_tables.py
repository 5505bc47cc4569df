"""Tables of one feature: the scheduler's reminders, digests and deadlines (issue 6).

Created by migration 0003_scheduler, which branches from revision 0002.

    schedule   one row per assessment: when each sweep next has work for it, each time indexed,
               so a sweep reads only the rows that are due (`WHERE remind_at <= now`), however
               many assessments are stored. NULL means "nothing to do".
    reminder   one row per member per round once a reminder went out or was asked for: how many
               so far, when the last one went, and when a super-user last asked (`remind`) for
               one that has to wait for the member's quiet hours to end. The reminders themselves wait in the outbox under a unique
               dedupe key written in the same transaction, so none is ever sent twice.

`storage.schedule` keeps the schedule row in step with the assessment whenever the repository
saves it (a question opens, a deadline is set, everyone has voted), and the sweeps move the
times on as they work.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables import UtcDateTime


class ScheduleRow(SQLModel, table=True):
    __tablename__ = "schedule"
    __table_args__ = (
        ForeignKeyConstraint(["assessment_id"], ["assessment.id"], name="fk_schedule_assessment", ondelete="CASCADE"),
        Index("ix_schedule_remind_at", "remind_at"),
        Index("ix_schedule_deadline_at", "deadline_at"),
        Index("ix_schedule_digest_at", "digest_at"),
    )

    assessment_id: str = Field(primary_key=True)
    # The open round that remind_at and deadline_at are about; NULL when no round is open.
    question_id: str | None = None
    round_number: int | None = None
    remind_at: datetime | None = Field(default=None, sa_type=UtcDateTime)  # look for reminders due
    deadline_at: datetime | None = Field(default=None, sa_type=UtcDateTime)  # a deadline not acted on yet
    digest_at: datetime | None = Field(default=None, sa_type=UtcDateTime)  # look for a digest due


class ReminderRow(SQLModel, table=True):
    __tablename__ = "reminder"
    __table_args__ = (
        ForeignKeyConstraint(["round_id"], ["round.id"], name="fk_reminder_round", ondelete="CASCADE"),
        ForeignKeyConstraint(["member_id"], ["member.id"], name="fk_reminder_member", ondelete="CASCADE"),
        UniqueConstraint("round_id", "member_id", name="uq_reminder_round_member"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int
    member_id: int
    sent: int
    last_sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    requested_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
