"""What people see: the channel gets counts and the anonymous spread, never who voted what."""

from __future__ import annotations

import re

import pytest

from engine.assessment import Role, Settings
from engine.errors import NotPermitted
from engine.presenters import (
    consensus_message,
    error_message,
    individual_votes_message,
    question_message,
    reveal_message,
    round_key,
    skipped_message,
    status_message,
    summary_charts,
    summary_message,
    vote_recorded,
)
from engine.scoring import score
from engine.views import ChartKind, Kind
from tests.unit.conftest import (
    AGREED,
    ANA,
    BEN,
    CAI,
    NAMES,
    OBI,
    POLARISED,
    SAM,
    SPREAD,
    agree,
    at,
    cast,
    render,
    start,
    worked,
)

SECRET = "I think the budget is fiction"


def names_in(text: str) -> set[str]:
    return {name for name in NAMES.values() if re.search(rf"\b{name}\b", text)}


def vote_secretly(assessment, votes):
    for voter, (current, ambition) in votes.items():
        assessment.cast_vote(voter, "budget", current, ambition, at(1), comment=SECRET)


# --- the question -------------------------------------------------------------------------------------


def test_the_question_shows_the_prompt_every_level_the_progress_and_a_vote_button(assessment, tiny):
    message = question_message(assessment, assessment.focus_round)
    budget = tiny.question("1.1")
    assert message.kind is Kind.QUESTION and not message.is_private
    assert message.heading == "Question 1.1 (1 of 4) · Money"
    assert message.text == ("How sound is our budget?", "Look at the last three budgets.")
    assert [(f.label, f.value) for f in message.fields] == [
        (f"{p} {label}", budget.descriptor(p))
        for p, label in [(1, "Emerging"), (2, "Developing"), (3, "Established"), (4, "Advanced"), (5, "Leading")]
    ]
    assert [o.description for o in message.inputs[0].options] == [budget.descriptor(p) for p in range(1, 6)]
    assert [(b.action, b.label, b.value) for b in message.buttons] == [("vote", "Vote", "budget")]
    assert message.footer == "0 of 6 have voted."
    assert message.key == round_key(assessment, assessment.focus_round)


def test_votes_change_only_the_count_on_the_channels_question_message(assessment):
    before = question_message(assessment, assessment.focus_round)
    vote_secretly(assessment, {ANA: (1, 2), BEN: (5, 5), SAM: (4, 4)})
    after = question_message(assessment, assessment.focus_round)
    assert after.footer == "3 of 6 have voted."
    assert after.key == before.key  # the same channel message, updated in place
    assert names_in(render(after)) == set()
    assert SECRET not in render(after)
    assert render(after).replace("3 of 6", "0 of 6") == render(before)


def test_a_reopened_question_says_everyone_votes_again(tiny):
    a = start(tiny, settings=Settings(auto_advance=False))
    agree(a, "budget", AGREED)
    round_ = a.reopen(SAM, "1.1", at(10))
    message = question_message(a, round_)
    assert "Round 2: the question was reopened, so everyone votes again." in message.text
    assert message.key == "round:a-1:budget:2"


def test_a_vote_is_confirmed_to_the_voter_alone(assessment):
    first = assessment.cast_vote(ANA, "budget", 2, 4, at(1), comment=SECRET)
    message = vote_recorded(assessment, "budget", assessment.own_vote(ANA, "budget"), first)
    assert message.kind is Kind.VOTE_RECORDED and message.is_private and message.audience.person == ANA
    assert message.heading == "We recorded your vote on question 1.1"
    assert message.text[0] == "Current position 2 (Developing), ambition 4 (Advanced)."
    assert f"Your comment: {SECRET}" in message.text
    changed = assessment.cast_vote(ANA, "budget", 3, 4, at(2))
    again = vote_recorded(assessment, "budget", assessment.own_vote(ANA, "budget"), changed)
    assert again.heading == "We changed your vote on question 1.1"


# --- the reveal ---------------------------------------------------------------------------------------------


