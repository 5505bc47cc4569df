"""The audit trail: `audit_entry` and `audit_head` (`storage/audit_tables.py`, issue 16 item 1).

Every assessment already stored gets an empty chain (a head at sequence 0), so `accord audit
verify` can tell an assessment whose trail was deleted from one that started before the trail
existed: the first has a head naming entries that are gone, the second an empty chain.

Revision ID: 0007_audit
Revises: 0006_assessment_version
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_audit"
down_revision: str | None = "0006_assessment_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64  # storage.audit.GENESIS, written out: a migration never imports the code it migrates


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain", sa.String(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("actor_name", sa.String(), nullable=False),
        sa.Column("person", sa.String(), nullable=False),
        sa.Column("person_name", sa.String(), nullable=False),
        sa.Column("comments", sa.Text(), nullable=False),
        sa.Column("salt", sa.String(), nullable=False),
        sa.Column("personal_digest", sa.String(), nullable=False),
        sa.Column("previous_hash", sa.String(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chain", "sequence", name="uq_audit_entry_sequence"),
    )
    op.create_index("ix_audit_entry_actor", "audit_entry", ["actor"])
    op.create_index("ix_audit_entry_person", "audit_entry", ["person"])
    op.create_table(
        "audit_head",
        sa.Column("chain", sa.String(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("chain"),
    )
    op.execute(f"INSERT INTO audit_head (chain, sequence, hash) SELECT id, 0, '{GENESIS}' FROM assessment")


def downgrade() -> None:
    op.drop_table("audit_head")
    op.drop_index("ix_audit_entry_person", table_name="audit_entry")
    op.drop_index("ix_audit_entry_actor", table_name="audit_entry")
    op.drop_table("audit_entry")
