"""Reaching Slack's Web API: one client configuration, and the bot token of each workspace.

The base URL comes from ``slack.api_url`` (``SLACK_API_URL``), so the tests can put a local server
in Slack's place. Rate limits (HTTP 429 with ``Retry-After``, https://api.slack.com/apis/rate-limits)
are survived with slack_sdk's retry handlers: a short wait is waited out in place, once; a longer
one is not, because a listener must answer within Slack's 3 seconds and the outbox dispatcher
should not sit idle: the caller sees the 429 and the outbox retries the message when it is due.
Dropped connections are retried once by slack_sdk's connection-error handler.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("accord.slack")

SLACK_API = "https://slack.com/api/"

# The longest Retry-After waited out inside one call; anything longer goes back to the caller.
MAX_WAIT_IN_PLACE = 2.0


def retry_after(headers: Any) -> float | None:
    """Seconds from a ``Retry-After`` header, whatever the casing and container."""
    if headers is None:
        return None
    for key in headers.keys():
        if key.lower() == "retry-after":
            value = headers[key]
            if isinstance(value, (list, tuple)):
                value = value[0] if value else None
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None


class ShortRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's rate-limit handler, for waits of at most `max_wait` seconds."""

    def __init__(self, max_wait: float = MAX_WAIT_IN_PLACE, max_retry_count: int = 1) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = retry_after(response.headers)
        return wait is not None and wait <= self.max_wait


def retry_handlers() -> list[AsyncRetryHandler]:
    return [AsyncConnectionErrorRetryHandler(max_retry_count=1), ShortRateLimitRetryHandler()]


def api_base_url(configured: str | None) -> str:
    url = configured or SLACK_API
    return url if url.endswith("/") else url + "/"


def web_client(base_url: str, token: str | None = None, session: Any = None) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=base_url, retry_handlers=retry_handlers(), session=session)


# The bot token of a workspace: a fixed token (one workspace) or its OAuth installation.
TokenSource = Callable[[str], Awaitable[str | None]]


def fixed_token(token: str) -> TokenSource:
    async def lookup(team_id: str) -> str | None:
        return token

    return lookup


class Clients:
    """One Web API client per workspace, made on first use with that workspace's bot token."""

    def __init__(self, base_url: str, tokens: TokenSource) -> None:
        self._base_url = base_url
        self._tokens = tokens
        self._clients: dict[tuple[str, str], AsyncWebClient] = {}
        self.session: Any = None  # the server's aiohttp session, once it runs

    async def for_team(self, team_id: str) -> AsyncWebClient | None:
        token = await self._tokens(team_id)
        if token is None:
            return None
        key = (team_id, token)
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = web_client(self._base_url, token, self.session)
        return client
