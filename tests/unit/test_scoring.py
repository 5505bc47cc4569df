"""Scoring: the numbers in the summary, worked out by hand from the recorded consensus."""

from __future__ import annotations

import pytest

from engine.assessment import Settings
from engine.framework import Resource, ResourceKind, Theme, parse_framework
from engine.scoring import QuestionStatus, ranks, recommend, score, shown
from tests.unit.conftest import (
    AGREED,
    ANA,
    BEN,
    CAI,
    POLARISED,
    SAM,
    UNANIMOUS,
    agree,
    at,
    cast,
    start,
)
from tests.unit.conftest import worked as worked_assessment


@pytest.fixture
def worked(tiny):
    """The tiny framework agreed by hand: see `conftest.worked` for the arithmetic."""
    return worked_assessment(tiny)


def test_theme_scores_are_the_means_of_the_agreed_answers(worked):
    card = score(worked)
    money, people = card.theme("money"), card.theme("people")
    assert (money.current, money.ambition, money.gap) == (2.5, 4.5, 2.0)
    assert (people.current, people.ambition, people.gap) == (3.5, 3.5, 0.0)
    assert (money.answered, money.total, people.answered, people.total) == (2, 2, 2, 2)
    assert (card.current, card.ambition, card.gap) == (3.0, 4.0, 1.0)
    assert card.answered == 4 and (card.scale_min, card.scale_max) == (1, 5)


def test_the_theme_with_a_gap_is_the_priority_and_the_other_a_strength(worked):
    card = score(worked)
    assert [p.score.theme.title for p in card.priorities] == ["Money"]
    assert [s.theme.title for s in card.strengths] == ["People"]
    priority = card.priorities[0]
    assert priority.focus.question.number == "1.1"  # gaps tie at 2; 1.1 starts lower (2 < 3)
    assert priority.next_step == (
        "Start with question 1.1 (How sound is our budget?), agreed at 2. "
        "To reach 3, Established: Budget 3: it balances and is realistic."
    )
    # The question has no resources of its own: its theme's, of different kinds first.
    assert [r.title for r in priority.resources] == ["Case A", "Tool C", "Guide D"]


def test_most_contested_lists_only_rounds_that_needed_discussion_lowest_consensus_first(worked):
    card = score(worked)
    contested = [(q.question.number, round(q.measures.current.consensus, 2)) for q in card.most_contested]
    assert contested == [("2.1", 0.0), ("1.1", 0.56)]


def _framework(themes):
    """A framework of one-question themes; `themes` is how many."""
    base = start().framework.to_dict()
    question, resources = base["themes"][0]["questions"][0], base["themes"][0]["resources"]
    base["themes"] = [
        {
            "id": f"theme-{n}",
            "title": f"Theme {n}",
            "questions": [dict(question, id=f"item-{n}")],
            "resources": resources,
        }
        for n in range(1, themes + 1)
    ]
    return parse_framework(base, "test")


def test_priorities_are_the_largest_gaps_then_the_lowest_current_positions():
    # theme:      1     2     3     4     5
    # now, aim:  3,4   3,5   2,3   4,4   4,5
    # gap:        1     2     1     0     1
    agreed = [(3, 4), (3, 5), (2, 3), (4, 4), (4, 5)]
    a = start(_framework(len(agreed)))
    for n, (current, ambition) in enumerate(agreed, start=1):
        agree(a, f"item-{n}", {ANA: (3, 3), BEN: (3, 3)}, current, ambition, minute=10 * n)
    card = score(a)
    assert [p.score.theme.title for p in card.priorities] == ["Theme 2", "Theme 3", "Theme 1"]
    assert [s.theme.title for s in card.strengths] == ["Theme 4", "Theme 5"]
    assert not {p.score.theme.id for p in card.priorities} & {s.theme.id for s in card.strengths}


