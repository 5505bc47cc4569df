"""Delivering the outbox to Teams: proactive messages through stored conversation references.

The dispatcher (`bot.delivery.OutboxDispatcher`) hands each message to `TeamsDeliverer.deliver`:

- a channel message is posted with `adapter.continue_conversation` on the channel's stored
  reference; a keyed message (a question's card, whose progress line changes with every vote)
  is posted once and then updated in place with `update_activity`, through the reference and
  activity id returned the first time (`{"activityId", "reference"}`);
- a message for one person (a reminder, a private answer) goes to their one-to-one chat with
  the bot, created with `adapter.create_conversation` the first time and remembered after.

Teams' throttling (HTTP 429, or 502/503/504 while it is unwell) becomes `RetryLater`, with the
Retry-After header when Teams gives one; a conversation the bot was removed from (403, 404)
becomes `Undeliverable`. The connector clients make a single attempt (see `connector.py`), so
a wait never holds a thread.
"""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import BotAdapter, MessageFactory, TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters, ConversationReference
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.teams import cards
from adapters.teams.connector import ServiceUrlRefused
from adapters.teams.directory import PLATFORM
from adapters.teams.references import ReferenceBook
from bot.delivery import Attempt, RetryLater, Undeliverable
from engine.assessment import Conversation, Identity
from engine.views import Message

log = logging.getLogger("accord.teams")

THROTTLED = {429, 502, 503, 504}
GONE = {403, 404}


class TeamsDeliverer:
    def __init__(self, adapter: BotAdapter, app_id: str | None, references: ReferenceBook, images: cards.Images | None) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._references = references
        self._images = images

    def activity_for(self, message: Message, refresh_user_ids: list[str] | None = None) -> Activity:
        card = cards.render(message, self._images, refresh_user_ids=refresh_user_ids or ())
        activity = MessageFactory.attachment(cards.attachment(card))
        activity.summary = message.heading
        return activity

    async def deliver(
        self,
        conversation: Conversation,
        message: Message,
        previous: dict[str, Any] | None,
        done: dict[str, Any] | None = None,
        attempt: Attempt | None = None,
    ) -> dict[str, Any] | None:
        # A card and its images go in one activity: there is never a part delivered, so `done` is unused.
        # Teams offers no way to find a message by an id of Accord's, so `attempt` is unused too: a
        # message whose first attempt died with its process (`attempt.uncertain`) may show twice.
        try:
            if message.audience.person is not None:
                await self.send_to_person(message.audience.person, message)
                return None
            return await self._to_channel(conversation, message, previous)
        except HttpOperationError as failed:
            raise _translated(failed) from failed
        except ClientRequestError as unreachable:
            raise RetryLater(0, f"Teams could not be reached: {unreachable}") from unreachable
        except ServiceUrlRefused as refused:
            raise Undeliverable(str(refused)) from refused

    # ---------------------------------------------------------------- channel

    async def _to_channel(self, conversation: Conversation, message: Message, previous: dict[str, Any] | None) -> dict[str, Any] | None:
        stored = await self._references.channel(conversation)
        if stored is None or not stored.get("conversation"):
            raise Undeliverable(
                "Accord has no conversation reference for this channel: mention Accord in it once, or add it to the team again."
            )
        member_ids = [m["id"] for m in stored.get("members", []) if m.get("id")]
        activity = self.activity_for(message, member_ids)
        if previous and previous.get("activityId") and previous.get("reference"):
            reference = ConversationReference().deserialize(previous["reference"])
            activity.id = previous["activityId"]

            async def update(turn_context: TurnContext) -> None:
                await turn_context.update_activity(activity)

            await self._continue(reference, update)
            return previous
        reference = ConversationReference().deserialize(stored["conversation"])
        posted: dict[str, Any] = {}

        async def post(turn_context: TurnContext) -> None:
            response = await _post(turn_context, activity)
            posted["id"] = response.id if response else None

        await self._continue(reference, post)
        if not message.key or not posted.get("id"):
            return None
        return {"activityId": posted["id"], "reference": stored["conversation"]}

    async def _continue(self, reference: ConversationReference, callback) -> None:
        # botbuilder hands an exception raised in a proactive turn to `on_turn_error` and
        # carries on; the outbox must see it, or a throttled message would count as sent.
        failure: list[Exception] = []
        await self._adapter.continue_conversation(reference, _guarded(callback, failure), self._app_id)
        if failure:
            raise failure[0]

    # ----------------------------------------------------------------- person

    async def send_to_person(self, person: Identity, message: Message) -> None:
        """A private message: in the person's one-to-one chat with Accord, opened if need be."""
        if person.platform != PLATFORM:
            raise Undeliverable(f"{person.key} is not a Teams user")
        stored = await self._references.person(person)
        if stored is None:
            raise Undeliverable("Accord has not met this person in Teams yet, so it cannot message them privately.")
        activity = self.activity_for(message)
        if stored.get("conversation"):
            reference = ConversationReference().deserialize(stored["conversation"])

            async def post(turn_context: TurnContext) -> None:
                await _post(turn_context, activity)

            await self._continue(reference, post)
            return
        account = stored.get("account") or {}
        if not account.get("id") or not stored.get("serviceUrl"):
            raise Undeliverable("Accord does not know how to reach this person in Teams.")
        tenant = stored.get("tenant")
        bot = stored.get("bot") or {}
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=bot.get("id"), name=bot.get("name")),
            members=[ChannelAccount(id=account["id"], name=account.get("name"))],
            tenant_id=None if tenant in (None, "local") else tenant,
            channel_data={"tenant": {"id": tenant}} if tenant not in (None, "local") else None,
        )
        created: dict[str, Any] = {}

        async def opened(turn_context: TurnContext) -> None:
            reference = TurnContext.get_conversation_reference(turn_context.activity)
            created["reference"] = reference.serialize()
            await _post(turn_context, activity)

        failure: list[Exception] = []
        await self._adapter.create_conversation(
            self._app_id, _guarded(opened, failure), parameters, stored.get("channelId") or PLATFORM, stored["serviceUrl"], None
        )
        if failure:
            raise failure[0]
        if created.get("reference"):
            await self._references.remember_personal_conversation(person, stored, created["reference"])


def _guarded(callback, failure: list[Exception]):
    async def run(turn_context: TurnContext) -> None:
        try:
            await callback(turn_context)
        except Exception as failed:  # noqa: BLE001 - re-raised by the caller, outside botbuilder's pipeline
            failure.append(failed)

    return run


async def _post(turn_context: TurnContext, activity: Activity):
    """A new message in the turn's conversation (not a reply to the turn's made-up activity id)."""
    reference = TurnContext.get_conversation_reference(turn_context.activity)
    reference.activity_id = None
    TurnContext.apply_conversation_reference(activity, reference)
    connector = turn_context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
    return await connector.conversations.send_to_conversation(activity.conversation.id, activity)


def _translated(failed: HttpOperationError) -> Exception:
    response = getattr(failed, "response", None)
    status = getattr(response, "status_code", None)
    if status in THROTTLED:
        return RetryLater(_retry_after(response), f"Teams answered HTTP {status}")
    if status in GONE:
        return Undeliverable(f"Teams answered HTTP {status}: Accord may have been removed from the conversation")
    return failed


def _retry_after(response) -> float:
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return max(0.0, float(value)) if value is not None else 0.0
    except ValueError:
        return 0.0
