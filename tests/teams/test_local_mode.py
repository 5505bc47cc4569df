"""Teams local mode is asked for, never assumed, and the bot posts only where it may.

Local mode (no app id, no authentication) is for trying Accord with the Agents Playground on
one machine. A Slack-only install has no app id either, and a reverse proxy in front of Accord
connects from 127.0.0.1, so "no app id" alone must open nothing: `/api/messages` is not
served, and an activity naming some serviceUrl makes the bot post nowhere.
"""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.teams.connector import ServiceUrlPolicy, ServiceUrlRefused
from bot.app import build
from bot.config import ConfigError, parse_config
from bot.server import build_runtime, configured_platforms, create_web_app
from engine.assessment import Conversation
from storage.migrate import upgrade
from storage.unit_of_work import SqlUnitOfWork
from tests.teams.conftest import CHANNEL, SAM, TENANT, config_text

pytestmark = pytest.mark.wire  # an adapter's edge, not storage: SQLite alone (tests/conftest.py)

CONVERSATION = Conversation("msteams", TENANT, CHANNEL)


def nothing_stored(teams) -> bool:
    with SqlUnitOfWork(teams.application.database, read_only=True) as uow:
        return uow.assessments.latest_in(CONVERSATION) is None and uow.outbox.pending() == 0


def start_activity(teams, **extra) -> dict:
    return teams.activity(
        SAM,
        text="<at>Accord</at> start",
        entities=[{"type": "mention", "text": "<at>Accord</at>", "mentioned": {"id": "28:accord-bot", "name": "Accord"}}],
        **extra,
    )


# ------------------------------------------------------------ off unless asked for


async def test_without_an_app_id_or_local_mode_the_teams_endpoint_is_not_served(db_url, connector):
    upgrade(db_url)
    text = config_text().replace("teams:\n  local_mode: true\n", "")
    application = build(parse_config(text, environ={}), db_url)
    runtime = build_runtime(application)
    platforms = configured_platforms(runtime)
    server = TestServer(create_web_app(runtime, platforms), host="127.0.0.1")
    await server.start_server()
    try:
        activity = {
            "type": "message", "id": "1", "text": "start", "serviceUrl": connector.url, "channelId": "msteams",
            "from": {"id": "29:sam"}, "conversation": {"id": CHANNEL}, "recipient": {"id": "28:accord-bot"},
        }
        async with aiohttp.ClientSession() as session:
            async with session.post(server.make_url("/api/messages"), json=activity) as response:
                assert response.status == 404
        assert [p.name for p in platforms] == []
        assert connector.sent == []
        with SqlUnitOfWork(application.database, read_only=True) as uow:
            assert uow.assessments.latest_in(CONVERSATION) is None
    finally:
        await server.close()
        application.database.dispose()


def test_the_shipped_app_yaml_turns_local_mode_on_only_when_asked():
    from pathlib import Path

    from bot.config import load_config

    shipped = Path(__file__).resolve().parents[2] / "app.yaml"
    assert load_config(shipped, environ={}).teams.enabled is False
    asked = load_config(shipped, environ={"ACCORD_TEAMS_LOCAL": "1"}).teams
    assert asked.local_mode is True and asked.enabled is True


def test_local_mode_beside_an_app_id_is_a_configuration_error():
    with pytest.raises(ConfigError, match="local_mode is on.*app_id"):
        parse_config("teams:\n  app_id: abc\n  app_password: pw\n  local_mode: true\n", environ={})


# ------------------------------------------------------------------ through a proxy


@pytest.mark.parametrize(
    "header",
    [{"X-Forwarded-For": "203.0.113.9"}, {"Forwarded": "for=203.0.113.9"}, {"X-Real-IP": "203.0.113.9"}],
)
async def test_local_mode_refuses_a_request_that_came_through_a_proxy(teams, header):
    status, body = await teams.post(start_activity(teams), headers=header)
    assert status == 403
    assert "proxy" in body["error"]["message"]
    assert nothing_stored(teams)
    assert teams.connector.sent == []


