"""The outbox: an index to find a conversation's newest waiting message (`storage/tables.py`).

A keyed message (a question's progress line) replaces that message when it is an unclaimed
older version of itself (`storage.outbox`); the index keeps finding it cheap in a channel that
has sent many messages. Branches from 0002, like every feature's changes to the shared tables.

Revision ID: 0003_outbox_tail
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_outbox_tail"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNSENT = sa.text("sent_at IS NULL AND failed_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_outbox_conversation_unsent",
        "outbox",
        ["platform", "workspace", "channel_id", "id"],
        sqlite_where=UNSENT,
        postgresql_where=UNSENT,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_conversation_unsent", table_name="outbox")
