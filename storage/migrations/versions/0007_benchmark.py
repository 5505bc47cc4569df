"""The sector benchmark across installs: the install's identity and fetched aggregates; a hub's
tokens and submissions. Written by hand to match `storage/benchmark_tables.py` (a test compares).

Revision ID: 0007_benchmark
Revises: 0006_assessment_version
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_benchmark"
down_revision: str | None = "0006_assessment_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "benchmark_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.String(), nullable=False),
        sa.Column("signing_key", sa.String(), nullable=False),
        sa.Column("public_key", sa.String(), nullable=False),
        _timestamp("created_at"),
        sa.Column("submitted_assessment_id", sa.String(), nullable=True),
        _timestamp("submitted_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "benchmark_fetched",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.String(), nullable=False),
        sa.Column("organisation_type", sa.String(), nullable=False),
        _timestamp("fetched_at"),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("framework_id", "organisation_type", name="uq_benchmark_fetched"),
    )
    op.create_table(
        "benchmark_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("organisation_id", sa.String(), nullable=True),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("label", name="uq_benchmark_token_label"),
        sa.UniqueConstraint("token_hash", name="uq_benchmark_token_hash"),
    )
    op.create_table(
        "benchmark_submission",
        sa.Column("organisation_id", sa.String(), nullable=False),
        sa.Column("organisation_type", sa.String(), nullable=False),
        sa.Column("framework_id", sa.String(), nullable=False),
        sa.Column("framework_version", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        _timestamp("received_at"),
        sa.Column("public_key", sa.String(), nullable=False),
        sa.Column("token_label", sa.String(), nullable=True),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id"),
    )
    op.create_index("ix_benchmark_submission_type", "benchmark_submission", ["organisation_type", "framework_id"])


def downgrade() -> None:
    op.drop_index("ix_benchmark_submission_type", table_name="benchmark_submission")
    for table in ("benchmark_submission", "benchmark_token", "benchmark_fetched", "benchmark_identity"):
        op.drop_table(table)
