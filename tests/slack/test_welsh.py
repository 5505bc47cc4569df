"""Slack in Welsh (issue 19): a person whose Slack locale is cy-GB (users.info with
include_locale, answered by the fake Slack server) is written to in Welsh; the channel keeps the
organisation's English. Real slack-bolt over signed HTTP."""

from __future__ import annotations

import json

import pytest

from tests.slack.conftest import AMIRA, BEN, SAM

pytestmark = pytest.mark.wire  # an adapter's edge, not storage: SQLite alone (tests/conftest.py)


async def test_a_member_whose_slack_locale_is_welsh_gets_their_vote_confirmed_in_welsh(slack, accord):
    slack.users[AMIRA]["locale"] = "cy-GB"
    await accord.command(SAM, "start mini-council")
    await accord.command(AMIRA, "vote 2 4")
    assert any("Rydym wedi cofnodi eich pleidlais ar gwestiwn" in text for text in accord.slack.ephemeral_to(AMIRA))
    await accord.command(BEN, "vote 3 4")
    assert any("We recorded your vote on question" in text for text in accord.slack.ephemeral_to(BEN))
    assert "2 of 4 have voted" in accord.question_message().all_text()  # the channel: the organisation's English


async def test_the_vote_form_is_in_welsh_for_a_welsh_locale(slack, accord):
    slack.users[AMIRA]["locale"] = "cy-GB"
    await accord.command(SAM, "start mini-council")  # keeps each member's locale with their clock
    modal = await accord.open_vote(AMIRA)
    shown = json.dumps(modal, ensure_ascii=False)
    assert "Eich pleidlais" in shown and "Ble rydym ni nawr?" in shown
    assert "Where are we now?" not in shown
    english = json.dumps(await accord.open_vote(BEN), ensure_ascii=False)
    assert "Where are we now?" in english


async def test_the_app_home_of_a_member_who_chose_welsh_is_in_welsh(slack, accord):
    await accord.command(SAM, "start mini-council")
    await accord.command(AMIRA, "language cy")
    raw = json.dumps(
        {
            "token": "legacy", "team_id": "T-NORTHSHIRE", "api_app_id": "A-ACCORD", "type": "event_callback",
            "event_id": "Ev-home-amira", "event_time": 1700000000,
            "event": {"type": "app_home_opened", "user": AMIRA, "channel": "D-AMIRA", "tab": "home"},
        }
    )  # fmt: skip
    status, _ = await accord.post(raw, {**accord.headers(raw), "Content-Type": "application/json"})
    assert status == 200
    await accord.deliver()
    (published,) = [c.params["view"] for c in accord.slack.called("views.publish") if c.params["user_id"] == AMIRA]
    shown = json.dumps(published, ensure_ascii=False)
    assert "Yn aros am eich pleidlais" in shown and "Cwestiwn 1.1 (1 o 3)" in shown
    assert "Mae cwestiwn 1.1 ar agor: 0 o 4 wedi pleidleisio." in shown
    assert "Waiting for your vote" not in shown


async def test_anyone_may_choose_their_language_even_outside_an_assessments_channel(slack, accord):
    await accord.command("U-DANA-NOT-HERE", "language cy")
    assert any("Mae Accord yn ysgrifennu atoch yn Gymraeg" in text for text in accord.slack.ephemeral_to("U-DANA-NOT-HERE"))
