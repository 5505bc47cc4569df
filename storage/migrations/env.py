"""Alembic's entry point for Accord's migrations.

Accord runs migrations from code (`storage.migrate.upgrade`), which passes an open connection in
``config.attributes["connection"]``; the caller owns that connection's transaction, so the
whole upgrade commits or rolls back as one. Run by the ``alembic`` command instead (to write a
new revision), the URL comes from ``sqlalchemy.url`` or the ``ACCORD_DATABASE_URL`` environment
variable, and the engine from `storage.database.create_db_engine`, with the same settings Accord
uses. ``--sql`` (offline mode) prints the SQL for a database administrator to run.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.database import create_db_engine

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("ACCORD_DATABASE_URL")
    if not url:
        raise SystemExit("Set sqlalchemy.url or ACCORD_DATABASE_URL to say which database to migrate.")
    return url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_db_engine(_url())
    try:
        with engine.begin() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
