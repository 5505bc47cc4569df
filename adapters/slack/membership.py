"""Whether the person asking is in the channel they ask Accord to act in.

Slack signs every request, so who asked and in which channel are Slack's word; but a signed slash
command can come from a channel the person is not a member of (a public channel they are only
previewing, say), and Accord would then post that channel's summary, export its report or join
its assessment for them. So before anything but ``help``, the listeners check the person is a
member, with ``conversations.members`` (https://api.slack.com/methods/conversations.members,
scopes ``channels:read``, ``groups:read``, ``mpim:read``, ``im:read``).

That method is rate-limited per workspace (Tier 4, https://api.slack.com/apis/rate-limits) and
a channel's members change rarely, so each channel's member set is kept for a minute, per
workspace and channel, for a bounded number of channels; commands arriving together for the same
channel share one lookup. Someone just invited is not kept waiting a minute: a person missing from
a set older than a few seconds is asked about again.

A private chat with Accord is no channel: a command there acts on the person's own assessment,
and the door checks they take part in it.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable

from slack_sdk.web.async_client import AsyncWebClient

PAGE = 200
KEPT_FOR = 60.0  # seconds a channel's member set is trusted
ASK_AGAIN_AFTER = 5.0  # seconds after which someone missing from the set is looked up again
MOST_CHANNELS = 2048

Channel = tuple[str, str]  # (workspace, channel id)


class ChannelMembers:
    def __init__(
        self,
        kept_for: float = KEPT_FOR,
        most: int = MOST_CHANNELS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._kept_for = kept_for
        self._most = most
        self._clock = clock
        self._known: OrderedDict[Channel, tuple[float, frozenset[str]]] = OrderedDict()
        self._asking: dict[Channel, asyncio.Future[frozenset[str]]] = {}

    async def includes(self, client: AsyncWebClient, team_id: str, channel_id: str, user_id: str) -> bool:
        """Whether `user_id` is a member; raises slack_sdk's `SlackApiError` when Slack will not say."""
        channel = (team_id, channel_id)
        known = self._known.get(channel)
        if known is not None:
            age = self._clock() - known[0]
            if age < self._kept_for and (user_id in known[1] or age < ASK_AGAIN_AFTER):
                self._known.move_to_end(channel)
                return user_id in known[1]
        return user_id in await self._members(client, channel)

    async def _members(self, client: AsyncWebClient, channel: Channel) -> frozenset[str]:
        asking = self._asking.get(channel)
        if asking is None:
            asking = self._asking[channel] = asyncio.ensure_future(self._ask(client, channel))
            asking.add_done_callback(lambda _: self._asking.pop(channel, None))
        return await asking

    async def _ask(self, client: AsyncWebClient, channel: Channel) -> frozenset[str]:
        ids: list[str] = []
        cursor: str | None = None
        while True:
            page = await client.conversations_members(channel=channel[1], limit=PAGE, cursor=cursor)
            ids += page.get("members") or []
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        members = frozenset(ids)
        self._known[channel] = (self._clock(), members)
        self._known.move_to_end(channel)
        while len(self._known) > self._most:
            self._known.popitem(last=False)
        return members
