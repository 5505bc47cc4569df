"""Slack through real HTTP: `accord serve`'s web app on loopback, a local stand-in for Slack's Web API.

`accord` is the harness the tests talk through. It runs the real aiohttp application from
`bot.server.create_web_app` with a real `SlackPlatform` (slack-bolt `AsyncApp`) over a real
database (SQLite, and PostgreSQL when ACCORD_TEST_DATABASE_URL is set), with ``slack.api_url``
pointing at `FakeSlack`. Requests are signed with slack_sdk's `SignatureVerifier` exactly as Slack
signs them: slash commands as form posts, interactions as a form field ``payload`` holding JSON.

The team in #leadership: Sam (starts the assessment, so super-user), Amira, Ben and Chloe; the
channel also holds a bot and a deactivated account, who must not become members. Nothing leaves
loopback: name lookups of any other host fail the test.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.signature import SignatureVerifier
from sqlmodel import select

from adapters.slack.platform import SlackPlatform
from bot.app import Application, build
from bot.config import parse_config
from bot.server import Runtime, build_runtime, create_web_app
from storage import migrate
from storage.tables import OutboxRow
from storage.unit_of_work import SqlUnitOfWork
from tests.slack.fake_slack import FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
# Encrypts the tokens of OAuth installs in the database (ACCORD_SECRET_KEYS); made by `accord secrets new-key`.
SECRET_KEY = "ZCKWP3Sc0ElOhHt6isSDgprBKFroTlqlLI2yOjH4CG8="
TEAM = "T-NORTHSHIRE"
CHANNEL = "C-LEADERSHIP"
SAM, AMIRA, BEN, CHLOE = "U-SAM", "U-AMIRA", "U-BEN", "U-CHLOE"
BOT, GONE = "U-OTHERBOT", "U-DANA"
NAMES = {SAM: "Sam", AMIRA: "Amira", BEN: "Ben", CHLOE: "Chloe"}
FRAMEWORK = Path(__file__).with_name("mini-framework.yaml")

LOOPBACK = {"127.0.0.1", "localhost", "::1", None}


@pytest.fixture(autouse=True)
def only_loopback(monkeypatch):
    real = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        if host not in LOOPBACK and not str(host).startswith("127."):
            raise AssertionError(f"the Slack tests tried to reach {host}: everything must stay on loopback")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    real_connect = socket.socket.connect

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not str(address[0]).startswith(("127.", "::1")):
            raise AssertionError(f"the Slack tests tried to connect to {address}: everything must stay on loopback")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture(autouse=True)
def no_hidden_failures(caplog):
    """Work done after an acknowledgement fails quietly in production; in a test it fails the test."""
    yield
    broken = [r for r in caplog.records if r.name == "accord.slack" and r.exc_info is not None]
    assert not broken, "background Slack work failed: " + "; ".join(r.getMessage() for r in broken)


@dataclass
class Clock:
    """The runtime's clock: real time, plus however far a test moved it on."""

    offset: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@pytest.fixture
