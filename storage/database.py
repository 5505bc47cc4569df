"""Connecting to the database: a SQLite file by default, PostgreSQL in production.

`create_db_engine(url)` returns a SQLAlchemy engine set up for how Accord uses each database,
or raises `StorageError` with a message an operator can act on (a malformed URL, a server that
cannot be reached). It connects once before returning, so a bad setting is reported when Accord
starts, not at the first vote.

SQLite (``sqlite:///accord.db``, a file; the folder is created if it is missing):

- WAL journal mode, so readers never wait for a writer (https://www.sqlite.org/wal.html);
- ``foreign_keys=ON``, which SQLite leaves off by default, so ON DELETE CASCADE and the
  references between tables hold;
- a 5 second busy timeout: a writer waits for another writer instead of failing at once;
- transactions begin with ``BEGIN IMMEDIATE``, issued by us rather than by the driver. Left to
  itself, Python's sqlite3 module begins a transaction only at the first INSERT or UPDATE, so
  what a command read before that was not part of it: two commands could read the same state
  and both write. Beginning at the first statement fixes that, but a plain (deferred) BEGIN
  takes only a read lock; when two commands then both try to write, one has to upgrade its
  lock while the other waits on it, and SQLite fails it at once with "database is locked" (the
  busy timeout does not apply to that deadlock). BEGIN IMMEDIATE takes the write lock at the
  start, so the second command simply waits its turn. This is SQLAlchemy's documented recipe
  for taking over BEGIN from the driver (SQLite dialect documentation, "Transactions with
  SQLite and the sqlite3 driver"), with IMMEDIATE in place of a plain BEGIN. Work that only
  reads asks for a deferred BEGIN with `read_only(engine)`, so it never queues behind writers.

PostgreSQL (``postgresql+psycopg://user:password@host/accord``; ``postgresql://`` and
``postgres://`` are read as psycopg 3): ``pool_pre_ping`` so a connection dropped by a restart
or a proxy is replaced rather than handed out, a connect timeout so an unreachable host fails
in seconds rather than hanging, and ``application_name=accord`` to find Accord's sessions in
``pg_stat_activity``.
"""

from __future__ import annotations

import os

import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from storage.errors import StorageError

SQLITE_BUSY_TIMEOUT_MS = 5000
POSTGRES_CONNECT_TIMEOUT_S = 10

# An execution option: a connection carrying it begins with a deferred BEGIN on SQLite.
READ_ONLY = "accord_read_only"

_EXAMPLES = "e.g. sqlite:///accord.db or postgresql://user:password@host/accord"
_WHERE_SET = "Check database.url in app.yaml, or ACCORD_DATABASE_URL."


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for the SQLite file or PostgreSQL database at `url`, checked by connecting once."""
    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed, echo)
    else:
        engine = _postgres_engine(parsed, echo)
    # Messages name the URL as the person wrote it (postgresql://), not as rewritten for psycopg.
    shown = describe(url.strip())
    event.listen(engine, "handle_error", lambda context: _explain_error(context, shown))
    try:
        with engine.connect():
            pass
    except Exception:
        engine.dispose()
        raise
    return engine


def read_only(engine: Engine) -> Engine:
    """The same engine (same pool) for work that only reads: on SQLite it never takes the write lock."""
    return engine.execution_options(**{READ_ONLY: True})


def describe(url: URL | str) -> str:
    """The URL as it may be shown or logged: with the password hidden."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", url)



# ------------------------------------------------------------------------------ the URL


def _parse(url: str) -> URL:
    given = describe(url.strip())  # every message shows the URL as the person wrote it
    try:
        parsed = make_url(url.strip())
    except (ArgumentError, ValueError):
        raise StorageError(
            f"The database URL {given!r} is not a URL Accord can read ({_EXAMPLES}). {_WHERE_SET}"
        ) from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgres", "postgresql"):
        # SQLAlchemy reads plain postgresql:// as psycopg2; Accord ships psycopg 3.
        backend, driver = "postgresql", driver or "psycopg"
        parsed = parsed.set(drivername=f"{backend}+{driver}")
    if backend not in ("sqlite", "postgresql"):
        raise StorageError(
            f"The database URL {given!r} names {backend!r}: Accord stores its data in "
            f"SQLite or PostgreSQL ({_EXAMPLES}). {_WHERE_SET}"
        )
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise StorageError(
            f"The database URL {given!r} names no file: Accord keeps its SQLite database "
            f"in a file, e.g. sqlite:///accord.db. {_WHERE_SET}"
        )
    if backend == "postgresql" and not parsed.database:
        # libpq would fill in a database name from its defaults (the user's name): Accord would
        # then create its tables wherever that leads. The name is asked for instead.
        raise StorageError(
            f"The database URL {given!r} names no database: add it after the host, "
            f"e.g. postgresql://user:password@host/accord. {_WHERE_SET}"
        )
    wanted = {"sqlite": ("", "pysqlite"), "postgresql": ("psycopg",)}[backend]
    if driver not in wanted:
        raise StorageError(
            f"The database URL {given!r} asks for the {driver!r} driver; Accord uses "
            f"Python's sqlite3 and psycopg 3: write sqlite:///... or postgresql://... {_WHERE_SET}"
        )
    return parsed


