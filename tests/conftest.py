"""Database fixtures for every test that touches storage.

`db_engine` is a migrated database, once on SQLite (a WAL file in the test's tmp_path) and once
on PostgreSQL when ACCORD_TEST_DATABASE_URL is set, e.g.

    ACCORD_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test pytest

Each PostgreSQL test gets a schema of its own, created for it and dropped after it; every
connection of the test's engine has that schema first on its search_path, so tables, indexes
and Alembic's version table all live there and tests never see each other's rows.
`empty_db_engine` is the same database before any migration.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from engine.framework import Framework, parse_framework_yaml
from storage.database import create_db_engine
from storage.migrate import upgrade

POSTGRES_URL = os.environ.get("ACCORD_TEST_DATABASE_URL", "").strip()


def _databases() -> str:
    if POSTGRES_URL:
        return f"SQLite and PostgreSQL ({make_url(POSTGRES_URL).render_as_string(hide_password=True)})"
    return "SQLite only (set ACCORD_TEST_DATABASE_URL, or run `make test` with PostgreSQL on 127.0.0.1:5432)"


def pytest_report_header(config) -> str:
    return f"storage tests run on: {_databases()}"


def pytest_collection_modifyitems(config, items) -> None:
    """Storage tests run on both databases; a `wire` module's tests run on SQLite alone.

    A `wire` module tests what an adapter does at its edge (a signature refused, local mode, a
    payload within the platform's limits, the words in Welsh): the database under it is not what
    it checks, so running it twice would only lengthen CI, which must stay well under ten minutes.
    """
    twice = [item for item in items if item.get_closest_marker("wire") and item.get_closest_marker("postgres")]
    if twice:
        config.hook.pytest_deselected(items=twice)
        items[:] = [item for item in items if item not in twice]


def pytest_terminal_summary(terminalreporter) -> None:
    terminalreporter.write_line(f"storage tests ran on: {_databases()}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'accord.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("set ACCORD_TEST_DATABASE_URL to run the storage tests on PostgreSQL too")
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_db_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def empty_db_engine(db_url: str) -> Iterator[Engine]:
    engine = create_db_engine(db_url)
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite database built by the migrations, once per test process, to copy for each test."""
    path = tmp_path_factory.mktemp("migrated") / "accord.db"
    engine = create_db_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()  # the last connection checkpoints the WAL into the file: the file is all of it
    return path


@pytest.fixture
def db_engine(db_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A database the migrations have built: on SQLite a copy of one built once per process (the
    same file the migrations make, in a thousandth of the time), on PostgreSQL a schema migrated
    for the test."""
    if db_url.startswith("sqlite:///"):
        target = Path(db_url.removeprefix("sqlite:///"))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(request.getfixturevalue("migrated_sqlite_file"), target)
        target.chmod(0o600)
        engine = create_db_engine(db_url)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    engine = create_db_engine(db_url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def framework() -> Framework:
    """The framework Accord ships, parsed from its YAML file."""
    source = files("bot") / "frameworks" / "efficient-councils.yaml"
    return parse_framework_yaml(source.read_text(encoding="utf-8"), source="efficient-councils.yaml")
