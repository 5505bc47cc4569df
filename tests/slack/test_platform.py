"""Setting Slack up: the settings it refuses, OAuth installs kept in our database, Socket Mode, the manifest."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
from urllib.parse import parse_qsl

import pytest
from sqlmodel import select

from adapters.slack.manifest import BOT_SCOPES, slack_manifest
from adapters.slack.platform import SlackPlatform
from bot.app import build
from bot.cli import main as cli
from bot.config import ConfigError
from bot.server import build_runtime
from storage.slack_tables import SlackInstallationRow
from storage.unit_of_work import SqlUnitOfWork
from tests.slack.conftest import CHANNEL, SAM, slack_config, start_accord


@pytest.fixture
def application(slack, tmp_path):
    built = []

    def make(**settings):
        app = build(slack_config(slack.base_url, **settings), f"sqlite:///{tmp_path / 'accord.db'}")
        built.append(app)
        return app

    yield make
    for app in built:
        app.database.dispose()


def test_socket_mode_without_an_app_token_is_refused_with_what_to_set(application):
    runtime = build_runtime(application())
    with pytest.raises(ConfigError) as refused:
        SlackPlatform(runtime, socket_mode=True)
    assert "SLACK_APP_TOKEN" in str(refused.value) and "connections:write" in str(refused.value)


def test_without_a_bot_token_or_oauth_slack_says_what_is_missing(application):
    with pytest.raises(ConfigError) as refused:
        SlackPlatform(build_runtime(application(SLACK_BOT_TOKEN="")))
    assert "SLACK_BOT_TOKEN" in str(refused.value) and "SLACK_CLIENT_ID" in str(refused.value)
    with pytest.raises(ConfigError) as refused:
        SlackPlatform(build_runtime(application(SLACK_BOT_TOKEN="", SLACK_CLIENT_ID="1.2")))
    assert "both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET" in str(refused.value)


def test_each_mode_describes_itself_for_the_start_up_log(application):
    assert SlackPlatform(build_runtime(application())).describe().startswith(
        "Slack: at /slack/events, every request's signature checked; one workspace (bot token), Web API at http://127.0.0.1:"
    )
    oauth = SlackPlatform(build_runtime(application(SLACK_BOT_TOKEN="", SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="s")))
    assert "OAuth installs at /slack/install" in oauth.describe()
    socket = SlackPlatform(build_runtime(application(SLACK_APP_TOKEN="xapp-1-A-1-x")), socket_mode=True)
    assert socket.describe().startswith("Slack: over Socket Mode")


async def test_socket_mode_runs_commands_over_the_websocket(slack, db_url):
    accord, runner = await start_accord(slack, db_url, socket_mode=True, SLACK_APP_TOKEN="xapp-1-A-1-x")
    try:
        for _ in range(200):
            if slack.sockets:
                break
            await asyncio.sleep(0.02)
        assert slack.called("apps.connections.open")[0].token == "xapp-1-A-1-x"
        payload = dict(parse_qsl(accord.command_body(SAM, "start mini-council")))
        await slack.sockets[0].send_json(
            {"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True, "payload": payload}
        )
        for _ in range(200):
            if slack.socket_acks:
                break
            await asyncio.sleep(0.02)
        assert slack.socket_acks[0]["envelope_id"] == "env-1"
        await accord.deliver()
        assert "Sam started A short council self-assessment" in slack.in_channel(CHANNEL)[0].all_text()
    finally:
        await accord.http.close()
        await runner.cleanup()
        accord.application.database.dispose()


async def test_oauth_installs_are_kept_in_our_database_and_used_per_workspace(slack, db_url):
    accord, runner = await start_accord(slack, db_url, SLACK_BOT_TOKEN="", SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="oauth-secret")
    slack.channels["C-SOUTH"] = [SAM]
    try:
        async with accord.http.get(accord.url + "/slack/install", allow_redirects=False) as page:
            html = await page.text()
            assert page.status in (200, 302)
            # The browser's cookie ties the redirect to this start (it is Secure, so send it by hand over http).
            cookie = page.headers["Set-Cookie"].split(";")[0]
        state = re.search(r"state=([\w\-]+)", html or page.headers.get("Location", "")).group(1)
        assert "https://slack.com/oauth/v2/authorize" in html and "client_id=1.2" in html
        redirect = accord.url + f"/slack/oauth_redirect?code=c0de&state={state}"
        async with accord.http.get(redirect, headers={"Cookie": cookie}) as done:
            assert done.status == 200, await done.text()
        access = slack.called("oauth.v2.access")[0]
        assert access.params["code"] == "c0de"
        with SqlUnitOfWork(accord.application.database, read_only=True) as uow:
            (row,) = uow.session.exec(select(SlackInstallationRow)).all()
            assert (row.team_id, row.client_id) == ("T-SOUTHSHIRE", "1.2")
            assert row.bot_token.startswith("fernet:") and "xoxb-installed-token" not in row.bot_token

        # The state cannot be used twice.
        async with accord.http.get(redirect, headers={"Cookie": cookie}) as again:
            assert again.status in (400, 401)  # the state was used up

        body = accord.command_body(SAM, "start mini-council", channel="C-SOUTH").replace("T-NORTHSHIRE", "T-SOUTHSHIRE")
        status, _ = await accord.post(body, accord.headers(body))
        assert status == 200
        await accord.deliver()
        posts = [c for c in slack.called("chat.postMessage") if c.params["channel"] == "C-SOUTH"]
        assert posts and all(c.token == "xoxb-installed-token" for c in posts)

        # A workspace that never installed Accord is told so, and nothing happens.
        body = accord.command_body(SAM, "start mini-council")
        status, answer = await accord.post(body, accord.headers(body))
        assert slack.in_channel(CHANNEL) == []

        # Uninstalling forgets the token.
        event = {
            "token": "x", "team_id": "T-SOUTHSHIRE", "api_app_id": "A-ACCORD", "type": "event_callback",
            "event_id": "Ev-uninstall", "event_time": 1700000000, "event": {"type": "app_uninstalled"},
        }  # fmt: skip
        raw = json.dumps(event)
        status, _ = await accord.post(raw, {**accord.headers(raw), "Content-Type": "application/json"})
        assert status == 200
        await accord.deliver()
        with SqlUnitOfWork(accord.application.database, read_only=True) as uow:
            assert uow.session.exec(select(SlackInstallationRow)).all() == []
    finally:
        await accord.http.close()
        await runner.cleanup()
        accord.application.database.dispose()


async def test_health_lists_slack(accord):
    async with accord.http.get(accord.url + "/healthz") as health:
        assert (await health.json()) == {"status": "ok", "database": "ok", "platforms": ["slack"], "process": os.getpid()}


# ---------------------------------------------------------------------------- manifest


def test_the_manifest_has_the_scopes_commands_and_urls(slack):
    manifest = slack_manifest(slack_config(slack.base_url), "https://accord.example.org/")
    events = "https://accord.example.org/slack/events"
    assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)
    assert manifest["oauth_config"]["redirect_urls"] == ["https://accord.example.org/slack/oauth_redirect"]
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/accord", "/finalise"}
    assert all(c["url"] == events and c["should_escape"] for c in commands.values())
    assert manifest["settings"]["interactivity"] == {"is_enabled": True, "request_url": events}
    assert manifest["settings"]["event_subscriptions"]["request_url"] == events
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is False


def test_without_an_address_the_manifest_is_for_socket_mode(slack):
    manifest = slack_manifest(slack_config(slack.base_url), None)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in manifest["settings"]["interactivity"]
    with pytest.raises(ConfigError, match="https"):
        slack_manifest(slack_config(slack.base_url), "http://accord.example.org")


def test_accord_manifest_slack_prints_json(tmp_path, monkeypatch):
    config = tmp_path / "app.yaml"
    config.write_text(f"database:\n  url: sqlite:///{tmp_path / 'a.db'}\n")
    out = io.StringIO()
    assert cli(["--config", str(config), "manifest", "slack", "--url", "https://accord.example.org"], stdout=out) == 0
    printed = json.loads(out.getvalue())
    assert printed["features"]["slash_commands"][0]["url"] == "https://accord.example.org/slack/events"


async def test_uninstall_events_are_acknowledged_in_single_workspace_mode(accord):
    event = {
        "token": "x", "team_id": "T-NORTHSHIRE", "api_app_id": "A-ACCORD", "type": "event_callback",
        "event_id": "Ev-gone", "event_time": 1700000000, "event": {"type": "tokens_revoked", "tokens": {"bot": ["UACCORDBOT"]}},
    }  # fmt: skip
    raw = json.dumps(event)
    status, _ = await accord.post(raw, {**accord.headers(raw), "Content-Type": "application/json"})
    assert status == 200  # answered, so Slack does not retry it


async def test_slack_commands_follow_the_schedule_in_app_yaml(slack, db_url):
    # Slack runs the same use cases as every other entry point, wired from app.yaml in one place.
    harness, runner = await start_accord(slack, db_url, extra_yaml="reminders:\n  interval: 3d\n")
    try:
        await harness.command(SAM, "start mini-council")
        await harness.command(SAM, "schedule")
        assert "then every 3 days" in slack.ephemeral_to(SAM)[-1]
    finally:
        await harness.http.close()
        await runner.cleanup()
        harness.application.database.dispose()
