"""Who is in a Slack channel: fetched from the Web API before a command runs, then answered from memory.

`bot.service.Directory` is synchronous and the use cases run inside a database transaction, so
nothing there may wait on Slack. The listener therefore fetches what a command will ask for
first (the channel's members for `start`, the people a command mentions) and hands the service
a `FetchedDirectory` that answers from that.

- ``conversations.members`` lists a channel's members, a page at a time
  (https://api.slack.com/methods/conversations.members); ``users.info`` says who each one is
  (https://api.slack.com/methods/users.info). Bots, Slackbot and deactivated accounts are left
  out: only people vote.
- Slack sends a mention as ``<@U123|name>`` when the slash command escapes user names (the
  manifest asks it to); a plain ``@name`` is matched against the channel's members by name.
- Each person's time zone is kept for the scheduler (`storage.profiles`), so reminders reach
  people in their own working day, and their locale (``include_locale=true``, e.g. "en-GB") so
  Accord writes to them in their language when they have not chosen one (issue 19).
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.service import Person
from engine.assessment import Conversation, Identity

PLATFORM = "slack"
MENTION = re.compile(r"<@([UW][A-Za-z0-9_-]+)(?:\|([^>|]*))?>")
PLAIN_MENTION = re.compile(r"(?<![<\w])@([\w.\-]+)")
PAGE = 200
CONCURRENT_LOOKUPS = 8
NAME_TTL = 600.0  # seconds a name looked up with users.info is reused


def identity(team_id: str, user_id: str) -> Identity:
    return Identity(PLATFORM, team_id, user_id)


def conversation(team_id: str, channel_id: str) -> Conversation:
    return Conversation(PLATFORM, team_id, channel_id)


@dataclass(frozen=True)
class SlackPerson:
    person: Person
    human: bool
    timezone: str | None
    handles: tuple[str, ...]  # the names a plain @mention may use, lower case
    locale: str | None = None  # users.info with include_locale: the language Slack shows them in


class FetchedDirectory:
    """`bot.service.Directory` over what was fetched for one command."""

    def __init__(self, people: list[SlackPerson] | None = None, roster: list[SlackPerson] | None = None) -> None:
        self._people = {p.person.identity.user_id: p for p in (people or [])}
        self._roster = roster
        for p in roster or []:
            self._people.setdefault(p.person.identity.user_id, p)

    def roster(self, conversation: Conversation) -> list[Person]:
        return [p.person for p in self._roster or [] if p.human]

    def find(self, conversation: Conversation, mention: str) -> Person | None:
        escaped = MENTION.fullmatch(mention.strip())
        if escaped:
            found = self._people.get(escaped.group(1))
            return found.person if found and found.human else None
        wanted = mention.strip().lstrip("@").lower()
        if not wanted:
            return None
        matches = [p for p in self._people.values() if p.human and wanted in p.handles]
        return matches[0].person if len(matches) == 1 else None


NO_ONE = FetchedDirectory()


class SlackPeople:
    """Looks people up in Slack, remembering names for a while (a vote never waits for this)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], tuple[float, SlackPerson]] = {}

    async def person(self, client: AsyncWebClient, team_id: str, user_id: str) -> SlackPerson:
        key = (team_id, user_id)
        hit = self._cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < NAME_TTL:
            return hit[1]
        response = await client.users_info(user=user_id, include_locale=True)
        found = _person(team_id, response["user"])
        self._cache[key] = (time.monotonic(), found)
        if len(self._cache) > 10_000:
            self._cache.clear()
        return found

    async def channel(self, client: AsyncWebClient, team_id: str, channel_id: str) -> list[SlackPerson]:
        """Everyone in the channel, people and bots, each looked up once."""
        ids: list[str] = []
        cursor: str | None = None
        while True:
            page = await client.conversations_members(channel=channel_id, limit=PAGE, cursor=cursor)
            ids += page.get("members", [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        gate = asyncio.Semaphore(CONCURRENT_LOOKUPS)

        async def lookup(user_id: str) -> SlackPerson:
            async with gate:
                return await self.person(client, team_id, user_id)

        return list(await asyncio.gather(*(lookup(user_id) for user_id in dict.fromkeys(ids))))

    async def mentioned(self, client: AsyncWebClient, team_id: str, text: str) -> list[SlackPerson]:
        """The people a command's text mentions as ``<@U123|name>``."""
        user_ids = dict.fromkeys(user_id for user_id, _ in MENTION.findall(text))
        return [await self.person(client, team_id, user_id) for user_id in user_ids]


def has_plain_mention(text: str) -> bool:
    return bool(PLAIN_MENTION.search(MENTION.sub("", text)))


def _person(team_id: str, user: dict) -> SlackPerson:
    profile = user.get("profile") or {}
    name = (
        (profile.get("display_name") or "").strip()
        or (profile.get("real_name") or "").strip()
        or (user.get("real_name") or "").strip()
        or user.get("name")
        or user["id"]
    )
    human = not (user.get("is_bot") or user.get("deleted") or user.get("is_app_user") or user["id"] == "USLACKBOT")
    handles = tuple(
        dict.fromkeys(
            h.strip().lower()
            for h in (user.get("name"), profile.get("display_name"), profile.get("real_name"), user.get("real_name"))
            if h and h.strip()
        )
    )
    handles += tuple(h.split()[0] for h in handles if " " in h)
    return SlackPerson(Person(identity(team_id, user["id"]), name), human, user.get("tz"), handles, user.get("locale"))
