"""A whole assessment in a Slack channel, over real HTTP, from `/accord start` to the summary's charts.

Reads as the channel would live it: Sam starts, everyone votes in the modal, Sam reveals, the
team sees the anonymous spread, Sam finalises, and so on to the end. After every step the test
looks at what Slack was asked to show, and to whom.
"""

from __future__ import annotations

import json

from sqlmodel import select

from storage.tables import PersonProfileRow, VoteRow
from storage.unit_of_work import SqlUnitOfWork
from tests.slack.conftest import AMIRA, BEN, CHANNEL, CHLOE, SAM
from tests.slack.fake_slack import _block_text

VOTES = {
    # question: {voter: (current, ambition, comment)}
    "1.1": {AMIRA: (2, 3, "our data is patchy"), BEN: (3, 4, "the place profile is new"), CHLOE: (3, 3, ""), SAM: (4, 5, "")},
    "1.2": {AMIRA: (1, 3, "we consult too late"), BEN: (5, 5, ""), CHLOE: (1, 4, ""), SAM: (5, 5, "")},
    "2.1": {AMIRA: (3, 4, ""), BEN: (3, 4, ""), CHLOE: (4, 4, "plan is solid"), SAM: (3, 5, "")},
}
AGREED = {"1.1": "3 4 agreed after discussion", "1.2": "2 4", "2.1": ""}
COMMENTS = [c for q in VOTES.values() for (_, _, c) in q.values() if c]


def channel_text(accord) -> str:
    return "\n".join(p.all_text() for p in accord.slack.in_channel(CHANNEL))


def assert_no_vote_leaked(accord) -> None:
    """The channel never sees a comment, nor anyone's name next to a score."""
    shown = channel_text(accord)
    for comment in COMMENTS:
        assert comment not in shown
    for upload in accord.slack.uploads:
        if upload["channel"] == CHANNEL:
            for f in upload["files"]:
                assert not any(c in (f.get("alt_txt") or "") for c in COMMENTS)


async def test_a_team_runs_a_whole_assessment_in_its_channel(accord):
    slack = accord.slack
    status, body = await accord.command(SAM, "start mini-council")
    assert (status, body) == (200, "")

    intro, question = slack.in_channel(CHANNEL)
    assert "Sam started A short council self-assessment" in intro.all_text()
    assert "Members: Amira, Ben, Chloe, Sam." in intro.all_text()  # not the bot, not the deactivated account
    assert "Question 1.1 (1 of 3)" in question.all_text()
    assert "0 of 4 have voted" in question.all_text()
    with SqlUnitOfWork(accord.application.database, read_only=True) as uow:
        zones = {r.user_id: r.timezone for r in uow.session.exec(select(PersonProfileRow)).all()}
    assert zones == {SAM: "Europe/London", AMIRA: "Europe/London", BEN: "Europe/London", CHLOE: "Europe/London"}

    for number, votes in VOTES.items():
        question = accord.question_message()
        assert f"Question {number}" in question.all_text()
        posts_before = len(slack.in_channel(CHANNEL))
        for count, (voter, (current, ambition, comment)) in enumerate(votes.items(), start=1):
            modal = await accord.open_vote(voter)
            assert [b.get("block_id") for b in modal["blocks"] if b["type"] == "input"] == ["current", "ambition", "comment"]
            status, answer = await accord.vote(voter, current, ambition, comment)
            assert (status, answer) == (200, {}), answer  # the modal closes
            confirmation = slack.ephemeral_to(voter)[-1]
            assert f"Current position {current}" in confirmation and f"ambition {ambition}" in confirmation
            # The progress line is the question's own message, edited in place.
            assert len(slack.in_channel(CHANNEL)) == posts_before
            assert f"{count} of 4 have voted" in question.all_text()
            assert question.edits == count
        assert_no_vote_leaked(accord)

        await accord.command(SAM, "who")
        private = slack.ephemeral_to(SAM)[-1]
        assert "Amira" in private and "Only you can see this." in private
        assert not any("Who voted what" in text for user in (AMIRA, BEN, CHLOE) for text in slack.ephemeral_to(user))

        await accord.command(SAM, "reveal")
        reveal = slack.in_channel(CHANNEL)[-1]
        assert f"Votes revealed: question {number}" in reveal.all_text()
        assert "Voting closed" in question.all_text()
        chart = slack.uploads[-1]
        assert chart["channel"] == CHANNEL and chart["files"][0]["alt_txt"].startswith(f"Votes on question {number}")
        assert chart["files"][0]["bytes"].startswith(b"\x89PNG")

        posts_before = len(slack.in_channel(CHANNEL))
        status, body = await accord.command(AMIRA, "1 5", command="/finalise")
        assert status == 200
        assert "Only the super-user can record the consensus; ask Sam." in slack.ephemeral_to(AMIRA)[-1]
        assert len(slack.in_channel(CHANNEL)) == posts_before

        await accord.command(SAM, AGREED[number], command="/finalise")
        posted = [p.all_text() for p in slack.in_channel(CHANNEL)]
        consensus = next(text for text in reversed(posted) if f"Consensus recorded: question {number}" in text)
        assert "Agreed: current position" in consensus
        assert_no_vote_leaked(accord)

    texts = [p.all_text() for p in slack.in_channel(CHANNEL)]
    assert any("Assessment complete" in t for t in texts)
    summary = texts[-1]
    assert "Summary: A short council self-assessment" in summary
    titles = [f["title"] for upload in slack.uploads for f in upload["files"]]
    start = titles.index("Where we are and where we aim to be, by theme")
    summary_charts = titles[start:]
    assert summary_charts[:2] == ["Where we are and where we aim to be, by theme", "Ambition gap by theme"]
    # then how the team voted on the most contested question(s)
    assert summary_charts[2:] and all(t.endswith(": how the team voted") for t in summary_charts[2:])
    uploaded = [f for u in slack.uploads for f in u["files"]][start:]
    assert all(f["alt_txt"] and f["bytes"].startswith(b"\x89PNG") for f in uploaded)
    assert "LG Inform" in "\n".join(texts)  # a theme's resources come with its consensus

    with SqlUnitOfWork(accord.application.database) as uow:
        assert len(uow.session.exec(select(VoteRow)).all()) == 12
    assert not [row for row in accord.outbox() if row["sent_at"] is None]