async def slack():
    fake = FakeSlack(team_id=TEAM)
    for user_id, name in NAMES.items():
        fake.person(user_id, name)
    fake.person(BOT, "Otherbot", bot=True)
    fake.person(GONE, "Dana", deleted=True)
    fake.channels[CHANNEL] = [SAM, AMIRA, BOT, BEN, CHLOE, GONE]
    runner = web.AppRunner(fake.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.base_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    try:
        yield fake
    finally:
        await runner.cleanup()


# The team's app.yaml: the test framework (or another), and every Slack setting from the environment.
def app_yaml(framework: Path = FRAMEWORK) -> str:
    return f"""
frameworks:
  paths: [{framework}]
slack:
  signing_secret: ${{SLACK_SIGNING_SECRET:-}}
  bot_token: ${{SLACK_BOT_TOKEN:-}}
  client_id: ${{SLACK_CLIENT_ID:-}}
  client_secret: ${{SLACK_CLIENT_SECRET:-}}
  app_token: ${{SLACK_APP_TOKEN:-}}
  api_url: ${{SLACK_API_URL:-}}
"""


APP_YAML = app_yaml()


def slack_config(api_url: str, extra_yaml: str = "", *, framework: Path = FRAMEWORK, **settings: str):
    environ = {
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": "xoxb-northshire",
        "SLACK_API_URL": api_url + "/api/",
        "ACCORD_SECRET_KEYS": SECRET_KEY,
        **settings,
    }
    return parse_config(app_yaml(framework) + extra_yaml, environ={k: v for k, v in environ.items() if v is not None})


@dataclass
class Accord:
    """The server under test, and how a test speaks to it as Slack would."""

    slack: FakeSlack
    application: Application
    runtime: Runtime
    platform: SlackPlatform
    clock: Clock
    url: str
    http: aiohttp.ClientSession
    ids: Any = field(default_factory=lambda: itertools.count(1))

    # ---------------------------------------------------------------------- signing

    def headers(self, body: str, *, timestamp: int | None = None, retry: int | None = None, secret: str = SECRET) -> dict[str, str]:
        timestamp = int(time.time()) if timestamp is None else timestamp
        signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": signature,
        }
        if retry is not None:
            headers["X-Slack-Retry-Num"] = str(retry)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        return headers

    async def post(self, body: str, headers: dict[str, str]) -> tuple[int, str]:
        async with self.http.post(self.url + "/slack/events", data=body.encode(), headers=headers) as response:
            return response.status, await response.text()

    # ------------------------------------------------------------------ slash commands

    def command_body(self, user: str, text: str, command: str = "/accord", channel: str = CHANNEL, trigger: str | None = None) -> str:
        n = next(self.ids)
        return urlencode(
            {
                "token": "legacy",
                "team_id": TEAM,
                "team_domain": "northshire",
                "channel_id": channel,
                "channel_name": "leadership",
                "user_id": user,
                "user_name": NAMES.get(user, user).lower(),
                "command": command,
                "text": text,
                "api_app_id": "A-ACCORD",
                "response_url": f"{self.slack.base_url}/respond/{n}/{user}",
                "trigger_id": trigger or f"trigger-{n}",
            }
        )

    async def command(self, user: str, text: str, command: str = "/accord", *, settle: bool = True, **kw) -> tuple[int, str]:
        body = self.command_body(user, text, command, **kw)
        status, answer = await self.post(body, self.headers(body))
        if settle:
            await self.deliver()
        return status, answer

    # -------------------------------------------------------------------- interactions

    def interaction(self, payload: dict) -> str:
        return urlencode({"payload": json.dumps(payload)})

    def block_actions(self, user: str, action_id: str, value: str, channel: str = CHANNEL) -> dict:
        n = next(self.ids)
        return {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "northshire"},
            "user": {"id": user, "username": NAMES.get(user, user).lower(), "name": NAMES.get(user, user).lower(), "team_id": TEAM},
            "api_app_id": "A-ACCORD",
            "token": "legacy",
            "container": {"type": "message", "channel_id": channel, "message_ts": "1700000000.000001"},
            "trigger_id": f"action-{n}",
            "channel": {"id": channel, "name": "leadership"},
            "response_url": f"{self.slack.base_url}/respond/{n}/{user}",
            "actions": [{"action_id": action_id, "block_id": "accord_actions", "value": value, "type": "button", "action_ts": f"{n}.0"}],
        }

    def view_submission(self, user: str, view: dict, current: int | None, ambition: int | None, comment: str | None = None) -> dict:
        n = next(self.ids)
        values: dict[str, Any] = {}
        if current is not None:
            values["current"] = {"choice": {"type": "radio_buttons", "selected_option": {"value": str(current)}}}
        if ambition is not None:
            values["ambition"] = {"choice": {"type": "radio_buttons", "selected_option": {"value": str(ambition)}}}
        values["comment"] = {"text": {"type": "plain_text_input", "value": comment}}
        return {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "northshire"},
            "user": {"id": user, "username": NAMES.get(user, user).lower(), "name": NAMES.get(user, user).lower(), "team_id": TEAM},
            "api_app_id": "A-ACCORD",
            "token": "legacy",
            "trigger_id": f"submit-{n}",
            "view": {**view, "id": f"V-{n}", "team_id": TEAM, "hash": f"{n}.hash", "state": {"values": values}},
            "response_urls": [],
        }

    async def send(self, payload: dict, **headers_kw) -> tuple[int, str]:
        body = self.interaction(payload)
        return await self.post(body, self.headers(body, **headers_kw))

    def question_message(self, channel: str = CHANNEL):
        """The latest question posted in the channel (it carries the Vote button)."""
        for posted in reversed(self.slack.in_channel(channel)):
            if any(e.get("action_id") == "accord_vote" for blk in posted.blocks for e in blk.get("elements", []) or []):
                return posted
        raise AssertionError("no question with a Vote button was posted")

    def vote_value(self, channel: str = CHANNEL) -> str:
        posted = self.question_message(channel)
        for blk in posted.blocks:
            for element in blk.get("elements", []) or []:
                if element.get("action_id") == "accord_vote":
                    return element["value"]
        raise AssertionError("no Vote button")

    async def open_vote(self, user: str) -> dict:
        before = len(self.slack.modals())
        status, _ = await self.send(self.block_actions(user, "accord_vote", self.vote_value()))
        assert status == 200
        await self.platform.settle()
        modals = self.slack.modals()
        assert len(modals) == before + 1, "the Vote button should open one modal"
        return modals[-1]

    async def vote(self, user: str, current: int | None, ambition: int | None, comment: str | None = None, **kw) -> tuple[int, dict]:
        view = await self.open_vote(user)
        status, body = await self.send(self.view_submission(user, view, current, ambition, comment), **kw)
        await self.deliver()
        return status, json.loads(body) if body else {}

    # ------------------------------------------------------------------------ delivery

    async def deliver(self) -> None:
        """Let the background work and the outbox dispatcher finish what is due now."""
        for _ in range(500):
            await self.platform.settle()
            await self.runtime.dispatcher.drain()
            if not self.in_flight():
                await self.platform.settle()
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the outbox never settled")

    def in_flight(self) -> bool:
        now = self.clock()
        with SqlUnitOfWork(self.application.database, read_only=True) as uow:
            rows = uow.session.exec(
                select(OutboxRow).where(OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None)).order_by(OutboxRow.id)
            ).all()
            waiting: set[tuple[str, str, str]] = set()  # channels whose oldest message waits for a retry
            for row in rows:
                where = (row.platform, row.workspace, row.channel_id)
                if row.claimed_until is not None and row.claimed_until > now:
                    return True
                if where in waiting:
                    continue
                if row.next_attempt_at > now:
                    waiting.add(where)
                else:
                    return True
            return False

    def outbox(self) -> list[dict]:
        with SqlUnitOfWork(self.application.database, read_only=True) as uow:
            return [row.model_dump() for row in uow.session.exec(select(OutboxRow).order_by(OutboxRow.id)).all()]


async def start_accord(
    slack: FakeSlack, db_url: str, *, socket_mode: bool = False, extra_yaml: str = "", framework: Path = FRAMEWORK, **settings: str
):
    config = slack_config(slack.base_url, extra_yaml, framework=framework, **settings)
    migrate.upgrade(db_url)
    application = build(config, db_url)
    clock = Clock()
    runtime = build_runtime(application, clock)
    platform = SlackPlatform(runtime, socket_mode=socket_mode)
    app = create_web_app(runtime, [platform])
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    http = aiohttp.ClientSession()
    return Accord(slack, application, runtime, platform, clock, url, http), runner


@asynccontextmanager
async def running_accord(slack: FakeSlack, db_url: str, **options: Any) -> AsyncIterator[Accord]:
    """`start_accord` for the length of a block (another organisation language, another framework...), then stopped."""
    harness, runner = await start_accord(slack, db_url, **options)
    try:
        yield harness
    finally:
        await harness.http.close()
        await runner.cleanup()
        harness.application.database.dispose()


@pytest.fixture
async def accord(slack, db_url):
    async with running_accord(slack, db_url) as harness:
        yield harness
