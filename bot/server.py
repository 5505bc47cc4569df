"""`accord serve`: the HTTP server that mounts each configured platform.

One aiohttp application serves `/healthz`, the privacy notice and terms of use (`/privacy`,
`/terms`, from `bot.legal_pages`), Slack's `/slack/events` (once its signing secret is
set) and the Bot Framework's `/api/messages` (once its app id is set, or in local mode when
`teams.local_mode` asks for it), so a
Slack-only or Teams-only organisation needs no settings for the other. Beside the routes it runs
the outbox dispatcher and the scheduler's sweeps.

A platform plugs in through `Platform`: it mounts its routes, gives the dispatcher its
`Deliverer`, and may start and stop background work with the server.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from aiohttp import web

from bot import legal_pages
from bot.app import Application
from bot.benchmark import benchmark_job
from bot.benchmark_hub import mount as mount_benchmark_hub
from bot.delivery import Deliverer
from bot.scheduler import scheduler_job
from bot.runtime import Runtime, build_runtime  # noqa: F401 - build_runtime: for tests and benchmarks
from storage.database import ping
from storage.receipts import forget_receipts

log = logging.getLogger("accord.server")


class CannotServe(Exception):
    """The server cannot start as asked; str() says why and what to do."""


def listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, bound and listening before anything starts (workers share it).

    A port that is taken or an address that is not this machine's is one clear line, not a
    traceback from inside aiohttp after the platforms have started.
    """
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        # One socket: for a name with both (``localhost``), the IPv4 address, which proxies and
        # tunnels in front of Accord reach most often.
        family, kind, proto, _, address = min(found, key=lambda info: info[0] != socket.AF_INET)
        sock = socket.socket(family, kind, proto)
    except OSError as problem:
        raise CannotServe(f"cannot listen on {host}:{port}: {problem.strerror or problem}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(1024)
    except OSError as problem:
        sock.close()
        raise CannotServe(f"cannot listen on {host}:{port}: {problem.strerror or problem}") from None
    return sock


RUNTIME = web.AppKey("runtime", Runtime)
PLATFORMS = web.AppKey("platforms", list)


class Platform(Protocol):
    name: str  # the platform's name in identities and conversations: "slack", "msteams"
    deliverer: Deliverer

    def describe(self) -> str:
        """One line for the start-up log: which routes, which mode."""

    def mount(self, app: web.Application) -> None:
        """Add the platform's routes."""

    async def startup(self) -> None:
        """Start background work (e.g. Socket Mode); called once the server is up."""

    async def shutdown(self) -> None:
        """Stop it again."""


def configured_platforms(runtime: Runtime, *, socket_mode: bool = False) -> list[Platform]:
    """The platforms `app.yaml` and the environment switch on."""
    config = runtime.application.config
    platforms: list[Platform] = []
    if config.slack.enabled:
        from adapters.slack.platform import SlackPlatform

        platforms.append(SlackPlatform(runtime, socket_mode=socket_mode))
    if config.teams.enabled:
        from adapters.teams.platform import TeamsPlatform

        platforms.append(TeamsPlatform(runtime))
    return platforms


def create_web_app(
    runtime: Runtime,
    platforms: list[Platform],
    background: list[Callable[[asyncio.Event], object]] = (),
) -> web.Application:
    """The aiohttp application: routes of every platform, health, and the background loops."""
    app = web.Application()
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", _healthz)
    mount_benchmark_hub(app, runtime)  # only with benchmark.hub: true
    legal_pages.mount(app, runtime.application.config)
    for platform in platforms:
        runtime.dispatcher.register(platform.name, platform.deliverer)
        platform.mount(app)
    app[PLATFORMS] = platforms

    async def lifecycle(app: web.Application):
        stop = asyncio.Event()
        tasks = [asyncio.create_task(runtime.dispatcher.run(stop)), asyncio.create_task(_forget_old_receipts(runtime, stop))]
        tasks += [asyncio.create_task(job(stop)) for job in background]
        for platform in platforms:
            await platform.startup()
        yield
        stop.set()
        for platform in platforms:
            await platform.shutdown()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.to_thread(runtime.database_work.close)

    app.cleanup_ctx.append(lifecycle)
    return app


RECEIPTS_KEPT = timedelta(days=1)  # platforms stop retrying a request within minutes


async def _forget_old_receipts(runtime: Runtime, stop: asyncio.Event) -> None:
    """Hourly housekeeping: receipts older than any retry are of no more use (`storage.receipts`)."""
    while not stop.is_set():
        try:
            await runtime.database_work.call(forget_receipts, runtime.application.database, runtime.clock() - RECEIPTS_KEPT)
        except Exception:  # noqa: BLE001 - housekeeping; try again later
            log.exception("could not prune old request receipts")
        try:
            await asyncio.wait_for(stop.wait(), timeout=3600)
        except asyncio.TimeoutError:
            pass


async def _healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        ping(runtime.application.database)
        database = "ok"
    except Exception as problem:  # noqa: BLE001 - health reports, it does not raise
        database = f"unavailable: {type(problem).__name__}"
    body = {
        "status": "ok" if database == "ok" else "degraded",
        "database": database,
        "platforms": [p.name for p in request.app[PLATFORMS]],
        # Which server process answered, when several share the port (`bot.workers`).
        "process": os.getpid(),
    }
    return web.json_response(body, status=200 if database == "ok" else 503)


def serve(
    application: Application,
    sock: socket.socket,
    *,
    socket_mode: bool = False,
    print_line=print,
    say_where: bool = True,
) -> None:
    """Run the server on a listening socket until stopped, saying which platforms are live and how.

    The caller opens the socket (`listening_socket`), so a port that is taken is
    reported before anything starts, and a worker of several shares its supervisor's socket.
    """
    runtime = build_runtime(application)
    platforms = configured_platforms(runtime, socket_mode=socket_mode)
    benchmark = benchmark_job(runtime)  # a council's install that takes part in a sector benchmark
    app = create_web_app(runtime, platforms, [scheduler_job(runtime), *([benchmark] if benchmark else [])])
    if say_where:
        print_line(f"Accord is listening on {address_of(sock)} (health: /healthz)")
    for platform in platforms:
        print_line("  " + platform.describe())
    if application.config.benchmark.hub:
        print_line("  Benchmark hub: submissions at POST /api/benchmark, aggregates at GET /api/benchmark/peers")
    if benchmark:
        print_line(f"  Benchmark: submitting to and fetching from {application.config.benchmark.hub_url}")
    print_line("  " + legal_pages.describe(application.config))
    if not application.config.slack.enabled:
        print_line("  Slack is off: set SLACK_SIGNING_SECRET (and SLACK_BOT_TOKEN or OAuth) to switch it on.")
    if not application.config.teams.enabled:
        print_line(
            "  Teams is off: set MicrosoftAppId and MicrosoftAppPassword to switch it on, "
            "or ACCORD_TEAMS_LOCAL=1 to try it with the Agents Playground on this machine."
        )
    web.run_app(app, sock=sock, print=None, access_log=None)


def address_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
