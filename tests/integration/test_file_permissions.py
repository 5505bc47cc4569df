"""The SQLite database holds every vote and comment: only its owner may read it (#15, item 8)."""

from __future__ import annotations

import os
import stat

from storage.database import create_db_engine
from storage.migrate import upgrade


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_database_and_its_wal_files_are_its_owners_alone(tmp_path):
    previous = os.umask(0o022)  # the usual umask, under which SQLite would make them 0644
    try:
        database = tmp_path / "accord.db"
        engine = create_db_engine(f"sqlite:///{database}")
        upgrade(engine)
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE probe (x)")  # the -wal file exists while connected
            assert {mode(database), mode(f"{database}-wal"), mode(f"{database}-shm")} == {0o600}
        engine.dispose()
    finally:
        os.umask(previous)


def test_a_database_made_readable_by_others_is_tightened_when_opened(tmp_path):
    database = tmp_path / "accord.db"
    database.touch()
    database.chmod(0o644)
    create_db_engine(f"sqlite:///{database}").dispose()
    assert mode(database) == 0o600