def test_level_themes_without_a_gap_are_neither_strengths_nor_priorities(tiny):
    a = start(tiny)
    for minute, question in enumerate(["budget", "reserves", "skills", "culture"]):
        agree(a, question, UNANIMOUS, minute=10 * minute)  # everyone 3, 3
    card = score(a)
    assert card.priorities == ()
    assert card.strengths == ()  # nothing stands out: no theme is above the overall position
    assert card.most_contested == ()


def test_statuses_tell_agreed_skipped_in_progress_and_not_reached(tiny):
    a = start(tiny)
    agree(a, "budget", AGREED, 2, 3)
    a.skip(SAM, at(5), "no data yet")
    cast(a, "skills", {ANA: (1, 2)}, minute=6)
    card = score(a)
    assert [(q.question.number, q.status) for q in card.questions] == [
        ("1.1", QuestionStatus.AGREED),
        ("1.2", QuestionStatus.SKIPPED),
        ("2.1", QuestionStatus.IN_PROGRESS),
        ("2.2", QuestionStatus.NOT_REACHED),
    ]
    money, people = card.theme("money"), card.theme("people")
    assert (money.current, money.ambition, money.answered, money.total) == (2.0, 3.0, 1, 2)
    assert (people.scored, people.current, people.gap) == (False, None, None)
    assert (card.current, card.ambition) == (2.0, 3.0)  # only scored themes count


def test_scoring_keeps_the_recorded_consensus_while_a_reopened_round_is_in_progress(tiny):
    a = start(tiny, settings=Settings(auto_advance=False))
    first = agree(a, "budget", POLARISED, 2, 4)
    a.reopen(SAM, "budget", at(10))
    cast(a, "budget", {ANA: (5, 5), BEN: (5, 5), CAI: (5, 5)}, minute=11)
    a.reveal(SAM, at(12))  # round 2 revealed, not yet finalised: nothing agreed has changed
    result = score(a).questions[0]
    assert result.status is QuestionStatus.AGREED
    assert (result.consensus.current, result.consensus.ambition, result.rounds) == (2, 4, 2)
    assert result.measures is first.measures  # the measures of the round that was agreed
    assert score(a).theme("money").current == 2.0


def test_an_empty_assessment_has_nothing_to_score(assessment):
    card = score(assessment)
    assert (card.current, card.ambition, card.gap, card.answered) == (None, None, None, 0)
    assert card.priorities == card.strengths == card.most_contested == ()


def _theme(*kinds):
    resources = tuple(Resource(f"R{i}", f"https://example.org/{i}", kind) for i, kind in enumerate(kinds, start=1))
    return Theme("t", 1, "T", "", (), resources)


CASE, TOOL, GUIDE = ResourceKind.CASE_STUDY, ResourceKind.TOOL, ResourceKind.GUIDANCE


@pytest.mark.parametrize(
    "kinds, picked",
    [
        ((CASE, CASE, TOOL, GUIDE), ["R1", "R3", "R4"]),
        ((CASE, CASE, TOOL, TOOL, CASE), ["R1", "R3", "R2"]),
        ((CASE, CASE, CASE, CASE), ["R1", "R2", "R3"]),
        ((TOOL,), ["R1"]),
    ],
)
def test_recommended_resources_prefer_different_kinds_at_most_three(kinds, picked):
    assert [r.title for r in recommend(_theme(*kinds).resources)] == picked


PEERS = {"title": "Peer challenge", "publisher": "LGA", "url": "https://www.local.gov.uk/our-support/peer-challenges", "kind": "peer support"}


def _resource(n, kind="guidance"):
    return {"title": f"Guide {n}", "publisher": "P", "url": f"https://example.org/guide-{n}", "kind": kind}


