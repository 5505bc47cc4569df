"""A person's language in the database (migration 0008_language), on SQLite and PostgreSQL: the
choice and the platform's locale are kept apart, and neither overwrites the other."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine

from engine.assessment import Identity
from storage.unit_of_work import SqlUnitOfWork

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
ELIN = Identity("msteams", "tenant", "29:elin")


def test_a_choice_and_the_platforms_locale_are_kept_apart(db_engine: Engine) -> None:
    with SqlUnitOfWork(db_engine) as uow:
        uow.profiles.record(ELIN, NOW, timezone="Europe/London", locale="cy-GB")
        uow.commit()
    with SqlUnitOfWork(db_engine) as uow:
        uow.profiles.choose_language(ELIN, "en", NOW + timedelta(minutes=1))
        uow.commit()
    with SqlUnitOfWork(db_engine) as uow:
        # Graph's mailbox settings say nothing of a locale: the one kept stays.
        uow.profiles.record(ELIN, NOW + timedelta(minutes=2), timezone="Europe/London", working_hours={"start": "09:00"})
        uow.commit()
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        profile = uow.profiles.get(ELIN)
    assert (profile.language, profile.locale, profile.timezone) == ("en", "cy-GB", "Europe/London")


def test_a_choice_before_anything_else_is_known_makes_the_profile(db_engine: Engine) -> None:
    with SqlUnitOfWork(db_engine) as uow:
        uow.profiles.choose_language(ELIN, "cy", NOW)
        uow.commit()
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        profile = uow.profiles.get(ELIN)
    assert (profile.language, profile.locale, profile.timezone) == ("cy", None, None)
