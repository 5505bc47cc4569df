"""The outbox's deliverer for Slack: what the channel and people see, posted or updated in place.

`SlackDeliverer.deliver` is called by `bot.delivery.OutboxDispatcher` for every queued message of
a Slack conversation:

- a message for one person (a reminder) goes to them as a direct message (``chat.postMessage``
  with their user id as the channel, which Slack delivers to the app's Messages tab);
- a keyed channel message (a question and its progress line) is posted once and then updated in
  place with ``chat.update``, using the ``{"channel", "ts"}`` ref returned the first time;
- any other channel message is posted with ``chat.postMessage``;
- a message too long for one Slack message (`adapters.slack.blocks.message_parts`) is posted as
  its parts, in order; a keyed one keeps its later parts' ``ts`` in its ref (``more``), to update
  them in place, post the parts it gained and delete those it lost;
- charts are drawn by `bot.charts` and uploaded to the same place with ``files_upload_v2``, with
  the chart's alt text.

Failures are told apart for the dispatcher (Slack's error codes: https://api.slack.com/methods):
a rate limit or an outage raises `RetryLater` (with Slack's ``Retry-After``), an error that will
never go away (the bot was removed from the channel, the channel is archived, the app was
uninstalled) raises `Undeliverable`. A message whose text was posted but whose chart upload was
then refused for now says so in its `RetryLater` (``done``: where the text went, how many charts
followed it); the outbox keeps that with the message, so the retry, whichever process makes it,
uploads only what is missing and never posts the text twice. A message refused part-way
through its parts likewise says how many went (``parts_done``), and the retry goes on from there.

Every post carries its outbox id in Slack's message metadata
(https://docs.slack.dev/messaging/message-metadata): ``event_type`` ``accord_outbox``. When an
earlier attempt may have reached Slack without Accord learning of it (its process was killed
mid-send and another took the message over, or the connection broke before Slack answered), the
deliverer first looks for that id in the conversation's recent history (``conversations.history``
with ``include_all_metadata``): found, the message counts as posted, with its ``ts`` for later
updates, and only the parts (each marked with its number) and charts not yet there are sent. That look needs ``channels:history``,
``groups:history`` and ``mpim:history`` (``im:history`` for direct messages); where Slack refuses
it, the message is posted again and the log says it may appear twice. ``chat.update`` edits a
message in place, so updating one twice changes nothing and needs no look.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import fallback_text, message_parts
from adapters.slack.client import retry_after
from bot.charts import ChartRenderer, chart_filename
from bot.delivery import Attempt, RetryLater, Undeliverable
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

# The metadata on every outbox post, by which a resend finds the first attempt.
OUTBOX_EVENT = "accord_outbox"
# How far back before a message was queued to look: Slack's clock and this server's may differ.
CLOCK_MARGIN = 60.0
# How much history one look reads at most. The look comes right after a crash, so the message, if
# it arrived, is among the newest; a channel busier than this posts it again and the log says so.
HISTORY_PAGE = 50
HISTORY_PAGES = 4
# How long what one look saw answers for the other messages of the same conversation (a dead
# process leaves every message it had claimed to be looked for, most of which it never started).
LOOK_FRESH = 30.0
# Refusals of the look that waiting will not cure: the message is posted without it.
CANNOT_LOOK = {"missing_scope", "not_in_channel", "channel_not_found", "not_allowed_token_type", "method_not_supported_for_channel_type"}

ClientFor = Callable[[str], Awaitable[AsyncWebClient | None]]
Blocking = Callable[..., Awaitable[Any]]


@dataclass
class _Partial:
    """What part of a message already reached Slack before a later part was refused."""

    ref: dict[str, Any] | None = None
    posted: bool = False
    parts_done: int = 0  # of a message sent as several Slack messages (blocks.message_parts)
    charts_done: int = 0
    unsure: bool = False  # the post may have reached Slack unseen: look before posting again

    @classmethod
    def from_done(cls, done: dict[str, Any] | None) -> "_Partial":
        if not done:
            return cls()
        posted = bool(done.get("posted"))
        return cls(
            ref=done.get("ref"),
            posted=posted,
            parts_done=int(done.get("parts_done", 1 if posted else 0)),
            charts_done=int(done.get("charts_done", 0)),
            unsure=bool(done.get("unsure")),
        )

    def as_done(self) -> dict[str, Any] | None:
        """For `RetryLater.done`: None while nothing reached Slack, as far as Accord can tell."""
        if self.posted:
            return {"ref": self.ref, "posted": True, "parts_done": self.parts_done, "charts_done": self.charts_done}
        return {"unsure": True} if self.unsure else None


@dataclass
class _Look:
    """What one look at a conversation's history saw: its messages since `oldest`."""

    oldest: float
    at: float  # time.monotonic() of the look
    messages: list[dict[str, Any]]  # newest first


