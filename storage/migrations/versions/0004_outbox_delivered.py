"""The outbox: what part of a message already reached the platform, kept for the retry.

A Slack message with charts is a post and then an upload per chart. When an upload is refused
for now (a rate limit), the retry must not post the text again; what was done is kept on the
message's row (`outbox.delivered`), so the retry finds it whichever process makes it
(`accord serve --workers N`) and after a restart. Follows 0003_outbox_tail.

Revision ID: 0004_outbox_delivered
Revises: 0003_outbox_tail
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_outbox_delivered"
down_revision: str | None = "0003_outbox_tail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("delivered", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("delivered")
