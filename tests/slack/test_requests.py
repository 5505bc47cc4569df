"""Requests Slack would never send, or would send twice: a clear answer, and nothing stored.

Forged, stale and unsigned requests are refused by bolt's signature check with 401 before any
listener runs. A delivery Slack retries (``X-Slack-Retry-Num``) is applied once. Malformed
payloads and refused commands get an answer a person can act on and change nothing.
"""

from __future__ import annotations

import json
import time

import pytest
from sqlmodel import select

from storage.receipts import ReceiptRow
from storage.tables import AssessmentRow, OutboxRow, RoundRow, VoteRow
from storage.unit_of_work import SqlUnitOfWork
from tests.slack.conftest import AMIRA, BEN, CHANNEL, SAM

pytestmark = pytest.mark.wire  # an adapter's edge, not storage: SQLite alone (tests/conftest.py)


def count(accord, table) -> int:
    with SqlUnitOfWork(accord.application.database, read_only=True) as uow:
        return len(uow.session.exec(select(table)).all())


def stored(accord) -> dict[str, int]:
    return {t.__tablename__: count(accord, t) for t in (AssessmentRow, RoundRow, VoteRow, OutboxRow, ReceiptRow)}


# ------------------------------------------------------------------------- signatures


async def test_forged_stale_and_unsigned_requests_get_401_and_change_nothing(accord):
    body = accord.command_body(SAM, "start mini-council")
    forged = accord.headers(body, secret="not-the-signing-secret")
    stale = accord.headers(body, timestamp=int(time.time()) - 10 * 60)
    unsigned = {"Content-Type": "application/x-www-form-urlencoded"}
    tampered = accord.headers(body)
    for headers, sent in ((forged, body), (stale, body), (unsigned, body), (tampered, body.replace("start", "close"))):
        status, answer = await accord.post(sent, headers)
        assert status == 401, answer
    await accord.deliver()
    assert stored(accord) == {"assessment": 0, "round": 0, "vote": 0, "outbox": 0, "receipt": 0}
    assert accord.slack.calls == []  # not even auth.test: nothing reached a listener


async def test_a_forged_vote_is_refused_and_not_counted(accord):
    await accord.command(SAM, "start mini-council")
    view = await accord.open_vote(AMIRA)
    body = accord.interaction(accord.view_submission(AMIRA, view, 3, 4))
    status, _ = await accord.post(body, accord.headers(body, secret="guessed"))
    assert status == 401
    assert count(accord, VoteRow) == 0
    assert "0 of 4 have voted" in accord.question_message().all_text()


