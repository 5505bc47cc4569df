"""The scheduler: when each assessment next has reminders, a deadline or a digest due; reminders sent.

Written by hand to match `storage/scheduler_tables.py` (a test compares the two). Assessments
stored before this revision get a schedule row at once: an open round is looked at by the first
reminder sweep (which works out when its reminders are really due), its deadline if it has one
is picked up by the first deadline sweep, and the first digest sweep plans the next digest.

Revision ID: 0003_scheduler
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_scheduler"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "schedule",
        sa.Column("assessment_id", sa.String(), nullable=False),
        sa.Column("question_id", sa.String(), nullable=True),
        sa.Column("round_number", sa.Integer(), nullable=True),
        _timestamp("remind_at"),
        _timestamp("deadline_at"),
        _timestamp("digest_at"),
        sa.PrimaryKeyConstraint("assessment_id"),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], name="fk_schedule_assessment", ondelete="CASCADE"),
    )
    op.create_index("ix_schedule_remind_at", "schedule", ["remind_at"])
    op.create_index("ix_schedule_deadline_at", "schedule", ["deadline_at"])
    op.create_index("ix_schedule_digest_at", "schedule", ["digest_at"])

    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        _timestamp("last_sent_at"),
        _timestamp("requested_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], name="fk_reminder_round", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name="fk_reminder_member", ondelete="CASCADE"),
        sa.UniqueConstraint("round_id", "member_id", name="uq_reminder_round_member"),
    )

    # Assessments stored before this revision. The times are copied from rows that hold them,
    # so nothing here depends on the database's idea of "now".
    op.execute(
        """
        INSERT INTO schedule (assessment_id, question_id, round_number, remind_at, deadline_at, digest_at)
        SELECT a.id, r.question_id, r.number, r.opened_at, r.closes_at, a.created_at
        FROM assessment a
        LEFT JOIN round r
          ON r.assessment_id = a.id AND r.question_id = a.focus_question_id AND r.state = 'open'
             AND a.status = 'active'
        """
    )


def downgrade() -> None:
    op.drop_table("reminder")
    op.drop_index("ix_schedule_digest_at", table_name="schedule")
    op.drop_index("ix_schedule_deadline_at", table_name="schedule")
    op.drop_index("ix_schedule_remind_at", table_name="schedule")
    op.drop_table("schedule")
