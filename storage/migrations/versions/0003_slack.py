"""Slack: OAuth installations, OAuth states and delivery receipts (`storage/slack_tables.py`).

Branches from 0002, like every feature's tables; `accord db upgrade` applies all heads.

Revision ID: 0003_slack
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_slack"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "slack_installation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("app_id", sa.String(), nullable=False),
        sa.Column("enterprise_id", sa.String(), nullable=False),
        sa.Column("enterprise_name", sa.String(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=False),
        sa.Column("team_name", sa.String(), nullable=False),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("installer_user_id", sa.String(), nullable=False),
        sa.Column("bot_token", sa.String(), nullable=False),
        sa.Column("bot_id", sa.String(), nullable=False),
        sa.Column("bot_user_id", sa.String(), nullable=False),
        sa.Column("bot_scopes", sa.String(), nullable=False),
        sa.Column("bot_refresh_token", sa.String(), nullable=True),
        _timestamp("bot_token_expires_at"),
        _timestamp("installed_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id", "enterprise_id", "team_id", name="uq_slack_installation_workspace"),
    )
    op.create_table(
        "slack_oauth_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        _timestamp("expires_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("state", name="uq_slack_oauth_state"),
    )
    op.create_table(
        "slack_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=False),
        sa.Column("delivery_id", sa.String(), nullable=False),
        _timestamp("received_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "delivery_id", name="uq_slack_delivery"),
    )
    op.create_index("ix_slack_delivery_received_at", "slack_delivery", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_slack_delivery_received_at", table_name="slack_delivery")
    op.drop_table("slack_delivery")
    op.drop_table("slack_oauth_state")
    op.drop_table("slack_installation")
