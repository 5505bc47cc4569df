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
from engine.assessment import Conversation
from tests.slack.conftest import AMIRA, APP_YAML, BEN, CHANNEL, CHLOE, SAM, SECRET, TEAM, Accord

ACCORD = Path(sys.executable).with_name("accord")
TEAM_VOTES = {AMIRA: [1, 2, 3, 4, 2], BEN: [5, 4, 3, 2, 3], CHLOE: [2, 2, 4, 4, 4], SAM: [3, 4, 5, 1, 3]}


# Kills and restarts server processes on a clock: run after the parallel suite, alone (Makefile, `-m serial`).
pytestmark = pytest.mark.serial


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


async def stop_server(server: asyncio.subprocess.Process) -> None:
    """SIGTERM a server still running, as an administrator would; SIGKILL it if it will not go."""
    if server.returncode is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(server.wait(), 30)
    except TimeoutError:
        server.kill()
        await server.wait()


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

        # A worker killed in the middle of storing votes: what was acknowledged is stored; what was
        # not is stored once or not at all, and Slack's retry of it is never applied twice.
        lost = await kill_a_worker_mid_vote(team, database, db_url, workers)
        # The other answers meanwhile, and the supervisor starts another.
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


# ------------------------------------------------------------ a worker killed mid-request

HOLD = 7212  # the advisory lock that holds votes at their commit while the test holds it
KILL_VOTES = {AMIRA: 1, BEN: 2, CHLOE: 4, SAM: 5}  # on the open question, each member's vote (current; ambition 5)


async def kill_a_worker_mid_vote(team: Accord, database, db_url: str, workers: set[int]) -> int:
    """Every member votes at once while their commits are held; the worker holding one is killed.

    A deferred trigger (in this test's own schema) makes each commit that wrote a vote wait for
    an advisory lock the test holds, so the votes are in flight: the COMMIT sent, the answer not.
    The worker whose database connection waits is killed with SIGKILL, then the lock is let go.
    What each member was told decides what must be stored:

    - a vote answered 200 is stored, as sent;
    - a vote whose connection died with the worker is stored once (its COMMIT was already sent,
      and PostgreSQL completes it) or not at all (it was still queued inside that worker);
    - Slack sends an unanswered request again (X-Slack-Retry-Num): if the vote was stored, the
      member has meanwhile changed it, and the retry must not put the old vote back (applied
      twice); if it was not stored, the retry stores it.

    Returns the process id of the worker killed.
    """
    holder = create_db_engine(db_url)
    with holder.begin() as connection:
        connection.exec_driver_sql(
            f"CREATE FUNCTION hold_commit() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN PERFORM pg_advisory_xact_lock_shared({HOLD}); RETURN NULL; END $$"
        )
        connection.exec_driver_sql(
            "CREATE CONSTRAINT TRIGGER hold_vote_commits AFTER INSERT OR UPDATE ON vote "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION hold_commit()"
        )
    lock = holder.connect()
    lock.exec_driver_sql(f"SELECT pg_advisory_lock({HOLD})")
    try:
        modals = {}
        for voter in KILL_VOTES:
            opened = len(team.slack.modals())
            status, _ = await team.send(team.block_actions(voter, "accord_vote", team.vote_value()))
            assert status == 200
            modals[voter] = await eventually(lambda: len(team.slack.modals()) > opened and team.slack.modals()[-1], f"{voter}'s modal")
        bodies = {voter: team.interaction(team.view_submission(voter, modals[voter], current, 5)) for voter, current in KILL_VOTES.items()}
        sent = {voter: asyncio.ensure_future(team.post(body, team.headers(body))) for voter, body in bodies.items()}

        # Wait until at least one commit waits for the lock, and find the worker it belongs to.
        waiting = await eventually(lambda: _waiting_at_commit(lock), "a vote's commit waiting for the lock")
        victim = await eventually(lambda: _worker_holding(workers, lock, waiting), "the worker of the waiting commit")
        await asyncio.sleep(0.3)  # let the other worker's votes reach their commit too
        os.kill(victim, signal.SIGKILL)
        await asyncio.sleep(0.5)
    finally:
        lock.exec_driver_sql(f"SELECT pg_advisory_unlock({HOLD})")
        lock.close()
    answered: dict[str, bool] = {}
    for voter, request in sent.items():
        try:
            status, _ = await asyncio.wait_for(request, 30)
            answered[voter] = status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            answered[voter] = False
    # Let a commit the dead worker had sent finish in PostgreSQL before looking.
    def released() -> bool:
        with holder.connect() as connection:
            return _waiting_at_commit(connection) == []

    await eventually(released, "the held commits going through")
    await asyncio.sleep(0.5)
    with holder.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER hold_vote_commits ON vote")
        connection.exec_driver_sql("DROP FUNCTION hold_commit()")

    assert not all(answered.values()), "the worker was killed too late: every vote had been answered"
    stored = _votes_on_open_question(database)
    for voter, current in KILL_VOTES.items():
        if answered[voter]:
            assert stored.get(voter) == current, f"{voter}'s vote was acknowledged but is not stored"
        else:
            assert voter not in stored or stored[voter] == current, f"{voter}'s unacknowledged vote was stored wrongly"

    # Slack retries what was not answered.
    for voter in (v for v, ok in answered.items() if not ok):
        if voter in stored:
            # Stored though never acknowledged: the member changes their mind first, and Slack's
            # late retry of the old vote must not undo that (it was applied once already).
            again = team.interaction(team.view_submission(voter, modals[voter], 3, 4))
            status, _ = await team.post(again, team.headers(again))
            assert status == 200
            body = bodies[voter]
            status, _ = await team.post(body, team.headers(body, retry=1))
            assert status == 200
            assert _votes_on_open_question(database)[voter] == 3, f"the retry of {voter}'s stored vote was applied twice"
        else:
            body = bodies[voter]
            status, _ = await team.post(body, team.headers(body, retry=1))
            assert status == 200
            assert _votes_on_open_question(database)[voter] == KILL_VOTES[voter], f"the retry of {voter}'s lost vote was not stored"
    holder.dispose()
    print(f"killed worker {victim}; answered: {answered}; stored before the retries: {stored}")
    return victim