async def test_local_mode_still_serves_a_direct_client_on_this_machine(teams):
    status, _ = await teams.post(start_activity(teams))
    assert status in (200, 201)
    await teams.settle()
    assert teams.shared_cards(), "the start was answered in the channel"


# -------------------------------------------------------- where the bot may post


@pytest.mark.parametrize("service_url", ["http://attacker.example/", "https://smba.trafficmanager.net/emea/", "http://10.1.2.3:8080/"])
async def test_local_mode_refuses_an_activity_whose_service_url_is_elsewhere(teams, service_url):
    status, body = await teams.post(start_activity(teams, serviceUrl=service_url))
    assert status == 400
    assert "this machine" in body["error"]["message"]
    assert nothing_stored(teams)
    assert teams.connector.sent == []


def test_the_policy_on_service_urls():
    local = ServiceUrlPolicy(local_mode=True)
    assert local.refusal("http://127.0.0.1:56150/") is None
    assert local.refusal("http://localhost:56150/") is None
    assert local.refusal("http://[::1]:56150/") is None
    assert local.refusal("https://smba.trafficmanager.net/emea/") is not None
    assert local.refusal("http://127.0.0.1.attacker.example/") is not None
    assert local.refusal("") is not None

    live = ServiceUrlPolicy(local_mode=False)
    assert live.refusal("https://smba.trafficmanager.net/emea/") is None
    assert live.refusal("http://smba.trafficmanager.net/emea/") is not None
    assert live.refusal("http://127.0.0.1:9/") is not None
    assert live.refusal("ftp://x/") is not None
    with pytest.raises(ServiceUrlRefused):
        live.check("http://smba.trafficmanager.net/emea/")


async def test_every_outgoing_connection_is_checked_not_only_the_incoming_activity(teams):
    """Proactive messages use stored references, which may predate the policy: the connector
    factory itself refuses an address elsewhere, so no client for it is ever built."""
    authentication = teams.platform.authentication
    factory = authentication.create_connector_factory(_local_claims())
    with pytest.raises(ServiceUrlRefused):
        await factory.create("https://attacker.example/", None)
    assert authentication.clients_built == 0


def _local_claims():
    from botframework.connector.auth import ClaimsIdentity

    return ClaimsIdentity({}, True)


# ------------------------------------------------------------- links and bodies (#15)


async def test_links_come_from_configuration_never_from_the_host_header(teams):
    """One request naming another Host must not make later chart and report links point there."""
    await teams.post(start_activity(teams), headers={"Host": "attacker.example"})
    await teams.settle()
    await teams.say(SAM, "export html")
    sent = "".join(s.text for s in teams.connector.sent)
    assert "attacker.example" not in sent
    port = teams.platform.runtime.application.config.server.port
    assert f"http://127.0.0.1:{port}/api/teams/reports/" in sent


@pytest.mark.parametrize(
    "body",
    [b"[" * 50_000, b'{"a":' * 20_000 + b"1" + b"}" * 20_000, b'{"type": "message", "x": ' + b"[" * 100 + b"]" * 100 + b"}"],
    ids=["50,000 brackets", "20,000 objects", "100 levels"],
)
async def test_deeply_nested_json_is_refused_with_400_before_it_is_parsed(teams, body):
    async with teams.session.post(f"{teams.url}/api/messages", data=body, headers={"Content-Type": "application/json"}) as response:
        assert response.status == 400
        assert "nested too deeply" in (await response.json())["error"]["message"]
    assert nothing_stored(teams)


async def test_brackets_inside_strings_are_not_nesting(teams):
    mention = [{"type": "mention", "text": "<at>Accord</at>", "mentioned": {"id": "28:accord-bot", "name": "Accord"}}]
    activity = teams.activity(SAM, text="<at>Accord</at> help " + "[" * 200, entities=mention)
    status, _ = await teams.post(activity)
    assert status in (200, 201)


async def test_a_body_without_a_length_is_capped_as_well(teams):
    async def chunks():
        for _ in range(300):
            yield b" " * 1024

    headers = {"Content-Type": "application/json"}
    async with teams.session.post(f"{teams.url}/api/messages", data=chunks(), headers=headers) as response:
        assert response.status == 413