async def test_an_unreadable_body_is_refused_unless_signed_and_then_explained(accord):
    body = "payload=%7Bnot-json"
    status, _ = await accord.post(body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 401
    status, answer = await accord.post(body, accord.headers(body))
    assert (status, answer) == (400, "Accord could not read this request. Nothing was changed.")
    assert stored(accord)["assessment"] == 0


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "view_submission"},
        {"type": "view_submission", "team": {"id": "T-NORTHSHIRE"}, "user": {"id": SAM}, "view": {"callback_id": "accord_vote"}},
        {"type": "block_actions", "team": {"id": "T-NORTHSHIRE"}},
        ["not", "an", "object"],
    ],
)
async def test_payloads_missing_what_slack_always_sends_are_refused_clearly(accord, payload):
    await accord.command(SAM, "start mini-council")
    before = stored(accord)
    body = accord.interaction(payload)
    status, _ = await accord.post(body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 401
    status, answer = await accord.send(payload)
    assert (status, answer) == (400, "Accord could not read this request. Nothing was changed.")
    await accord.deliver()
    assert stored(accord) == before


# ---------------------------------------------------------------------------- retries


async def test_a_retried_vote_is_counted_once(accord):
    await accord.command(SAM, "start mini-council")
    view = await accord.open_vote(AMIRA)
    submission = accord.view_submission(AMIRA, view, 2, 4, "first time")
    status, _ = await accord.send(submission)
    assert status == 200
    await accord.deliver()
    before = stored(accord)
    for retry in (1, 2):
        status, answer = await accord.send(submission, retry=retry)
        assert (status, answer) == (200, "")  # Slack sees success and stops retrying
    await accord.deliver()
    assert stored(accord) == before
    assert before["vote"] == 1
    assert len(accord.slack.ephemeral_to(AMIRA)) == 1  # one confirmation, not "we changed your vote"
    assert accord.question_message().edits == 1  # one progress update


async def test_a_retried_finalise_finalises_one_question_only(accord):
    await accord.command(SAM, "start mini-council")
    for voter in (SAM, AMIRA):
        await accord.vote(voter, 3, 4)
    await accord.command(SAM, "reveal")
    body = accord.command_body(SAM, "3 4", command="/finalise")
    status, _ = await accord.post(body, accord.headers(body))
    assert status == 200
    await accord.deliver()
    status, _ = await accord.post(body, accord.headers(body, retry=1))
    assert status == 200
    await accord.deliver()
    consensus = [p for p in accord.slack.in_channel(CHANNEL) if "Consensus recorded" in p.all_text()]
    assert len(consensus) == 1
    assert "Question 1.2 (2 of 3)" in accord.question_message().all_text()
    assert "0 of 4 have voted" in accord.question_message().all_text()


# ------------------------------------------------------------------- refused commands


async def test_a_members_finalise_is_refused_privately_and_nothing_is_stored(accord):
    await accord.command(SAM, "start mini-council")
    await accord.vote(AMIRA, 3, 4)
    await accord.command(SAM, "reveal")
    before, posts = stored(accord), len(accord.slack.in_channel(CHANNEL))
    status, answer = await accord.command(BEN, "3 4 we agreed", command="/finalise")
    assert (status, answer) == (200, "")
    assert accord.slack.ephemeral_to(BEN)[-1].endswith("Only the super-user can record the consensus; ask Sam.")
    assert stored(accord) == before
    assert len(accord.slack.in_channel(CHANNEL)) == posts


async def test_an_unknown_command_gets_the_grammars_suggestion(accord):
    await accord.command(SAM, "statsu")
    assert "Did you mean `status`?" in accord.slack.ephemeral_to(SAM)[-1]
    assert stored(accord)["assessment"] == 0


async def test_starting_where_accord_is_not_invited_says_what_to_do(accord):
    await accord.command(SAM, "start", channel="C-ELSEWHERE")
    assert "Invite me first with `/invite @Accord`" in accord.slack.ephemeral_to(SAM)[-1]
    assert stored(accord)["assessment"] == 0


async def test_a_slash_command_without_a_person_is_answered_in_the_response(accord):
    body = accord.command_body(SAM, "start").replace("user_id=U-SAM&", "")
    status, answer = await accord.post(body, accord.headers(body))
    assert status == 200 and "could not read this command" in answer
    await accord.deliver()
    assert stored(accord)["assessment"] == 0


# -------------------------------------------------------------------- the vote modal


async def test_the_modal_shows_the_scale_and_remembers_a_vote(accord):
    await accord.command(SAM, "start mini-council")
    view = await accord.open_vote(AMIRA)
    radios = [b["element"] for b in view["blocks"] if b["type"] == "input" and b["element"]["type"] == "radio_buttons"]
    assert [o["text"]["text"] for o in radios[0]["options"]] == ["1 Emerging", "2 Developing", "3 Established", "4 Advanced", "5 Leading"]
    assert radios[0]["options"][3]["description"]["text"].endswith("…")  # clipped to Slack's 75 characters
    assert len(radios[0]["options"][3]["description"]["text"]) == 75
    await accord.send(accord.view_submission(AMIRA, view, 2, 4, "draft"))
    await accord.deliver()
    again = await accord.open_vote(AMIRA)
    chosen = [b["element"].get("initial_option", {}).get("value") for b in again["blocks"] if b["type"] == "input"]
    assert chosen[:2] == ["2", "4"]


async def test_refused_votes_come_back_on_the_field_at_fault(accord):
    await accord.command(SAM, "start mini-council")
    view = await accord.open_vote(AMIRA)
    cases = [
        ((9, 9), "current", "off the scale"),
        ((3, 2), "ambition", "below the current position"),
        ((None, 3), "current", "Choose where we are now."),
        (("x", 3), "current", "is not a point on the scale"),
    ]
    for (current, ambition), block, words in cases:
        submission = accord.view_submission(AMIRA, view, None, ambition)
        if current is not None:
            submission["view"]["state"]["values"]["current"] = {
                "choice": {"type": "radio_buttons", "selected_option": {"value": str(current)}}
            }
        status, answer = await accord.send(submission)
        assert status == 200
        errors = json.loads(answer)
        assert errors["response_action"] == "errors"
        assert words in errors["errors"][block], errors
    assert count(accord, VoteRow) == 0


async def test_a_stale_form_or_a_closed_round_is_explained_in_the_modal(accord):
    await accord.command(SAM, "start mini-council")
    view = await accord.open_vote(AMIRA)
    broken = accord.view_submission(AMIRA, {**view, "private_metadata": "{}"}, 3, 4)
    status, answer = await accord.send(broken)
    assert "out of date" in json.loads(answer)["errors"]["current"]
    await accord.vote(BEN, 3, 4)
    await accord.vote(SAM, 3, 4)
    button = accord.vote_value()
    await accord.command(SAM, "reveal")
    status, answer = await accord.send(accord.view_submission(AMIRA, view, 3, 4))
    assert "Voting on question 1.1 has closed" in json.loads(answer)["errors"]["current"]
    assert count(accord, VoteRow) == 2
    # Pressing Vote on the closed question explains instead of offering a form.
    await accord.send(accord.block_actions(AMIRA, "accord_vote", button))
    await accord.deliver()
    modal = accord.slack.modals()[-1]
    assert modal.get("submit") is None and "Voting on question 1.1 has closed" in json.dumps(modal)


async def test_a_button_that_cannot_be_read_is_answered_privately(accord):
    await accord.command(SAM, "start mini-council")
    status, _ = await accord.send(accord.block_actions(AMIRA, "accord_vote", "garbage"))
    assert status == 200
    await accord.deliver()
    assert "out of date" in accord.slack.ephemeral_to(AMIRA)[-1]
    assert accord.slack.modals() == []


# ------------------------------------------------------------------------ acknowledgement


async def test_commands_are_acknowledged_before_the_slow_work(accord):
    accord.slack.delays["conversations.members"] = 0.6  # each of three pages: a slow Slack
    body = accord.command_body(SAM, "start mini-council")
    started = time.perf_counter()
    status, answer = await accord.post(body, accord.headers(body))
    acknowledged = time.perf_counter() - started
    assert (status, answer) == (200, "") and acknowledged < 0.5
    assert accord.slack.in_channel(CHANNEL) == []  # the start is still fetching the members
    await accord.deliver()
    assert "Sam started" in accord.slack.in_channel(CHANNEL)[0].all_text()


async def test_a_vote_the_database_cannot_store_is_refused_on_the_form_and_nothing_is_kept(accord, caplog):
    from sqlalchemy import event

    await accord.command(SAM, "start mini-council")
    view = await accord.open_vote(AMIRA)
    before = stored(accord)
    database = accord.application.database

    def disk_full(connection) -> None:
        raise OSError("disk I/O error")

    event.listen(database, "commit", disk_full)
    try:
        status, answer = await accord.send(accord.view_submission(AMIRA, view, 3, 4))
    finally:
        event.remove(database, "commit", disk_full)
    caplog.clear()  # the failure is logged on purpose
    assert status == 200
    errors = json.loads(answer)
    assert errors["response_action"] == "errors"
    assert "could not be saved" in errors["errors"]["current"]
    assert stored(accord) == before
    # The form is still open: submitting again once the disk is back records the vote.
    status, answer = await accord.send(accord.view_submission(AMIRA, view, 3, 4))
    assert (status, answer) == (200, "")
    assert count(accord, VoteRow) == 1
