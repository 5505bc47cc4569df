"""Reaching Slack's Web API: one client configuration, and the bot token of each workspace.

The base URL comes from ``slack.api_url`` (``SLACK_API_URL``), so the tests can put a local server
in Slack's place. Rate limits (HTTP 429 with ``Retry-After``, https://api.slack.com/apis/rate-limits)
are survived with slack_sdk's retry handlers: a short wait is waited out in place, once; a longer
one is not, because a listener must answer within Slack's 3 seconds and the outbox dispatcher
should not sit idle: the caller sees the 429 and the outbox retries the message when it is due.
Dropped connections are retried once by slack_sdk's connection-error handler.

`Reach` keeps what the last calls found: whether Slack's Web API answers at all. A request
arriving from Slack says nothing about the way back (a DNS failure or a firewall on Accord's side
stops every call while requests still come in), and while calls get no answer a person can only
be told so in the HTTP response to their request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.error import URLError

import aiohttp
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
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


# Without an answer for this long, Slack is taken to be reachable again and calls are tried as usual.
UNREACHABLE_FOR = 60.0


def unreachable(error: BaseException) -> bool:
    """A call that got no answer from Slack at all (DNS, refused connection, time-out), not a refusal."""
    return isinstance(error, (aiohttp.ClientConnectionError, asyncio.TimeoutError, OSError))


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class Reach:
    """Whether Slack's Web API answered the last calls Accord made."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.failed_at: float | None = None
        self.reason = ""

    @property
    def down(self) -> bool:
        return self.failed_at is not None and self._clock() - self.failed_at < UNREACHABLE_FOR

    def failed(self, error: BaseException) -> None:
        if not self.down:
            log.warning(
                "Slack could not be reached (%s): requests are answered directly, channel messages wait in the outbox",
                describe(error),
            )
        self.failed_at, self.reason = self._clock(), describe(error)

    def answered(self) -> None:
        if self.failed_at is not None:
            self.failed_at = None
            log.info("Slack answers again")


class ReachRecorder(AsyncRetryHandler):
    """Tells `Reach` how each call ended; it never retries anything itself.

    slack_sdk asks its retry handlers after every attempt, answered or not, in order, and stops at
    the first that retries; last in the list, this one sees each call's final outcome only.
    """

    def __init__(self, reach: Reach) -> None:
        super().__init__(max_retry_count=1 << 30)  # the base class stops asking after this many
        self.reach = reach

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None:
            self.reach.answered()
        elif error is not None and unreachable(error):
            self.reach.failed(error)
        return False


class ConnectionErrorRetryHandler(AsyncConnectionErrorRetryHandler):
    """Try again once after a dropped connection, except a new channel message.

    A connection that dropped after Slack took a ``chat.postMessage`` would post it twice. The
    outbox tries that message again itself, after looking in the channel for the first attempt
    (`adapters.slack.delivery`), so here it is left to fail.
    """

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if request.url.rstrip("/").endswith("chat.postMessage"):
            return False
        return await super()._can_retry_async(state=state, request=request, response=response, error=error)


def retry_handlers(reach: Reach | None = None) -> list[AsyncRetryHandler]:
    handlers: list[AsyncRetryHandler] = [ConnectionErrorRetryHandler(max_retry_count=1), ShortRateLimitRetryHandler()]
    return handlers + [ReachRecorder(reach)] if reach is not None else handlers


def api_base_url(configured: str | None) -> str:
    url = configured or SLACK_API
    return url if url.endswith("/") else url + "/"


def web_client(base_url: str, token: str | None = None, session: Any = None, reach: Reach | None = None) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=base_url, retry_handlers=retry_handlers(reach), session=session)


# The bot token of a workspace: a fixed token (one workspace) or its OAuth installation.
TokenSource = Callable[[str], Awaitable[str | None]]


def fixed_token(token: str) -> TokenSource:
    async def lookup(team_id: str) -> str | None:
        return token

    return lookup


class Clients:
    """One Web API client per workspace, made on first use with that workspace's bot token."""

    def __init__(self, base_url: str, tokens: TokenSource, reach: Reach | None = None) -> None:
        self._base_url = base_url
        self._tokens = tokens
        self._reach = reach
        self._clients: dict[tuple[str, str], AsyncWebClient] = {}
        self.session: Any = None  # the server's aiohttp session, once it runs

    async def for_team(self, team_id: str) -> AsyncWebClient | None:
        token = await self._tokens(team_id)
        if token is None:
            return None
        key = (team_id, token)
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = web_client(self._base_url, token, self.session, self._reach)
        return client


# auth.test's answers that mean the token itself is no good: starting would not help.
TOKEN_REFUSED = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type"}


@dataclass(frozen=True)
class TokenCheck:
    """What Slack's ``auth.test`` said of the bot token when the server started."""

    refused: str | None = None  # Slack's error code, when it refused the token
    unreachable: str | None = None  # why Slack gave no usable answer
    workspace: str = ""
    bot: str = ""


def check_bot_token(base_url: str, token: str, timeout: float = 10.0) -> TokenCheck:
    """Ask Slack once, before the server starts, whether the bot token works (https://api.slack.com/methods/auth.test)."""
    client = WebClient(token=token, base_url=base_url, timeout=int(timeout), retry_handlers=[])
    try:
        answer = client.auth_test()
    except SlackApiError as refused:
        data = getattr(refused.response, "data", None)
        error = data.get("error") if isinstance(data, dict) else None
        if error in TOKEN_REFUSED:
            return TokenCheck(refused=error)
        return TokenCheck(unreachable=error or f"HTTP {getattr(refused.response, 'status_code', '?')}")
    except URLError as broken:
        return TokenCheck(unreachable=str(broken.reason))
    except OSError as broken:
        return TokenCheck(unreachable=describe(broken))
    return TokenCheck(workspace=str(answer.get("team") or answer.get("team_id") or ""), bot=str(answer.get("user") or ""))