def test_the_reveal_shows_the_anonymous_spread_and_the_proposal(assessment):
    vote_secretly(assessment, {ANA: (2, 3), BEN: (2, 3), CAI: (3, 4), SAM: (3, 4)})
    round_ = assessment.reveal(SAM, at(2))
    message = reveal_message(assessment, round_)
    fields = {f.label: f.value for f in message.fields}
    assert message.kind is Kind.REVEAL and not message.is_private
    assert message.heading == "Votes revealed: question 1.1 · broad agreement"
    assert fields["Votes"] == "4"
    assert fields["Current: distribution"] == "1: 0  2: 2  3: 2  4: 0  5: 0"
    assert fields["Ambition: distribution"] == "1: 0  2: 0  3: 2  4: 2  5: 0"
    assert fields["Current: median"] == "2.5"
    assert fields["Proposed consensus"] == "current 2 (Developing), ambition 4 (Advanced)"
    assert [(b.action, b.label) for b in message.buttons] == [("finalise", "Accept proposal")]
    (chart,) = message.charts
    assert chart.kind is ChartKind.DISTRIBUTION
    assert chart.alt_text == "Votes on question 1.1. Current position: 2 at 2, 2 at 3. Ambition: 2 at 3, 2 at 4."
    assert names_in(render(message)) == set()
    assert SECRET not in render(message)


@pytest.mark.parametrize(
    "votes, words, prompt",
    [
        (POLARISED, "split into two camps", "Ask someone from each camp"),
        (SPREAD, "views spread", "Ask the highest and the lowest scorers"),
        (AGREED, "broad agreement", None),
    ],
    ids=["polarised", "spread", "agreed"],
)
def test_the_reveal_gives_a_verdict_and_prompts_discussion_when_split_or_spread(assessment, votes, words, prompt):
    cast(assessment, "budget", votes)
    message = reveal_message(assessment, assessment.reveal(SAM, at(2)))
    verdict = message.heading.split(" · ", 1)[1]
    assert verdict.startswith(words)
    assert ("discuss" in verdict) is (prompt is not None)  # the heading itself asks for a discussion
    prompts = [t for t in message.text if "Ask " in t]
    if prompt is None:
        assert prompts == []
    else:
        assert len(prompts) == 1 and prompts[0].startswith(prompt)


def test_the_reveal_points_out_a_disagreement_on_ambition_alone(assessment):
    cast(assessment, "budget", {ANA: (3, 3), BEN: (3, 5), CAI: (3, 3), SAM: (3, 5)})
    message = reveal_message(assessment, assessment.reveal(SAM, at(2)))
    # The verdict weighs the ambition too, so its figures are shown beside the current position's.
    assert message.text[1] == (
        "Views spread out. Current position: everyone rated it 3. "
        "Ambition: on average 1.00 points from the median, above the 0.83 limit."
    )
    assert "views spread" in message.heading and "discuss" in message.heading
    fields = {f.label: f.value for f in message.fields}
    assert fields["Distance from median"] == "current 0, ambition 1 on average (flagged above 0.83)"


def test_the_reopen_offered_at_the_reveal_lets_everyone_vote_again(assessment):
    cast(assessment, "budget", SPREAD)
    message = reveal_message(assessment, assessment.reveal(SAM, at(2)))
    assert "`reopen` after discussion lets everyone vote again" in message.footer
    second = assessment.reopen(SAM, "1.1", at(10))
    assert second.number == 2


def test_once_revealed_the_question_message_no_longer_offers_to_vote(assessment):
    cast(assessment, "budget", AGREED)
    round_ = assessment.reveal(SAM, at(2))
    message = question_message(assessment, round_)
    assert message.footer == "4 of 6 have voted. Voting closed: revealed."
    assert [b.action for b in message.buttons if b.action == "vote"] == []


# --- individual votes and status: names for super-users only ---------------------------------------------------


