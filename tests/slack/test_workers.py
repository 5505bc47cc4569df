"""`accord serve --workers N`: several server processes on one port and one PostgreSQL database.

The server runs as an administrator starts it, the installed `accord` command in a process of its
own, with two workers. Requests reach whichever worker accepts the connection, so every request
here opens a connection of its own. The team votes and changes its votes at once, Slack's retries
arrive beside their originals, and the test looks at what was stored and what Slack was asked to
show; then a worker is killed and the server must carry on, and a SIGTERM must stop it all.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import select

from bot.server import CannotServe, address_of, listening_socket
from bot.workers import Supervisor, refuse_unless_shareable
from storage import migrate
from storage.database import create_db_engine
from storage.tables import MemberRow, RoundRow, VoteRow
from storage.unit_of_work import SqlUnitOfWork
from tests.slack.conftest import AMIRA, APP_YAML, BEN, CHANNEL, CHLOE, SAM, SECRET, Accord

ACCORD = Path(sys.executable).with_name("accord")
TEAM_VOTES = {AMIRA: [1, 2, 3, 4, 2], BEN: [5, 4, 3, 2, 3], CHLOE: [2, 2, 4, 4, 4], SAM: [3, 4, 5, 1, 3]}


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "app.yaml"
    config.write_text(APP_YAML, encoding="utf-8")
    return config


async def start_server(tmp_path: Path, slack, db_url: str, *args: str) -> tuple[asyncio.subprocess.Process, str]:
    environ = {
        **os.environ,
        "ACCORD_DATABASE_URL": db_url,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": "xoxb-northshire",
        "SLACK_API_URL": slack.base_url + "/api/",
    }
    server = await asyncio.create_subprocess_exec(
        str(ACCORD), "--config", str(write_config(tmp_path)), "serve", "--host", "127.0.0.1", "--port", "0", *args,
        cwd=tmp_path, env=environ, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    lines = []
    while True:
        line = (await asyncio.wait_for(server.stdout.readline(), 60)).decode()
        if not line:
            raise AssertionError("accord serve stopped before listening:\n" + "".join(lines))
        lines.append(line)
        if line.startswith("Accord is listening on "):
            url = line.split()[4]
            break
    asyncio.ensure_future(_keep(server.stdout, lines))
    return server, url


async def _keep(stream: asyncio.StreamReader, lines: list[str]) -> None:
    """Read the server's log as it comes (a full pipe would stop it); printed if the test fails."""
    while line := await stream.readline():
        lines.append(line.decode())
    print("".join(lines))


async def answering_processes(url: str, *, want: int, excluding: set[int] = frozenset(), within: float = 30.0) -> set[int]:
    """The worker processes seen answering /healthz, each asked on a new connection."""
    seen: set[int] = set()
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(url + "/healthz") as response:
                    if response.status == 200:
                        seen.add((await response.json())["process"])
            except aiohttp.ClientError:
                pass
            if len(seen - excluding) >= want:
                return seen - excluding
            await asyncio.sleep(0.01)
    raise AssertionError(f"wanted {want} worker processes answering, saw {sorted(seen)} (excluding {sorted(excluding)})")


