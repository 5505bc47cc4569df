"""Bringing a database's schema up to date: Alembic, driven from code.

`upgrade(engine_or_url)` applies every migration in `storage/migrations/versions` that the
database has not had yet; run it twice and the second run does nothing. `current_revision` and
`is_up_to_date` let Accord refuse to start on a database that needs `accord db upgrade`.

No alembic.ini is needed: the configuration is built here, with the migrations folder found
next to this file, so it works from an installed package and from any working directory. The
upgrade runs on one connection in one transaction (DDL is transactional on both SQLite and
PostgreSQL), so a failed migration leaves the schema as it was. On PostgreSQL a transaction-
level advisory lock makes two workers starting at once take turns instead of both migrating;
on SQLite, BEGIN IMMEDIATE does the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from storage.database import create_db_engine, read_only

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# An arbitrary constant that names Accord's migration lock among PostgreSQL advisory locks.
_MIGRATION_LOCK = 0x4163636F7264  # "Accord"


def alembic_config(connection: Connection | None = None, secret_keys: Sequence[str] = ()) -> Config:
    """Alembic's configuration for Accord's migrations, optionally bound to an open connection.

    ``secret_keys`` reach the migrations that encrypt what they find in the clear (0006, Slack's
    tokens) as ``config.attributes["secret_keys"]``: newest first, as `storage.secrets` takes them.
    """
    config = Config()
    # Config values go through ConfigParser interpolation, where "%" is special.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    config.attributes["secret_keys"] = tuple(secret_keys)
    return config


def upgrade(target: Engine | str, revision: str = "heads", *, secret_keys: Sequence[str] = ()) -> None:
    """Apply the migrations the database has not had yet (to `revision`, by default all).

    "heads", not "head": a feature's migrations may branch from a shared revision (each
    platform's tables, say), and every branch is applied. A database holding Slack tokens needs
    ``secret_keys`` to encrypt them; without, it is refused (`storage.secrets.SecretKeyError`)
    and left as it was.
    """
    engine, owned = _engine(target)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            command.upgrade(alembic_config(connection, secret_keys), revision)
    finally:
        if owned:
            engine.dispose()


def head_revisions() -> frozenset[str]:
    """The newest migration of every branch shipped with this version of Accord."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def head_revision() -> str:
    """The shipped heads as one line, for people."""
    return ", ".join(sorted(head_revisions()))


def current_revisions(target: Engine | str) -> frozenset[str]:
    """The migrations the database is at (one per branch); empty for a database never migrated."""
    engine, owned = _engine(target)
    try:
        with read_only(engine).connect() as connection:
            return frozenset(MigrationContext.configure(connection).get_current_heads())
    finally:
        if owned:
            engine.dispose()


def current_revision(target: Engine | str) -> str | None:
    """The database's revisions as one line; None for a database never migrated."""
    revisions = current_revisions(target)
    return ", ".join(sorted(revisions)) if revisions else None


def is_up_to_date(target: Engine | str) -> bool:
    return current_revisions(target) == head_revisions()


def _engine(target: Engine | str) -> tuple[Engine, bool]:
    if isinstance(target, str):
        return create_db_engine(target), True
    return target, False