class SlackDeliverer:
    def __init__(self, client_for: ClientFor, charts: ChartRenderer, blocking: Blocking | None = None) -> None:
        self._client_for = client_for
        self._charts = charts
        self._blocking = blocking or asyncio.to_thread
        self._looks: dict[tuple[str, str], _Look] = {}  # (workspace, channel or person) -> the last look

    async def deliver(
        self,
        conversation: Conversation,
        message: Message,
        previous: dict[str, Any] | None,
        done: dict[str, Any] | None = None,
        attempt: Attempt | None = None,
    ) -> dict[str, Any] | None:
        client = await self._client_for(conversation.workspace)
        if client is None:
            raise Undeliverable(f"Accord is not installed in the Slack workspace {conversation.workspace}")
        partial = _Partial.from_done(done)
        if attempt is not None and attempt.uncertain:
            partial.unsure = True
        parts = message_parts(message, conversation.channel_id)
        try:
            if not partial.posted:
                partial.ref, partial.parts_done, partial.charts_done = await self._post_or_update(
                    client, conversation, message, parts, previous, attempt, partial
                )
                partial.posted = True
            target = partial.ref["channel"] if partial.ref else self._target(conversation, message)
            while partial.parts_done < len(parts):
                await self._post_part(client, target, message, parts, partial, attempt)
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
        self,
        client: AsyncWebClient,
        conversation: Conversation,
        message: Message,
        parts: list[list[dict]],
        previous: dict[str, Any] | None,
        attempt: Attempt | None,
        partial: _Partial,
    ) -> tuple[dict[str, Any], int, int]:
        """Post the message's first part, or update the message posted earlier under its key.

        The ref, how many of its parts are there, and how many of its charts.
        """
        blocks = parts[0]
        text = fallback_text(message, 1, len(parts))
        if message.key and previous and message.audience.is_channel:
            try:
                await client.chat_update(channel=previous["channel"], ts=previous["ts"], blocks=blocks, text=text)
                ref = await self._update_rest(client, dict(previous), message, parts)
                return ref, len(parts), len(message.charts)  # the charts went with it when it was first posted
            except SlackApiError as refused:
                if slack_error(refused) not in GONE:
                    raise
                log.info("message %s could not be updated (%s); posting it anew", message.key, slack_error(refused))
        target = self._target(conversation, message)
        if attempt is not None and partial.unsure:
            found = await self._find(client, conversation, target, attempt, message)
            if found is not None:
                log.info("message %s had reached Slack before (%s); not posting it again", attempt.outbox_id, found[0]["ts"])
                return found
            partial.unsure = False  # looked, and it is not there: the earlier attempt never arrived
        metadata = {"event_type": OUTBOX_EVENT, "event_payload": _payload(attempt)} if attempt is not None else None
        self._looks.pop((conversation.workspace, target), None)  # what a look saw there is out of date now
        try:
            response = await client.chat_postMessage(
                channel=target, blocks=blocks, text=text, unfurl_links=False, unfurl_media=False, metadata=metadata
            )
        except SlackApiError as refused:
            status = getattr(refused.response, "status_code", None) or 0
            partial.unsure = partial.unsure or status >= 500  # Slack may have posted it before failing
            raise
        except (SlackClientError, aiohttp.ClientError, asyncio.TimeoutError, OSError):
            partial.unsure = True  # the request may have reached Slack, and the answer not us
            raise
        return {"channel": response["channel"], "ts": response["ts"]}, 1, 0

    async def _post_part(
        self, client: AsyncWebClient, target: str, message: Message, parts: list[list[dict]], partial: _Partial, attempt: Attempt | None
    ) -> None:
        """The next part of a message too long for one Slack message, posted after the ones before it.

        Each part carries the outbox id and its number, so a look after a crash finds the parts
        already there. A keyed message keeps its later parts' ``ts`` to update them in place.
        """
        number = partial.parts_done + 1
        metadata = {"event_type": OUTBOX_EVENT, "event_payload": {**_payload(attempt), "part": number}} if attempt is not None else None
        response = await client.chat_postMessage(
            channel=target,
            blocks=parts[number - 1],
            text=fallback_text(message, number, len(parts)),
            unfurl_links=False,
            unfurl_media=False,
            metadata=metadata,
        )
        if message.key and partial.ref is not None:
            partial.ref = {**partial.ref, "more": [*partial.ref.get("more", []), response["ts"]]}
        partial.parts_done = number

    async def _update_rest(self, client: AsyncWebClient, ref: dict[str, Any], message: Message, parts: list[list[dict]]) -> dict[str, Any]:
        """A keyed message's later parts, updated in place; posted when it has grown; removed when it has shrunk."""
        more: list[str] = list(ref.get("more", []))
        kept: list[str] = []
        for number, blocks in enumerate(parts[1:], start=2):
            text = fallback_text(message, number, len(parts))
            if more:
                ts = more.pop(0)
                await client.chat_update(channel=ref["channel"], ts=ts, blocks=blocks, text=text)
            else:
                ts = (await client.chat_postMessage(channel=ref["channel"], blocks=blocks, text=text, unfurl_links=False, unfurl_media=False))["ts"]
            kept.append(ts)
        for ts in more:
            await client.chat_delete(channel=ref["channel"], ts=ts)
        ref = {key: value for key, value in ref.items() if key != "more"}
        return {**ref, "more": kept} if kept else ref

    async def _find(
        self, client: AsyncWebClient, conversation: Conversation, target: str, attempt: Attempt, message: Message
    ) -> tuple[dict[str, Any], int, int] | None:
        """Where an earlier attempt of this outbox message was posted, how many of its parts and charts followed; None if nowhere."""
        oldest = attempt.queued_at.timestamp() - CLOCK_MARGIN if attempt.queued_at else time.time() - 86400
        try:
            channel = target
            if target.startswith(("U", "W")):  # a person: the direct-message conversation with Accord
                channel = (await client.conversations_open(users=target))["channel"]["id"]
            messages = await self._history(client, (conversation.workspace, target), channel, oldest, attempt.outbox_id)
        except SlackApiError as refused:
            if slack_error(refused) not in CANNOT_LOOK:
                raise
            log.warning(
                "could not look in %s for message %s (%s), so it is posted again and may appear twice there; "
                "the manifest's history scopes let Accord look (docs/slack.md)",
                target, attempt.outbox_id, slack_error(refused),
            )  # fmt: skip
            return None
        if messages is None:
            log.warning(
                "message %s is not among the last %d messages of %s: posting it again, and it may appear twice there",
                attempt.outbox_id, HISTORY_PAGE * HISTORY_PAGES, target,
            )  # fmt: skip
            return None
        wanted = _payload(attempt)
        for index, seen in enumerate(messages):
            metadata = seen.get("metadata") or {}
            if metadata.get("event_type") == OUTBOX_EVENT and metadata.get("event_payload") == wanted:
                newer = messages[:index]
                parts = [seen["ts"], *_parts_after(newer, wanted)]
                ref: dict[str, Any] = {"channel": channel, "ts": seen["ts"]}
                if message.key and len(parts) > 1:
                    ref["more"] = parts[1:]
                return ref, len(parts), _charts_after(newer, message)
        return None

    async def _history(
        self, client: AsyncWebClient, where: tuple[str, str], channel: str, oldest: float, outbox_id: int
    ) -> list[dict[str, Any]] | None:
        """The conversation's messages since `oldest`, newest first; None if there were more than one look reads."""
        look = self._looks.get(where)
        if look is not None and look.oldest <= oldest and time.monotonic() - look.at < LOOK_FRESH:
            return look.messages
        messages: list[dict[str, Any]] = []
        cursor = None
        for _ in range(HISTORY_PAGES):
            page = await client.conversations_history(
                channel=channel, oldest=f"{oldest:.6f}", limit=HISTORY_PAGE, include_all_metadata=True, cursor=cursor
            )
            messages += page.get("messages") or []
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                self._looks[where] = _Look(oldest, time.monotonic(), messages)
                return messages
        if any(_is_outbox(seen, outbox_id) for seen in messages):
            return messages  # found among the newest, which is all that matters
        return None

    async def upload_chart(self, client: AsyncWebClient, channel: str, chart: Chart) -> None:
        png = await self._blocking(self._charts.render, chart)
        await client.files_upload_v2(
            channel=channel,
            file_uploads=[{"content": png, "filename": chart_filename(chart), "title": chart.title, "alt_txt": chart.alt_text[:1000]}],
        )

