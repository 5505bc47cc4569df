"""`SlackPlatform`: Slack mounted in `accord serve` (see `bot.server.Platform`).

It builds one slack-bolt `AsyncApp` and serves it at ``/slack/events`` on the server's aiohttp
application (or over Socket Mode with ``--socket-mode``), gives the outbox dispatcher its
`SlackDeliverer`, and owns the background work the listeners start after acknowledging.

Settings (``slack:`` in app.yaml, from the environment):

- ``SLACK_SIGNING_SECRET``: every request's signature and timestamp are checked by bolt
  (https://api.slack.com/authentication/verifying-requests-from-slack); a forged, stale or
  unsigned request gets 401 before any listener runs.
- ``SLACK_BOT_TOKEN``: one workspace. Or ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET``: the
  "Add to Slack" OAuth flow at ``/slack/install`` and ``/slack/oauth_redirect``, installations kept
  in Accord's database (`installations`), any number of workspaces.
- ``SLACK_APP_TOKEN``: Socket Mode, for development without a public URL.
- ``SLACK_API_URL``: another base URL for the Web API (the tests' stand-in for Slack).

The app runs with ``process_before_response=True``: bolt then answers Slack as soon as a
listener returns, instead of polling for the acknowledgement in 10 ms steps, and every listener
keeps its slow work for `spawn`ed tasks. Every command goes through the one door
(`bot.door.Door`), which keeps database work off the event loop; what Slack needs remembered
(installations, people's time zones) goes through the ports of `bot.platform_state`.

Slack's Web API may be out of reach while Slack still delivers requests (`client.Reach`). bolt's
own authorisation asks ``auth.test`` and answers such a request with HTTP 500 and a traceback;
Accord's authorisers remember Slack's answer once given and otherwise go on with the token they
hold, so the listener can tell the person what is wrong, and the outbox keeps the channels'
messages until Slack can be reached. `startup_check` asks ``auth.test`` once before the server
starts: a token Slack refuses stops it with one line; a Slack out of reach does not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize, AsyncInstallationStoreAuthorize
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.client import Clients, Reach, api_base_url, check_bot_token, fixed_token, unreachable, web_client
from adapters.slack.courier import Courier
from adapters.slack.delivery import SlackDeliverer, slack_error
from adapters.slack.directory import SlackPeople
from adapters.slack.installations import DatabaseInstallationStore, DatabaseOAuthStateStore
from adapters.slack.listeners import Listeners, Wiring
from adapters.slack.manifest import BOT_SCOPES
from adapters.slack.membership import ChannelMembers
from bot.config import ConfigError
from bot.runtime import Runtime
from engine.assessment import Assessment, Identity
from engine.language import N_, Languages, _, in_language, speaking

log = logging.getLogger("accord.slack")


class _SameTokenTwice(logging.Filter):
    """Drops bolt's warning that `token` goes unused when `client` is given.

    Accord hands bolt a client made with the bot token from app.yaml, which usually comes from
    SLACK_BOT_TOKEN; bolt also reads that variable itself and then warns, on every start, that
    the token it found will not be used. Nothing is wrong, and an administrator should not be
    told otherwise.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


log.addFilter(_SameTokenTwice())

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# Said to whoever sent a request no one can read, so in the organisation's language(s).
UNREADABLE = N_("Accord could not read this request. Nothing was changed.")
SHUTDOWN_GRACE = 10.0  # seconds background work gets to finish when the server stops
SLACK_CALL_TIMEOUT = 30.0  # seconds one Web API call may take, as slack_sdk's own clients allow


