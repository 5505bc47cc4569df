"""Delivering the outbox to Teams: proactive messages through stored conversation references.

The dispatcher (`bot.delivery.OutboxDispatcher`) hands each message to `TeamsDeliverer.deliver`:

- a channel message is posted with `adapter.continue_conversation` on the channel's stored
  reference; a keyed message (a question's card, whose progress line changes with every vote)
  is posted once and then updated in place with `update_activity`, through the reference and
  activity id returned the first time (`{"activityId", "reference"}`);
- a message for one person (a reminder, a private answer) goes to their one-to-one chat with
  the bot, created with `adapter.create_conversation` the first time and remembered after.

A message too large for one Teams message is sent as several cards (`cards.fit`, each activity
under `cards.MESSAGE_BUDGET`). Should Teams still refuse one as too large (HTTP 413,
MessageSizeTooBig: its limit has varied), that card is split again, into halves of its size, and
the parts sent in its place: the message is never refused for its size.

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
TOO_LARGE = 413  # MessageSizeTooBig
SMALLEST_CARD = 2_000  # below this a 413 is not about the card's size: it is not split further


class TeamsDeliverer:
    def __init__(self, adapter: BotAdapter, app_id: str | None, references: ReferenceBook, images: cards.Images | None) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._references = references
        self._images = images

    def cards_for(self, message: Message, refresh_user_ids: list[str] | None = None) -> list[dict]:
        """The message as one card, or several when it is too large for one Teams message."""
        return cards.fit(cards.render(message, self._images, refresh_user_ids=refresh_user_ids or ()), message=message)

    @staticmethod
    def activity_of(card: dict, summary: str) -> Activity:
        activity = MessageFactory.attachment(cards.attachment(card))
        activity.summary = summary
        return activity

    async def send_cards(self, send, message: Message, refresh_user_ids: list[str] | None = None) -> list[Any]:
        """Send the message's cards, in order, with `send(activity)`; what each send answered.

        A card Teams refuses as too large (413) is split in two by size and its parts sent instead.
        """
        answers: list[Any] = []
        waiting = self.cards_for(message, refresh_user_ids)
        while waiting:
            card = waiting.pop(0)
            try:
                answers.append(await send(self.activity_of(card, message.heading)))
            except HttpOperationError as failed:
                size = cards.payload_size(card)
                if _status(failed) != TOO_LARGE or size < SMALLEST_CARD:
                    raise
                smaller = cards.fit(card, size // 2, message)
                if len(smaller) < 2:
                    raise  # one element that cannot be broken (an image): nothing smaller to send
                log.warning("Teams refused a card of %d characters as too large; sending it in %d parts", size, len(smaller))
                waiting[:0] = smaller
        return answers

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
        if previous and previous.get("activityId") and previous.get("reference"):
            return await self._update(message, member_ids, previous)
        reference = ConversationReference().deserialize(stored["conversation"])
        posted: list[str | None] = []

        async def post(turn_context: TurnContext) -> None:
            async def one(activity: Activity):
                return await _post(turn_context, activity)

            posted.extend(response.id if response else None for response in await self.send_cards(one, message, member_ids))

        await self._continue(reference, post)
        if not message.key or not posted or not posted[0]:
            return None
        ref: dict[str, Any] = {"activityId": posted[0], "reference": stored["conversation"]}
        if len(posted) > 1:
            ref["more"] = [p for p in posted[1:] if p]
        return ref

    async def _update(self, message: Message, member_ids: list[str], previous: dict[str, Any]) -> dict[str, Any]:
        """A keyed message updated in place: its first card, and any later ones (posted if it grew)."""
        reference = ConversationReference().deserialize(previous["reference"])
        ids = [previous["activityId"], *previous.get("more", [])]
        parts = self.cards_for(message, member_ids)
        kept: list[str] = []

        async def update(turn_context: TurnContext) -> None:
            for index, card in enumerate(parts):
                activity = self.activity_of(card, message.heading)
                if index < len(ids):
                    activity.id = ids[index]
                    await turn_context.update_activity(activity)
                    kept.append(ids[index])
                else:
                    response = await _post(turn_context, activity)
                    if response and response.id:
                        kept.append(response.id)
            for stale in ids[len(parts):]:
                await turn_context.delete_activity(stale)

        await self._continue(reference, update)
        ref = {"activityId": previous["activityId"], "reference": previous["reference"]}
        if len(kept) > 1:
            ref["more"] = kept[1:]
        return ref

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
        async def send_all(turn_context: TurnContext) -> None:
            async def one(activity: Activity):
                return await _post(turn_context, activity)

            await self.send_cards(one, message)

        if stored.get("conversation"):
            reference = ConversationReference().deserialize(stored["conversation"])

            async def post(turn_context: TurnContext) -> None:
                await send_all(turn_context)

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
            await send_all(turn_context)

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


def _status(failed: HttpOperationError) -> int | None:
    return getattr(getattr(failed, "response", None), "status_code", None)


def _translated(failed: HttpOperationError) -> Exception:
    response = getattr(failed, "response", None)
    status = _status(failed)
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
