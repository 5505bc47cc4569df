"""A channel message whose sender died mid-send is taken over within seconds and shown once.

Every post from the outbox carries its outbox id in Slack's message metadata. A dispatcher that
takes over a message from a dead one (its claim ran out unrenewed) looks for that id in the
channel's recent history before posting: found, the message counts as sent, and a later version
of it updates the message found; not there, it is posted once. Where Slack refuses the look
(the app lacks the history scopes), it is posted and the log says it may appear twice.

The outbox, the dispatchers, the Slack deliverer and slack_sdk's client are the real ones; the
fake Slack on loopback stands for Slack's Web API.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import timedelta

import pytest

from adapters.slack.client import web_client
from adapters.slack.delivery import SlackDeliverer
from bot.charts import ChartRenderer
from bot.delivery import LEASE, OutboxDispatcher
from engine.assessment import Conversation
from engine.views import CHANNEL as IN_CHANNEL
from engine.views import Chart, ChartKind, Kind, Message, Series
from storage.unit_of_work import SqlUnitOfWork
from tests.slack.conftest import CHANNEL, TEAM, Clock
from tests.slack.fake_slack import Failure

LEADERSHIP = Conversation("slack", TEAM, CHANNEL)


def dispatcher(database, slack, clock) -> OutboxDispatcher:
    """One server process's dispatcher, with a Slack deliverer of its own."""
    client = web_client(slack.base_url + "/api/", "xoxb-northshire")

    async def client_for(team: str):
        return client

    return OutboxDispatcher(database, {"slack": SlackDeliverer(client_for, ChartRenderer())}, clock)


def queue(database, clock, message: Message) -> int:
    with SqlUnitOfWork(database) as uow:
        uow.outbox.add(LEADERSHIP, message, clock())
        uow.commit()
    with SqlUnitOfWork(database, read_only=True) as uow:
        return max(row.id for row in uow.session.exec(_all_rows()).all())


def _all_rows():
    from sqlmodel import select

    from storage.tables import OutboxRow

    return select(OutboxRow).order_by(OutboxRow.id)


def pending(database) -> int:
    with SqlUnitOfWork(database, read_only=True) as uow:
        return uow.outbox.pending()