class SlackPlatform:
    name = "slack"

    def __init__(self, runtime: Runtime, *, socket_mode: bool = False) -> None:
        self.runtime = runtime
        application = runtime.application
        settings = application.config.slack
        self.socket_mode = socket_mode
        self.oauth = bool(settings.client_id or settings.client_secret)
        _check(settings, socket_mode, self.oauth)
        self._tasks: set[asyncio.Task] = set()
        self._stop = asyncio.Event()
        self.api_url = api_base_url(settings.api_url)
        self.reach = Reach()
        # The token comes from the authoriser, for one workspace as for many.
        client = web_client(self.api_url, None, reach=self.reach)

        oauth_settings = None
        authorize: AsyncAuthorize
        if self.oauth:
            self.installations = DatabaseInstallationStore(runtime.slack_installations, settings.client_id)
            oauth_settings = AsyncOAuthSettings(
                client_id=settings.client_id,
                client_secret=settings.client_secret,
                scopes=list(BOT_SCOPES),
                user_scopes=[],
                installation_store=self.installations,
                installation_store_bot_only=True,
                state_store=DatabaseOAuthStateStore(runtime.slack_installations),
                install_path=INSTALL_PATH,
                redirect_uri_path=REDIRECT_PATH,
                logger=log,
            )
            # bolt's default authorizer asks Slack's auth.test on every request; remember the answer.
            authorize = InstalledWorkspaces(
                self.reach,
                logger=log,
                installation_store=self.installations,
                client_id=settings.client_id,
                client_secret=settings.client_secret,
                bot_only=True,
                cache_enabled=True,
                client=client,
            )
            tokens = self.installations.token_for
        else:
            self.installations = None
            tokens = fixed_token(settings.bot_token)
            authorize = OneWorkspace(settings.bot_token, self.reach)
        self.bolt = AsyncApp(
            name="accord",
            logger=log,
            signing_secret=settings.signing_secret,
            client=client,
            process_before_response=True,
            oauth_settings=oauth_settings,
            authorize=authorize,
            installation_store=self.installations,
            installation_store_bot_only=True if self.oauth else None,
        )
        self.clients = Clients(self.api_url, tokens, self.reach)
        self.deliverer = SlackDeliverer(self.clients.for_team, runtime.charts)
        self.people = SlackPeople()
        self.courier = Courier(self.api_url)
        self.listeners = Listeners(
            Wiring(
                door=runtime.door,
                profiles=runtime.profiles,
                spawn=self.spawn,
                clock=runtime.clock,
                deliverer=self.deliverer,
                people=self.people,
                courier=self.courier,
                export=self.export,
                members=ChannelMembers(),
                reach=self.reach,
            )
        )
        self.listeners.register(self.bolt)
        # After Accord's own: bolt tries listeners in the order they were registered, calling
        # each matcher in turn, and a vote should not wait behind these rare events.
        if self.oauth:
            self.bolt.enable_token_revocation_listeners()
        else:
            # The manifest subscribes to these; unanswered, Slack would retry them and warn the admin.
            self.bolt.event("app_uninstalled")(_uninstalled)
            self.bolt.event("tokens_revoked")(_uninstalled)
        self._verifier = SignatureVerifier(settings.signing_secret)
        # Nobody can be told apart in a request that cannot be read: the organisation's language(s), Welsh first.
        organisation = Languages(organisation=application.config.organisation.language).of_channel()
        self._unreadable = " / ".join(in_language(language, lambda: _(UNREADABLE)) for language in organisation)
        self._app_token = settings.app_token
        self._socket_handler: Any = None
        self._session: aiohttp.ClientSession | None = None

    # ---------------------------------------------------------------- bot.server.Platform

    def describe(self) -> str:
        if self.socket_mode:
            how = "over Socket Mode (no public URL needed)"
        else:
            how = f"at {EVENTS_PATH}, every request's signature checked"
        who = f"OAuth installs at {INSTALL_PATH}" if self.oauth else "one workspace (bot token)"
        where = "" if self.api_url == "https://slack.com/api/" else f", Web API at {self.api_url}"
        return f"Slack: {how}; {who}{where}"

    def mount(self, app: web.Application) -> None:
        app.router.add_post(EVENTS_PATH, self.handle)
        if self.oauth:
            app.router.add_get(INSTALL_PATH, self.handle_oauth)
            app.router.add_get(REDIRECT_PATH, self.handle_oauth)

    async def startup(self) -> None:
        self._stop.clear()
        # One connection pool for every Web API call (slack_sdk opens one per call otherwise).
        # slack_sdk's own 30 s timeout applies only to sessions it makes, so this one says it:
        # without it a hung call would hold the dispatcher, and every channel, for aiohttp's 300 s.
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SLACK_CALL_TIMEOUT))
        self.bolt.client.session = self._session
        self.clients.session = self._session
        if self.socket_mode:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            # Made here, in the running loop: its aiohttp session belongs to that loop.
            self._socket_handler = AsyncSocketModeHandler(self.bolt, self._app_token, logger=log)
            await self._socket_handler.connect_async()

    async def shutdown(self) -> None:
        self._stop.set()
        if self._socket_handler is not None:
            await self._socket_handler.close_async()
        await self.settle(SHUTDOWN_GRACE)
        await self.courier.stop(SHUTDOWN_GRACE)
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ------------------------------------------------------------------------- HTTP

    async def handle(self, request: web.Request) -> web.Response:
        """POST /slack/events: every slash command, interaction and event, through bolt."""
        try:
            bolt_request = await to_bolt_request(request)
            unreadable = _malformed(bolt_request.body)
        except Exception:  # noqa: BLE001 - bolt could not parse the body
            unreadable = True
        if unreadable:
            body = await request.text()
            if not self._verifier.is_valid_request(body, dict(request.headers)):
                return web.json_response({"error": "invalid request"}, status=401)
            log.warning("a signed request from Slack could not be read (%d bytes)", len(body))
            return web.Response(status=400, text=self._unreadable)
        response = await self.bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    async def handle_oauth(self, request: web.Request) -> web.Response:
        flow = self.bolt.oauth_flow
        bolt_request = await to_bolt_request(request)
        if request.path == INSTALL_PATH:
            response = await flow.handle_installation(bolt_request)
        else:
            response = await flow.handle_callback(bolt_request)
        return await to_aiohttp_response(response)

    # ----------------------------------------------------------------- shared services

    def spawn(self, work: Awaitable[Any]) -> None:
        """Start work that follows an acknowledgement; it is awaited at shutdown, never lost silently."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background Slack work failed", exc_info=task.exception())

    async def settle(self, timeout: float | None = None) -> None:
        """Wait for the work started after acknowledgements, the courier's calls included (tests, shutdown)."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            pending = [t for t in self._tasks if not t.done()]
            if not pending:
                await self.courier.flush(None if deadline is None else max(0.0, deadline - loop.time()))
                return
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                log.warning("%d Slack tasks still running at shutdown", len(pending))
                return
            await asyncio.wait(pending, timeout=remaining)

    async def export(self, client: AsyncWebClient, person: Identity, assessment: Assessment, fmt: str = "markdown") -> None:
        """`/accord export [html|csv|json|markdown]`: the report uploaded to the asker alone.

        The file is the one export every surface gives (`bot.door.Door.export`): HTML is
        self-contained (charts inline) for a board paper; Markdown carries its charts inline too.
        """
        export = await self.runtime.door.export(assessment.id, fmt, person)
        with speaking(await self.runtime.door.language_of(person)):  # the words around the file, in the person's language
            title = _("{title}: report").format(title=assessment.shown_title)
            comment = _("The report on {title}. Only you received it.").format(title=assessment.shown_title)
        try:
            opened = await client.conversations_open(users=person.user_id)
            await client.files_upload_v2(
                channel=opened["channel"]["id"],
                content=export.content,
                filename=export.filename,
                title=title,
                initial_comment=comment,
            )
        except SlackApiError as refused:
            log.warning("the report could not be sent to %s: %s", person.user_id, slack_error(refused))
        except Exception as broken:  # noqa: BLE001
            if not unreachable(broken):
                raise
            log.warning("the report could not be sent to %s: Slack could not be reached (%s)", person.user_id, broken)


