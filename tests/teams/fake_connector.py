"""A local stand-in for the Bot Framework connector service, on 127.0.0.1, in a thread of its own.

Activities the tests post to Accord carry `serviceUrl` = this server, so everything the bot
sends back (replies, proactive posts, card updates, the members it asks for, one-to-one
chats it opens) lands here and is recorded. It runs its own event loop in a thread, because
botbuilder fetches some things with blocking calls (OpenID metadata with `requests`) and
must never wait on the loop it blocks.

It also serves, for the authentication tests, an OpenID configuration and a JWKS with one RSA
key endorsed for "msteams", so a test can sign a Bot Framework token that botbuilder accepts,
and refuse one signed with any other key.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Sent:
    method: str  # "post", "reply", "update", "delete", "create"
    conversation_id: str
    activity: dict[str, Any]
    activity_id: str | None = None

    @property
    def card(self) -> dict | None:
        for attachment in self.activity.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return attachment["content"]
        return None

    @property
    def text(self) -> str:
        """Everything readable in the activity: its text and every TextBlock/fact of its card."""
        parts = [self.activity.get("text") or ""]
        card = self.card
        if card:
            parts.append(json.dumps(card))
        return "\n".join(parts)


@dataclass
class FakeConnector:
    members: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    paged: bool = True
    sent: list[Sent] = field(default_factory=list)
    throttle: int = 0  # answer the next N posts/updates with 429
    retry_after: str = "1"
    jwks: dict | None = None
    # Teams unwell for a while: posts, replies and updates answered with this status (e.g. 503)
    # until set back to 0, with `outage_retry_after` as Retry-After when given.
    outage_status: int = 0
    outage_retry_after: str | None = None
    # Posts, replies and updates wait this many seconds before Teams takes them; one whose caller
    # gave up meanwhile (a client timeout) is dropped, never shown: a gateway timing out.
    stall: float = 0.0
    url: str = ""

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.member_requests: list[str] = []
        self.created: list[dict[str, Any]] = []
        self.dropped = 0  # requests dropped by `stall`

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> FakeConnector:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            app = web.Application()
            app.router.add_post("/v3/conversations", self._create)
            app.router.add_post("/v3/conversations/{cid}/activities", self._post)
            app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._reply)
            app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
            app.router.add_delete("/v3/conversations/{cid}/activities/{aid}", self._delete)
            app.router.add_get("/v3/conversations/{cid}/pagedmembers", self._paged_members)
            app.router.add_get("/v3/conversations/{cid}/members", self._members)
            app.router.add_get("/openid/.well-known/openid-configuration", self._openid)
            app.router.add_get("/openid/keys", self._keys)
            self._runner = web.AppRunner(app, access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            port = site._server.sockets[0].getsockname()[1]
            self.url = f"http://127.0.0.1:{port}"
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="fake-connector", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    # ------------------------------------------------------------------- reading

    def cards(self) -> list[dict]:
        return [s.card for s in self.sent if s.card is not None]

    def to_conversation(self, conversation_id: str) -> list[Sent]:
        return [s for s in self.sent if s.conversation_id == conversation_id]

    def clear(self) -> None:
        with self._lock:
            self.sent.clear()

    # ------------------------------------------------------------------ handlers

    def _next_id(self) -> str:
        return f"activity-{next(self._ids)}"

    def _throttled(self) -> web.Response | None:
        with self._lock:
            if self.throttle > 0:
                self.throttle -= 1
                return web.json_response(
                    {"error": {"code": "TooManyRequests", "message": "slow down"}},
                    status=429,
                    headers={"Retry-After": self.retry_after},
                )
        return None

    async def _unwell(self, request: web.Request) -> web.Response | None:
        if self.outage_status:
            headers = {"Retry-After": self.outage_retry_after} if self.outage_retry_after else {}
            return web.json_response({"error": {"code": "ServiceError", "message": "unwell"}}, status=self.outage_status, headers=headers)
        if self.stall:
            await asyncio.sleep(self.stall)
            if request.transport is None or request.transport.is_closing():
                with self._lock:
                    self.dropped += 1
                return web.Response(status=504)  # nobody is listening any more
        return None

    async def _post(self, request: web.Request) -> web.Response:
        unwell = await self._unwell(request)
        if unwell:
            return unwell
        throttled = self._throttled()
        if throttled:
            return throttled
        activity = await request.json()
        new_id = self._next_id()
        with self._lock:
            self.sent.append(Sent("post", request.match_info["cid"], activity, new_id))
        return web.json_response({"id": new_id})

    async def _reply(self, request: web.Request) -> web.Response:
        unwell = await self._unwell(request)
        if unwell:
            return unwell
        throttled = self._throttled()
        if throttled:
            return throttled
        activity = await request.json()
        new_id = self._next_id()
        with self._lock:
            self.sent.append(Sent("reply", request.match_info["cid"], activity, new_id))
        return web.json_response({"id": new_id})

    async def _update(self, request: web.Request) -> web.Response:
        unwell = await self._unwell(request)
        if unwell:
            return unwell
        throttled = self._throttled()
        if throttled:
            return throttled
        activity = await request.json()
        with self._lock:
            self.sent.append(Sent("update", request.match_info["cid"], activity, request.match_info["aid"]))
        return web.json_response({"id": request.match_info["aid"]})

    async def _delete(self, request: web.Request) -> web.Response:
        with self._lock:
            self.sent.append(Sent("delete", request.match_info["cid"], {}, request.match_info["aid"]))
        return web.Response(status=200)

    async def _create(self, request: web.Request) -> web.Response:
        parameters = await request.json()
        member = (parameters.get("members") or [{}])[0]
        conversation_id = f"personal:{member.get('id')}"
        self.created.append(parameters)
        return web.json_response({"id": conversation_id, "activityId": self._next_id()})

    async def _paged_members(self, request: web.Request) -> web.Response:
        self.member_requests.append("paged")
        if not self.paged:
            return web.json_response({"error": {"code": "NotFound", "message": "no paged members here"}}, status=404)
        size = int(request.query.get("pageSize") or self.page_size)
        size = min(size, self.page_size)
        start = int(request.query.get("continuationToken") or 0)
        page = self.members[start : start + size]
        body: dict[str, Any] = {"members": page}
        if start + size < len(self.members):
            body["continuationToken"] = str(start + size)
        return web.json_response(body)

    async def _members(self, request: web.Request) -> web.Response:
        self.member_requests.append("plain")
        return web.json_response(self.members)

    async def _openid(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": "https://api.botframework.com",
                "jwks_uri": f"{self.url}/openid/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _keys(self, request: web.Request) -> web.Response:
        return web.json_response(self.jwks or {"keys": []})
