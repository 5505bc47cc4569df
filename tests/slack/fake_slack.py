"""A local HTTP server that plays Slack's Web API (and response_url, and file uploads) for the tests.

Like bolt-python's own `tests/mock_web_api_server`, it answers on loopback and records every call,
so a test can say what each person and the channel were shown. It keeps a tiny model of a
workspace (people, channels, posted messages) so ``chat.update`` edits the message it names, and
it can be told to refuse the next calls of a method (HTTP 429 with Retry-After, or an error code).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

BOT_USER = "UACCORDBOT"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None


@dataclass
class Posted:
    channel: str
    ts: str
    blocks: list[dict]
    text: str
    edits: int = 0
    metadata: dict | None = None  # chat.postMessage's message metadata, shown by conversations.history
    at: float = field(default_factory=time.time)  # when Slack took it (the fake's ts are not times)
    files: list[dict] = field(default_factory=list)  # a file upload's message: the files shared

    def all_text(self) -> str:
        return _block_text(self.blocks) + "\n" + self.text


@dataclass
class Failure:
    status: int = 429
    retry_after: int | None = 1
    error: str = "ratelimited"
    count: int = 1


@dataclass
class FakeSlack:
    team_id: str = "T-NORTHSHIRE"
    users: dict[str, dict] = field(default_factory=dict)  # user id -> users.info "user"
    channels: dict[str, list[str]] = field(default_factory=dict)  # channel id -> member ids
    calls: list[Call] = field(default_factory=list)
    posted: list[Posted] = field(default_factory=list)
    responses: list[tuple[str, dict]] = field(default_factory=list)  # (response_url path, JSON body)
    private: list[tuple[str, str]] = field(default_factory=list)  # (user id, text) shown to one person, in order
    uploads: list[dict] = field(default_factory=list)  # completed uploads: channel, files (title, alt, bytes)
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    socket_acks: list[dict] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=lambda: defaultdict(list))
    delays: dict[str, float] = field(default_factory=dict)  # method -> seconds Slack takes to answer
    # method -> seconds Slack takes to answer after doing what it was asked (a post made, its answer late)
    slow_answers: dict[str, float] = field(default_factory=dict)
    shared_files: list[Posted] = field(default_factory=list)  # the messages file uploads leave in a channel
    # Slack unwell for a while: every call of `outage_methods` (all methods when None) fails this
    # way until the test sets `outage` back to None; unlike `failures`, nothing is used up.
    outage: Failure | None = None
    outage_methods: set[str] | None = None
    # Slack's clock, for when it took each message (what conversations.history's `oldest` compares
    # with): real time, or a test's clock when the test moves the server's time on.
    now: Callable[[], float] = time.time
    base_url: str = ""
    page_size: int = 2  # conversations.members pages small, so paging is exercised

    def __post_init__(self) -> None:
        self._ts = itertools.count(1)
        self._files: dict[str, dict] = {}

    # ------------------------------------------------------------------ test helpers

    def person(
        self, user_id: str, name: str, *, tz: str = "Europe/London", bot: bool = False, deleted: bool = False, locale: str = "en-GB"
    ) -> None:
        self.users[user_id] = {
            "locale": locale,
            "id": user_id,
            "team_id": self.team_id,
            "name": name.lower(),
            "real_name": name,
            "deleted": deleted,
            "is_bot": bot,
            "tz": tz,
            "profile": {"display_name": name, "real_name": name},
        }

    def fail(self, method: str, failure: Failure) -> None:
        self.failures[method].append(failure)

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def in_channel(self, channel: str) -> list[Posted]:
        return [p for p in self.posted if p.channel == channel]

    def direct_to(self, user_id: str) -> list[Posted]:
        return [p for p in self.posted if p.channel == "D" + user_id]

    def ephemeral_to(self, user_id: str) -> list[str]:
        """Everything shown to one person privately: ephemeral posts and response_url answers."""
        return [text for user, text in self.private if user == user_id]

    def modals(self) -> list[dict]:
        return [c.params["view"] for c in self.called("views.open")]

    # -------------------------------------------------------------------------- HTTP

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{who:.*}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        return app

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode's WebSocket: say hello, then record every acknowledgement the app sends."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A-ACCORD"}})
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
        return socket

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append((request.path, body))
        self.private.append((request.path.rsplit("/", 1)[-1], _block_text(body.get("blocks") or []) or body.get("text", "")))
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        self._files[request.match_info["file_id"]]["bytes"] = await request.read()
        return web.Response(text="OK - 200")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
            params.update(request.query)
        for key in ("blocks", "view", "files"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ") or params.get("token")
        self.calls.append(Call(method, params, token))
        if method in self.delays:
            await asyncio.sleep(self.delays[method])
        if self.outage is not None and (self.outage_methods is None or method in self.outage_methods):
            failure = self.outage
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return web.json_response({"ok": False, "error": failure.error}, status=failure.status, headers=headers)
        queued = self.failures.get(method)
        if queued:
            failure = queued[0]
            failure.count -= 1
            if failure.count <= 0:
                queued.pop(0)
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return web.json_response({"ok": False, "error": failure.error}, status=failure.status, headers=headers)
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": True})
        answer = handler(params)
        if method in self.slow_answers:
            await asyncio.sleep(self.slow_answers[method])
        return web.json_response(answer)

    # ------------------------------------------------------------------------ methods

    def m_auth_test(self, params: dict) -> dict:
        return {"ok": True, "team_id": self.team_id, "team": "Northshire", "user_id": BOT_USER, "bot_id": "BACCORD", "user": "accord"}

    def m_users_info(self, params: dict) -> dict:
        user = self.users.get(params.get("user"))
        if user and str(params.get("include_locale")).lower() not in ("true", "1"):
            user = {k: v for k, v in user.items() if k != "locale"}  # Slack gives the locale only when asked
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def m_conversations_members(self, params: dict) -> dict:
        channel = params.get("channel")
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        members = self.channels[channel]
        start = int(params.get("cursor") or 0)
        page = members[start : start + self.page_size]
        after = start + self.page_size
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": str(after) if after < len(members) else ""}}

    def m_conversations_open(self, params: dict) -> dict:
        return {"ok": True, "channel": {"id": "D" + params["users"]}}

    def m_chat_postMessage(self, params: dict) -> dict:
        channel = params["channel"]
        if channel.startswith(("U", "W")):
            channel = "D" + channel
        elif channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        ts = f"1700000000.{next(self._ts):06d}"
        metadata = params.get("metadata")
        metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
        self.posted.append(Posted(channel, ts, params.get("blocks") or [], params.get("text", ""), metadata=metadata, at=self.now()))
        return {"ok": True, "channel": channel, "ts": ts}

    def m_conversations_history(self, params: dict) -> dict:
        """Newest first, from ``oldest`` on, in pages of ``limit``; metadata only when asked for."""
        channel = params.get("channel")
        if channel not in self.channels and not str(channel).startswith("D"):
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(params.get("oldest") or 0)
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        found = [p for p in self.posted + self.shared_files if p.channel == channel and p.at >= oldest]
        found.sort(key=lambda p: p.ts, reverse=True)
        start, limit = int(params.get("cursor") or 0), int(params.get("limit") or 100)
        page = found[start : start + limit]
        messages = []
        for posted in page:
            message = {"type": "message", "ts": posted.ts, "text": posted.text, "user": BOT_USER, "bot_id": "BACCORD"}
            if posted.blocks:
                message["blocks"] = posted.blocks
            if posted.files:
                message["files"] = posted.files
            if with_metadata and posted.metadata:
                message["metadata"] = posted.metadata
            messages.append(message)
        after = start + limit
        more = after < len(found)
        return {"ok": True, "messages": messages, "has_more": more, "response_metadata": {"next_cursor": str(after) if more else ""}}

    def m_chat_update(self, params: dict) -> dict:
        for posted in self.posted:
            if posted.channel == params["channel"] and posted.ts == params["ts"]:
                posted.blocks = params.get("blocks") or []
                posted.text = params.get("text", "")
                posted.edits += 1
                return {"ok": True, "channel": posted.channel, "ts": posted.ts}
        return {"ok": False, "error": "message_not_found"}

    def m_chat_postEphemeral(self, params: dict) -> dict:
        self.private.append((params.get("user"), _block_text(params.get("blocks") or []) or params.get("text", "")))
        return {"ok": True, "message_ts": "1700000000.999999"}

    def m_views_open(self, params: dict) -> dict:
        return {"ok": True, "view": {"id": f"V{len(self.called('views.open'))}", **params["view"]}}

    def m_files_getUploadURLExternal(self, params: dict) -> dict:
        file_id = f"F{len(self._files) + 1}"
        self._files[file_id] = {"id": file_id, "filename": params.get("filename"), "alt_txt": params.get("alt_txt")}
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def m_files_completeUploadExternal(self, params: dict) -> dict:
        files = params["files"]
        done = [{**self._files[f["id"]], "title": f.get("title")} for f in files]
        self.uploads.append({"channel": params.get("channel_id"), "files": done, "comment": params.get("initial_comment")})
        if params.get("channel_id"):
            ts = f"1700000000.{next(self._ts):06d}"
            shared = [{"id": f["id"], "title": f.get("title")} for f in done]
            self.shared_files.append(Posted(params["channel_id"], ts, [], "", files=shared, at=self.now()))
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def m_apps_connections_open(self, params: dict) -> dict:
        return {"ok": True, "url": self.base_url.replace("http://", "ws://") + "/socket"}

    def m_oauth_v2_access(self, params: dict) -> dict:
        return {
            "ok": True,
            "access_token": "xoxb-installed-token",
            "token_type": "bot",
            "scope": "commands,chat:write",
            "bot_user_id": BOT_USER,
            "app_id": "A-ACCORD",
            "team": {"name": "Southshire", "id": "T-SOUTHSHIRE"},
            "enterprise": None,
            "authed_user": {"id": "U-INSTALLER"},
        }


def _block_text(blocks: list[dict]) -> str:
    """Every piece of text in some blocks, one per line, for assertions."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                out.append(node["text"])
            for key, value in node.items():
                if key != "text" or not isinstance(value, str):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(out)
