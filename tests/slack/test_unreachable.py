"""Slack's Web API out of reach: a clear line at start-up, clear answers meanwhile, nothing lost.

Slack can go on delivering requests while Accord cannot call it back (a DNS failure or a firewall
on Accord's side). Here the stand-in for Slack stops answering on its port (connections refused)
and later comes back on the same port, while signed requests keep arriving.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from storage import migrate
from tests.slack.conftest import AMIRA, APP_YAML, BEN, BOT, CHANNEL, CHLOE, GONE, NAMES, SAM, SECRET, TEAM, start_accord
from tests.slack.fake_slack import Failure, FakeSlack

ACCORD = Path(sys.executable).with_name("accord")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SwitchableSlack:
    """The stand-in for Slack, which can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.fake = FakeSlack(team_id=TEAM)
        for user_id, name in NAMES.items():
            self.fake.person(user_id, name)
        self.fake.person(BOT, "Otherbot", bot=True)
        self.fake.person(GONE, "Dana", deleted=True)
        self.fake.channels[CHANNEL] = [SAM, AMIRA, BOT, BEN, CHLOE, GONE]
        self.port = free_port()
        self.fake.base_url = f"http://127.0.0.1:{self.port}"
        self.runner: web.AppRunner | None = None

    async def up(self) -> None:
        self.runner = web.AppRunner(self.fake.app())
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def down(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


@pytest.fixture
async def switchable():
    slack = SwitchableSlack()
    try:
        yield slack
    finally:
        await slack.down()


@pytest.fixture
async def accord_with(switchable, db_url):
    started = []

    async def start():
        harness, runner = await start_accord(switchable.fake, db_url)
        started.append((harness, runner))
        return harness

    yield start
    for harness, runner in started:
        await harness.http.close()
        await runner.cleanup()
        harness.application.database.dispose()


def no_tracebacks(caplog) -> None:
    broken = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.exc_info is not None]
    assert not broken, broken


# --------------------------------------------------------------------------- requests


async def test_help_and_status_while_slack_is_down_are_answered_in_the_response(switchable, accord_with, caplog):
    accord = await accord_with()  # the stand-in never started: every call is refused
    status, body = await accord.command(SAM, "help", settle=False)
    assert status == 200, body
    answer = json.loads(body)
    assert answer["response_type"] == "ephemeral"
    assert "What you can say to Accord" in json.dumps(answer)

    status, body = await accord.command(SAM, "status", settle=False)
    assert status == 200, body
    assert "Accord cannot reach Slack just now, so it did nothing" in json.loads(body)["text"]
    await accord.deliver()
    no_tracebacks(caplog)


async def test_messages_wait_in_the_outbox_while_slack_is_down_and_go_out_once_it_is_back(switchable, accord_with, caplog):
    await switchable.up()
    accord = await accord_with()
    await accord.command(SAM, "start mini-council")
    view = await accord.open_vote(AMIRA)
    question = accord.question_message()

    await switchable.down()
    status, _ = await accord.send(accord.view_submission(AMIRA, view, 3, 4))
    assert status == 200
    await accord.deliver()
    waiting = [row for row in accord.outbox() if row["sent_at"] is None]
    assert waiting and all("could not be reached" in (row["last_error"] or "") for row in waiting)

    # Meanwhile a command is told clearly, in the response, that nothing was done.
    status, body = await accord.command(SAM, "reveal", settle=False)
    assert status == 200
    assert "Accord cannot reach Slack just now" in json.loads(body)["text"]
    assert "1 of 4 have voted" not in question.all_text()

    await switchable.up()
    accord.clock.advance(15 * 60)  # past the outbox's longest wait
    await accord.deliver()
    assert all(row["sent_at"] is not None for row in accord.outbox())
    assert "1 of 4 have voted" in question.all_text()
    assert question.edits == 1  # the progress line once, not once per attempt

    # Slack answered the outbox, so commands are served as usual again.
    status, body = await accord.command(SAM, "status")
    assert (status, body) == (200, "")
    assert "1 of 4 have voted" in accord.slack.ephemeral_to(SAM)[-1]
    no_tracebacks(caplog)


# --------------------------------------------------------------------------- start-up


async def accord_serve(tmp_path, api_base: str, *, token: str = "xoxb-northshire") -> tuple[asyncio.subprocess.Process, list[str]]:
    """`accord serve` as an administrator starts it; what it said up to listening, or up to exiting."""
    db_url = f"sqlite:///{tmp_path / 'accord.db'}"
    migrate.upgrade(db_url)
    config = tmp_path / "app.yaml"
    config.write_text(APP_YAML, encoding="utf-8")
    environ = {
        **os.environ,
        "ACCORD_DATABASE_URL": db_url,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": token,
        "SLACK_API_URL": api_base + "/api/",
    }
    server = await asyncio.create_subprocess_exec(
        str(ACCORD), "--config", str(config), "serve", "--host", "127.0.0.1", "--port", "0",
        cwd=tmp_path, env=environ, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    lines: list[str] = []
    while line := (await asyncio.wait_for(server.stdout.readline(), 60)).decode():
        lines.append(line)
        if line.startswith("Accord is listening on "):
            break
    return server, lines


async def stop(server: asyncio.subprocess.Process) -> None:
    if server.returncode is None:
        server.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(server.communicate(), 30)
        except asyncio.TimeoutError:
            server.kill()
            await server.wait()


async def test_a_bot_token_slack_refuses_stops_accord_serve_with_one_line(slack, tmp_path):
    slack.fail("auth.test", Failure(status=200, retry_after=None, error="invalid_auth"))
    server, lines = await accord_serve(tmp_path, slack.base_url, token="xoxb-revoked")
    try:
        code = await asyncio.wait_for(server.wait(), 30)
    finally:
        await stop(server)
    said = "".join(lines)
    assert code != 0, said
    assert "accord: the Slack bot token was refused: invalid_auth" in said
    assert "Traceback" not in said and "Accord is listening" not in said
    assert [c.token for c in slack.called("auth.test")] == ["xoxb-revoked"]


async def test_accord_serve_starts_while_slack_is_down_says_so_and_answers(tmp_path):
    nowhere = f"http://127.0.0.1:{free_port()}"
    server, lines = await accord_serve(tmp_path, nowhere)
    try:
        said = "".join(lines)
        assert (
            f"Slack could not be reached at {nowhere}/api/: [Errno 111] Connection refused; "
            "Accord will start and keep messages in the outbox until it can"
        ) in said, said
        url = lines[-1].split()[4]
        body = (
            f"team_id={TEAM}&channel_id={CHANNEL}&channel_name=leadership&user_id={SAM}&user_name=sam"
            f"&command=%2Faccord&text=help&trigger_id=t-1&response_url={nowhere}/respond/1"
        )
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body),
        }
        async with aiohttp.ClientSession() as http:
            async with http.get(url + "/healthz") as health:
                assert health.status == 200
            async with http.post(url + "/slack/events", data=body, headers=headers) as answer:
                assert answer.status == 200
                assert "What you can say to Accord" in await answer.text()
    finally:
        await stop(server)
    assert server.returncode == 0
