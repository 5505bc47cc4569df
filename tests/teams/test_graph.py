"""Time zones and working hours from Microsoft Graph, with real msal and stand-ins on loopback.

A small HTTP server on 127.0.0.1 plays both Azure AD's token endpoint (msal's client
credentials flow, tenant discovery included) and Graph's mailboxSettings. msal is pointed at
it through its own `http_client` hook, which sends every request for login.microsoftonline.com
to the stand-in instead, so nothing leaves the machine, and the Graph base URL is the
`teams.graph_url` setting, as a national cloud would set it.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from adapters.teams.directory import Account
from bot.platform_state import Profiles
from adapters.teams.graph import GraphProfiles, MsalTokenProvider, graph_scope, iana_zone, profile_from
from bot.config import parse_config
from bot.service import Person
from engine.assessment import Identity
from storage.unit_of_work import SqlUnitOfWork

NOW = datetime(2025, 3, 3, 9, 30, tzinfo=timezone.utc)
TENANT = "tenant-north"


class StandIn:
    """Azure AD's token endpoint and Graph, on 127.0.0.1."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.token_requests: list[dict] = []
        self.mailbox: dict[str, tuple[int, dict]] = {}
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                path = urlsplit(self.path).path
                stand_in.requests.append(("GET", path))
                if path.endswith("/.well-known/openid-configuration"):
                    tenant = path.split("/")[1]
                    base = f"https://login.microsoftonline.com/{tenant}"
                    return self._json(200, {
                        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                        "token_endpoint": f"{base}/oauth2/v2.0/token",
                        "issuer": f"https://login.microsoftonline.com/{tenant}/v2.0",
                        "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                    })
                if path.startswith("/v1.0/users/") and path.endswith("/mailboxSettings"):
                    if self.headers.get("Authorization") != "Bearer graph-token-1":
                        return self._json(401, {"error": {"code": "InvalidAuthenticationToken"}})
                    user = path.split("/")[3]
                    status, body = stand_in.mailbox.get(user, (404, {"error": {"code": "MailboxNotEnabledForRESTAPI"}}))
                    return self._json(status, body)
                return self._json(404, {"error": "not here"})

            def do_POST(self) -> None:  # noqa: N802
                path = urlsplit(self.path).path
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                stand_in.requests.append(("POST", path))
                if path.endswith("/oauth2/v2.0/token"):
                    stand_in.token_requests.append(form)
                    return self._json(200, {"access_token": "graph-token-1", "token_type": "Bearer", "expires_in": 3600})
                return self._json(404, {"error": "not here"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class LoopbackHttpClient:
    """msal's http_client: requests, with Azure AD's host replaced by the stand-in's address."""

    def __init__(self, stand_in: StandIn) -> None:
        self._stand_in = stand_in
        self._session = requests.Session()

    def _url(self, url: str) -> str:
        parts = urlsplit(url)
        assert parts.hostname == "login.microsoftonline.com", f"msal tried to reach {url}"
        return self._stand_in.url + parts.path + (f"?{parts.query}" if parts.query else "")

    def post(self, url, params=None, data=None, headers=None, **kwargs):
        return self._session.post(self._url(url), params=params, data=data, headers=headers, timeout=5)

    def get(self, url, params=None, headers=None, **kwargs):
        return self._session.get(self._url(url), params=params, headers=headers, timeout=5)

    def close(self) -> None:
        self._session.close()


@pytest.fixture
def stand_in():
    server = StandIn()
    yield server
    server.close()


def account(key: str, aad: str | None = None) -> Account:
    aad = aad if aad is not None else f"aad-{key}"
    return Account(Person(Identity("msteams", TENANT, aad or f"29:{key}"), key.title()), f"29:{key}", aad or None)


def profiles_for(stand_in: StandIn, db_engine) -> GraphProfiles:
    config = parse_config(
        f"teams:\n  app_id: app-1\n  app_password: secret\n  graph_url: {stand_in.url}/v1.0\n", environ={}
    ).teams
    tokens = MsalTokenProvider("app-1", "secret", graph_scope(config.graph_url), http_client=LoopbackHttpClient(stand_in))
    return GraphProfiles(config, Profiles(db_engine), lambda: NOW, tokens)


async def test_members_time_zones_and_working_hours_are_recorded(stand_in, db_engine):
    stand_in.mailbox["aad-sam"] = (200, {
        "timeZone": "GMT Standard Time",
        "workingHours": {
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday"],
            "startTime": "08:30:00.0000000",
            "endTime": "16:30:00.0000000",
            "timeZone": {"name": "GMT Standard Time"},
        },
    })
    stand_in.mailbox["aad-amira"] = (200, {"timeZone": "Europe/Paris"})
    graph = profiles_for(stand_in, db_engine)
    try:
        recorded = await graph.refresh(TENANT, [account("sam"), account("amira"), account("ben"), account("guest", aad="")])
    finally:
        await graph.close()
    assert recorded == 2
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        sam = uow.profiles.get(Identity("msteams", TENANT, "aad-sam"))
        amira = uow.profiles.get(Identity("msteams", TENANT, "aad-amira"))
        ben = uow.profiles.get(Identity("msteams", TENANT, "aad-ben"))
    assert sam.timezone == "Europe/London"
    assert sam.working_hours == {
        "days": ["monday", "tuesday", "wednesday", "thursday"], "start": "08:30", "end": "16:30", "timezone": "Europe/London"
    }
    assert amira.timezone == "Europe/Paris" and amira.working_hours is None
    assert ben is None  # no mailbox: the organisation's time zone applies
    # msal asked once, with the client credentials, for Graph's default scope.
    assert len(stand_in.token_requests) == 1
    token_request = stand_in.token_requests[0]
    assert token_request["grant_type"] == "client_credentials" and token_request["client_id"] == "app-1"
    assert token_request["scope"] == f"{stand_in.url}/.default"


async def test_the_token_is_cached_between_refreshes(stand_in, db_engine):
    stand_in.mailbox["aad-sam"] = (200, {"timeZone": "UTC"})
    graph = profiles_for(stand_in, db_engine)
    try:
        await graph.refresh(TENANT, [account("sam")])
        await graph.refresh(TENANT, [account("sam")])
    finally:
        await graph.close()
    assert len(stand_in.token_requests) == 1


async def test_without_graph_permission_nothing_is_recorded_and_graph_is_left_alone(stand_in, db_engine):
    stand_in.mailbox["aad-sam"] = (403, {"error": {"code": "ErrorAccessDenied", "message": "Access is denied."}})
    graph = profiles_for(stand_in, db_engine)
    try:
        assert await graph.refresh(TENANT, [account("sam")]) == 0
        asked = len([r for r in stand_in.requests if "mailboxSettings" in r[1]])
        assert await graph.refresh(TENANT, [account("sam"), account("amira")]) == 0
        assert len([r for r in stand_in.requests if "mailboxSettings" in r[1]]) == asked  # paused for that tenant
    finally:
        await graph.close()
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        assert uow.profiles.get(Identity("msteams", TENANT, "aad-sam")) is None


def test_windows_zone_names_become_iana_names():
    assert iana_zone("Pacific Standard Time") == "America/Los_Angeles"
    assert iana_zone("Europe/Berlin") == "Europe/Berlin"
    assert iana_zone("Mars Standard Time") is None and iana_zone(None) is None
    assert profile_from({"timeZone": "Nowhere"}) == (None, None)
