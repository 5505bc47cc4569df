"""People's languages (issue 19): `person_profile.language` and `person_profile.locale`.

`language` is what a person chose with `language cy` or `language en`; `locale` is what their
platform said (Slack's user locale, Teams' activity locale). Both empty for everyone so far:
they read the organisation's language until they choose or their platform says.

Revision ID: 0008_language
Revises: 0007_meeting
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_language"
down_revision: str | None = "0007_meeting"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person_profile") as table:
        table.add_column(sa.Column("language", sa.String(), nullable=True))
        table.add_column(sa.Column("locale", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person_profile") as table:
        table.drop_column("locale")
        table.drop_column("language")