def test_who_voted_what_goes_privately_to_the_super_user_only(assessment):
    vote_secretly(assessment, {ANA: (2, 3), BEN: (4, 5)})
    round_ = assessment.focus_round
    before = individual_votes_message(assessment, SAM, round_)
    # Sam votes too, and has not yet: he sees who has voted, not what, and why.
    assert [(f.label, f.value) for f in before.fields] == [("Voted", "Ana, Ben")]
    assert SECRET not in " ".join((*before.text, *(f.value for f in before.fields)))
    assert any("You'll see individual votes and comments on question 1.1 once you have cast your own" in t for t in before.text)
    cast(assessment, "budget", {SAM: (3, 3)})
    message = individual_votes_message(assessment, SAM, round_)
    assert message.is_private and message.audience.person == SAM
    assert [(f.label, f.value) for f in message.fields] == [
        ("Ana", f"current 2, ambition 3: “{SECRET}”"),
        ("Ben", "current 4, ambition 5: “I think the budget is fiction”"),
        ("Sam", "current 3, ambition 3"),
    ]
    assert "Not voted yet: Cai, Dee, Eve." in message.text
    for someone in (ANA, OBI):
        with pytest.raises(NotPermitted):
            individual_votes_message(assessment, someone, round_)


def test_status_names_who_has_not_voted_to_the_super_user_only(assessment):
    cast(assessment, "budget", {ANA: (2, 3), BEN: (4, 5)})
    to_sam = status_message(assessment, SAM)
    assert to_sam.is_private and to_sam.audience.person == SAM
    assert "2 of 6 have voted." in to_sam.text
    assert "Not voted yet (only you see names): Cai, Dee, Eve, Sam." in to_sam.text

    to_ana = status_message(assessment, ANA)
    assert to_ana.audience.person == ANA
    assert "2 of 6 have voted." in to_ana.text and "You have voted." in to_ana.text
    assert names_in(render(to_ana)) == {"Sam"}  # the super-user field; nobody's voting record

    to_obi = status_message(assessment, OBI)
    assert "2 of 6 have voted." in to_obi.text
    assert not any(t.startswith("You have") for t in to_obi.text)
    assert names_in(render(to_obi)) == {"Sam"}
    fields = {f.label: f.value for f in to_obi.fields}
    assert fields["Members"] == "6 voting, 1 observing" and fields["Questions agreed"] == "0 of 4"


def test_a_member_who_has_not_voted_is_reminded_privately(assessment):
    assessment.set_role(SAM, OBI, Role.MEMBER)
    message = status_message(assessment, OBI)
    assert "You have not voted on it yet." in message.text and message.audience.person == OBI


def test_an_error_goes_only_to_the_person_who_asked():
    message = error_message(ANA, "Only the super-user can reveal the votes; ask Sam.")
    assert message.kind is Kind.ERROR and message.audience.person == ANA


# --- consensus, skip, summary ---------------------------------------------------------------------------------


def test_the_consensus_message_states_the_agreed_levels_and_who_recorded_them(assessment, tiny):
    round_ = agree(assessment, "budget", AGREED, 2, 4, note="Reserves used twice")
    message = consensus_message(assessment, round_)
    assert message.heading == "Consensus recorded: question 1.1" and not message.is_private
    assert "Agreed: current position 2 (Developing), ambition 4 (Advanced)." in message.text
    assert "Note: Reserves used twice" in message.text
    assert [(f.label, f.value) for f in message.fields] == [
        ("Now", "2: Budget 2: we balance it with one-off money."),
        ("In 18-24 months", "4: Budget 4: it is planned over several years."),
    ]
    assert [link.title for link in message.links] == ["Case A", "Case B", "Tool C", "Guide D"]
    assert message.footer == "Recorded by Sam."


def test_the_skip_message_gives_the_reason_and_how_to_come_back(assessment):
    round_ = assessment.skip(SAM, at(1), "finance director away")
    message = skipped_message(assessment, round_)
    assert message.heading == "Question 1.1 skipped"
    assert message.text[1:] == ("Reason: finance director away", "A super-user can come back to it with `reopen 1.1`.")


@pytest.fixture
def summary(tiny):
    return summary_message(worked(tiny))


