"""Conversation references: how Accord reaches a Teams channel or person later, unprompted.

Recorded whenever an activity arrives (installationUpdate and conversationUpdate when the bot
is added, every message and card action after), and for every member of the roster when an
assessment starts. Two scopes (see `storage/teams_tables.py`):

    channel  {"conversation": <ConversationReference>, "members": [<account>...]}
             where to post (the thread the bot was last spoken to in) and who is in the
             channel, whose Teams ids a question card names in its `refresh.userIds`
    person   {"account": <account>, "serviceUrl", "bot", "tenant", "conversation"?}
             enough to open a one-to-one chat; "conversation" once there is one

A reference is written only when it changed, so a vote does not cost a write for it; what was
written last is remembered in memory (a cache: the database stays the truth).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from adapters.teams.directory import PLATFORM, Account, account_of, channel_id_of, is_personal, tenant_of
from engine.assessment import Conversation, Identity
from bot.platform_state import ConversationReferences

MAX_MEMBERS = 200


class ReferenceBook:
    def __init__(self, port: ConversationReferences, clock: Callable[[], datetime]) -> None:
        self._port = port
        self._clock = clock
        self._written: dict[tuple[str, str, str], str] = {}
        self._cache: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._seen: set[tuple[Any, ...]] = set()  # activities' origins already recorded

    # -------------------------------------------------------------- recording

    async def remember(self, activity: Activity) -> bool:
        """Record where this activity came from and who sent it; True for a conversation new to Accord."""
        if activity.conversation is None or not activity.service_url:
            return False
        sender_id = activity.from_property.id if activity.from_property else None
        seen = (activity.service_url, activity.conversation.id, channel_id_of(activity), sender_id, activity.channel_id)
        if seen in self._seen:
            return False  # recorded already by this process: nothing to write, nothing new
        tenant = tenant_of(activity)
        reference = TurnContext.get_conversation_reference(activity).serialize()
        reference.pop("activityId", None)
        # Who spoke last is no part of where to post: leaving it out spares a write per vote.
        reference.pop("user", None)
        writes: list[tuple[str, str, dict[str, Any]]] = []
        sender = account_of(activity.from_property, tenant) if activity.from_property and activity.from_property.id else None
        if is_personal(activity):
            if sender is None:
                return False
            new = await self._load("person", tenant, sender.person.identity.user_id) is None
            writes.append(("person", sender.person.identity.user_id, self._person(sender, activity, reference)))
        else:
            key = channel_id_of(activity)
            current = await self._load("channel", tenant, key)
            new = current is None
            members = list((current or {}).get("members", []))
            if sender is not None:
                members = _merge(members, [sender.reference()])
            writes.append(("channel", key, {"conversation": reference, "members": members}))
            if sender is not None:
                existing = await self._load("person", tenant, sender.person.identity.user_id)
                writes.append(("person", sender.person.identity.user_id, self._person(sender, activity, (existing or {}).get("conversation"))))
        await self._write(tenant, writes)
        self._seen.add(seen)
        if len(self._seen) > 10_000:
            self._seen.clear()
        return new

    async def remember_members(self, activity: Activity, accounts: list[Account]) -> None:
        """Record a channel's roster: its members' Teams ids, and how to reach each of them."""
        tenant = tenant_of(activity)
        key = channel_id_of(activity)
        current = await self._load("channel", tenant, key) or {}
        reference = current.get("conversation") or TurnContext.get_conversation_reference(activity).serialize()
        members = _merge(list(current.get("members", [])), [a.reference() for a in accounts])
        writes = [("channel", key, {"conversation": reference, "members": members})]
        for account in accounts:
            existing = await self._load("person", tenant, account.person.identity.user_id)
            writes.append(
                ("person", account.person.identity.user_id, self._person(account, activity, (existing or {}).get("conversation")))
            )
        await self._write(tenant, writes)

    async def remember_personal_conversation(self, identity: Identity, person: dict[str, Any], conversation: dict[str, Any]) -> None:
        await self._write(identity.workspace, [("person", identity.user_id, {**person, "conversation": conversation})])

    # ---------------------------------------------------------------- reading

    async def channel(self, conversation: Conversation) -> dict[str, Any] | None:
        return await self._load("channel", conversation.workspace, conversation.channel_id)

    async def person(self, identity: Identity) -> dict[str, Any] | None:
        return await self._load("person", identity.workspace, identity.user_id)

    async def member_ids(self, conversation: Conversation) -> list[str]:
        stored = await self.channel(conversation) or {}
        return [m["id"] for m in stored.get("members", []) if m.get("id")]

    # ---------------------------------------------------------------- helpers

    @staticmethod
    def _person(account: Account, activity: Activity, conversation: dict[str, Any] | None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "account": account.reference(),
            "serviceUrl": activity.service_url,
            "channelId": activity.channel_id,
            "bot": {"id": activity.recipient.id, "name": activity.recipient.name} if activity.recipient else None,
            "tenant": tenant_of(activity),
        }
        if conversation:
            data["conversation"] = conversation
        return data

    async def _load(self, scope: str, workspace: str, target: str) -> dict[str, Any] | None:
        key = (scope, workspace, target)
        if key in self._cache:
            return self._cache[key]

        found = await self._port.get(PLATFORM, workspace, scope, target)
        if found is not None:
            self._remember_cached(key, found)
        return found

    async def _write(self, workspace: str, writes: list[tuple[str, str, dict[str, Any]]]) -> None:
        changed = []
        for scope, target, reference in writes:
            key = (scope, workspace, target)
            text = json.dumps(reference, sort_keys=True, default=str)
            if self._written.get(key) != text:
                changed.append((key, text, reference))
        if not changed:
            return
        writes = [(ws, scope, target, reference) for (scope, ws, target), _, reference in changed]
        await self._port.record(PLATFORM, writes, self._clock())
        for key, text, reference in changed:
            self._written[key] = text
            self._remember_cached(key, reference)

    def _remember_cached(self, key: tuple[str, str, str], value: dict[str, Any]) -> None:
        self._cache[key] = value
        if len(self._cache) > 10_000:
            self._cache.pop(next(iter(self._cache)))
            self._written.pop(next(iter(self._written)), None)



def _merge(members: list[dict[str, Any]], more: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = {m.get("id"): m for m in members if m.get("id")}
    for member in more:
        if member.get("id"):
            by_id[member["id"]] = {**by_id.get(member["id"], {}), **member}
    return list(by_id.values())[-MAX_MEMBERS:]
