"""Receipts for every platform: Slack's delivery receipts become `receipt` (`storage/receipts.py`).

Teams redelivers an activity with the same id as Slack retries a request, so the receipt that
keeps a change from being applied twice is no longer Slack's alone. Receipts still in
`slack_delivery` are carried over, so a Slack retry in flight during the upgrade is still
recognised. Follows 0003_slack.

Revision ID: 0005_receipts
Revises: 0003_slack
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_receipts"
down_revision: str | None = "0003_slack"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("workspace", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "workspace", "key", name="uq_receipt"),
    )
    op.create_index("ix_receipt_received_at", "receipt", ["received_at"])
    op.execute(
        "INSERT INTO receipt (platform, workspace, key, received_at) "
        "SELECT 'slack', team_id, delivery_id, received_at FROM slack_delivery"
    )
    op.drop_index("ix_slack_delivery_received_at", table_name="slack_delivery")
    op.drop_table("slack_delivery")


def downgrade() -> None:
    op.create_table(
        "slack_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=False),
        sa.Column("delivery_id", sa.String(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "delivery_id", name="uq_slack_delivery"),
    )
    op.create_index("ix_slack_delivery_received_at", "slack_delivery", ["received_at"])
    op.execute(
        "INSERT INTO slack_delivery (team_id, delivery_id, received_at) "
        "SELECT workspace, key, received_at FROM receipt WHERE platform = 'slack'"
    )
    op.drop_index("ix_receipt_received_at", table_name="receipt")
    op.drop_table("receipt")