def test_each_priority_starts_at_the_next_level_with_that_questions_own_resources():
    framework = _framework(3).to_dict()
    for n, theme in enumerate(framework["themes"], start=1):
        question = theme["questions"][0]
        # Every question shares the peer challenge page; each has its own guide too.
        question["resources"] = [dict(PEERS), _resource(n)]
    level_three = framework["themes"][1]["questions"][0]["levels"]
    level_three[3] = {"descriptor": level_three[3], "resources": [_resource("for-level-3", "training")]}
    a = start(parse_framework(framework, "test"))
    # Gaps 1, 3, 2 and no theme above the overall position with a gap within the overall gap,
    # so all three are priorities (the strengths/priorities rule), largest gap first.
    for n, (current, ambition) in enumerate([(1, 2), (2, 5), (1, 3)], start=1):
        agree(a, f"item-{n}", {ANA: (3, 3), BEN: (3, 3)}, current, ambition, minute=10 * n)
    card = score(a)
    assert [p.score.theme.title for p in card.priorities] == ["Theme 2", "Theme 3", "Theme 1"]
    first, second, third = card.priorities
    assert first.next_step == (
        "Start with question 2.1 (How sound is our budget?), agreed at 2. "
        "To reach 3, Established: Budget 3: it balances and is realistic."
    )
    assert (first.next_level.level, first.next_level.label) == (3, "Established")
    assert second.next_step.endswith("To reach 2, Developing: Budget 2: we balance it with one-off money.")
    # The level's resource first, then the question's; the shared page only for the first priority.
    assert [r.title for r in first.resources] == ["Guide for-level-3", "Peer challenge", "Guide 2"]
    assert [r.title for r in second.resources] == ["Guide 3"]
    assert [r.title for r in third.resources] == ["Guide 1"]
    urls = [r.url for p in card.priorities for r in p.resources]
    assert len(urls) == len(set(urls))


def test_a_theme_at_the_bottom_of_the_scale_is_not_called_a_strength(tiny):
    a = start(tiny)
    agree(a, "budget", UNANIMOUS, 1, 1, minute=0)
    agree(a, "reserves", UNANIMOUS, 1, 1, minute=10)
    agree(a, "skills", UNANIMOUS, 2, 4, minute=20)
    agree(a, "culture", UNANIMOUS, 2, 4, minute=30)
    card = score(a)
    assert [p.score.theme.title for p in card.priorities] == ["People"]
    assert "Money" not in [s.theme.title for s in card.strengths]


# --- plain-words readings and agreement (issue 7) ------------------------------------------


def test_readings_in_plain_words(worked):
    card = score(worked)
    # Money: now 2.5, gap 2.0, agreement (0.56 + 0.86) / 2 = 0.71; People: now 3.5, gap 0, agreement (0 + 1) / 2
    assert card.theme("money").readings == ("least developed", "biggest ambition gap")
    assert card.theme("people").readings == ("strongest", "most contested")
    assert [t.theme.id for t in card.with_reading("strongest")] == ["people"]


def test_level_themes_share_a_joint_reading_and_a_level_measure_gives_none():
    a = start(_framework(3))
    for n, (current, ambition) in enumerate([(3, 4), (3, 5), (2, 3)], start=1):
        agree(a, f"item-{n}", {ANA: (3, 3), BEN: (3, 3)}, current, ambition, minute=10 * n)
    card = score(a)
    assert card.theme("theme-1").readings == ("joint strongest",)
    assert card.theme("theme-2").readings == ("joint strongest", "biggest ambition gap")
    assert card.theme("theme-3").readings == ("least developed",)
    # Everyone agreed everywhere: agreement is 1.0 on every theme, so none is "most contested".
    assert card.with_reading("most contested") == ()


def test_no_reading_with_a_single_scored_theme(tiny):
    a = start(tiny)
    agree(a, "budget", POLARISED, 2, 4)
    card = score(a)
    assert card.theme("money").readings == () and card.theme("people").readings == ()


