"""The outbox's deliverer for Slack: what the channel and people see, posted or updated in place.

`SlackDeliverer.deliver` is called by `bot.delivery.OutboxDispatcher` for every queued message of
a Slack conversation:

- a message for one person (a reminder) goes to them as a direct message (``chat.postMessage``
  with their user id as the channel, which Slack delivers to the app's Messages tab);
- a keyed channel message (a question and its progress line) is posted once and then updated in
  place with ``chat.update``, using the ``{"channel", "ts"}`` ref returned the first time;
- any other channel message is posted with ``chat.postMessage``;
- charts are drawn by `bot.charts` and uploaded to the same place with ``files_upload_v2``, with
  the chart's alt text.

Failures are told apart for the dispatcher (Slack's error codes: https://api.slack.com/methods):
a rate limit or an outage raises `RetryLater` (with Slack's ``Retry-After``), an error that will
never go away (the bot was removed from the channel, the channel is archived, the app was
uninstalled) raises `Undeliverable`. A message whose text was posted but whose chart upload was
then refused for now says so in its `RetryLater` (``done``: where the text went, how many charts
followed it); the outbox keeps that with the message, so the retry, whichever process makes it,
uploads only what is missing and never posts the text twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import fallback_text, message_blocks
from adapters.slack.client import retry_after
from bot.charts import ChartRenderer, chart_filename
from bot.delivery import RetryLater, Undeliverable
from engine.assessment import Conversation
from engine.views import Chart, Message

log = logging.getLogger("accord.slack")

# Errors that retrying will not cure: the message is set aside with the reason.
NEVER = {
    "channel_not_found": "the channel no longer exists or Accord cannot see it",
    "not_in_channel": "Accord is not a member of the channel: invite it with /invite @Accord",
    "is_archived": "the channel is archived",
    "account_inactive": "the app was uninstalled from the workspace",
    "token_revoked": "the app's token was revoked",
    "invalid_auth": "the bot token is not valid: check SLACK_BOT_TOKEN or reinstall the app",
    "not_authed": "no bot token was sent",
    "missing_scope": "the app lacks a permission it needs: reinstall it with the manifest's scopes",
    "restricted_action": "the workspace's settings do not let Accord post there",
    "user_not_found": "the person is no longer in the workspace",
    "cannot_dm_bot": "the person is a bot",
    "invalid_blocks": "Slack refused the message's blocks",
    "msg_too_long": "the message is too long for Slack",
}
# chat.update errors after which the message is posted anew instead.
GONE = {"message_not_found", "cant_update_message", "edit_window_closed"}

ClientFor = Callable[[str], Awaitable[AsyncWebClient | None]]
Blocking = Callable[..., Awaitable[Any]]


@dataclass
class _Partial:
    """What part of a message already reached Slack before a later part was refused."""

    ref: dict[str, Any] | None = None
    posted: bool = False
    charts_done: int = 0

    @classmethod
    def from_done(cls, done: dict[str, Any] | None) -> "_Partial":
        if not done:
            return cls()
        return cls(ref=done.get("ref"), posted=bool(done.get("posted")), charts_done=int(done.get("charts_done", 0)))

    def as_done(self) -> dict[str, Any] | None:
        """For `RetryLater.done`: None while nothing reached Slack."""
        return {"ref": self.ref, "posted": True, "charts_done": self.charts_done} if self.posted else None


class SlackDeliverer:
    def __init__(self, client_for: ClientFor, charts: ChartRenderer, blocking: Blocking | None = None) -> None:
        self._client_for = client_for
        self._charts = charts
        self._blocking = blocking or asyncio.to_thread

    async def deliver(
        self, conversation: Conversation, message: Message, previous: dict[str, Any] | None, done: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        client = await self._client_for(conversation.workspace)
        if client is None:
            raise Undeliverable(f"Accord is not installed in the Slack workspace {conversation.workspace}")
        partial = _Partial.from_done(done)
        try:
            if not partial.posted:
                partial.ref, updated = await self._post_or_update(client, conversation, message, previous)
                partial.posted = True
                if updated:  # the charts went with the message when it was first posted
                    partial.charts_done = len(message.charts)
            target = partial.ref["channel"] if partial.ref else self._target(conversation, message)
            charts = message.charts
            while partial.charts_done < len(charts):
                await self.upload_chart(client, target, charts[partial.charts_done])
                partial.charts_done += 1
        except SlackApiError as refused:
            problem = _translated(refused)
            if isinstance(problem, RetryLater):
                problem.done = partial.as_done()
            raise problem from None
        except (SlackClientError, aiohttp.ClientError, asyncio.TimeoutError, OSError) as broken:
            raise RetryLater(0, f"Slack could not be reached: {type(broken).__name__}: {broken}", done=partial.as_done()) from None
        return partial.ref if message.key else None

    # ------------------------------------------------------------------------- parts

    @staticmethod
    def _target(conversation: Conversation, message: Message) -> str:
        person = message.audience.person
        return person.user_id if person is not None else conversation.channel_id

    async def _post_or_update(
        self, client: AsyncWebClient, conversation: Conversation, message: Message, previous: dict[str, Any] | None
    ) -> tuple[dict[str, Any], bool]:
        """Post the message, or update the one posted earlier under its key; say which it was."""
        blocks = message_blocks(message, conversation.channel_id)
        text = fallback_text(message)
        if message.key and previous and message.audience.is_channel:
            try:
                await client.chat_update(channel=previous["channel"], ts=previous["ts"], blocks=blocks, text=text)
                return dict(previous), True
            except SlackApiError as refused:
                if slack_error(refused) not in GONE:
                    raise
                log.info("message %s could not be updated (%s); posting it anew", message.key, slack_error(refused))
        response = await client.chat_postMessage(
            channel=self._target(conversation, message), blocks=blocks, text=text, unfurl_links=False, unfurl_media=False
        )
        return {"channel": response["channel"], "ts": response["ts"]}, False

    async def upload_chart(self, client: AsyncWebClient, channel: str, chart: Chart) -> None:
        png = await self._blocking(self._charts.render, chart)
        await client.files_upload_v2(
            channel=channel,
            file_uploads=[{"content": png, "filename": chart_filename(chart), "title": chart.title, "alt_txt": chart.alt_text[:1000]}],
        )

def slack_error(refused: SlackApiError) -> str:
    """Slack's error code (``not_in_channel``...), or the HTTP status when the answer was not JSON."""
    data = getattr(refused.response, "data", None)
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    status = getattr(refused.response, "status_code", None)
    return f"http_{status}" if status else "unknown_error"


def _translated(refused: SlackApiError) -> Exception:
    response = refused.response
    status = getattr(response, "status_code", None)
    error = slack_error(refused)
    if status == 429 or error == "ratelimited":
        wait = retry_after(getattr(response, "headers", None))
        return RetryLater(wait if wait is not None else 0, f"Slack's rate limit (retry after {wait if wait is not None else '?'} s)")
    if error in NEVER:
        return Undeliverable(f"{error}: {NEVER[error]}")
    return RetryLater(0, f"Slack refused for now: {error}")
