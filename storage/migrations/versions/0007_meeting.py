"""Running the meeting: a facilitator, people waiting to join or removed, pause, a scheduled start.

- `member.role` may also be 'facilitator' (chairs without voting), 'waiting' (asked to join an
  assessment that needs approval) and 'removed' (kept so their revealed and recorded votes keep a
  name);
- `assessment.paused_at`: while set, reminders, deadline reveals and digests wait;
- `assessment.starts_at`: a scheduled start; the scheduler opens the first question then.

The role CHECK is widened in place. PostgreSQL drops and adds it. SQLite cannot alter a
constraint, and rebuilding the member table would drop migration 0006's triggers and, with
foreign keys on, cascade-delete every vote; so the table's stored definition is edited, as
SQLite documents for loosening a CHECK (https://www.sqlite.org/lang_altertable.html, "making
other kinds of table schema changes"): every existing row satisfies the wider constraint.

Revision ID: 0007_meeting
Revises: 0006_assessment_version
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_meeting"
down_revision: str | None = "0006_assessment_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NARROW = "role IN ('super-user', 'member', 'observer')"
_WIDE = "role IN ('super-user', 'facilitator', 'member', 'observer', 'waiting', 'removed')"


def upgrade() -> None:
    op.add_column("assessment", sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("assessment", sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True))
    _role_check(_NARROW, _WIDE)


def downgrade() -> None:
    # The new roles have no older meaning: a facilitator becomes a super-user, a person waiting or
    # removed an observer (who never votes or counts), so the narrow CHECK holds again.
    op.execute("UPDATE member SET role = 'super-user' WHERE role = 'facilitator'")
    op.execute("UPDATE member SET role = 'observer' WHERE role IN ('waiting', 'removed')")
    _role_check(_WIDE, _NARROW)
    # Plain ALTER TABLE on both (SQLite 3.35 and later): a batch rebuild of the assessment table
    # would break migration 0006's triggers that name it.
    for column in ("starts_at", "paused_at"):
        op.execute(f"ALTER TABLE assessment DROP COLUMN {column}")


def _role_check(old: str, new: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("ck_member_role", "member", type_="check")
        op.create_check_constraint("ck_member_role", "member", new)
        return
    connection = op.get_bind()
    definition = connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'member'").scalar_one()
    if old not in definition:
        raise RuntimeError(f"the member table's role CHECK is not the expected {old!r}: {definition}")
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar_one()
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    connection.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'member'", (definition.replace(old, new),)
    )
    connection.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    connection.exec_driver_sql("PRAGMA writable_schema = OFF")
    checked = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
    if checked != "ok":
        raise RuntimeError(f"the database failed its integrity check after widening the role CHECK: {checked}")