def _waiting_at_commit(connection) -> list[int]:
    """The database sessions waiting for the test's lock (a vote's commit, held)."""
    rows = connection.exec_driver_sql(
        f"SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = {HOLD} AND NOT granted"
    ).all()
    return [pid for (pid,) in rows]


def _worker_holding(workers: set[int], connection, backends: list[int]) -> int | None:
    """The worker process whose database connection is one of `backends` (by its TCP port)."""
    connection.exec_driver_sql("SELECT pg_stat_clear_snapshot()")  # see the sessions as they are now
    ports = {
        port
        for (port,) in connection.exec_driver_sql(
            "SELECT client_port FROM pg_stat_activity WHERE pid = ANY(%(pids)s)", {"pids": backends}
        ).all()
    }
    by_inode = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                by_inode[fields[9]] = int(fields[1].rsplit(":", 1)[1], 16)
    for worker in workers:
        try:
            links = [os.readlink(f"/proc/{worker}/fd/{fd}") for fd in os.listdir(f"/proc/{worker}/fd")]
        except OSError:
            continue
        inodes = {link[len("socket:["):-1] for link in links if link.startswith("socket:[")}
        if any(by_inode.get(inode) in ports for inode in inodes):
            return worker
    return None


def _votes_on_open_question(database) -> dict[str, int]:
    """Each member's stored vote (current position) on the question open now."""
    with SqlUnitOfWork(database, read_only=True) as uow:
        assessment = uow.assessments.active_in(Conversation("slack", TEAM, CHANNEL))
    round_ = assessment.focus_round
    return {who.user_id: vote.current for who, vote in round_.votes.items()}


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
