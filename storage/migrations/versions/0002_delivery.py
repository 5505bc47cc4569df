"""Delivery: the outbox, posted messages, conversation references, profiles, organisations.

What every platform adapter and the scheduler share: messages waiting to be delivered, where a
channel message was posted (to update it in place), how to reach a channel or a person later,
a person's time zone and working hours, and the organisation behind a workspace. A feature's
own tables branch from this revision (`down_revision = "0002"`); `accord db upgrade` applies
every branch.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNSENT = sa.text("sent_at IS NULL AND failed_at IS NULL")


def _timestamp(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(), nullable=True),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("workspace", sa.String(), nullable=False),
        sa.Column("channel_id", sa.String(), nullable=False),
        sa.Column("assessment_id", sa.String(), nullable=True),
        sa.Column("message", sa.JSON(), nullable=False),
        _timestamp("created_at", nullable=False),
        _timestamp("next_attempt_at", nullable=False),
        _timestamp("claimed_until"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _timestamp("sent_at"),
        _timestamp("failed_at"),
        sa.Column("last_error", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
    )
    op.create_index("ix_outbox_due", "outbox", ["next_attempt_at"], sqlite_where=UNSENT, postgresql_where=UNSENT)

    op.create_table(
        "posted_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("workspace", sa.String(), nullable=False),
        sa.Column("channel_id", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("ref", sa.JSON(), nullable=False),
        _timestamp("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "workspace", "channel_id", "key", name="uq_posted_message_key"),
    )

    op.create_table(
        "conversation_reference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("workspace", sa.String(), nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("target_id", sa.String(), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        _timestamp("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "workspace", "scope", "target_id", name="uq_conversation_reference_target"),
        sa.CheckConstraint("scope IN ('channel', 'person')", name="ck_conversation_reference_scope"),
    )

    op.create_table(
        "person_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("workspace", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("timezone", sa.String(), nullable=True),
        sa.Column("working_hours", sa.JSON(none_as_null=True), nullable=True),
        _timestamp("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "workspace", "user_id", name="uq_person_profile_identity"),
    )

    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("workspace", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("type", sa.String(), nullable=True),
        sa.Column("share_for_comparison", sa.Boolean(), nullable=False),
        _timestamp("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "workspace", name="uq_organisation_workspace"),
    )


def downgrade() -> None:
    op.drop_table("organisation")
    op.drop_table("person_profile")
    op.drop_table("conversation_reference")
    op.drop_table("posted_message")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