async def test_the_app_home_shows_what_waits_for_a_member(accord):
    await accord.command(SAM, "start mini-council")
    await accord.vote(BEN, 3, 4)
    body = {
        "token": "legacy",
        "team_id": "T-NORTHSHIRE",
        "api_app_id": "A-ACCORD",
        "type": "event_callback",
        "event_id": "Ev1",
        "event_time": 1700000000,
        "event": {"type": "app_home_opened", "user": AMIRA, "channel": "D-AMIRA", "tab": "home"},
    }
    for user in (AMIRA, BEN):
        body["event"]["user"] = user
        body["event_id"] = f"Ev-{user}"
        raw = json.dumps(body)
        headers = {**accord.headers(raw), "Content-Type": "application/json"}
        status, _ = await accord.post(raw, headers)
        assert status == 200
    await accord.deliver()
    published = {c.params["user_id"]: c.params["view"] for c in accord.slack.called("views.publish")}
    amira, ben = _block_text(published[AMIRA]["blocks"]), _block_text(published[BEN]["blocks"])
    assert "Question 1.1 (1 of 3)" in amira and "Nothing is waiting for you" not in amira
    assert "Nothing is waiting for you" in ben
    assert "A short council self-assessment" in ben and "1 of 4 have voted" in ben


async def test_the_app_home_shows_only_the_viewers_own_assessments(accord):
    """Someone in neither the channel nor the assessment sees nothing of it, not even its title."""
    await accord.command(SAM, "start mini-council")
    raw = json.dumps(
        {
            "token": "legacy", "team_id": "T-NORTHSHIRE", "api_app_id": "A-ACCORD", "type": "event_callback",
            "event_id": "Ev-dana", "event_time": 1700000000,
            "event": {"type": "app_home_opened", "user": "U-DANA", "channel": "D-DANA", "tab": "home"},
        }
    )  # fmt: skip
    status, _ = await accord.post(raw, {**accord.headers(raw), "Content-Type": "application/json"})
    assert status == 200
    await accord.deliver()
    (view,) = [c.params["view"] for c in accord.slack.called("views.publish") if c.params["user_id"] == "U-DANA"]
    shown = _block_text(view["blocks"])
    assert "A short council self-assessment" not in shown and "have voted" not in shown


