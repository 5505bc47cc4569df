"""People's clocks as their platform told them: the newest word wins, and two processes told at once both succeed."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine

from engine.assessment import Identity
from storage.database import create_db_engine
from storage.unit_of_work import SqlUnitOfWork

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
AMIRA = Identity("slack", "T1", "U-AMIRA")


def recorded(database: Engine, zone: str | None, when: datetime, hours: dict | None = None) -> None:
    with SqlUnitOfWork(database) as uow:
        uow.profiles.record(AMIRA, when, timezone=zone, working_hours=hours)
        uow.commit()


def test_the_newest_profile_replaces_the_one_kept(db_engine: Engine) -> None:
    recorded(db_engine, "Europe/London", NOW, {"start": "09:00", "end": "17:00"})
    recorded(db_engine, "America/New_York", NOW + timedelta(hours=1))
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        profile = uow.profiles.get(AMIRA)
    assert (profile.timezone, profile.working_hours, profile.updated_at) == ("America/New_York", None, NOW + timedelta(hours=1))


def test_two_processes_recording_the_same_new_person_at_once_both_succeed(db_engine: Engine, db_url: str) -> None:
    """Two channels started at once by one team, each in its own worker, both save the same people."""
    engines = [create_db_engine(db_url), create_db_engine(db_url)]
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def record(engine: Engine, zone: str) -> None:
        try:
            with SqlUnitOfWork(engine) as uow:
                barrier.wait(timeout=10)
                uow.profiles.record(AMIRA, NOW, timezone=zone)
                uow.commit()
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=record, args=(engine, zone)) for engine, zone in zip(engines, ("Europe/London", "Europe/Paris"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for engine in engines:
        engine.dispose()
    assert failures == []
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        assert uow.profiles.get(AMIRA).timezone in {"Europe/London", "Europe/Paris"}