def test_the_summary_states_the_overall_picture_strengths_priorities_and_contested_questions(summary):
    assert summary.kind is Kind.SUMMARY and not summary.is_private
    assert summary.heading == "Summary: Tiny council check"
    assert summary.text[0] == (
        "Overall the team places the organisation at 3.0 now and aims for 4.0 in 18-24 months "
        "(a gap of 1.0) on a 1-5 scale, from 4 agreed questions."
    )
    assert "Strengths: People (3.5)." in summary.text
    assert (
        "Priority 1: Money (now 2.5, ambition 4.5). Start with question 1.1 (How sound is our budget?), agreed at 2. "
        "To reach 3, Established: Budget 3: it balances and is realistic."
    ) in summary.text
    assert "Most contested: question 2.1 (consensus 0.00); question 1.1 (consensus 0.56)." in summary.text
    assert [(f.label, f.value) for f in summary.fields] == [
        ("Money", "now 2.5, ambition 4.5, gap +2.0 (2 of 2 agreed)"),
        ("People", "now 3.5, ambition 3.5, gap +0.0 (2 of 2 agreed)"),
    ]
    assert [(link.title, link.description) for link in summary.links] == [
        ("Case A", "For money: How one council fixed its budget."),
        ("Tool C", "For money: A reserves calculator."),
        ("Guide D", "For money"),
    ]
    assert names_in(render(summary)) == set()


def test_the_summary_charts_carry_their_numbers_in_alt_text(summary):
    radar, gaps, *contested = summary.charts
    assert (radar.kind, gaps.kind) == (ChartKind.THEMES, ChartKind.GAPS)  # two themes: bars, not a radar
    # Then how the team voted on each of the most contested questions, if any was contested.
    assert all(chart.kind is ChartKind.DISTRIBUTION for chart in contested)
    assert radar.categories == gaps.categories == ("Money", "People")
    assert [s.values for s in radar.series] == [(2.5, 3.5), (4.5, 3.5)]
    assert gaps.series[0].values == (2.0, 0.0)
    assert radar.alt_text == "Bar chart by theme. Money: now 2.5, ambition 4.5; People: now 3.5, ambition 3.5."
    assert gaps.alt_text.endswith("Money: +2.0; People: +0.0.")
    assert (radar.scale_min, radar.scale_max, gaps.scale_min, gaps.scale_max) == (1, 5, 0, 4)


def test_a_summary_with_nothing_agreed_says_so_and_draws_no_chart(assessment):
    message = summary_message(assessment)
    assert message.text == ("No question has been agreed yet, so there is nothing to score.",)
    assert message.charts == () and message.links == ()
    assert [f.value for f in message.fields] == ["not scored yet (0 of 2 agreed)"] * 2


def test_the_summary_shows_how_the_team_voted_on_the_most_contested_question(assessment):
    agree(assessment, "budget", POLARISED, current=3, ambition=5)  # currents 1 5 1 5: split
    for question in ("reserves", "skills", "culture"):
        agree(assessment, question, AGREED)
    summary = summary_message(assessment)
    kinds = [chart.kind for chart in summary.charts]
    assert kinds == [ChartKind.THEMES, ChartKind.GAPS, ChartKind.DISTRIBUTION]
    contested = summary.charts[2]
    assert contested.title == "Question 1.1: how the team voted"
    assert contested.alt_text.startswith("Votes on question 1.1. Current position: 2 at 1, 2 at 5.")


# --- one reading, stated once (issue 17 item 1) ----------------------------------------------


def _summary_of(pairs):
    """The summary of one-question themes agreed at `pairs` of (now, ambition)."""
    from tests.unit.test_scoring import _framework

    a = start(_framework(len(pairs)))
    for n, (current, ambition) in enumerate(pairs, start=1):
        agree(a, f"item-{n}", {ANA: (3, 3), BEN: (3, 3)}, current, ambition, minute=10 * n)
    return summary_message(a)