def _payload(attempt: Attempt) -> dict[str, Any]:
    # With when it was queued: outbox ids start again in another database (a second install
    # posting in the same channel, a database restored), and an id alone could match its post.
    payload: dict[str, Any] = {"outbox_id": attempt.outbox_id}
    if attempt.queued_at is not None:
        payload["queued_at"] = attempt.queued_at.isoformat()
    return payload


def _is_outbox(seen: dict[str, Any], outbox_id: int) -> bool:
    metadata = seen.get("metadata") or {}
    return metadata.get("event_type") == OUTBOX_EVENT and (metadata.get("event_payload") or {}).get("outbox_id") == outbox_id


def _parts_after(newer: list[dict[str, Any]], wanted: dict[str, Any]) -> list[str]:
    """The ts of the message's later parts (2, 3...) found posted after its first, in order (`newer`: newest first)."""
    by_part: dict[int, str] = {}
    for seen in newer:
        metadata = seen.get("metadata") or {}
        payload = dict(metadata.get("event_payload") or {})
        part = payload.pop("part", None)
        if metadata.get("event_type") == OUTBOX_EVENT and payload == wanted and isinstance(part, int):
            by_part[part] = seen["ts"]
    found: list[str] = []
    while len(found) + 2 in by_part:
        found.append(by_part[len(found) + 2])
    return found


def _charts_after(newer: list[dict[str, Any]], message: Message) -> int:
    """How many of the message's charts were uploaded after it, in order (`newer`: newest first)."""
    titles = [file.get("title") for seen in reversed(newer) for file in seen.get("files") or []]
    done = 0
    for chart in message.charts:
        if chart.title not in titles:
            break
        titles = titles[titles.index(chart.title) + 1 :]
        done += 1
    return done


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