class OneWorkspace(AsyncAuthorize):
    """bolt's authorisation for one workspace's bot token, answering while Slack cannot be reached.

    Like bolt's own it asks ``auth.test`` until Slack answers, then keeps the answer (the bot's
    ids); unlike it, a request that finds Slack out of reach goes on with the token alone.
    """

    def __init__(self, token: str, reach: Reach) -> None:
        self._token = token
        self._reach = reach
        self._known: AuthorizeResult | None = None

    async def __call__(self, *, context, enterprise_id, team_id, user_id, **_: Any) -> AuthorizeResult | None:
        if self._known is None and not self._reach.down:
            try:
                answer = await context.client.auth_test(token=self._token)
                self._known = AuthorizeResult(
                    enterprise_id=answer.get("enterprise_id"),
                    team_id=answer.get("team_id"),
                    bot_id=answer.get("bot_id"),
                    bot_user_id=answer.get("user_id"),
                    bot_token=self._token,
                )
            except Exception as broken:  # noqa: BLE001 - a refused token is bolt's to answer (SlackApiError)
                if not unreachable(broken):
                    raise
                self._reach.failed(broken)
        return self._known or AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=self._token)


class InstalledWorkspaces(AsyncInstallationStoreAuthorize):
    """bolt's authorisation from the installations, going on with the stored bot while Slack cannot be reached."""

    def __init__(self, reach: Reach, **settings: Any) -> None:
        super().__init__(**settings)
        self._reach = reach

    async def __call__(self, *, context, enterprise_id, team_id, user_id, **more: Any) -> AuthorizeResult | None:
        try:
            return await super().__call__(context=context, enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, **more)
        except Exception as broken:  # noqa: BLE001
            if not unreachable(broken):
                raise
            self._reach.failed(broken)
        bot = await self.installation_store.async_find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=context.is_enterprise_install
        )
        if bot is None:
            return None
        return AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id, bot_id=bot.bot_id, bot_user_id=bot.bot_user_id, bot_token=bot.bot_token
        )


