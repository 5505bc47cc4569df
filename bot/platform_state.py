"""Ports for what a platform keeps about itself, so adapters never open a transaction.

Adapters translate; they do not store. What Slack and Teams need remembered between requests
goes through these small async ports, which run their database work off the event loop
(`storage.database_work`, as the door does) in a unit of work of their own:

- `Profiles`: a person's time zone and working hours, as the platform told Accord (Slack's
  ``users.info``, Microsoft Graph's mailbox settings); reminders and deadlines read them.
- `ConversationReferences`: where Teams can be reached proactively (a channel, a person's
  one-to-one chat), as the Bot Framework's conversation references.
- `SlackInstallations`: the bot token of each workspace that installed Accord with "Add to
  Slack", and the OAuth ``state`` values handed out while an install is under way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from engine.assessment import Identity
from storage.database_work import DatabaseWork
from storage.slack_tables import SlackInstallation, SlackInstallations, SlackOAuthStates
from storage.teams_tables import ConversationReferenceRepository
from storage.unit_of_work import SqlUnitOfWork

__all__ = ["ConversationReferences", "Profile", "Profiles", "SlackInstallation", "SlackInstallationPort"]

T = TypeVar("T")


@dataclass(frozen=True)
class Profile:
    """What a platform says about one person's clock."""

    identity: Identity
    timezone: str | None
    working_hours: dict[str, Any] | None = None


class _Port:
    def __init__(self, database: Any, work: DatabaseWork | None = None) -> None:
        self._database = database
        self._work = work

    async def _call(self, function: Callable[..., T], *args: Any) -> T:
        if self._work is None:
            return await asyncio.to_thread(function, *args)
        return await self._work.call(function, *args)


class Profiles(_Port):
    async def record(self, profiles: Iterable[Profile], now: datetime) -> None:
        profiles = list(profiles)
        if profiles:
            await self._call(self._record, profiles, now)

    def _record(self, profiles: list[Profile], now: datetime) -> None:
        with SqlUnitOfWork(self._database) as uow:
            for profile in profiles:
                uow.profiles.record(profile.identity, now, timezone=profile.timezone, working_hours=profile.working_hours)
            uow.commit()


class ConversationReferences(_Port):
    """References by (platform, workspace, scope, target): scope "channel" or "person"."""

    async def get(self, platform: str, workspace: str, scope: str, target: str) -> dict[str, Any] | None:
        return await self._call(self._get, platform, workspace, scope, target)

    async def record(self, platform: str, writes: list[tuple[str, str, str, dict[str, Any]]], now: datetime) -> None:
        """Keep each (workspace, scope, target, reference), replacing what was kept before."""
        await self._call(self._record, platform, writes, now)

    def _get(self, platform: str, workspace: str, scope: str, target: str) -> dict[str, Any] | None:
        with SqlUnitOfWork(self._database, read_only=True) as uow:
            stored = ConversationReferenceRepository(uow.session).get(platform, workspace, scope, target)
            return stored.reference if stored else None

    def _record(self, platform: str, writes: list[tuple[str, str, str, dict[str, Any]]], now: datetime) -> None:
        with SqlUnitOfWork(self._database) as uow:
            repository = ConversationReferenceRepository(uow.session)
            for workspace, scope, target, reference in writes:
                repository.record(platform, workspace, scope, target, reference, now)
            uow.commit()


class SlackInstallationPort(_Port):
    """The installations of one Slack app (its client id)."""

    async def save(self, record: SlackInstallation) -> None:
        await self._call(self._write, lambda session: SlackInstallations(session).save(record))

    async def find(self, client_id: str, enterprise_id: str | None, team_id: str | None) -> SlackInstallation | None:
        return await self._call(self._find, client_id, enterprise_id, team_id)

    async def delete(self, client_id: str, enterprise_id: str | None, team_id: str | None) -> None:
        await self._call(self._write, lambda session: SlackInstallations(session).delete(client_id, enterprise_id, team_id))

    async def issue_state(self, state: str, expires_at: datetime) -> None:
        await self._call(self._write, lambda session: SlackOAuthStates(session).issue(state, expires_at))

    async def consume_state(self, state: str, now: datetime) -> bool:
        return await self._call(self._write, lambda session: SlackOAuthStates(session).consume(state, now))

    def _find(self, client_id: str, enterprise_id: str | None, team_id: str | None) -> SlackInstallation | None:
        with SqlUnitOfWork(self._database, read_only=True) as uow:
            return SlackInstallations(uow.session).find(client_id, enterprise_id, team_id)

    def _write(self, change: Callable[[Any], T]) -> T:
        with SqlUnitOfWork(self._database) as uow:
            result = change(uow.session)
            uow.commit()
            return result
