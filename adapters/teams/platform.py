"""`TeamsPlatform`: Microsoft Teams on `accord serve`.

Mounts `POST /api/messages` (the Bot Framework endpoint) and `GET /api/teams/charts/...png`
(chart images at unguessable, expiring addresses), gives the outbox dispatcher its
`TeamsDeliverer`, and closes what it opened when the server stops.

Two modes, said at start-up (`describe()`):

- authenticated: `teams.app_id` (MicrosoftAppId) is set; every activity must carry a Bot
  Framework JWT, validated by botbuilder against the Bot Framework's OpenID keys; a request
  without one, or with a forged one, gets 401 and reaches nothing;
- local mode: asked for with `teams.local_mode` (ACCORD_TEAMS_LOCAL=1), never assumed from a
  missing app id; authentication is off, for the Microsoft 365 Agents Playground on this
  machine, so only loopback clients that come directly are accepted: a
  request through a proxy (which connects from loopback too, but carries `Forwarded`,
  `X-Forwarded-For` or `X-Real-IP`) or from elsewhere gets 403, and an activity whose
  serviceUrl is not on this machine gets 400, so the bot never posts where a stranger says.

With neither, the platform is not mounted at all (`bot.server.configured_platforms`).

The HTTP handler does what `CloudAdapter.process` does, with clear 4xx answers for what is
not an activity (not JSON, no type, no conversation) instead of a 500, authentication before
anything else, and an invoke response serialised exactly once (botbuilder's own path
serialises an `AdaptiveCardInvokeResponse` twice; see `bot.py`).

Commands go through the one door (`bot.door.Door`), which runs them off the event loop and
applies a redelivered activity (the same id) once; conversation references and people's
profiles go through the ports of `bot.platform_state`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
from datetime import timedelta
import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, AdaptiveCardInvokeResponse, ChannelAccount
from botframework.connector.auth import ServiceClientCredentialsFactory
from msrest.serialization import Model

from adapters.teams import images as chart_links
from adapters.teams.bot import AccordTeamsBot, Services
from adapters.teams.connector import build_authentication
from adapters.teams.delivery import TeamsDeliverer
from adapters.teams.directory import PLATFORM, person_of, tenant_of
from adapters.teams.graph import GraphProfiles, MsalTokenProvider, TokenProvider, graph_scope
from adapters.teams.references import ReferenceBook
from bot.config import ConfigError
from bot.runtime import Runtime
from engine.language import Languages, _, speaking

log = logging.getLogger("accord.teams")

REPORT_ROUTE = "/api/teams/reports/{token}"
REPORT_LIFETIME = timedelta(days=7)
# What a reverse proxy adds; a local-mode request carrying one did not come from this machine.
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")
MAX_BODY = 256 * 1024  # an activity is a few KB; Teams' own limit for a message is 28 KB
# An activity nests a card's JSON a dozen levels deep at most. Checked before parsing: Python's json
# recurses, so 50,000 brackets would overflow its stack (a 500 before authentication).
MAX_DEPTH = 64


@dataclass
class TeamsOptions:
    """Stand-ins for what lives outside this machine; tests set them, production leaves them."""

    openid_metadata_url: str | None = None  # the Bot Framework's OpenID metadata
    token_issuer: str | None = None  # who signs the Bot Framework's tokens
    credentials_factory: ServiceClientCredentialsFactory | None = None  # outbound tokens
    graph_tokens: TokenProvider | None = None  # tokens for Microsoft Graph
    authority_host: str | None = None  # msal's authority host
    msal_http_client: Any = None  # msal's HTTP client
    stand_in_connector: str | None = None  # a plain-http stand-in for Teams' connector (tests)


class TeamsPlatform:
    name = PLATFORM

    def __init__(self, runtime: Runtime, options: TeamsOptions | None = None) -> None:
        options = options or TeamsOptions()
        application = runtime.application
        self.runtime = runtime
        self.config = application.config.teams
        self.local_mode = self.config.local_mode
        if self.config.app_id and not self.config.app_password:
            raise ConfigError(
                "teams.app_password (MicrosoftAppPassword) must be set when teams.app_id (MicrosoftAppId) is: "
                "create a client secret for the bot's app registration (docs/teams.md, step 1)."
            )
        self.authentication = build_authentication(
            self.config,
            openid_metadata_url=options.openid_metadata_url,
            token_issuer=options.token_issuer,
            credentials_factory=options.credentials_factory,
            stand_in_connector=options.stand_in_connector,
        )
        self.adapter = CloudAdapter(self.authentication)
        self.adapter.on_turn_error = self._on_turn_error
        self.images = chart_links.ChartImages(
            chart_links.signing_key(self.config.app_password), self.base_url, runtime.clock, runtime.charts
        )
        self.references = ReferenceBook(runtime.references, runtime.clock)
        self.deliverer = TeamsDeliverer(self.adapter, self.config.app_id, self.references, self.images)
        tokens = options.graph_tokens
        if tokens is None and self.config.app_id and self.config.app_password:
            tokens = MsalTokenProvider(
                self.config.app_id,
                self.config.app_password,
                graph_scope(self.config.graph_url),
                authority_host=options.authority_host or "https://login.microsoftonline.com",
                http_client=options.msal_http_client,
            )
        self.graph = GraphProfiles(self.config, runtime.profiles, runtime.clock, tokens)
        self.bot = AccordTeamsBot(
            Services(
                door=runtime.door,
                references=self.references,
                deliverer=self.deliverer,
                graph=self.graph,
                clock=runtime.clock,
                images=self.images,
                report_url=self.report_url,
                channel_languages=Languages(application.config.organisation.language).of_channel(),
            )
        )

    # ------------------------------------------------------------- Platform

    def describe(self) -> str:
        if self.local_mode:
            return (
                "Teams: /api/messages in LOCAL MODE: authentication is off and only clients on this machine are "
                "accepted (the Microsoft 365 Agents Playground); set MicrosoftAppId and MicrosoftAppPassword to go live."
            )
        tenant = f", single tenant {self.config.tenant_id}" if self.config.tenant_id else ""
        graph = "Graph time zones on" if self.graph.enabled else "Graph off"
        links = (
            f"links at {self.config.public_url}"
            if self.config.public_url
            else "no public address (teams.public_url), so charts go inline in cards when small enough and reports "
            "cannot be downloaded from Teams"
        )
        return (
            f"Teams: /api/messages, authenticated as app {self.config.app_id}{tenant} (every activity's JWT is checked); "
            f"{graph}; {links}."
        )

    def mount(self, app: web.Application) -> None:
        app.router.add_post("/api/messages", self.messages)
        app.router.add_get(chart_links.ROUTE, self.chart)
        app.router.add_get(REPORT_ROUTE, self.report)

    async def startup(self) -> None:
        log.info(self.describe())

    async def shutdown(self) -> None:
        await self.graph.close()

    # ------------------------------------------------------------------ HTTP

    def base_url(self) -> str | None:
        """Where clients reach this server, from configuration only; None: no links are offered.

        `teams.public_url`; in local mode, this machine's address and the server's port. Never the
        Host header of a request: anyone could name any host there, and every later chart and
        report link would point to it.
        """
        if self.config.public_url:
            return self.config.public_url
        if self.local_mode:
            return f"http://127.0.0.1:{self.runtime.application.config.server.port}"
        return None

    async def messages(self, request: web.Request) -> web.StreamResponse:
        if self.local_mode and not _loopback(request.remote):
            return _problem(403, "Accord's Teams endpoint is in local mode (no app id), so it only accepts clients on this machine.")
        if self.local_mode and any(header in request.headers for header in PROXY_HEADERS):
            return _problem(
                403, "Accord's Teams endpoint is in local mode, so it accepts only clients on this machine that come directly, not through a proxy."
            )
        auth_header = request.headers.get("Authorization", "")
        if not self.local_mode and not auth_header:
            return _problem(401, "This request has no Bot Framework token.")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _problem(413, "That request is too large to be an activity.")
        if "json" not in (request.content_type or ""):
            return _problem(415, "An activity is JSON: send it with Content-Type: application/json.")
        raw = await _capped_body(request)  # a body that says no length is capped too
        if raw is None:
            return _problem(413, "That request is too large to be an activity.")
        if _nesting(raw) > MAX_DEPTH:
            return _problem(400, "The body is nested too deeply to be an activity.")
        try:
            body = json.loads(raw)
        except ValueError:
            return _problem(400, "The body is not valid JSON.")
        problem = _not_an_activity(body)
        if problem:
            return _problem(400, problem)
        try:
            activity = Activity().deserialize(body)
        except Exception:  # noqa: BLE001 - msrest raises several kinds for a malformed field
            return _problem(400, "The body is not a Bot Framework activity.")
        try:
            authenticated = await self.authentication.authenticate_request(activity, auth_header)
        except Exception as refused:  # noqa: BLE001 - PermissionError, or the JWT library's own errors
            log.warning("refused an activity: %s", refused)
            return _problem(401, "The Bot Framework token is missing or not valid.")
        refused = self.authentication.service_urls.refusal(activity.service_url)
        if refused:
            log.warning("refused an activity for serviceUrl %r", activity.service_url)
            return _problem(400, refused)
        response = await self.adapter.process_activity(authenticated, activity, self.bot.on_turn)
        if response is None:
            return web.Response(status=201)
        payload = response.body
        if isinstance(payload, AdaptiveCardInvokeResponse) and isinstance(payload.value, dict):
            # The card is already plain JSON (`cards.render`); msrest would walk it key by key, which
            # costs more than the vote it answers. Same keys as the model's attribute map.
            payload = {"statusCode": payload.status_code, "type": payload.type, "value": payload.value}
        elif isinstance(payload, Model):
            payload = serializer_helper(payload)
        return web.json_response(payload, status=response.status or 200)

    def report_url(self, assessment_id: str, fmt: str) -> str | None:
        base = self.base_url()
        if base is None:
            return None
        token = self.images.seal("report", {"a": assessment_id, "f": fmt}, REPORT_LIFETIME)
        return base.rstrip("/") + REPORT_ROUTE.format(token=token)

    async def report(self, request: web.Request) -> web.StreamResponse:
        """An exported report, at the unguessable, expiring address given to the member who asked."""
        try:
            wanted = self.images.unseal("report", request.match_info["token"])
        except chart_links.ChartLinkError as wrong:
            return web.Response(status=410 if wrong.expired else 404, text=str(wrong))
        try:
            # The one export every surface gives; the address was sealed for the member who asked.
            exported = await self.runtime.door.export(wanted["a"], wanted["f"], None)
        except Exception as failed:  # noqa: BLE001 - a deleted assessment, a format no longer known
            log.warning("report download failed: %s", failed)
            return web.Response(status=404, text="That report is no longer available.")
        return web.Response(
            body=exported.content,
            headers={
                "Content-Type": exported.media_type,
                "Content-Disposition": f'attachment; filename="{exported.filename}"',
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    async def chart(self, request: web.Request) -> web.StreamResponse:
        try:
            chart = self.images.chart_for(request.match_info["token"])
        except chart_links.ChartLinkError as wrong:
            return web.Response(status=410 if wrong.expired else 404, text=str(wrong))
        png = await asyncio.get_running_loop().run_in_executor(None, self.images.render, chart)
        return web.Response(
            body=png, content_type="image/png", headers={"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"}
        )

    # ---------------------------------------------------------------- errors

    async def _on_turn_error(self, turn_context: TurnContext, error: Exception) -> None:
        log.exception("a Teams turn failed", exc_info=error)
        activity = turn_context.activity
        if activity.type == "message":
            try:
                sender = activity.from_property or ChannelAccount(id="unknown")
                language = await self.runtime.door.language_of(person_of(sender, tenant_of(activity)), activity.locale)
                with speaking(language):
                    await turn_context.send_activity(_("Sorry, something went wrong on my side and nothing was changed. Please try again."))
            except Exception:  # noqa: BLE001 - the connector may be what failed
                log.warning("could not tell the person about the failure")


def _loopback(remote: str | None) -> bool:
    if not remote:
        return False
    try:
        return ipaddress.ip_address(remote.split("%")[0]).is_loopback
    except ValueError:
        return False


async def _capped_body(request: web.Request) -> bytes | None:
    """The whole body, or None as soon as it passes `MAX_BODY`."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(MAX_BODY + 1 - size):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY:
            return None
    return b"".join(chunks)


