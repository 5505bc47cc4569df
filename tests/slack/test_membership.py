"""Only the channel's members are served there: checked with Slack's conversations.members, kept a minute.

Erin is in the workspace but not in #leadership. A signed request from her naming that channel
is as genuine as anyone's, so what protects the team's assessment is that Accord asks Slack who is
in the channel before it does anything but `help`.
"""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from storage.receipts import ReceiptRow
from storage.tables import AssessmentRow, MemberRow, OutboxRow, RoundRow, VoteRow
from storage.unit_of_work import SqlUnitOfWork
from tests.slack.conftest import AMIRA, CHANNEL, SAM
from tests.slack.fake_slack import Failure

ERIN = "U-ERIN"
NOT_A_MEMBER = "You are not a member of #leadership, so Accord cannot act there for you"


def stored(accord) -> dict[str, int]:
    with SqlUnitOfWork(accord.application.database, read_only=True) as uow:
        tables = (AssessmentRow, MemberRow, RoundRow, VoteRow, OutboxRow, ReceiptRow)
        return {t.__tablename__: len(uow.session.exec(select(t)).all()) for t in tables}


def lookups(accord) -> int:
    return len(accord.slack.called("conversations.members"))


@pytest.fixture
async def started(accord):
    accord.slack.person(ERIN, "Erin")
    await accord.command(SAM, "start mini-council")
    return accord


@pytest.mark.parametrize("text", ["status", "summary", "export", "export html", "join", "vote 2 4", "reveal", "who"])
async def test_someone_outside_the_channel_is_refused_and_nothing_changes(started, text):
    accord = started
    before, posts = stored(accord), len(accord.slack.in_channel(CHANNEL))
    status, answer = await accord.command(ERIN, text)
    assert (status, answer) == (200, "")
    assert NOT_A_MEMBER in accord.slack.ephemeral_to(ERIN)[-1]
    assert stored(accord) == before
    assert len(accord.slack.in_channel(CHANNEL)) == posts
    assert accord.slack.uploads == []
    # Help is for anyone, and needs no lookup.
    looked = lookups(accord)
    await accord.command(ERIN, "help")
    assert "What you can say to Accord" in accord.slack.ephemeral_to(ERIN)[-1]
    assert lookups(accord) == looked


async def test_a_member_is_served_and_the_channels_members_are_asked_once_a_minute(started):
    accord = started
    before = lookups(accord)
    await accord.command(AMIRA, "status")
    assert "0 of 4 have voted" in accord.slack.ephemeral_to(AMIRA)[-1]
    asked = lookups(accord) - before
    assert asked == 3  # six members, pages of two: the whole list, by cursor
    await accord.command(AMIRA, "status")
    await accord.command(SAM, "status")
    assert lookups(accord) - before == asked  # within the minute the set is kept
    await accord.command(AMIRA, "join")
    assert "already" in accord.slack.ephemeral_to(AMIRA)[-1].lower()


async def test_someone_just_invited_is_served_without_waiting_for_the_minute(started):
    from adapters.slack.membership import ChannelMembers

    accord = started
    now = [1000.0]
    accord.platform.listeners.w.members = ChannelMembers(clock=lambda: now[0])
    await accord.command(ERIN, "join")
    assert NOT_A_MEMBER in accord.slack.ephemeral_to(ERIN)[-1]
    accord.slack.channels[CHANNEL].append(ERIN)
    now[0] += 10  # a few seconds on, someone missing is asked about again
    refusals = len(accord.slack.ephemeral_to(ERIN))
    await accord.command(ERIN, "join")
    assert not any(NOT_A_MEMBER in text for text in accord.slack.ephemeral_to(ERIN)[refusals:])
    assert stored(accord)["member"] == 5


async def test_the_vote_button_opens_no_form_for_someone_outside_the_channel(started):
    accord = started
    status, _ = await accord.send(accord.block_actions(ERIN, "accord_vote", accord.vote_value()))
    assert status == 200
    await accord.deliver()
    modal = accord.slack.modals()[-1]
    assert modal.get("submit") is None
    assert NOT_A_MEMBER in json.dumps(modal)


async def test_a_private_channel_accord_was_not_invited_to_says_to_invite_it(started):
    accord = started
    before = stored(accord)
    await accord.command(SAM, "status", channel="G-PRIVATE")  # Slack: channel_not_found
    assert "Invite me first with `/invite @Accord`" in accord.slack.ephemeral_to(SAM)[-1]
    accord.slack.fail("conversations.members", Failure(status=200, retry_after=None, error="not_in_channel"))
    await accord.command(SAM, "join", channel="C-OTHER")
    assert "Invite me first with `/invite @Accord`" in accord.slack.ephemeral_to(SAM)[-1]
    await accord.command(SAM, "help", channel="G-PRIVATE")
    assert "What you can say to Accord" in accord.slack.ephemeral_to(SAM)[-1]
    assert stored(accord) == before


async def test_a_rate_limited_lookup_is_explained_and_changes_nothing(started):
    accord = started
    before = stored(accord)
    accord.slack.fail("conversations.members", Failure(status=429, retry_after=30, error="ratelimited"))
    await accord.command(AMIRA, "join")
    assert "Slack did not answer me just now" in accord.slack.ephemeral_to(AMIRA)[-1]
    assert stored(accord) == before


async def test_starting_an_assessment_in_someone_elses_channel_is_refused(accord):
    accord.slack.person(ERIN, "Erin")
    before = stored(accord)
    await accord.command(ERIN, "start mini-council")
    assert NOT_A_MEMBER in accord.slack.ephemeral_to(ERIN)[-1]
    assert stored(accord) == before
    assert accord.slack.in_channel(CHANNEL) == []
    assert len(accord.slack.called("conversations.members")) == 3  # the one lookup `start` makes anyway
