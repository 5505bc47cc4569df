"""`audit` in Slack, over real HTTP: the super-user's private view of the trail (issue 16)."""

from __future__ import annotations

from tests.slack.conftest import AMIRA, BEN, CHANNEL, CHLOE, SAM


async def test_the_super_user_reads_the_trail_privately_and_a_member_is_refused(accord):
    slack = accord.slack
    await accord.command(SAM, "start mini-council")
    for voter, (current, ambition) in ((AMIRA, (2, 3)), (AMIRA, (1, 3)), (BEN, (1, 2)), (CHLOE, (5, 5)), (SAM, (5, 5))):
        await accord.vote(voter, current, ambition)
    await accord.command(SAM, "reveal")
    await accord.command(SAM, "", command="/finalise")  # a bare finalise on two camps is refused, with the reason
    assert "split into two camps on the current position (1, 1, 5, 5)" in slack.ephemeral_to(SAM)[-1]
    await accord.command(SAM, "2 4 two camps, agreed the lower view", command="/finalise")
    posted = len(slack.in_channel(CHANNEL))

    await accord.command(SAM, "audit")
    seen = slack.ephemeral_to(SAM)[-1]
    assert "Audit trail of A short council self-assessment" in seen
    assert "Sam: revealed, question 1.1" in seen
    assert "Amira: vote changed, question 1.1: current 2, ambition 3 → current 1, ambition 3" in seen
    assert "Note: two camps, agreed the lower view" in seen and "slack" in seen
    assert len(slack.in_channel(CHANNEL)) == posted  # nothing in the channel

    await accord.command(AMIRA, "history")
    assert "Only the super-user can read the audit trail" in slack.ephemeral_to(AMIRA)[-1]
