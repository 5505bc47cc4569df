"""Members' time zones and working hours from Microsoft Graph, with msal's client credentials.

Reminders should reach people in their working day. The Bot Framework does not say where a
person is, Graph does: `GET /users/{id}/mailboxSettings` gives their time zone and working
hours (application permission MailboxSettings.Read, granted by an admin; see docs/teams.md).
When an assessment starts, Accord asks Graph about each member it has an Azure AD object id
for, and records what it learns through the `bot.platform_state.Profiles` port. The reminder sweep and the
`remind` command read it: a member's reminders come only within their working hours, on their
working days (`engine.reminders.working_hours` reads the record and ignores what makes no sense).

Tokens: msal's `ConfidentialClientApplication` with the bot's app id and password (client
credentials flow), one per tenant, each keeping msal's in-memory token cache, so a token is
fetched once an hour, not once a call. Without permission (401/403), or without an app id
(local mode), Accord falls back silently to the organisation's time zone from app.yaml: it
records nothing and stops asking that tenant for a while.

The Graph base URL is `teams.graph_url` (national clouds, and tests, point it elsewhere); the
token authority host can be given too, and so can msal's `http_client`, so tests stand in for
both without anything leaving loopback.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiohttp
import msal

from adapters.teams.directory import Account
from bot.config import TeamsConfig
from bot.platform_state import Profile, Profiles

log = logging.getLogger("accord.teams")

AUTHORITY_HOST = "https://login.microsoftonline.com"
NO_PERMISSION_PAUSE = 3600.0  # seconds before asking a tenant that refused again
CONCURRENCY = 4

# Graph gives Windows time zone names unless the user chose an IANA one. The common ones,
# from Unicode CLDR's windowsZones.xml (territory "001").
WINDOWS_ZONES = {
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "E. Europe Standard Time": "Europe/Chisinau",
    "FLE Standard Time": "Europe/Kiev",
    "GTB Standard Time": "Europe/Bucharest",
    "Russian Standard Time": "Europe/Moscow",
    "Turkey Standard Time": "Europe/Istanbul",
    "Israel Standard Time": "Asia/Jerusalem",
    "South Africa Standard Time": "Africa/Johannesburg",
    "Arabian Standard Time": "Asia/Dubai",
    "India Standard Time": "Asia/Calcutta",
    "China Standard Time": "Asia/Shanghai",
    "Singapore Standard Time": "Asia/Singapore",
    "Tokyo Standard Time": "Asia/Tokyo",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "E. Australia Standard Time": "Australia/Brisbane",
    "W. Australia Standard Time": "Australia/Perth",
    "New Zealand Standard Time": "Pacific/Auckland",
    "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago",
    "Mountain Standard Time": "America/Denver",
    "US Mountain Standard Time": "America/Phoenix",
    "Pacific Standard Time": "America/Los_Angeles",
    "Alaskan Standard Time": "America/Anchorage",
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "Atlantic Standard Time": "America/Halifax",
    "Newfoundland Standard Time": "America/St_Johns",
    "Canada Central Standard Time": "America/Regina",
    "E. South America Standard Time": "America/Sao_Paulo",
    "Argentina Standard Time": "America/Buenos_Aires",
    "UTC": "Etc/UTC",
    "Coordinated Universal Time": "Etc/UTC",
}


class TokenProvider(Protocol):
    async def token(self, tenant: str) -> str | None:
        """An access token for Graph in that tenant, or None when none can be had."""


class MsalTokenProvider:
    """Client-credentials tokens for Graph from msal, one confidential client per tenant."""

    def __init__(
        self,
        app_id: str,
        app_password: str,
        scope: str,
        *,
        authority_host: str = AUTHORITY_HOST,
        http_client: Any = None,
    ) -> None:
        self._app_id = app_id
        self._password = app_password
        self._scope = scope
        self._authority_host = authority_host.rstrip("/")
        self._http_client = http_client
        self._clients: dict[str, msal.ConfidentialClientApplication] = {}

    def _client(self, tenant: str) -> msal.ConfidentialClientApplication:
        client = self._clients.get(tenant)
        if client is None:
            options: dict[str, Any] = {"token_cache": msal.TokenCache()}
            if self._http_client is not None:
                options["http_client"] = self._http_client
            client = msal.ConfidentialClientApplication(
                self._app_id,
                client_credential=self._password,
                authority=f"{self._authority_host}/{tenant}",
                **options,
            )
            self._clients[tenant] = client
        return client

    def token_now(self, tenant: str) -> str | None:
        result = self._client(tenant).acquire_token_for_client(scopes=[self._scope])
        if "access_token" in result:
            return result["access_token"]
        log.info("no Graph token for tenant %s: %s", tenant, result.get("error_description") or result.get("error"))
        return None

    async def token(self, tenant: str) -> str | None:
        return await asyncio.get_running_loop().run_in_executor(None, self.token_now, tenant)


def graph_scope(graph_url: str) -> str:
    parts = urlsplit(graph_url)
    return f"{parts.scheme}://{parts.netloc}/.default"


class GraphProfiles:
    """Fetches members' mailbox settings and records their time zone and working hours."""

    def __init__(
        self,
        config: TeamsConfig,
        profiles: Profiles,
        clock: Callable[[], datetime],
        tokens: TokenProvider | None,
    ) -> None:
        self._graph_url = config.graph_url.rstrip("/")
        self._profiles = profiles
        self._clock = clock
        self._tokens = tokens
        self._default_tenant = config.tenant_id
        self._refused_until: dict[str, float] = {}
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task] = set()

    @property
    def enabled(self) -> bool:
        return self._tokens is not None

    def refresh_later(self, tenant: str, accounts: list[Account]) -> None:
        """Ask Graph in the background; an assessment never waits for it."""
        if not self.enabled or tenant == "local":
            return
        task = asyncio.get_running_loop().create_task(self.refresh(tenant, accounts))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def refresh(self, tenant: str, accounts: list[Account]) -> int:
        """Record the profile of every account Graph tells about; the number recorded."""
        if self._tokens is None or time.monotonic() < self._refused_until.get(tenant, 0.0):
            return 0
        token = await self._tokens.token(self._default_tenant or tenant)
        if token is None:
            self._refused_until[tenant] = time.monotonic() + NO_PERMISSION_PAUSE
            return 0
        limit = asyncio.Semaphore(CONCURRENCY)
        found: list[tuple[Account, str | None, dict | None]] = []

        async def one(account: Account) -> None:
            if not account.aad_object_id:
                return
            async with limit:
                settings = await self._mailbox_settings(tenant, token, account.aad_object_id)
            if settings is not None:
                found.append((account, *profile_from(settings)))

        await asyncio.gather(*(one(a) for a in accounts))
        if found:
            await self._profiles.record((Profile(account.person.identity, zone, hours) for account, zone, hours in found), self._clock())
        return len(found)

    async def _mailbox_settings(self, tenant: str, token: str, user_id: str) -> dict | None:
        if time.monotonic() < self._refused_until.get(tenant, 0.0):
            return None
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        url = f"{self._graph_url}/users/{quote(user_id, safe='')}/mailboxSettings"
        try:
            async with self._session.get(url, headers={"Authorization": f"Bearer {token}"}) as response:
                if response.status in (401, 403):
                    # No MailboxSettings.Read for this app: the organisation's zone it is.
                    self._refused_until[tenant] = time.monotonic() + NO_PERMISSION_PAUSE
                    log.info("Graph refused mailbox settings in tenant %s (HTTP %s): using the organisation's time zone", tenant, response.status)
                    return None
                if response.status != 200:
                    return None
                return await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as failed:
            log.info("Graph mailbox settings unavailable: %s", failed)
            return None

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._session is not None:
            await self._session.close()
            self._session = None


def iana_zone(name: str | None) -> str | None:
    if not name:
        return None
    name = WINDOWS_ZONES.get(name, name)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def profile_from(settings: dict) -> tuple[str | None, dict | None]:
    """(IANA time zone, working hours) from Graph's mailboxSettings.

    The working hours are kept as {"days": ["monday", ...], "start": "08:30", "end": "16:30",
    "timezone": IANA name}. Their zone is the one Graph gives for the working hours when it is
    one we know, else the mailbox's: a custom zone ("Customized Time Zone") has no IANA name.
    """
    zone = iana_zone(settings.get("timeZone"))
    hours = settings.get("workingHours") or None
    working = None
    if isinstance(hours, dict) and hours.get("startTime") and hours.get("endTime"):
        working = {
            "days": [str(d).lower() for d in hours.get("daysOfWeek") or []],
            "start": str(hours["startTime"])[:5],
            "end": str(hours["endTime"])[:5],
            "timezone": iana_zone((hours.get("timeZone") or {}).get("name")) or zone,
        }
    return zone, working