async def eventually(condition, what: str, within: float = 30.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


@pytest.mark.postgres
async def test_two_workers_on_postgresql_run_a_round_together_and_survive_a_lost_worker(slack, db_url, tmp_path):
    if not db_url.startswith("postgresql"):
        pytest.skip("workers need PostgreSQL; SQLite refuses them (tested below)")
    migrate.upgrade(db_url)
    server, url = await start_server(tmp_path, slack, db_url, "--workers", "2")
    database = create_db_engine(db_url)
    # Every request on a connection of its own, so the two workers share the requests.
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))
    team = Accord(slack, None, None, None, None, url, http)
    try:
        workers = await answering_processes(url, want=2)

        status, _ = await team.command(SAM, "start mini-council", settle=False)
        assert status == 200
        question = await eventually(lambda: _question(team), "the first question posted")
        assert "0 of 4 have voted" in question.all_text()

        modals = {}
        for voter in TEAM_VOTES:
            status, _ = await team.send(team.block_actions(voter, "accord_vote", team.vote_value()))
            assert status == 200
            modals[voter] = await eventually(lambda: len(slack.modals()) == len(modals) + 1 and slack.modals()[-1], f"{voter}'s modal")

        async def vote_again_and_again(voter: str) -> list[int]:
            statuses = []
            for current in TEAM_VOTES[voter]:
                body = team.interaction(team.view_submission(voter, modals[voter], current, 5))
                # Slack's retry of the same delivery arrives beside the original, likely at the other worker.
                first, retried = await asyncio.gather(team.post(body, team.headers(body)), team.post(body, team.headers(body, retry=1)))
                statuses += [first[0], retried[0]]
            return statuses

        answers = await asyncio.gather(*(vote_again_and_again(voter) for voter in TEAM_VOTES))
        assert all(status == 200 for statuses in answers for status in statuses)

        # Each member's vote is the last one they sent, whichever worker stored which.
        with SqlUnitOfWork(database, read_only=True) as uow:
            votes = uow.session.exec(select(MemberRow.user_id, VoteRow.current, VoteRow.ambition).join(VoteRow, VoteRow.member_id == MemberRow.id)).all()
        assert {user: current for user, current, _ in votes} == {voter: sent[-1] for voter, sent in TEAM_VOTES.items()}
        assert {ambition for _, _, ambition in votes} == {5}
        await eventually(lambda: "4 of 4 have voted" in _question(team).all_text(), "the progress line updated to 4 of 4")

        status, _ = await team.command(SAM, "reveal", settle=False)
        assert status == 200
        reveal = await eventually(lambda: _posted_after(team, question, "votes revealed"), "the reveal posted")
        # The spread of the last votes, as stored: Amira 2, Ben 3, Sam 3, Chloe 4; everyone's ambition 5.
        assert "1: 0  2: 1  3: 2  4: 1  5: 0" in reveal
        assert "1: 0  2: 0  3: 0  4: 0  5: 4" in reveal

        status, _ = await team.command(SAM, "3 4 agreed", command="/finalise", settle=False)
        assert status == 200
        second = await eventually(lambda: _question(team, after=question), "the next question posted")
        assert "0 of 4 have voted" in second.all_text()

        # `skip` and Slack's retry of it at once: one question skipped, whichever worker wins.
        body = team.command_body(SAM, "skip not for us this year", trigger="skip-once")
        first, retried = await asyncio.gather(team.post(body, team.headers(body)), team.post(body, team.headers(body, retry=1)))
        assert first[0] == retried[0] == 200
        await eventually(lambda: _rounds(database, "skipped") == 1, "the question skipped")
        third = await eventually(lambda: _question(team, after=second), "the third question posted")
        await asyncio.sleep(1.0)  # time enough for a second, wrong, skip to land
        assert _rounds(database, "skipped") == 1
        assert _rounds(database, "finalised") == 1
        assert _question(team, after=third) is None and "0 of 4 have voted" in third.all_text()

        # A worker killed outright: the other answers meanwhile, and the supervisor starts another.
        lost = min(workers)
        os.kill(lost, signal.SIGKILL)
        status, _ = await team.command(BEN, "status", settle=False)
        assert status == 200
        replacement = await answering_processes(url, want=2, excluding={lost})
        assert lost not in replacement and len(replacement) == 2

        # SIGTERM, as a service manager stops it: every worker stops and the supervisor exits cleanly.
        server.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(server.wait(), 60) == 0
        for process in replacement:
            assert not _alive(process), f"worker {process} outlived its supervisor"
    finally:
        await http.close()
        if server.returncode is None:
            server.kill()
            await server.wait()
        database.dispose()


async def test_several_workers_on_sqlite_are_refused_before_anything_listens(slack, tmp_path):
    with pytest.raises(AssertionError, match="stopped before listening") as refused:
        await start_server(tmp_path, slack, f"sqlite:///{tmp_path / 'accord.db'}", "--workers", "2")
    assert "2 workers need PostgreSQL" in str(refused.value)
    assert "Traceback" not in str(refused.value)
    assert not (tmp_path / "accord.db").exists(), "nothing should have been created"


