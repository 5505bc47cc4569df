"""`accord serve` as a process: how long it takes to start, and how much memory it holds.

1. Start-up: the time from launching `accord --config app.yaml serve` (a subprocess, as an
   administrator runs it) until `GET /healthz` first answers 200. The app.yaml in a temporary
   folder keeps SQLite there, switches Slack on (signing secret, bot token, and `slack.api_url`
   pointing at `bench_slack`'s stand-in for Slack's Web API, which answers `auth.test` with ok)
   and Teams in local mode. The first start creates the database and is shown on its own; then
   five starts on that database give the median, min and max. Target: under 2 s. Beside each
   start, interleaved so that both see the machine at the same speed, a bare process that imports
   aiohttp, slack_bolt and botbuilder and serves only `/healthz` on aiohttp: the frameworks alone;
   and a process that only imports Accord's modules, to show how much of start-up that is.
2. Resident memory (VmRSS from `/proc/<pid>/status`) of the server and every process under it
   (the Slack courier, started on the first private answer): idle right after the server is
   healthy, and after 10,000 signed Slack votes (`view_submission` to `/slack/events`, built and
   signed as `bench_slack` does) from a team of ten members, ten clients at once, 1,000 votes on
   each of ten questions; between questions the super-user reveals and finalises by slash
   command. Target: under 250 MB in both. For reference: the bare-frameworks process, and
   `bench_slack`'s bare bolt app (`process_before_response=True`) idle and after 10,000 requests.

The machine is shared and its speed moves, so the bare figures, measured in the same run, are
the yardstick to read Accord's against.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Self
from urllib.parse import urlencode

from bench.bench_slack import (
    CHANNEL,
    MEMBERS,
    SECRET,
    TEAM,
    Server,
    _action_body,
    _as_slack_sends,
    _children,
    _serve_bare_bolt,
    _serve_fake_slack,
    _signed,
    _start_assessment,
    _vote_body,
)

STARTS = 5
TARGET_START_S = 2.0
TARGET_RSS_MB = 250
QUESTIONS = 10
VOTES_PER_QUESTION = 1000  # 10 x 1,000 = 10,000 votes
CLIENTS = len(MEMBERS)  # one client per member
ACCORD = Path(sys.executable).with_name("accord")
CONFIG = """\
database:
  url: sqlite:///{folder}/accord.db
slack:
  signing_secret: ${{S}}
  bot_token: ${{T}}
  api_url: ${{U}}
teams:
  local_mode: true
"""
# The frameworks alone: what `accord serve` imports before any of its own code, serving /healthz.
BARE = """\
import sys
from aiohttp import web
import slack_bolt.async_app, botbuilder.core, botbuilder.integration.aiohttp

async def healthz(request):
    return web.json_response({"status": "ok"})

app = web.Application()
app.router.add_get("/healthz", healthz)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""
# What `accord serve` imports of Accord before it serves (`bot.cli` -> `bot.workers`, the platforms),
# then an exit that skips the interpreter's teardown (which alone takes ~0.4 s here).
IMPORTS = "import os, bot.cli, bot.workers, bot.scheduler, adapters.slack.platform, adapters.teams.platform; os._exit(0)"


# ------------------------------------------------------------------------ processes


