"""Slack's Web API unwell for a while, in every way it can be, while an assessment runs.

The real server (`accord serve`'s web app, bolt, the outbox dispatcher of `bot/delivery.py` and
the Slack deliverer) talks to the stand-in Slack over loopback. The question is posted, then Slack
stops taking channel messages: first it answers 503, then 429 with a Retry-After of 30 s, then it
takes each post and update but answers later than the client waits (a timeout: the post is there,
Accord does not know it). Meanwhile the team votes, the votes are revealed (a post and its charts)
and the question is finalised (the next question posted). The test clock moves time on, so the
outbox's waits (2 s, 4 s ... and Retry-After) pass without the test sleeping for them.

What the channel must show once Slack recovers: every message queued, each once, in the order it
was queued, and the question's progress line with the votes as they were stored. Nothing is set
aside.
"""

from __future__ import annotations

from collections import Counter

import pytest

from adapters.slack import platform as slack_platform
from tests.slack.conftest import AMIRA, BEN, CHANNEL, CHLOE, SAM, start_accord
from tests.slack.fake_slack import Failure

CHANNEL_METHODS = {"chat.postMessage", "chat.update", "files.getUploadURLExternal", "files.completeUploadExternal", "conversations.history"}
CLIENT_TIMEOUT = 1  # seconds the server waits for Slack's answer in this test


@pytest.fixture
async def accord(slack, db_url):
    # The server's Web API calls go through the aiohttp session it opens at start-up, with
    # SLACK_CALL_TIMEOUT; made CLIENT_TIMEOUT here, so an answer slower than that is a timeout
    # without a long wait.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(slack_platform, "SLACK_CALL_TIMEOUT", CLIENT_TIMEOUT)
        harness, runner = await start_accord(slack, db_url)
    try:
        yield harness
    finally:
        await harness.http.close()
        await runner.cleanup()
        harness.application.database.dispose()


async def vote(accord, user: str, current: int, ambition: int) -> None:
    status, answer = await accord.vote(user, current, ambition)
    assert status == 200 and "errors" not in answer, answer  # acknowledged, whatever Slack is doing


async def pass_time(accord, seconds: float, steps: int = 1) -> None:
    """Move the test clock on in `steps` and let the dispatcher do what came due each time."""
    for _ in range(steps):
        accord.clock.advance(seconds / steps)
        accord.runtime.dispatcher.wake()
        await accord.deliver()


async def test_after_an_outage_everything_queued_reaches_the_channel_once_and_in_order(accord, slack):
    slack = accord.slack
    slack.now = lambda: accord.clock().timestamp()  # Slack's clock agrees with the server's, moved on with it
    status, _ = await accord.command(SAM, "start mini-council")
    assert status == 200
    question = accord.question_message()

    # 1. Slack answers 503 to every channel message.
    slack.outage, slack.outage_methods = Failure(status=503, retry_after=None, error="service_unavailable"), CHANNEL_METHODS
    await vote(accord, AMIRA, 2, 4)
    await vote(accord, BEN, 3, 4)
    await pass_time(accord, 30, steps=3)
    refused_503 = sum(1 for c in slack.calls if c.method in CHANNEL_METHODS)
    assert "0 of 4 have voted" in question.all_text()  # nothing got through

    # 2. Then 429 with Retry-After 30 s: the outbox waits that long, in the channel's order.
    slack.outage = Failure(status=429, retry_after=30, error="ratelimited")
    await vote(accord, CHLOE, 4, 5)
    await vote(accord, SAM, 3, 3)
    status, _ = await accord.command(SAM, "reveal")
    assert status == 200
    await pass_time(accord, 60, steps=4)
    assert len(slack.in_channel(CHANNEL)) == 2  # the start and the question, from before the outage

    # 3. Then Slack takes each new post but answers after the server gave up waiting.
    slack.outage = None
    slack.slow_answers["chat.postMessage"] = CLIENT_TIMEOUT + 1.0
    status, _ = await accord.command(SAM, "3 4 agreed after discussion", command="/finalise")
    assert status == 200
    calls_before = len(slack.calls)
    await pass_time(accord, 90, steps=3)
    timed_out = [c for c in slack.calls[calls_before:] if c.method == "chat.postMessage"]
    # A post whose answer never came is looked for in the channel before it is sent again.
    assert "conversations.history" in [c.method for c in slack.calls[calls_before:]]

    # 4. Slack recovers; the outbox's longest wait so far has passed.
    slack.slow_answers.clear()
    await pass_time(accord, 700, steps=2)

    rows = accord.outbox()
    print(
        f"{len(rows)} outbox messages; calls refused with 503: {refused_503}; calls answered too late: {len(timed_out)}; "
        f"attempts per message: {Counter(row['attempts'] for row in rows)}"
    )
    assert all(row["sent_at"] is not None for row in rows), [(row["id"], row["last_error"]) for row in rows if row["sent_at"] is None]
    assert all(row["failed_at"] is None for row in rows), [row["last_error"] for row in rows if row["failed_at"]]
    assert any(row["attempts"] > 1 for row in rows), "nothing was ever refused: the outage did not happen"

    posts = [p for p in slack.in_channel(CHANNEL)]
    ids = [p.metadata["event_payload"]["outbox_id"] for p in posts]
    assert Counter(ids).most_common(1)[0][1] == 1, f"a message was posted twice: {ids}"
    assert ids == sorted(ids), f"the channel's messages arrived out of order: {ids}"
    headings = [p.all_text().split("\n", 1)[0] for p in posts]
    expected = ["Sam started", "Question 1.1 ", "Votes revealed: question 1.1", "Consensus recorded: question 1.1", "Question 1.2 "]
    assert len(headings) == len(expected) and all(h.startswith(e) for h, e in zip(headings, expected)), headings
    # The reveal's charts were uploaded once each, after the reveal's post.
    uploads = [u for u in slack.uploads if u["channel"] == CHANNEL]
    titles = [f["title"] for u in uploads for f in u["files"]]
    assert titles and len(titles) == len(set(titles)), f"a chart was uploaded twice: {titles}"
    # The progress line shows the four votes as stored (it was last updated after the outage).
    assert "4 of 4" in question.all_text(), question.all_text()
