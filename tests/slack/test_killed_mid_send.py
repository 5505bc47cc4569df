"""`accord serve` killed (SIGKILL) while Slack is slow to answer a post, then started again.

The server runs as an administrator starts it, the installed `accord` command in a process of its
own (on PostgreSQL, two workers). Assessments start in four channels, so eight channel messages
are queued; Slack takes each post and answers it only after a while, and the server is killed
outright while a post is on its way. After the restart every message the outbox holds must be in
its channel exactly once (the one in flight was found in the channel's history by the outbox id in
its metadata, not posted again) and delivery must resume within 10 seconds of the restart, not
when a two-minute claim runs out.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

import aiohttp
import pytest
from sqlmodel import select

from storage import migrate
from storage.database import create_db_engine
from storage.tables import OutboxRow
from storage.unit_of_work import SqlUnitOfWork
from tests.slack.conftest import AMIRA, BEN, CHLOE, SAM, Accord
from tests.slack.test_workers import answering_processes, eventually, start_server, stop_server

CHANNELS = ["C-FINANCE", "C-PLACE", "C-PEOPLE", "C-DIGITAL"]
RESUME_WITHIN = 10.0


def outbox(database) -> list[dict]:
    with SqlUnitOfWork(database, read_only=True) as uow:
        return [row.model_dump() for row in uow.session.exec(select(OutboxRow).order_by(OutboxRow.id)).all()]


def posts_by_outbox_id(slack) -> Counter:
    return Counter(p.metadata["event_payload"]["outbox_id"] for p in slack.posted if p.metadata and p.channel in CHANNELS)


async def kill(server, url: str, workers: int) -> None:
    """SIGKILL the server and, with workers, every worker too: nothing gets to tidy up."""
    pids = await answering_processes(url, want=workers, within=5) if workers > 1 else set()
    server.send_signal(signal.SIGKILL)
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    await server.wait()


async def test_a_server_killed_mid_send_delivers_everything_once_after_the_restart(slack, db_url, tmp_path):
    workers = 2 if db_url.startswith("postgresql") else 1
    extra = ("--workers", str(workers)) if workers > 1 else ()
    for channel in CHANNELS:
        slack.channels[channel] = [SAM, AMIRA, BEN, CHLOE]
    migrate.upgrade(db_url)
    database = create_db_engine(db_url)
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))
    server, url = await start_server(tmp_path, slack, db_url, *extra)
    try:
        team = Accord(slack, None, None, None, None, url, http)
        # Slack takes each post at once and answers it 1.5 s later.
        slack.slow_answers["chat.postMessage"] = 1.5
        for started, channel in enumerate(CHANNELS, 1):
            # One after another: starts in parallel on two workers race to save the same people's
            # profiles (uq_person_profile_identity), which is not what this test is about.
            status, _ = await team.command(SAM, "start mini-council", channel=channel, settle=False)
            assert status == 200
            await eventually(lambda started=started: len(outbox(database)) == 2 * started, f"the start in {channel} queued")
        before = len(slack.called("chat.postMessage"))
        await eventually(lambda: len(slack.called("chat.postMessage")) > before, "a post on its way")
        await kill(server, url, workers)  # while Slack still holds that post's answer
        killed = time.monotonic()
        delivered_before = sum(1 for row in outbox(database) if row["sent_at"] is not None)
        assert delivered_before < 2 * len(CHANNELS), "the kill came too late to test anything"

        slack.slow_answers.clear()
        calls_before = len(slack.calls)
        server, url = await start_server(tmp_path, slack, db_url, *extra)
        restarted = time.monotonic()

        await eventually(lambda: all(row["sent_at"] is not None for row in outbox(database)), "every message delivered", within=30)
        caught_up = time.monotonic() - restarted
        print(f"{delivered_before} of {2 * len(CHANNELS)} delivered before the kill; killed to restarted "
              f"{restarted - killed:.1f} s; restarted to everything delivered {caught_up:.1f} s")  # fmt: skip

        rows = outbox(database)
        assert len(rows) == 2 * len(CHANNELS)
        assert posts_by_outbox_id(slack) == Counter({row["id"]: 1 for row in rows})  # each once, none twice
        for channel in CHANNELS:
            texts = [p.all_text() for p in slack.in_channel(channel)]
            assert len(texts) == 2 and "started" in texts[0] and "Question 1.1" in texts[1]
        # The post in flight was looked for in its channel's history, not posted blind.
        assert any(c.method == "conversations.history" for c in slack.calls[calls_before:])
        assert caught_up <= RESUME_WITHIN
    finally:
        await http.close()
        await stop_server(server)
        database.dispose()


# Kills and restarts server processes on a clock: run after the parallel suite, alone (Makefile, `-m serial`).
pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"), pytest.mark.serial]
