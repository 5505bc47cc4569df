"""The database moves an assessment's version on whenever its rows change, whoever changes them.

Each process keeps the assessments it committed last (`storage/tracking.py`) and uses its copy
only while the stored version is the one it committed. That is sound only if every change to an
assessment's rows (the assessment, its members, rounds and votes) moves the version on. Until
now that was a rule for writers to follow; a repair by hand, a script or a forgotten code path
could change a row and leave every process trusting a stale copy. These triggers make it a fact:

- a change to a member, round or vote row moves its assessment's version on by one;
- a change to the assessment row that leaves its version as it was moves it on by one (the
  repository's own update, which moves it on itself with its optimistic check, is left alone).

The repository reads the version back after writing (`storage.repository`), so it never has to
predict how many steps its statements made.

Revision ID: 0006_assessment_version
Revises: 0005_receipts
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006_assessment_version"
down_revision: str | None = "0005_receipts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, how a row names its assessment)
_CHILDREN = (
    ("member", "{row}.assessment_id"),
    ("round", "{row}.assessment_id"),
    ("vote", '(SELECT assessment_id FROM "round" WHERE id = {row}.round_id)'),
)
_EVENTS = (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD"))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgresql()
    else:
        _sqlite()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute('DROP TRIGGER IF EXISTS assessment_version_unmoved ON assessment')
        for table, _ in _CHILDREN:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_moves_version ON "{table}"')
            op.execute(f"DROP FUNCTION IF EXISTS accord_{table}_moves_version()")
        op.execute("DROP FUNCTION IF EXISTS accord_assessment_version_unmoved()")
        return
    op.execute("DROP TRIGGER IF EXISTS assessment_version_unmoved")
    for table, _ in _CHILDREN:
        for event, _ in _EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{event}_moves_version")


def _sqlite() -> None:
    # recursive_triggers is off (SQLite's default), so the trigger's own UPDATE does not fire it again.
    op.execute(
        "CREATE TRIGGER assessment_version_unmoved AFTER UPDATE ON assessment "
        "WHEN NEW.version = OLD.version "
        "BEGIN UPDATE assessment SET version = version + 1 WHERE id = NEW.id; END"
    )
    for table, owner in _CHILDREN:
        for event, row in _EVENTS:
            op.execute(
                f'CREATE TRIGGER {table}_{event}_moves_version AFTER {event.upper()} ON "{table}" '
                f"BEGIN UPDATE assessment SET version = version + 1 WHERE id = {owner.format(row=row)}; END"
            )


def _postgresql() -> None:
    op.execute(
        "CREATE FUNCTION accord_assessment_version_unmoved() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN NEW.version := OLD.version + 1; RETURN NEW; END $$"
    )
    op.execute(
        "CREATE TRIGGER assessment_version_unmoved BEFORE UPDATE ON assessment FOR EACH ROW "
        "WHEN (NEW.version = OLD.version) EXECUTE FUNCTION accord_assessment_version_unmoved()"
    )
    for table, owner in _CHILDREN:
        # The row that names the assessment: the old one when it was deleted, else the new one.
        op.execute(
            f"CREATE FUNCTION accord_{table}_moves_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'DELETE' THEN UPDATE assessment SET version = version + 1 WHERE id = {owner.format(row='OLD')}; "
            f"ELSE UPDATE assessment SET version = version + 1 WHERE id = {owner.format(row='NEW')}; END IF; "
            "RETURN NULL; END $$"
        )
        op.execute(
            f'CREATE TRIGGER {table}_moves_version AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION accord_{table}_moves_version()"
        )
