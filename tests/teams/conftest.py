"""Accord's Teams endpoint over real HTTP on loopback, and a team to talk to it.

`teams` starts `accord serve`'s web application (every route, the outbox dispatcher) on
127.0.0.1 with the Teams platform mounted, in local mode unless a test asks for an app id,
over the database of `db_url` (SQLite, and PostgreSQL when ACCORD_TEST_DATABASE_URL is set).
Activities are posted to /api/messages shaped as Teams shapes them; their serviceUrl is a
`FakeConnector`, which records what the bot sends back.

The team (a council's leadership) is Sam, who starts the assessment, and Amira, Ben and
Chloe, in tenant "tenant-north", team "team-1", channel "19:leadership".
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.teams.platform import TeamsOptions, TeamsPlatform
from bot.app import build
from bot.config import parse_config
from bot.server import build_runtime, create_web_app
from storage.migrate import upgrade
from tests.teams.fake_connector import FakeConnector

HERE = Path(__file__).resolve().parent
FRAMEWORK = HERE / "two-questions.yaml"
TENANT = "tenant-north"
TEAM = "team-1"
CHANNEL = "19:leadership"
BOT = {"id": "28:accord-bot", "name": "Accord"}


@dataclass(frozen=True)
class Member:
    key: str
    name: str

    @property
    def teams_id(self) -> str:
        return f"29:{self.key}"

    @property
    def aad(self) -> str:
        return f"aad-{self.key}"

    def account(self) -> dict:
        return {"id": self.teams_id, "name": self.name, "aadObjectId": self.aad}


SAM, AMIRA, BEN, CHLOE = Member("sam", "Sam Patel"), Member("amira", "Amira Khan"), Member("ben", "Ben Ode"), Member("chloe", "Chloe Wu")
TEAM_MEMBERS = [SAM, AMIRA, BEN, CHLOE]


def config_text(app_id: str | None = None, extra: str = "") -> str:
    teams = f"teams:\n  app_id: {app_id}\n  app_password: secret-for-tests\n" if app_id else "teams:\n  local_mode: true\n"
    return (
        "frameworks:\n"
        f"  default: teams-pair\n  paths: ['{FRAMEWORK}']\n"
        "assessment:\n  auto_reveal: false\n  auto_advance: true\n"
        "reminders:\n  enabled: false\ndigests:\n  enabled: false\n"
        f"{teams}{extra}"
    )


@dataclass
class TeamsHarness:
    """Speaks to Accord as Teams does, over HTTP, and sees what Accord sent back."""

    session: aiohttp.ClientSession
    url: str
    connector: FakeConnector
    platform: TeamsPlatform
    application: Any
    auth_header: Callable[[dict], str] | None = None
    # The locale each member's Teams client is in (activity.locale, e.g. "cy-GB"), by Teams id.
    locales: dict[str, str] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def activity(self, member: Member, type_: str = "message", *, thread: str = "1", **extra: Any) -> dict:
        activity = {
            "type": type_,
            "id": f"incoming-{next(self._ids)}",
            "timestamp": "2025-03-03T09:30:00.000Z",
            "serviceUrl": self.connector.url,
            "channelId": "msteams",
            "from": member.account(),
            "recipient": dict(BOT),
            "conversation": {
                "id": f"{CHANNEL};messageid={thread}",
                "conversationType": "channel",
                "isGroup": True,
                "tenantId": TENANT,
            },
            "channelData": {
                "tenant": {"id": TENANT},
                "team": {"id": TEAM, "name": "Leadership"},
                "channel": {"id": CHANNEL, "name": "General"},
            },
        }
        if member.teams_id in self.locales:
            activity["locale"] = self.locales[member.teams_id]
        activity.update(extra)
        return activity

    async def post(self, activity: dict, *, headers: dict | None = None) -> tuple[int, Any]:
        sent_headers = dict(headers or {})
        if self.auth_header is not None and "Authorization" not in sent_headers:
            sent_headers["Authorization"] = self.auth_header(activity)
        async with self.session.post(f"{self.url}/api/messages", json=activity, headers=sent_headers) as response:
            text = await response.text()
            try:
                body = await response.json(content_type=None) if text else None
            except ValueError:
                body = text
            return response.status, body

    async def say(self, member: Member, text: str, *, thread: str = "1", mentions: list[Member] = ()) -> tuple[int, Any]:
        entities = [{"type": "mention", "text": "<at>Accord</at>", "mentioned": dict(BOT)}]
        body = f"<at>Accord</at> {text}"
        for other in mentions:
            entities.append({"type": "mention", "text": f"<at>{other.name}</at>", "mentioned": {"id": other.teams_id, "name": other.name}})
            body += f" <at>{other.name}</at>"
        return await self.post(self.activity(member, text=body, entities=entities, thread=thread))

    async def card_action(self, member: Member, verb: str, data: dict) -> tuple[int, Any]:
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
        return await self.post(self.activity(member, "invoke", name="adaptiveCard/action", value=value))

    async def vote(self, member: Member, question: str, current: Any, ambition: Any, comment: str = "") -> tuple[int, Any]:
        return await self.card_action(member, "vote", {"question": question, "current": current, "ambition": ambition, "comment": comment})

    async def settle(self, timeout: float = 30.0) -> None:
        """Wait until the outbox has delivered everything due."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            from storage.unit_of_work import SqlUnitOfWork

            with SqlUnitOfWork(self.application.database, read_only=True) as uow:
                pending = uow.outbox.pending()
            if pending == 0:
                await asyncio.sleep(0.05)
                return
            self.platform.runtime.dispatcher.wake()
            await asyncio.sleep(0.05)
        raise AssertionError("the outbox did not drain in time")

    def shared_cards(self) -> list[dict]:
        """Every card posted to or updated in the channel, in order."""
        return [s.card for s in self.connector.sent if s.card is not None and s.conversation_id.startswith(CHANNEL)]


@pytest.fixture
def connector() -> Any:
    fake = FakeConnector(members=[m.account() for m in TEAM_MEMBERS]).start()
    yield fake
    fake.stop()


@pytest.fixture
async def make_teams(db_url: str, connector: FakeConnector) -> AsyncIterator[Callable[..., Any]]:
    """Start Accord's web app with the Teams platform; call it with keyword overrides."""
    started: list[tuple[TestServer, aiohttp.ClientSession, Any]] = []

    async def start(*, app_id: str | None = None, options: TeamsOptions | None = None, extra: str = "",
                    auth_header: Callable[[dict], str] | None = None) -> TeamsHarness:
        upgrade(db_url)
        # Links come from configuration only (local mode: this machine and the configured port),
        # so the server listens on the port its configuration names.
        port = _free_port()
        config = parse_config(config_text(app_id, extra) + f"server:\n  port: {port}\n", environ={})
        application = build(config, db_url)
        runtime = build_runtime(application)
        platform = TeamsPlatform(runtime, options)
        app = create_web_app(runtime, [platform])
        server = TestServer(app, host="127.0.0.1", port=port)
        await server.start_server()
        session = aiohttp.ClientSession()
        started.append((server, session, application))
        return TeamsHarness(session, str(server.make_url("")).rstrip("/"), connector, platform, application, auth_header)

    yield start
    for server, session, application in started:
        await session.close()
        await server.close()
        application.database.dispose()


@pytest.fixture
async def teams(make_teams) -> TeamsHarness:
    return await make_teams()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
