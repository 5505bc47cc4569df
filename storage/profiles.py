"""People's time zones, working hours and languages, as their platform tells them or they chose.

Slack's `users.info` gives a time zone; Microsoft Graph's mailbox settings give a time zone and
working hours. Adapters record what they learn here; the scheduler reads it so that a reminder
reaches each person in their own working day, falling back to the organisation's time zone.
Working hours are kept as the adapter wrote them (a JSON dict); `engine.reminders.working_hours`
reads them, and ignores what makes no sense. A person's language (issue 19) is what they chose
with `language cy|en` (`choose_language`), else what their platform's locale says (`locale`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy import bindparam
from sqlmodel import Session, select

from engine.assessment import Identity
from storage.tables import PersonProfileRow

_profiles = PersonProfileRow.__table__


@dataclass(frozen=True)
class Profile:
    identity: Identity
    timezone: str | None
    working_hours: dict[str, Any] | None
    updated_at: datetime
    language: str | None = None  # chosen with `language cy|en`
    locale: str | None = None  # the platform's, e.g. "cy-GB"


class ProfileRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, identity: Identity) -> Profile | None:
        row = self._row(identity)
        return _profile(row) if row else None

    def get_many(self, identities: list[Identity]) -> dict[Identity, Profile]:
        """The profiles of these people that we have: one query per workspace (an assessment's
        members share one), not one per person."""
        workspaces: dict[tuple[str, str], set[str]] = {}
        for identity in identities:
            workspaces.setdefault((identity.platform, identity.workspace), set()).add(identity.user_id)
        found = {}
        for (platform, workspace), user_ids in workspaces.items():
            rows = self._session.exec(
                select(PersonProfileRow).where(
                    PersonProfileRow.platform == platform,
                    PersonProfileRow.workspace == workspace,
                    PersonProfileRow.user_id.in_(sorted(user_ids)),
                )
            )
            for row in rows:
                profile = _profile(row)
                found[profile.identity] = profile
        return found

    def record(
        self,
        identity: Identity,
        now: datetime,
        *,
        timezone: str | None,
        working_hours: dict[str, Any] | None = None,
        locale: str | None = None,
    ) -> None:
        """Keep what the platform said; one statement, so two processes told at once both succeed.

        A locale is kept when the platform gave one; a platform that says nothing of it (Graph's
        mailbox settings) leaves the one kept before.
        """
        values = {"timezone": timezone, "working_hours": working_hours}
        if locale is not None:
            values["locale"] = locale
        self._upsert(identity, now, values)

    def choose_language(self, identity: Identity, language: str | None, now: datetime) -> None:
        """The person's own choice (`language cy`); None forgets it, so the platform's counts again."""
        self._upsert(identity, now, {"language": language})

    def _upsert(self, identity: Identity, now: datetime, values: dict[str, Any]) -> None:
        dialect = self._session.connection().dialect.name
        statement = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(_profiles).values(
            platform=identity.platform, workspace=identity.workspace, user_id=identity.user_id, updated_at=now, **values
        )
        self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["platform", "workspace", "user_id"],
                set_={**{name: statement.excluded[name] for name in values}, "updated_at": now},
            )
        )

    def _row(self, identity: Identity) -> Any:
        # Every command reads its asker's profile (for their language): a Core statement on the
        # command's connection, so a grouped vote makes no ORM session for it.
        return (
            self._session.connection()
            .execute(_ONE_PROFILE, {"b_platform": identity.platform, "b_workspace": identity.workspace, "b_user_id": identity.user_id})
            .first()
        )


_ONE_PROFILE = select(_profiles).where(
    _profiles.c.platform == bindparam("b_platform"),
    _profiles.c.workspace == bindparam("b_workspace"),
    _profiles.c.user_id == bindparam("b_user_id"),
)


def _profile(row: Any) -> Profile:
    return Profile(
        Identity(row.platform, row.workspace, row.user_id), row.timezone, row.working_hours, row.updated_at, row.language, row.locale
    )
