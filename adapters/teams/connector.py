"""Bot Framework authentication, and the connector clients built once instead of every turn.

Inbound: `ConfigurationBotFrameworkAuthentication` validates every activity's JWT against the
Bot Framework's OpenID keys when an app id is configured; without one, Accord runs in local
mode, authentication off (the platform accepts loopback clients only).

Outbound, every connector client is made for one service URL, and `ServiceUrlPolicy` decides
which URLs Accord will send to at all: in local mode only this machine (an activity names its
own serviceUrl, and without authentication anyone could name any address); with an app id only
https addresses, which Teams' connectors always are. A refused URL raises `ServiceUrlRefused`
before any byte leaves the process.

The measured pitfall of botbuilder 4.17: for every turn `CloudAdapter` asks the
authentication for a new `ConnectorClient` and a new user-token client. Each is an msrest
client whose configuration builds msrest's `ClientRetryPolicy`, and that constructor computes
`[i for i in range(999) if i not in safe_codes]` with `safe_codes` a 500-item *list*: about
500,000 comparisons, ~6 ms of CPU, twice a turn. `ReusingAuthentication` wraps the configured
authentication and hands out one connector client per (app id, service URL, audience) and one
user-token client per app id, built the first time and reused after; the credentials inside
(msal's token cache) are reused with them. The clients' own retry loop is switched off
(`retries = 0`): a 429 or 503 comes straight back to the outbox, which waits and retries
without holding a thread (see `delivery.py`).
"""

from __future__ import annotations

import ipaddress
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    ServiceClientCredentialsFactory,
    UserTokenClient,
)

from bot.config import TeamsConfig

log = logging.getLogger("accord.teams")

MAX_CLIENTS = 256  # service URLs are few (one per region); the bound only guards against abuse


class ServiceUrlRefused(PermissionError):
    """Accord will not send to this service URL; str() says why."""


@dataclass(frozen=True)
class ServiceUrlPolicy:
    """Which connector addresses Accord sends to (see the module docstring)."""

    local_mode: bool
    # Tests only: the stand-in connector's plain-http address, accepted beside https ones.
    stand_in: str | None = None

    def refusal(self, service_url: str | None) -> str | None:
        """Why Accord will not send to `service_url`, or None when it may."""
        try:
            parts = urlsplit(service_url or "")
            host = parts.hostname or ""
        except ValueError:
            return "The serviceUrl is not a web address."
        if self.local_mode:
            if parts.scheme in ("http", "https") and _is_this_machine(host):
                return None
            return "In local mode Accord answers only to a client on this machine; this activity's serviceUrl is elsewhere."
        if parts.scheme == "https" and host:
            return None
        if self.stand_in and (service_url or "").startswith(self.stand_in):
            return None
        return "Accord answers only to https service URLs, as Teams' connectors are."

    def check(self, service_url: str | None) -> None:
        problem = self.refusal(service_url)
        if problem:
            raise ServiceUrlRefused(problem)


def _is_this_machine(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class AuthSettings:
    """The attributes botbuilder's configuration-based authentication reads (`getattr`)."""

    APP_ID: str | None = None
    APP_PASSWORD: str | None = None
    APP_TENANTID: str | None = None
    APP_TYPE: str = "MultiTenant"
    # Stand-ins for tests: where the Bot Framework's OpenID metadata is, and who issues tokens.
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str | None = None
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str | None = None
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL: str | None = None


def auth_settings(config: TeamsConfig, *, openid_metadata_url: str | None = None, token_issuer: str | None = None) -> AuthSettings:
    single_tenant = bool(config.app_id and config.tenant_id)
    return AuthSettings(
        APP_ID=config.app_id,
        APP_PASSWORD=config.app_password,
        APP_TENANTID=config.tenant_id,
        APP_TYPE="SingleTenant" if single_tenant else "MultiTenant",
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=openid_metadata_url,
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=token_issuer or ("https://api.botframework.com" if openid_metadata_url else None),
        TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=openid_metadata_url,
    )


def build_authentication(
    config: TeamsConfig,
    *,
    openid_metadata_url: str | None = None,
    token_issuer: str | None = None,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
    stand_in_connector: str | None = None,
) -> ReusingAuthentication:
    inner = ConfigurationBotFrameworkAuthentication(
        auth_settings(config, openid_metadata_url=openid_metadata_url, token_issuer=token_issuer),
        credentials_factory=credentials_factory,
    )
    return ReusingAuthentication(inner, ServiceUrlPolicy(config.local_mode, stand_in_connector))


def app_id_of(claims: ClaimsIdentity) -> str | None:
    """The bot's app id in a request's claims: the audience from a channel, else the appid claim."""
    return claims.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM) or claims.get_claim_value(
        AuthenticationConstants.APP_ID_CLAIM
    )


class ReusingAuthentication(BotFrameworkAuthentication):
    """The configured authentication, with its connector and user-token clients built once."""

    def __init__(self, inner: BotFrameworkAuthentication, service_urls: ServiceUrlPolicy) -> None:
        self._inner = inner
        self.service_urls = service_urls
        self._connectors: OrderedDict[tuple[Any, ...], ConnectorClient] = OrderedDict()
        self._token_clients: dict[str | None, UserTokenClient] = {}
        self.clients_built = 0  # for tests and the benchmark: how many msrest clients were made

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result = await self._inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _ReusedConnectors(self, result.connector_factory, app_id_of(result.claims_identity))
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str) -> AuthenticateRequestResult:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        inner = self._inner.create_connector_factory(claims_identity)
        return _ReusedConnectors(self, inner, app_id_of(claims_identity))

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        app_id = app_id_of(claims_identity)
        client = self._token_clients.get(app_id)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            self.clients_built += 1
            self._token_clients[app_id] = client
        return client

    def create_bot_framework_client(self):
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)

    async def connector(self, key: tuple[Any, ...], factory: ConnectorFactory, service_url: str, audience: str | None) -> ConnectorClient:
        # Here, not only at the door: proactive messages use stored references, which may
        # predate the policy.
        self.service_urls.check(service_url)
        client = self._connectors.get(key)
        if client is not None:
            self._connectors.move_to_end(key)
            return client
        client = await factory.create(service_url, audience)
        # One attempt per call: the outbox retries, honouring Retry-After, without a blocked thread.
        # No status is retried either, so a 503 comes back as the response it is (with its
        # Retry-After), not as urllib3's "too many 503 error responses".
        client.config.retry_policy.retries = 0
        client.config.retry_policy.policy.status_forcelist = frozenset()
        self.clients_built += 1
        self._connectors[key] = client
        while len(self._connectors) > MAX_CLIENTS:
            self._connectors.popitem(last=False)
        return client


class _ReusedConnectors(ConnectorFactory):
    def __init__(self, owner: ReusingAuthentication, inner: ConnectorFactory, app_id: str | None) -> None:
        self._owner = owner
        self._inner = inner
        self._app_id = app_id

    async def create(self, service_url: str, audience: str = None) -> ConnectorClient:
        return await self._owner.connector((self._app_id, service_url, audience), self._inner, service_url, audience)