def test_level_themes_are_named_as_ties_in_the_reading_the_strengths_and_the_priorities():
    # now 3 3 3 2 2 (mean 2.6); gaps 1 1 1 1 1: the demo's shape, with level priorities.
    summary = _summary_of([(3, 4), (3, 4), (3, 4), (2, 3), (2, 3)])
    reading = next(t for t in summary.text if t.startswith("Joint strongest"))
    assert reading.startswith(
        "Joint strongest: Theme 1, Theme 2 and Theme 3 (all now 3.0). "
        "Joint least developed: Theme 4 and Theme 5 (both now 2.0)."
    )
    assert "Strengths: Theme 1, Theme 2 and Theme 3 (all 3.0)." in summary.text
    priorities = [t for t in summary.text if t.startswith("Priority")]
    assert [t.split(".")[0] for t in priorities] == [
        "Priority 1 (joint): Theme 4 (now 2",
        "Priority 1 (joint): Theme 5 (now 2",
    ]


def test_a_strong_theme_that_is_a_priority_says_why():
    # now 4 4 2 (mean 3.3); gaps 0 1 1 (mean 0.7): theme 2 is joint strongest but wants to move further.
    summary = _summary_of([(4, 4), (4, 5), (2, 3)])
    assert "Strengths: Theme 1 (4.0)." in summary.text
    second = next(t for t in summary.text if t.startswith("Priority 2: Theme 2 (now 4.0, ambition 5.0)."))
    assert "Among the strongest today, it is a priority because the team aims to move it further than the " \
        "organisation as a whole (+1.0 against +0.7)." in second


def test_the_summary_compares_progress_like_for_like_and_says_on_how_many_questions(tiny):
    from datetime import datetime, timezone

    from engine.progress import Baseline, progress_since
    from engine.scoring import ThemeFigures, score

    assessment = worked(tiny)
    card = score(assessment)
    budget = next(q for q in card.questions if q.question.id == "budget")
    # The earlier assessment agreed only "budget", one point lower than now.
    then = budget.consensus.current - 1
    earlier = Baseline(
        "Check 2024",
        datetime(2024, 5, 1, tzinfo=timezone.utc),
        1,
        (ThemeFigures("money", "Money", then, 4.0, 1),),
        {"budget": (then, 4)},
    )
    summary = summary_message(assessment, card, progress=progress_since(card, earlier))
    now = budget.consensus.current
    assert (
        f"Progress since Check 2024 (completed 1 May 2024). On the 1 question agreed in both, the overall "
        f"position has risen from {now - 1:.1f} to {now:.1f}. Up: Money (+1.0)."
    ) in summary.text


@pytest.mark.parametrize("themes, kind", [(1, ChartKind.THEMES), (2, ChartKind.THEMES), (3, ChartKind.RADAR), (4, ChartKind.RADAR)])
def test_the_radar_needs_three_scored_themes_and_bars_show_fewer(themes, kind):
    from tests.unit.test_scoring import _framework

    a = start(_framework(4))
    for n in range(1, themes + 1):
        agree(a, f"item-{n}", {ANA: (3, 3), BEN: (3, 3)}, 2, 4, minute=10 * n)
    (chart, _) = summary_charts(score(a))
    assert chart.kind is kind and len(chart.categories) == themes
    assert chart.alt_text.startswith("Radar chart" if kind is ChartKind.RADAR else "Bar chart")


def test_the_consensus_message_links_the_questions_own_resources_for_its_next_level():
    from engine.framework import parse_framework
    from tests.unit.test_scoring import PEERS, _framework, _resource

    document = _framework(1).to_dict()
    question = document["themes"][0]["questions"][0]
    question["resources"] = [dict(PEERS)]
    question["levels"][3] = {"descriptor": question["levels"][3], "resources": [_resource("to-3", "training")]}
    a = start(parse_framework(document, "test"))
    round_ = agree(a, "item-1", {ANA: (2, 4), BEN: (2, 4)}, 2, 4)
    # Agreed at 2: what helps reach 3 first, then the question's own; none of the theme's four.
    assert [link.title for link in consensus_message(a, round_).links] == ["Guide to-3", "Peer challenge"]