def _nesting(raw: bytes) -> int:
    """How deeply the JSON text nests arrays and objects (brackets inside strings not counted)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest  # enough to refuse; no need to read on
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": {"code": status, "message": message}}, status=status)


def _not_an_activity(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "The body is not an activity (a JSON object)."
    if not isinstance(body.get("type"), str) or not body["type"]:
        return "An activity needs a type."
    conversation = body.get("conversation")
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str) or not conversation["id"]:
        return "An activity needs a conversation with an id."
    if not isinstance(body.get("serviceUrl"), str) or not body["serviceUrl"].startswith(("http://", "https://")):
        return "An activity needs a serviceUrl to answer to."
    sender = body.get("from")
    if body["type"] in ("message", "invoke") and (not isinstance(sender, dict) or not isinstance(sender.get("id"), str)):
        return "A message or invoke needs a sender (from.id)."
    for key in ("id", "text", "name", "channelId", "replyToId", "locale", "textFormat"):
        if body.get(key) is not None and not isinstance(body[key], str):
            return f"An activity's {key} is text."  # botbuilder keeps whatever it is given (tests/fuzz)
    for key in ("from", "recipient", "channelData"):
        if key in body and body[key] is not None and not isinstance(body[key], dict):
            return f"An activity's {key} is an object."  # botbuilder's models fail on anything else
    for key in ("from", "recipient", "conversation"):
        account = body.get(key) or {}
        for field in ("id", "name", "aadObjectId", "tenantId", "conversationType"):
            if account.get(field) is not None and not isinstance(account[field], str):
                return f"An activity's {key}.{field} is text."
    for key in ("entities", "attachments", "membersAdded", "membersRemoved"):
        items = body.get(key)
        if items is not None and (not isinstance(items, list) or not all(isinstance(item, dict) for item in items)):
            return f"An activity's {key} is a list of objects."
    for entity in body.get("entities") or []:
        if not isinstance(entity.get("type"), str):
            return "Each of an activity's entities has a type."
        if entity.get("text") is not None and not isinstance(entity["text"], str):
            return "A mention's text is text."
        if entity.get("mentioned") is not None and not isinstance(entity["mentioned"], dict):
            return "A mention's mentioned is an object."
    channel_data = body.get("channelData") or {}
    for key in ("tenant", "team", "channel", "settings"):
        if channel_data.get(key) is not None and not isinstance(channel_data[key], dict):
            return f"An activity's channelData.{key} is an object."
    recipient = body.get("recipient")
    if body["type"] in ("message", "invoke") and (not isinstance(recipient, dict) or not isinstance(recipient.get("id"), str)):
        # botbuilder reads the bot's own id from it to take the @mention out (found by tests/fuzz).
        return "A message or invoke needs a recipient (recipient.id)."
    return None