def test_most_contested_only_when_agreement_is_not_high(tiny):
    a = start(tiny)
    agree(a, "budget", AGREED, 3, 4, minute=0)  # 3 3 3 4: 0.86
    agree(a, "reserves", UNANIMOUS, 3, 4, minute=10)
    agree(a, "skills", UNANIMOUS, 3, 4, minute=20)
    agree(a, "culture", UNANIMOUS, 3, 4, minute=30)
    card = score(a)
    assert card.theme("money").agreement < card.theme("people").agreement == 1.0
    assert card.with_reading("most contested") == ()  # 0.93 is high: nothing is "contested"
    assert card.agreement_band == "high"


# --- one rule for strengths and priorities (issue 17 item 1) ------------------------------


def _agreed(pairs):
    """An assessment of one-question themes agreed at `pairs` of (now, ambition)."""
    a = start(_framework(len(pairs)))
    for n, (current, ambition) in enumerate(pairs, start=1):
        agree(a, f"item-{n}", {ANA: (3, 3), BEN: (3, 3)}, current, ambition, minute=10 * n)
    return score(a)


def _titles(themes):
    return [t.theme.title for t in themes]


def test_joint_strongest_themes_are_all_strengths_and_none_is_a_priority():
    # The demo's shape: three themes level at the top, two level at the bottom.
    # now:   3 3 3 2 2 (mean 2.6)   gap: 1 1 1 2 1 (mean 1.2)
    card = _agreed([(3, 4), (3, 4), (3, 4), (2, 4), (2, 3)])
    assert [t.readings for t in card.themes[:3]] == [("joint strongest",)] * 3
    assert _titles(card.strengths) == ["Theme 1", "Theme 2", "Theme 3"]
    assert _titles(p.score for p in card.priorities) == ["Theme 4", "Theme 5"]


def test_a_theme_tied_with_the_last_priority_is_a_priority_too():
    # now: 4 2 2 2 2 (mean 2.4); gaps 0 2 1 1 1. Themes 3, 4 and 5 tie on gap 1 and now 2, so
    # cutting at three would drop one of them for its place in the framework: all three are kept.
    card = _agreed([(4, 4), (2, 4), (2, 3), (2, 3), (2, 3)])
    assert _titles(p.score for p in card.priorities) == ["Theme 2", "Theme 3", "Theme 4", "Theme 5"]
    assert [t.readings for t in card.themes[1:]] == [("joint least developed", "biggest ambition gap")] + [
        ("joint least developed",)
    ] * 3


def test_a_highly_rated_theme_with_a_larger_gap_than_the_organisation_is_a_priority_not_a_strength():
    # now: 4 4 2 (mean 3.33); gaps 0 1 1 (mean 0.67). Theme 2 is joint strongest, but the team
    # wants it to move further than the organisation as a whole: a priority, after theme 3
    # (the same gap from a lower position).
    card = _agreed([(4, 4), (4, 5), (2, 3)])
    assert _titles(card.strengths) == ["Theme 1"]
    assert _titles(p.score for p in card.priorities) == ["Theme 3", "Theme 2"]
    assert card.theme("theme-2").readings == ("joint strongest", "joint biggest ambition gap")


def test_no_theme_is_ever_both_a_strength_and_a_priority():
    for pairs in (
        [(3, 4), (3, 5), (2, 3), (4, 4), (4, 5)],
        [(5, 5), (1, 5), (3, 3)],
        [(2, 4), (2, 4), (1, 1)],
        [(3, 5), (3, 5), (3, 5), (3, 5)],
    ):
        card = _agreed(pairs)
        assert not set(_titles(card.strengths)) & set(_titles(p.score for p in card.priorities)), pairs
        # The least developed is never a strength; the strongest is never below a weaker strength.
        assert not set(_titles(card.strengths)) & set(_titles(card.with_reading("least developed")))


def test_ranks_share_a_place_for_level_figures():
    card = _agreed([(2, 4), (2, 4), (1, 2), (3, 3)])
    assert ranks([p.score for p in card.priorities], lambda t: (shown(t.gap), shown(t.current))) == (
        (1, True),
        (1, True),
        (3, False),
    )