def button(posted, action_id: str) -> str:
    for blk in posted.blocks:
        for element in blk.get("elements", []) or []:
            if element.get("action_id") == action_id:
                return element["value"]
    raise AssertionError(f"no {action_id} button in {posted.all_text()[:200]}")


async def test_accept_proposal_is_for_the_super_user_only(accord):
    await accord.command(SAM, "start mini-council")
    for voter in (AMIRA, BEN, CHLOE, SAM):
        await accord.vote(voter, 3, 4)
    await accord.command(SAM, "reveal")
    reveal = accord.slack.in_channel(CHANNEL)[-1]
    value = button(reveal, "accord_finalise")

    status, _ = await accord.send(accord.block_actions(AMIRA, "accord_finalise", value))
    assert status == 200
    await accord.deliver()
    assert "Only the super-user can record the consensus" in accord.slack.ephemeral_to(AMIRA)[-1]
    assert not any("Consensus recorded" in p.all_text() for p in accord.slack.in_channel(CHANNEL))

    await accord.send(accord.block_actions(SAM, "accord_finalise", value))
    await accord.deliver()
    consensus = next(p.all_text() for p in accord.slack.in_channel(CHANNEL) if "Consensus recorded" in p.all_text())
    assert "Agreed: current position 3 (Established), ambition 4 (Advanced)." in consensus


async def test_roles_are_given_by_mention_escaped_or_plain(accord):
    await accord.command(SAM, "start mini-council")
    await accord.command(SAM, "superuser <@U-AMIRA|amira>")
    assert "Amira is now a super-user" in accord.slack.in_channel(CHANNEL)[-1].all_text()
    await accord.command(SAM, "observer @ben")
    assert "Ben is now an observer" in accord.slack.in_channel(CHANNEL)[-1].all_text()
    await accord.command(AMIRA, "member @nobody")
    assert "I can't find @nobody in this channel." in accord.slack.ephemeral_to(AMIRA)[-1]


async def test_a_bare_finalise_on_two_camps_is_refused_and_the_agreed_answer_is_recorded_with_its_note(accord):
    """#16: votes 1, 1, 5, 5; the reveal offers no "Accept proposal"; a bare /finalise is refused
    with the reason; `finalise 2 4 two camps, agreed the lower view` is recorded."""
    slack = accord.slack
    await accord.command(SAM, "start mini-council")
    await accord.vote(AMIRA, 1, 2)
    await accord.command(SAM, "who")  # Sam has not voted: names only, and why
    early = slack.ephemeral_to(SAM)[-1]
    assert "once you have cast your own" in early and "current 1" not in early
    for voter, (current, ambition) in ((BEN, (5, 5)), (CHLOE, (5, 5)), (SAM, (1, 3))):
        await accord.vote(voter, current, ambition)
    await accord.command(SAM, "reveal")
    reveal = slack.in_channel(CHANNEL)[-1]
    assert "split into two camps" in reveal.all_text()
    assert "the current position rounds down and the ambition rounds up" in reveal.all_text()
    assert not any(element.get("action_id") == "accord_finalise" for blk in reveal.blocks for element in blk.get("elements", []) or [])

    posts_before = len(slack.in_channel(CHANNEL))
    status, _ = await accord.command(SAM, "", command="/finalise")
    assert status == 200
    refusal = slack.ephemeral_to(SAM)[-1]
    assert "The team is split into two camps on the current position (1, 1, 5, 5)" in refusal
    assert "finalise &lt;current&gt; &lt;ambition&gt; &lt;note&gt;" in refusal or "finalise <current> <ambition> <note>" in refusal
    assert len(slack.in_channel(CHANNEL)) == posts_before

    await accord.command(SAM, "2 4 two camps, agreed the lower view", command="/finalise")
    consensus = next(p.all_text() for p in reversed(slack.in_channel(CHANNEL)) if "Consensus recorded: question 1.1" in p.all_text())
    assert "Agreed: current position 2" in consensus and "ambition 4" in consensus
    assert "Note: two camps, agreed the lower view" in consensus
