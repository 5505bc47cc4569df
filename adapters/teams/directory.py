"""Who and where, in Teams terms: identities, the channel an assessment runs in, the roster.

Ids are opaque here. A person is `Identity("msteams", tenant, aadObjectId or id)`: the Azure
AD object id when Teams gives one (it is the same person in every team and chat, and what
Graph knows them by), else the channel account id. A channel is the Teams channel's id from
the activity's channel data when there is one (every thread of a channel is one place to
the team), else the conversation id. Tenants never share anything: both carry the tenant, and
"local" stands in where a client (the Agents Playground in local mode) gives none.

The roster for `start` comes from Teams' members API, a page at a time
(`TeamsInfo.get_paged_members`); where that is missing (a test client), the conversation's
member list; where that fails too, only the person who asked, and others join with `join`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo, teams_get_channel_id
from botbuilder.core.teams.teams_activity_extensions import teams_get_channel_data
from botbuilder.schema import Activity, ChannelAccount

from bot.service import Person
from engine.assessment import Conversation, Identity

log = logging.getLogger("accord.teams")

PLATFORM = "msteams"
LOCAL_TENANT = "local"
PAGE_SIZE = 100
MAX_PAGES = 50  # 5,000 people: far beyond a leadership team, a bound against a looping service


@dataclass(frozen=True)
class Account:
    """A person as Teams addresses them (to mention, message or name them in a card's refresh)."""

    person: Person
    teams_id: str  # the channel account id: what the connector and userIds want
    aad_object_id: str | None = None

    def reference(self) -> dict:
        return {"id": self.teams_id, "name": self.person.name, "aadObjectId": self.aad_object_id}


def tenant_of(activity: Activity) -> str:
    tenant = activity.conversation.tenant_id if activity.conversation else None
    if not tenant:
        data = teams_get_channel_data(activity) if activity.channel_data else None
        tenant = data.tenant.id if data is not None and data.tenant is not None else None
    return tenant or LOCAL_TENANT


def identity_of(account: ChannelAccount, tenant: str) -> Identity:
    return Identity(PLATFORM, tenant, account.aad_object_id or account.id)


def person_of(account: ChannelAccount, tenant: str) -> Person:
    return Person(identity_of(account, tenant), account.name or account.id)


def account_of(account: ChannelAccount, tenant: str) -> Account:
    return Account(person_of(account, tenant), account.id, account.aad_object_id)


def channel_id_of(activity: Activity) -> str:
    return teams_get_channel_id(activity) or activity.conversation.id


def conversation_of(activity: Activity) -> Conversation:
    return Conversation(PLATFORM, tenant_of(activity), channel_id_of(activity))


def is_personal(activity: Activity) -> bool:
    return (activity.conversation.conversation_type or "personal") == "personal" and not activity.conversation.is_group


class TeamsDirectory:
    """The `bot.service.Directory` for one turn: the roster fetched for it and the people mentioned."""

    def __init__(self, roster: list[Account] | None = None, mentioned: dict[str, Account] | None = None) -> None:
        self.accounts = list(roster or [])
        self.mentioned = dict(mentioned or {})

    def roster(self, conversation: Conversation) -> list[Person]:
        return [a.person for a in self.accounts]

    def find(self, conversation: Conversation, mention: str) -> Person | None:
        token = mention.strip()
        if token in self.mentioned:
            return self.mentioned[token].person
        wanted = token.lstrip("@").strip().lower()
        if not wanted:
            return None
        people = [a.person for a in self.accounts] + [a.person for a in self.mentioned.values()]
        exact = [p for p in people if wanted == p.name.lower() or wanted == p.name.lower().split(" ")[0]]
        return exact[0] if len(exact) == 1 else None


async def fetch_roster(turn_context: TurnContext) -> list[Account]:
    """The channel's human members, paged; falls back as the module docstring says."""
    activity = turn_context.activity
    tenant = tenant_of(activity)
    bot_id = activity.recipient.id if activity.recipient else None
    accounts: list[Account] = []
    try:
        token = None
        for _ in range(MAX_PAGES):
            page = await TeamsInfo.get_paged_members(turn_context, token, PAGE_SIZE)
            accounts += [account_of(m, tenant) for m in page.members or []]
            token = page.continuation_token
            if not token:
                break
    except Exception as paged_failed:  # noqa: BLE001 - a client without the paged API
        log.info("paged members unavailable (%s); asking for the conversation's members", paged_failed)
        try:
            members = await TeamsInfo.get_members(turn_context)
            accounts = [account_of(m, tenant) for m in members]
        except Exception as plain_failed:  # noqa: BLE001 - then only whoever speaks
            log.warning("no roster from Teams (%s): members join with `join`", plain_failed)
            accounts = []
    seen: set[Identity] = set()
    unique = []
    for account in accounts:
        if account.teams_id == bot_id or account.person.identity in seen:
            continue
        seen.add(account.person.identity)
        unique.append(account)
    return unique
