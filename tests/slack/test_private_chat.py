"""Commands said to Accord privately act on the assessment the person takes part in.

A reminder tells people to say `vote 2 4` to Accord. Said in a direct message (the slash command
there, or typed in Accord's Messages tab), it records the vote on the assessment under way in
the channel where the person is a member; the channel sees the progress, never the vote.
"""

from __future__ import annotations

import json

from sqlmodel import select

from storage.tables import VoteRow
from storage.unit_of_work import SqlUnitOfWork
from tests.slack.conftest import AMIRA, BEN, CHANNEL, SAM, TEAM


def votes(accord) -> list[tuple[int, int, str]]:
    with SqlUnitOfWork(accord.application.database, read_only=True) as uow:
        return [(v.current, v.ambition, v.comment) for v in uow.session.exec(select(VoteRow))]


def typed_in_messages_tab(user: str, text: str, event_id: str) -> str:
    return json.dumps(
        {
            "token": "x", "team_id": TEAM, "api_app_id": "A-ACCORD", "type": "event_callback",
            "event_id": event_id, "event_time": 1700000000,
            "event": {"type": "message", "channel_type": "im", "channel": "D" + user, "user": user, "text": text,
                      "ts": "1700000000.000100", "team": TEAM},
        }
    )  # fmt: skip


async def test_a_slash_command_vote_in_a_direct_message_is_recorded_on_the_persons_assessment(accord):
    await accord.command(SAM, "start mini-council")
    await accord.command(AMIRA, "vote 2 4 our data is patchy", channel="D" + AMIRA)
    assert votes(accord) == [(2, 4, "our data is patchy")]
    assert "1 of 4 have voted" in accord.question_message().all_text()
    assert "our data is patchy" not in "".join(p.all_text() for p in accord.slack.in_channel(CHANNEL))


async def test_a_vote_typed_in_the_messages_tab_is_recorded_once_however_often_slack_sends_it(accord):
    await accord.command(SAM, "start mini-council")
    raw = typed_in_messages_tab(AMIRA, "vote 3 4", "Ev-amira-1")
    for retry in (None, 1):
        status, _ = await accord.post(raw, {**accord.headers(raw, retry=retry), "Content-Type": "application/json"})
        assert status == 200
        await accord.deliver()
    assert votes(accord) == [(3, 4, "")]
    assert "1 of 4 have voted" in accord.question_message().all_text()
    assert any("recorded your vote" in text for text in accord.slack.ephemeral_to(AMIRA))


async def test_accords_own_messages_in_the_messages_tab_are_not_commands(accord):
    await accord.command(SAM, "start mini-council")
    raw = json.dumps(
        {
            "token": "x", "team_id": TEAM, "api_app_id": "A-ACCORD", "type": "event_callback", "event_id": "Ev-bot",
            "event_time": 1700000000,
            "event": {"type": "message", "channel_type": "im", "channel": "D" + AMIRA, "bot_id": "B-ACCORD",
                      "text": "vote 3 4", "ts": "1700000000.000200"},
        }
    )  # fmt: skip
    status, _ = await accord.post(raw, {**accord.headers(raw), "Content-Type": "application/json"})
    assert status == 200
    await accord.deliver()
    assert votes(accord) == []


async def test_a_direct_message_from_someone_in_no_assessment_is_answered_and_changes_nothing(accord):
    await accord.command(BEN, "vote 2 4", channel="D" + BEN)
    assert votes(accord) == []
    assert "not taking part in an assessment under way" in accord.slack.ephemeral_to(BEN)[-1]