class Launched:
    """A server process, timed from its launch until `/healthz` first answers 200."""

    def __init__(self, command: list[str], port: int, log: Path, **popen) -> None:
        self._command, self.port, self._log, self._popen = command, port, log, popen

    def __enter__(self) -> Self:
        with open(self._log, "wb") as log:
            started = time.perf_counter()
            self.process = subprocess.Popen(self._command, stdout=log, stderr=subprocess.STDOUT, **self._popen)
        self.seconds = self._until_healthy() - started
        self.pid = self.process.pid
        return self

    def _until_healthy(self) -> float:
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self._command[0]} exited ({self.process.returncode}):\n{self._log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=10) as response:
                    if response.status == 200:
                        return time.perf_counter()
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.01)
        raise RuntimeError(f"no healthy /healthz within 60 s:\n{self._log.read_text()[-2000:]}")

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _accord(folder: str, slack_port: int, log: str) -> Launched:
    config = Path(folder) / "app.yaml"
    config.write_text(CONFIG.format(folder=folder), encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if k != "ACCORD_DATABASE_URL"}
    environ.update(S=SECRET, T="xoxb-bench", U=f"http://127.0.0.1:{slack_port}/api/")
    port = _free_port()
    command = [str(ACCORD), "--config", str(config), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return Launched(command, port, Path(folder) / log, cwd=folder, env=environ)


def _bare(folder: str, log: str) -> Launched:
    port = _free_port()
    return Launched([sys.executable, "-c", BARE, str(port)], port, Path(folder) / log, cwd=folder)


def _imports_seconds(folder: str) -> float:
    """Wall time of a process that only imports Accord's modules, from launch to its exit right after."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", IMPORTS], cwd=folder, check=True)
    return time.perf_counter() - started


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _rss_mb(pid: int) -> tuple[float, float]:
    """Resident memory of a process, and of every process under it."""
    below = _children(pid)
    return _status_mb(pid), sum(sum(_rss_mb(child)) for child in below)


# ------------------------------------------------------------------------- votes


async def _slash(url: str, text: str, slack_port: int) -> None:
    """`/accord <text>` typed by the super-user (the member who started the assessment)."""
    body = urlencode(
        {
            "team_id": TEAM,
            "channel_id": CHANNEL,
            "user_id": MEMBERS[0],
            "user_name": "m0",
            "command": "/accord",
            "text": text,
            "trigger_id": f"bench-{text}-{time.perf_counter_ns()}",
            "response_url": f"http://127.0.0.1:{slack_port}/api/respond",
        }
    )
    status, answer = await _post(url, body)
    assert status == 200, answer


async def _vote_accepted(url: str, question: str) -> bool:
    status, answer = await _post(url, _vote_body(MEMBERS[0], question, 0))
    return status == 200 and not _refused_on_form(answer)


def _refused_on_form(answer: bytes) -> bool:
    return answer.startswith(b'{"response_action"')


async def _post(url: str, body: str) -> tuple[int, bytes]:
    """One signed request, as Slack sends it."""
    import aiohttp

    async with aiohttp.ClientSession() as http, http.post(url, data=body.encode(), headers=_signed(body)) as response:
        return response.status, await response.read()


async def _next_question(url: str, question: str, slack_port: int) -> int:
    """Reveal and finalise the open question; auto-advance opens `question`. Returns the probe votes accepted."""
    await _slash(url, "reveal", slack_port)
    for attempt in range(100):
        if attempt % 10 == 0:  # slash commands run after their ack: a finalise may overtake the reveal
            await _slash(url, "finalise 3 4", slack_port)
        await asyncio.sleep(0.1)
        if await _vote_accepted(url, question):
            return 1
    raise RuntimeError(f"question {question} did not open after reveal and finalise")


async def _cast_votes(url: str, questions: list[str], slack_port: int) -> dict:
    from bench.loopback import measure

    def refused(status: int, body: bytes) -> bool:
        return status != 200 or _refused_on_form(body)

    votes = failures = 0
    began = time.perf_counter()
    for number, question in enumerate(questions):
        if number:
            votes += await _next_question(url, question, slack_port)
        make = _as_slack_sends(lambda client, i, question=question: _vote_body(MEMBERS[client], question, i))
        result = await measure(url, make, CLIENTS, VOTES_PER_QUESTION, None, failed=refused)
        votes += result["n"] - result["failures"]
        failures += result["failures"]
    return {"votes": votes, "failures": failures, "seconds": time.perf_counter() - began}


async def _bare_bolt_requests(url: str, count: int) -> None:
    from bench.loopback import measure

    await measure(url, _as_slack_sends(lambda client, i: _action_body(MEMBERS[client])), CLIENTS, count, None)


# --------------------------------------------------------------------------- run


def run() -> str:
    from bot.catalogue import FrameworkCatalogue

    questions = FrameworkCatalogue.load([], "efficient-councils").get(None).question_ids[:QUESTIONS]
    load_before = os.getloadavg()[0]
    accord_starts, bare_starts, imports, idle = [], [], [], []
    with Server(_serve_fake_slack) as slack_port, tempfile.TemporaryDirectory(prefix="accord-bench-") as folder:
        for n in range(STARTS + 1):  # the first creates the database
            with _bare(folder, f"bare-{n}.log") as bare:
                bare_starts.append(bare.seconds)
                bare_rss = _rss_mb(bare.pid)
            imports.append(_imports_seconds(folder))
            with _accord(folder, slack_port, f"serve-{n}.log") as accord:
                accord_starts.append(accord.seconds)
                idle.append(_rss_mb(accord.pid))
                if n == STARTS:  # the last start stays up for the votes
                    url = f"http://127.0.0.1:{accord.port}/slack/events"
                    asyncio.run(_start_assessment(url))
                    cast = asyncio.run(_cast_votes(url, questions, slack_port))
                    time.sleep(2.0)  # the outbox and the courier send what the last votes queued
                    after = _rss_mb(accord.pid)
                    peak = _status_mb(accord.pid, "VmHWM")
        bolt = Server(_serve_bare_bolt, True, slack_port)
        with bolt as port:
            bolt_idle = _rss_mb(bolt.pid)[0]
            asyncio.run(_bare_bolt_requests(f"http://127.0.0.1:{port}/slack/events", cast["votes"]))
            bolt_after = _rss_mb(bolt.pid)[0]
    return _section(
        accord_starts, bare_starts[1:], imports[1:], idle[1:], after, peak, cast, bare_rss, (bolt_idle, bolt_after), (load_before, os.getloadavg()[0])
    )


def _verdict(value: float, target: float) -> str:
    return "meets the target" if value < target else "misses the target"


def _mb(rss: tuple[float, float]) -> str:
    own, below = rss
    return f"{own + below:.0f} MB" + (f" (server {own:.0f}, courier {below:.0f})" if below else "")


def _section(accord_starts, bare_starts, imports, idle, after, peak, cast, bare_rss, bolt, load) -> str:
    first, starts = accord_starts[0], accord_starts[1:]
    start = statistics.median(starts)
    bare = statistics.median(bare_starts)
    idle_total = statistics.median(sum(rss) for rss in idle)
    idle_server = statistics.median(rss[0] for rss in idle)
    after_total = sum(after)
    return f"""## Server: start-up and resident memory

`bench/bench_server.py`. `accord serve` runs as an administrator runs it, a process of its own
(`accord --config app.yaml serve`), on SQLite in a temporary folder, with Slack switched on
(its Web API a local stand-in that answers `auth.test` and the rest) and Teams in local mode.
Start-up is from launching the process to the first `GET /healthz` answered with 200 (polled
every 10 ms); the first start creates the database, then {STARTS} starts on it give the median,
min and max. Each start is paired with one of a bare process that imports aiohttp, slack_bolt and
botbuilder and serves only `/healthz`: the frameworks alone, at the machine's speed of the moment.
Memory is VmRSS from `/proc`, of the server and any process under it (the Slack courier, started
on the first private answer): idle right after `/healthz` answers, and after {cast['votes']:,} signed
`view_submission` votes to `/slack/events` from ten members ({CLIENTS} clients at once, {VOTES_PER_QUESTION:,} votes on each of
{QUESTIONS} questions, revealed and finalised by slash command in between; {cast['seconds']:.0f} s in all,
{cast['failures']} refused), measured 2 s after the last vote.

| Measure | Value | Target | |
| :--- | ---: | :--- | :--- |
| Start-up of `accord serve` to a healthy `/healthz`, median of {STARTS} (min-max) | {start:.2f} s ({min(starts):.2f}-{max(starts):.2f}) | < {TARGET_START_S:g} s | {_verdict(start, TARGET_START_S)} |
| Start-up, first start (creates the database) | {first:.2f} s | < {TARGET_START_S:g} s | {_verdict(first, TARGET_START_S)} |
| Start-up of the bare frameworks serving `/healthz`, median of {STARTS} (min-max) | {bare:.2f} s ({min(bare_starts):.2f}-{max(bare_starts):.2f}) |  | reference |
| A process that only imports Accord's modules, launch to exit, median of {STARTS} | {statistics.median(imports):.2f} s |  | where start-up goes |
| Resident memory, idle after start-up, median of {STARTS} | {idle_total:.0f} MB | < {TARGET_RSS_MB} MB | {_verdict(idle_total, TARGET_RSS_MB)} |
| Resident memory after {cast['votes']:,} votes | {_mb(after)} | < {TARGET_RSS_MB} MB | {_verdict(after_total, TARGET_RSS_MB)} |
| Peak resident memory of the server process (VmHWM) | {peak:.0f} MB |  | |
| Resident memory of the bare frameworks, idle | {bare_rss[0]:.0f} MB |  | reference |
| Resident memory of bare bolt (`process_before_response=True`), idle / after {cast['votes']:,} requests | {bolt[0]:.0f} / {bolt[1]:.0f} MB |  | reference |

Accord takes {start / bare:.1f}x the bare frameworks' start-up ({start - bare:.2f} s more); a process
that only imports Accord's modules, and does nothing else, takes {statistics.median(imports):.2f} s. Idle,
the server holds {idle_total - bare_rss[0]:.0f} MB more than the bare frameworks. After the votes the
server itself has grown by {after[0] - idle_server:.0f} MB; the rest is the courier ({after[1]:.0f} MB), a second
Python process. The bare bolt app runs under `multiprocessing` (spawn), as `bench_slack` starts it.
The load average was {load[0]:.1f} before the run and {load[1]:.1f} after it.
"""


if __name__ == "__main__":
    print(run())
