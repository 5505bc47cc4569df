"""The courier: voters' private confirmations, sent from a process of its own.

Against the local stand-in for Slack's Web API: what the courier is handed arrives with the
right token, also when it is stopped right after; when it has exited, the server sends the
confirmation itself and starts a new courier; a vote's confirmation reaches the voter either way.
"""

from __future__ import annotations

import asyncio

import pytest

from adapters.slack.courier import Courier
from engine import presenters
from engine.assessment import Identity
from tests.slack.conftest import AMIRA, BEN, CHANNEL, SAM
from tests.slack.fake_slack import Failure


def note(user_id: str, heading: str):
    return [presenters.notice(Identity("slack", "T-NORTHSHIRE", user_id), heading, "Only you can see this.")]


async def started(courier: Courier) -> None:
    """Ask once (it starts on first use, and says it cannot take that answer), then wait for it."""
    assert courier.answer("xoxb-t", "C1", "U0", note("U0", "warm-up")) is False
    for _ in range(200):
        if courier.pid is not None:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the courier did not start")


async def test_what_the_courier_is_handed_reaches_slack_with_its_token(slack) -> None:
    courier = Courier(slack.base_url + "/api/")
    await started(courier)
    try:
        for n in range(20):
            assert courier.answer("xoxb-northshire", CHANNEL, AMIRA, note(AMIRA, f"Vote {n} recorded"))
        await courier.flush(10)
        sent = slack.called("chat.postEphemeral")
        # Rendered as the server renders them: Block Kit, and the fallback text.
        assert [c.params["text"] for c in sent] == [f"Vote {n} recorded. Only you can see this." for n in range(20)]
        assert all(c.params["blocks"] and c.params["channel"] == CHANNEL and c.params["user"] == AMIRA for c in sent)
        assert {c.token for c in sent} == {"xoxb-northshire"}
    finally:
        await courier.stop(10)


async def test_stopping_sends_what_was_handed_over_first(slack) -> None:
    courier = Courier(slack.base_url + "/api/")
    await started(courier)
    for n in range(5):
        courier.answer("xoxb-northshire", CHANNEL, BEN, note(BEN, f"Last {n}"))
    stopped = courier.pid
    await courier.stop(10)
    assert len(slack.ephemeral_to(BEN)) == 5
    # Once stopped it takes nothing more (the server sends it), and no new courier is started.
    assert courier.answer("xoxb-northshire", CHANNEL, BEN, note(BEN, "Late")) is False
    await asyncio.sleep(0.2)
    assert courier.pid == stopped


async def test_a_rate_limited_call_is_retried_as_the_servers_own_calls_are(slack) -> None:
    courier = Courier(slack.base_url + "/api/")
    await started(courier)
    try:
        slack.fail("chat.postEphemeral", Failure(status=429, retry_after=1))
        courier.answer("xoxb-northshire", CHANNEL, AMIRA, note(AMIRA, "After a wait"))
        await courier.flush(10)
        assert slack.ephemeral_to(AMIRA)[-1:] and "After a wait" in slack.ephemeral_to(AMIRA)[-1]
    finally:
        await courier.stop(10)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_votes_are_confirmed_privately_whether_or_not_the_courier_is_running(accord) -> None:
    await accord.command(SAM, "start mini-council")
    await accord.vote(AMIRA, 3, 4)  # the first confirmation starts the courier
    courier = accord.platform.courier
    for _ in range(200):
        if courier.pid is not None:
            break
        await asyncio.sleep(0.02)
    first = courier.pid
    assert first is not None
    await accord.vote(BEN, 2, 3)  # sent by the courier
    courier._process.kill()  # noqa: SLF001 - the courier dies
    await courier._process.wait()  # noqa: SLF001
    await accord.vote(SAM, 3, 3)  # sent by the server itself while a new courier starts
    await accord.platform.settle(10)
    for who in (AMIRA, BEN, SAM):
        assert any("recorded your vote" in text for text in accord.slack.ephemeral_to(who)), (who, accord.slack.ephemeral_to(who))
    for _ in range(200):
        if courier.pid not in (None, first):
            break
        await asyncio.sleep(0.02)
    assert courier.pid not in (None, first)


async def test_the_same_confirmation_to_several_voters_reaches_each_and_others_stay_their_own(slack) -> None:
    """Distinct answers are rendered once and kept; what is kept never goes to the wrong person or channel."""
    same = [presenters.notice(None, "We recorded your vote on question 1.1", "Current position 3, ambition 4.")]
    courier = Courier(slack.base_url + "/api/")
    await started(courier)
    try:
        for user in (AMIRA, BEN, SAM):
            assert courier.answer("xoxb-northshire", CHANNEL, user, same)
        assert courier.answer("xoxb-northshire", "C-OTHER", BEN, same)
        assert courier.answer("xoxb-northshire", CHANNEL, SAM, note(SAM, "Your comment: we lack the data"))
        await courier.flush(10)
        sent = [(c.params["user"], c.params["channel"], c.params["text"]) for c in slack.called("chat.postEphemeral")]
        blocks = [c.params["blocks"] for c in slack.called("chat.postEphemeral")]
    finally:
        await courier.stop(10)
    recorded = "We recorded your vote on question 1.1. Current position 3, ambition 4."
    assert sent == [
        (AMIRA, CHANNEL, recorded),
        (BEN, CHANNEL, recorded),
        (SAM, CHANNEL, recorded),
        (BEN, "C-OTHER", recorded),
        (SAM, CHANNEL, "Your comment: we lack the data. Only you can see this."),
    ]
    assert blocks[0] == blocks[1] == blocks[2] and "comment" in str(blocks[4]).lower()
