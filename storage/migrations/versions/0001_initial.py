"""The first schema: assessments, their members, rounds and votes.

Written by hand to match `storage/tables.py`; a test compares the migrated database with the
models on SQLite and PostgreSQL. Types are spelt out here rather than imported from the models,
so a later change to the models cannot rewrite history: ``UtcDateTime`` is stored as
``DateTime(timezone=True)`` and sqlmodel's text columns as ``String``.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status = 'active'")


def _timestamp(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "assessment",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("workspace", sa.String(), nullable=False),
        sa.Column("channel_id", sa.String(), nullable=False),
        sa.Column("framework_id", sa.String(), nullable=False),
        sa.Column("framework_version", sa.Integer(), nullable=False),
        sa.Column("framework_snapshot", sa.JSON(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("focus_question_id", sa.String(), nullable=True),
        _timestamp("created_at", nullable=False),
        _timestamp("completed_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("status IN ('active', 'completed')", name="ck_assessment_status"),
    )
    op.create_index(
        "ix_assessment_conversation", "assessment", ["platform", "workspace", "channel_id", "created_at"]
    )
    op.create_index(
        "uq_assessment_active_conversation",
        "assessment",
        ["platform", "workspace", "channel_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )

    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.String(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("workspace", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessment.id"], name="fk_member_assessment", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("assessment_id", "platform", "workspace", "user_id", name="uq_member_identity"),
        sa.CheckConstraint("role IN ('super-user', 'member', 'observer')", name="ck_member_role"),
    )

    op.create_table(
        "round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        _timestamp("opened_at", nullable=False),
        _timestamp("revealed_at"),
        _timestamp("closed_at"),
        _timestamp("closes_at"),
        sa.Column("measures", sa.JSON(), nullable=True),
        sa.Column("proposal_current", sa.Integer(), nullable=True),
        sa.Column("proposal_ambition", sa.Integer(), nullable=True),
        sa.Column("consensus_current", sa.Integer(), nullable=True),
        sa.Column("consensus_ambition", sa.Integer(), nullable=True),
        sa.Column("consensus_note", sa.String(), nullable=True),
        sa.Column("consensus_by_platform", sa.String(), nullable=True),
        sa.Column("consensus_by_workspace", sa.String(), nullable=True),
        sa.Column("consensus_by_user_id", sa.String(), nullable=True),
        _timestamp("consensus_at"),
        sa.Column("skip_reason", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], name="fk_round_assessment", ondelete="CASCADE"),
        sa.UniqueConstraint("assessment_id", "question_id", "number", name="uq_round_question_number"),
        sa.CheckConstraint("state IN ('open', 'revealed', 'finalised', 'skipped', 'superseded')", name="ck_round_state"),
    )
    op.create_index("ix_round_closes_at", "round", ["closes_at"])

    op.create_table(
        "vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("current", sa.Integer(), nullable=False),
        sa.Column("ambition", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(), nullable=False),
        _timestamp("cast_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], name="fk_vote_round", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name="fk_vote_member", ondelete="CASCADE"),
        sa.UniqueConstraint("round_id", "member_id", name="uq_vote_round_member"),
    )


def downgrade() -> None:
    op.drop_table("vote")
    op.drop_index("ix_round_closes_at", table_name="round")
    op.drop_table("round")
    op.drop_table("member")
    op.drop_index("uq_assessment_active_conversation", table_name="assessment")
    op.drop_index("ix_assessment_conversation", table_name="assessment")
    op.drop_table("assessment")