async def eventually(condition, what: str, within: float = 10.0):
    for _ in range(int(within / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


async def killed_mid_send(database, slack, clock, until) -> None:
    """A dispatcher sends, Slack takes the message but answers slowly, and the process dies.

    Cancelling the drain is the process's death as the database sees it: nothing recorded, and
    its claim no longer renewed.
    """
    slack.slow_answers["chat.postMessage"] = slack.slow_answers["files.completeUploadExternal"] = 1.0
    doomed = asyncio.create_task(dispatcher(database, slack, clock).drain())
    await eventually(until, "the first attempt reaching Slack")
    doomed.cancel()
    with suppress(asyncio.CancelledError):
        await doomed
    slack.slow_answers.clear()


def summary(charts: int = 0) -> Message:
    drawn = tuple(
        Chart(ChartKind.GAPS, f"Theme {n}: where we are", ("Leadership", "Place"), (Series("Gap", (1.0, 2.0)),), f"Theme {n}", 1, 5)
        for n in range(1, charts + 1)
    )
    return Message(kind=Kind.SUMMARY, audience=IN_CHANNEL, heading="Summary: A short council self-assessment", charts=drawn)


@pytest.fixture
def clock():
    return Clock()


async def test_a_message_that_reached_slack_before_its_sender_died_is_not_posted_again(slack, db_engine, clock):
    outbox_id = queue(db_engine, clock, summary())
    await killed_mid_send(db_engine, slack, clock, lambda: slack.in_channel(CHANNEL))
    (posted,) = slack.in_channel(CHANNEL)
    assert posted.metadata["event_type"] == "accord_outbox"
    assert posted.metadata["event_payload"]["outbox_id"] == outbox_id

    successor = dispatcher(db_engine, slack, clock)
    clock.advance(LEASE.total_seconds() - 1)
    assert (await successor.drain()).sent == 0  # the dead process's claim has not run out yet
    clock.advance(2)
    assert (await successor.drain()).sent == 1  # within the lease: seconds, not two minutes

    assert len(slack.in_channel(CHANNEL)) == 1
    assert len(slack.called("chat.postMessage")) == 1
    (look,) = slack.called("conversations.history")
    assert look.params["channel"] == CHANNEL and look.params["include_all_metadata"] in ("1", "true", True)
    assert pending(db_engine) == 0


async def test_a_message_whose_first_attempt_never_arrived_is_posted_once(slack, db_engine, clock):
    queue(db_engine, clock, summary())
    with SqlUnitOfWork(db_engine) as uow:  # claimed, and the process died before sending it
        uow.outbox.claim_due(clock(), 50, LEASE)
        uow.commit()
    clock.advance(LEASE.total_seconds() + 1)
    assert (await dispatcher(db_engine, slack, clock).drain()).sent == 1
    assert len(slack.in_channel(CHANNEL)) == 1
    assert len(slack.called("conversations.history")) == 1  # it looked first
    assert pending(db_engine) == 0


async def test_a_message_found_after_a_takeover_is_the_one_its_later_versions_update(slack, db_engine, clock):
    question = Message(kind=Kind.QUESTION, audience=IN_CHANNEL, heading="Question 1.1", footer="0 of 4 have voted.", key="round:a:q1:1")
    queue(db_engine, clock, question)
    await killed_mid_send(db_engine, slack, clock, lambda: slack.in_channel(CHANNEL))
    clock.advance(LEASE.total_seconds() + 1)
    await dispatcher(db_engine, slack, clock).drain()

    queue(db_engine, clock, Message(kind=Kind.QUESTION, audience=IN_CHANNEL, heading="Question 1.1", footer="1 of 4 have voted.", key="round:a:q1:1"))
    await dispatcher(db_engine, slack, clock).drain()
    (posted,) = slack.in_channel(CHANNEL)
    assert posted.edits == 1 and "1 of 4 have voted." in posted.all_text()
    assert len(slack.called("chat.postMessage")) == 1


async def test_charts_uploaded_before_the_sender_died_are_not_uploaded_again(slack, db_engine, clock):
    queue(db_engine, clock, summary(charts=2))
    await killed_mid_send(db_engine, slack, clock, lambda: len(slack.uploads) == 1)  # the text and one chart are there
    clock.advance(LEASE.total_seconds() + 1)
    await dispatcher(db_engine, slack, clock).drain()
    assert len(slack.in_channel(CHANNEL)) == 1
    titles = [file["title"] for upload in slack.uploads for file in upload["files"]]
    assert titles == ["Theme 1: where we are", "Theme 2: where we are"]
    assert pending(db_engine) == 0


class Recorded(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


async def test_without_the_history_scopes_the_message_is_posted_and_the_log_says_it_may_show_twice(slack, db_engine, clock):
    queue(db_engine, clock, summary())
    await killed_mid_send(db_engine, slack, clock, lambda: slack.in_channel(CHANNEL))
    slack.fail("conversations.history", Failure(status=200, retry_after=None, error="missing_scope"))
    clock.advance(LEASE.total_seconds() + 1)
    # On the logger itself, switched on: import-linter (tests/test_layers.py) configures logging
    # in this process and leaves the loggers that existed then disabled.
    recorded, logger = Recorded(), logging.getLogger("accord.slack")
    disabled, logger.disabled = logger.disabled, False
    logger.addHandler(recorded)
    try:
        assert (await dispatcher(db_engine, slack, clock).drain()).sent == 1
    finally:
        logger.removeHandler(recorded)
        logger.disabled = disabled
    assert len(slack.in_channel(CHANNEL)) == 2  # the one message in flight, and only it
    assert any("may appear twice" in line and "missing_scope" in line for line in recorded.lines)


async def test_a_post_whose_answer_never_came_is_looked_for_before_it_is_tried_again(slack, db_engine, clock):
    """A timeout after Slack took the post: the retry finds it instead of posting it again."""
    queue(db_engine, clock, summary())
    # The first attempt reaches Slack, but the connection breaks before the answer.
    slack.slow_answers["chat.postMessage"] = 3.0
    sender = dispatcher(db_engine, slack, clock)
    client = web_client(slack.base_url + "/api/", "xoxb-northshire")
    client.timeout = 1

    async def client_for(team: str):
        return client

    sender.register("slack", SlackDeliverer(client_for, ChartRenderer()))
    report = await sender.drain()
    assert report.retried == 1 and len(slack.in_channel(CHANNEL)) == 1
    slack.slow_answers.clear()
    clock.advance(timedelta(minutes=10).total_seconds())
    assert (await dispatcher(db_engine, slack, clock).drain()).sent == 1
    assert len(slack.in_channel(CHANNEL)) == 1
    assert len(slack.called("chat.postMessage")) == 1