def startup_check(settings) -> str | None:
    """`accord serve`, before it starts: does Slack take the bot token? None when there is none to check.

    A token Slack refuses stops the server (`ConfigError`, one line): nothing would work. A Slack
    that cannot be reached does not: Accord starts, answers requests as it can and keeps the
    channels' messages in the outbox until Slack answers.
    """
    if not settings.enabled or not settings.bot_token or settings.client_id or settings.client_secret:
        return None
    url = api_base_url(settings.api_url)
    check = check_bot_token(url, settings.bot_token)
    if check.refused:
        raise ConfigError(
            f"the Slack bot token was refused: {check.refused} (check SLACK_BOT_TOKEN: the app's "
            "OAuth & Permissions > Bot User OAuth Token, xoxb-...; reinstall the app if it was revoked)"
        )
    if check.unreachable:
        return f"Slack could not be reached at {url}: {check.unreachable}; Accord will start and keep messages in the outbox until it can"
    return f"Slack: the bot token works ({check.bot or 'the bot'} in {check.workspace or 'its workspace'})"


async def _uninstalled(body: dict) -> None:
    log.warning(
        "Slack says Accord was uninstalled from workspace %s, or its token revoked: messages there will be set aside "
        "until it is reinstalled and SLACK_BOT_TOKEN updated",
        body.get("team_id"),
    )


def _malformed(body: Any) -> bool:
    """A body bolt itself would trip over (it indexes some fields without looking first)."""
    if not isinstance(body, dict):
        return True
    if "view" in body and not isinstance(body["view"], dict):
        return True  # bolt's warning about a request no listener takes reads body["view"].get(...)
    for part in ("team", "user", "channel", "container", "enterprise"):
        found = body.get(part)
        if found is None:
            continue
        if not isinstance(found, dict) or not isinstance(found.get("id", ""), (str, type(None))):
            return True  # Slack sends each as an object whose id is text; the listeners read them so
    if "response_url" in body and not isinstance(body["response_url"], (str, type(None))):
        return True
    if body.get("type") == "view_submission":
        view = body.get("view")
        return not (isinstance(view, dict) and isinstance(view.get("type"), str) and isinstance(body.get("user"), dict))
    if body.get("type") == "block_actions":
        actions = body.get("actions")
        return not (
            isinstance(actions, list)
            and actions  # bolt reads actions[0]
            and all(isinstance(action, dict) for action in actions)
            and isinstance(body.get("user"), dict)
        )
    return False


def _check(settings, socket_mode: bool, oauth: bool) -> None:
    problems = []
    if not settings.signing_secret:
        problems.append("slack.signing_secret: set SLACK_SIGNING_SECRET (Basic Information > App Credentials)")
    if oauth and not (settings.client_id and settings.client_secret):
        problems.append("slack: OAuth installs need both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
    if not oauth and not settings.bot_token:
        problems.append(
            "slack.bot_token: set SLACK_BOT_TOKEN (xoxb-..., OAuth & Permissions) for one workspace, "
            "or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install Accord in several"
        )
    if socket_mode and not settings.app_token:
        problems.append(
            "slack.app_token: --socket-mode needs SLACK_APP_TOKEN, an app-level token (xapp-...) with the "
            "connections:write scope (Basic Information > App-Level Tokens)"
        )
    if problems:
        raise ConfigError("Slack is not set up completely:\n" + "\n".join(f"  - {p}" for p in problems), problems)