# --------------------------------------------------------------------------- SQLite


def _sqlite_engine(url: URL, echo: bool) -> Engine:
    path = Path(url.database or "")
    if not url.query.get("uri") and url.database not in (None, "", ":memory:"):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _owner_only(path)
        except OSError as exc:
            raise StorageError(
                f"Cannot create the folder {str(path.parent)!r} for the database file: {exc.strerror}."
            ) from None
    try:
        engine = create_engine(url, echo=echo)
    except NoSuchModuleError as exc:  # pragma: no cover - sqlite3 ships with Python
        raise StorageError(f"Cannot open {describe(url)!r}: {exc}") from None
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _owner_only(path: Path) -> None:
    """The database file readable by its owner alone (0600), before SQLite opens it.

    It holds every vote and comment, and under the usual umask 022 SQLite would create it
    world-readable. SQLite gives the -wal and -shm files the database file's own permissions, so
    they follow; a file made by an older version is tightened, with its -wal and -shm.
    """
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Stop the sqlite3 module from issuing BEGIN (and COMMIT before DDL) by itself; `_sqlite_begin`
    # issues it instead. The PRAGMAs below then run outside any transaction, where they apply.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


def _sqlite_begin(connection: Any) -> None:
    mode = "DEFERRED" if connection.get_execution_options().get(READ_ONLY) else "IMMEDIATE"
    connection.exec_driver_sql(f"BEGIN {mode}")


# ----------------------------------------------------------------------- PostgreSQL


def _postgres_engine(url: URL, echo: bool) -> Engine:
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
    if "application_name" not in url.query:
        connect_args["application_name"] = "accord"
    try:
        return create_engine(url, echo=echo, pool_pre_ping=True, connect_args=connect_args)
    except NoSuchModuleError:  # pragma: no cover - psycopg is a dependency
        raise StorageError("Cannot talk to PostgreSQL: the psycopg package is not installed.") from None


# ------------------------------------------------------------------------- errors


def _explain_error(context: ExceptionContext, shown: str) -> None:
    """Turn a database that cannot be used right now into a `StorageError` a person can act on.

    Only the cases that are about the database, not the statement, are turned: a connection
    that cannot be made or was lost, and a SQLite file still locked after the busy timeout.
    Constraint violations pass through untouched: the repository gives them their meaning.
    """
    if context.is_pre_ping:  # the pool is checking a connection; it handles failure itself
        return
    if not isinstance(context.sqlalchemy_exception, OperationalError):
        return
    error = context.original_exception
    engine = context.engine
    where = shown
    reason = _first_line(error)
    if engine is not None and engine.dialect.name == "sqlite":
        if "locked" in reason or "busy" in reason:
            raise StorageError(
                "The database is busy with another change and did not free up within "
                f"{SQLITE_BUSY_TIMEOUT_MS // 1000} seconds. Please try again in a moment."
            ) from error
        if context.connection is None:
            raise StorageError(f"Cannot open the SQLite database {where}: {reason}.") from error
        return
    if context.connection is None:
        raise StorageError(
            f"Cannot connect to the database at {where}: {reason}. Check that the server is "
            f"running and reachable, and the user name, password and database name. {_WHERE_SET}"
        ) from error
    if context.is_disconnect:
        raise StorageError(
            f"Lost the connection to the database at {where} ({reason}). Please try again; if it "
            "keeps happening, check the database server."
        ) from error


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return line.rstrip(".")


def ping(engine: Engine) -> None:
    """Ask the database for one trivial answer; raises if it cannot give one (for /healthz)."""
    with read_only(engine).connect() as connection:
        connection.exec_driver_sql("SELECT 1")