async def test_a_port_already_taken_is_one_clear_line(slack, tmp_path):
    server, url = await start_server(tmp_path, slack, f"sqlite:///{tmp_path / 'accord.db'}")
    try:
        port = url.rsplit(":", 1)[1]
        taken = await asyncio.create_subprocess_exec(
            str(ACCORD), "--config", str(write_config(tmp_path)), "serve", "--port", port,
            cwd=tmp_path, env={**os.environ, "ACCORD_DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}"},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(taken.communicate(), 60)
        assert taken.returncode == 2
        assert f"cannot listen on 127.0.0.1:{port}" in err.decode()
        assert "Traceback" not in err.decode()
    finally:
        server.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(server.wait(), 60) == 0


# ------------------------------------------------------------------------- the supervisor


def _exits(code: int, after: float = 0.0) -> None:
    time.sleep(after)
    os._exit(code)


def test_the_supervisor_gives_up_when_workers_keep_failing_as_they_start():
    started = []

    def start(index: int):
        process = multiprocessing.get_context("fork").Process(target=_exits, args=(3,))
        process.start()
        started.append(process)
        return process

    supervisor = Supervisor(start, 2, pause=0.01)
    assert supervisor.run() == 1
    assert 5 <= len(started) <= 7  # it tried again, but not forever
    assert not any(p.is_alive() for p in started)


def test_the_supervisor_starts_again_a_worker_that_stopped_after_running_a_while():
    started = []
    supervisor = None

    def start(index: int):
        process = multiprocessing.get_context("fork").Process(target=_exits, args=(1, 0.05) if len(started) < 8 else (0, 60))
        process.start()
        started.append(process)
        if len(started) == 10:
            supervisor.stop()
        return process

    # Each worker "ran a while" on this clock, so its end is a crash to recover from, not a failed start.
    ticks = iter(range(0, 10**6, 100))
    supervisor = Supervisor(start, 2, clock=lambda: next(ticks), pause=0.01)
    assert supervisor.run() == 0
    assert len(started) == 10  # six ends, each started again; the last two stopped when it did
    assert not any(p.is_alive() for p in started)


def _question(team: Accord, after=None):
    """The question open for votes in the channel, if it was posted after `after`."""
    try:
        question = team.question_message()
    except AssertionError:
        return None
    return question if after is None or question.ts > after.ts else None


def _posted_after(team: Accord, question, word: str) -> str | None:
    texts = [p.all_text() for p in team.slack.in_channel(CHANNEL) if p.ts > question.ts]
    return next((text for text in texts if word in text.lower()), None)


def _rounds(database, state: str) -> int:
    with SqlUnitOfWork(database, read_only=True) as uow:
        return sum(1 for row in uow.session.exec(select(RoundRow)).all() if row.state == state)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True



@pytest.mark.parametrize(
    "url, workers, socket_mode, refusal",
    [
        ("sqlite:///accord.db", 2, False, "2 workers need PostgreSQL"),
        ("postgresql+psycopg://accord@db.example.org/accord", 3, True, "Socket Mode keeps one connection"),
        ("sqlite:///accord.db", 1, True, None),
        ("postgresql+psycopg://accord@db.example.org/accord", 4, False, None),
    ],
)
def test_which_settings_can_share_the_work_between_workers(url, workers, socket_mode, refusal):
    if refusal is None:
        refuse_unless_shareable(url, workers, socket_mode=socket_mode)
        return
    with pytest.raises(CannotServe, match=refusal):
        refuse_unless_shareable(url, workers, socket_mode=socket_mode)


def test_localhost_is_served_on_its_ipv4_address():
    sock = listening_socket("localhost", 0)
    try:
        assert address_of(sock).startswith("http://127.0.0.1:")  # the address proxies reach most often
    finally:
        sock.close()
