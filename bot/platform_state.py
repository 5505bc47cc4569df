"""Ports for what a platform keeps about itself, so adapters never open a transaction.

Adapters translate; they do not store. What Slack and Teams need remembered between requests
goes through these small async ports, which run their database work off the event loop
(`storage.database_work`, as the door does) in a unit of work of their own:

- `Profiles`: a person's time zone and working hours, as the platform told Accord (Slack's
  ``users.info``, Microsoft Graph's mailbox settings); reminders and deadlines read them.
- `ConversationReferences`: where Teams can be reached proactively (a channel, a person's
  one-to-one chat), as the Bot Framework's conversation references.
- `SlackInstallations`: the bot token of each workspace that installed Accord with "Add to
  Slack", and the OAuth ``state`` values handed out while an install is under way. The tokens
  are encrypted in the database with the keys of ``database.secret_keys`` (ACCORD_SECRET_KEYS),
  which the composition root hands the port (`token_secrets`); `accord serve` checks them before
  it starts (`check_keys`), and `accord secrets rotate` re-encrypts with the newest (`reencrypt`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from engine.assessment import Identity
from storage.database_work import DatabaseWork
from storage.secrets import Secrets
from storage.slack_tables import SlackInstallation, SlackInstallations, SlackOAuthStates
from storage.teams_tables import ConversationReferenceRepository
from storage.unit_of_work import SqlUnitOfWork

__all__ = ["ConversationReferences", "Profile", "Profiles", "SlackInstallation", "SlackInstallationPort", "token_secrets"]

T = TypeVar("T")


@dataclass(frozen=True)
class Profile:
    """What a platform says about one person's clock, and the locale it shows them (their language)."""

    identity: Identity
    timezone: str | None
    working_hours: dict[str, Any] | None = None
    locale: str | None = None


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
                uow.profiles.record(
                    profile.identity, now, timezone=profile.timezone, working_hours=profile.working_hours, locale=profile.locale
                )
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


def token_secrets(keys: Iterable[str]) -> Secrets | None:
    """What encrypts Slack's tokens in the database, from ``config.database.secret_keys``; None without keys."""
    keys = tuple(keys)
    return Secrets(keys) if keys else None


class SlackInstallationPort(_Port):
    """The installations of one Slack app (its client id); ``secrets`` encrypt their tokens.

    Without ``secrets`` (no key is set) an install can be deleted but not saved or read: each
    says so with `storage.secrets.SecretKeyError`, and `accord serve` refuses to start first.
    """

    def __init__(self, database: Any, work: DatabaseWork | None = None, secrets: Secrets | None = None) -> None:
        super().__init__(database, work)
        self._secrets = secrets

    async def save(self, record: SlackInstallation) -> None:
        await self._call(self._write, lambda session: self._installations(session).save(record))

    async def find(self, client_id: str, enterprise_id: str | None, team_id: str | None) -> SlackInstallation | None:
        return await self._call(self._find, client_id, enterprise_id, team_id)

    async def delete(self, client_id: str, enterprise_id: str | None, team_id: str | None) -> None:
        await self._call(self._write, lambda session: self._installations(session).delete(client_id, enterprise_id, team_id))

    # Blocking, for start-up and the `accord secrets` command, before any event loop runs.

    def check_keys(self) -> int:
        """Refuse (SecretKeyError) unless every kept token opens with the keys given; how many there are."""
        with SqlUnitOfWork(self._database, read_only=True) as uow:
            return self._installations(uow.session).check_keys()

    def reencrypt(self) -> int:
        """Encrypt every kept token with the first key, in one transaction; how many installs."""
        return self._write(lambda session: self._installations(session).reencrypt())

    async def issue_state(self, state: str, expires_at: datetime) -> None:
        await self._call(self._write, lambda session: SlackOAuthStates(session).issue(state, expires_at))

    async def consume_state(self, state: str, now: datetime) -> bool:
        return await self._call(self._write, lambda session: SlackOAuthStates(session).consume(state, now))

    def _find(self, client_id: str, enterprise_id: str | None, team_id: str | None) -> SlackInstallation | None:
        with SqlUnitOfWork(self._database, read_only=True) as uow:
            return self._installations(uow.session).find(client_id, enterprise_id, team_id)

    def _installations(self, session: Any) -> SlackInstallations:
        return SlackInstallations(session, self._secrets)

    def _write(self, change: Callable[[Any], T]) -> T:
        with SqlUnitOfWork(self._database) as uow:
            result = change(uow.session)
            uow.commit()
            return result
