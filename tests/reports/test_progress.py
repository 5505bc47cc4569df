"""Progress over time: what moved on each theme since the organisation's earlier assessment."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from engine.progress import Baseline, progress_since
from engine.scoring import ThemeFigures, score
from storage.reports import ReportQueries
from storage.unit_of_work import SqlUnitOfWork
from tests.reports.conftest import T0, completed
from tests.unit.conftest import tiny_framework

LAST_YEAR = T0 - timedelta(days=365)


def baseline(answers=None, started=LAST_YEAR) -> Baseline:
    """An earlier assessment of the tiny framework agreed as `answers` (theme -> its two questions)."""
    earlier = completed(answers=answers, started=started)
    return Baseline.of(score(earlier), earlier.completed_at, 1)


QUESTION_IDS = {"budget", "reserves", "skills", "culture"}


def only(card_answers, agreed):
    """The scorecard of an assessment agreed as `card_answers`, with only the questions in `agreed` agreed."""
    return score(completed(answers=card_answers, skipped=frozenset(QUESTION_IDS - set(agreed))))


def test_each_theme_moves_from_the_earlier_figures():
    # now: money (2+3)/2 = 2.5, people (4+3)/2 = 3.5; earlier money (2+2)/2 = 2.0, people (3+3)/2 = 3.0
    card = score(completed(answers={"money": ((2, 4), (3, 5)), "people": ((4, 4), (3, 4))}))
    report = progress_since(card, baseline({"money": ((2, 3), (2, 3)), "people": ((3, 4), (3, 4))}))
    money, people = report.themes
    assert (money.current_change, people.current_change) == (0.5, 0.5)
    assert money.ambition_change == pytest.approx(4.5 - 3.0)
    assert money.words() == "up 0.5, from 2.0 to 2.5"
    assert report.compared == 4
    assert report.current_change == pytest.approx(3.0 - 2.5)
    assert report.sentence() == (
        "On the 4 questions agreed in both, the overall position has risen from 2.5 to 3.0. "
        "Up: Money (+0.5); People (+0.5)."
    )


def test_falls_and_changes_too_small_to_show():
    card = score(completed(answers={"money": ((2, 4), (2, 4)), "people": ((3, 4), (3, 4))}))  # money 2.0, people 3.0
    report = progress_since(card, baseline({"money": ((3, 3), (2, 3)), "people": ((3, 4), (3, 4))}))
    money, people = report.themes
    assert (money.direction, money.words()) == ("down", "down 0.5, from 2.5 to 2.0")
    assert (people.direction, people.words()) == ("no change", "no change (3.0)")
    assert [m.title for m in report.fallen] == ["Money"] and report.risen == ()


def test_only_questions_agreed_in_both_are_compared_and_the_report_says_how_many():
    # The case: earlier, all four questions agreed (overall 2.5); now only "budget" is,
    # at 2. Comparing four answers with one would say "fallen from 2.5 to 2.0"; like for like,
    # budget was 2 then and is 2 now.
    earlier = baseline({"money": ((2, 3), (3, 4)), "people": ((3, 4), (2, 3))})
    assert earlier.themes[0].current == 2.5  # what that team saw for money
    card = only({"money": ((2, 4), (3, 4))}, agreed={"budget"})
    report = progress_since(card, earlier)
    assert report.compared == 1
    assert (report.before, report.current) == (2.0, 2.0)
    assert report.sentence() == "On the 1 question agreed in both, the overall position is unchanged at 2.0. " \
        "No theme moved by 0.1 or more."
    money, people = report.themes
    assert (money.compared, money.before.current, money.now.current, money.direction) == (1, 2.0, 2.0, "no change")
    assert (people.compared, people.direction) == (0, "no question agreed in both")


def test_with_no_question_agreed_in_both_it_says_so_instead_of_a_figure():
    earlier = baseline({"money": ((2, 3), (3, 4))})
    earlier = Baseline(earlier.title, earlier.completed_at, 1, earlier.themes, {"budget": (2, 3)})
    card = only({"people": ((4, 4), (3, 4))}, agreed={"skills", "culture"})
    report = progress_since(card, earlier)
    assert report.compared == 0 and report.before is None and report.current_change is None
    assert report.sentence() == "No question was agreed in both assessments, so there is nothing to compare like for like."
    assert all(m.direction == "no question agreed in both" for m in report.themes)


def test_themes_only_one_side_has():
    card = score(completed())
    earlier = Baseline(
        "Old",
        LAST_YEAR,
        1,
        (ThemeFigures("money", "Money", 3.0, 4.0, 2), ThemeFigures("gone", "Retired theme", 2.0, 3.0, 1)),
        {"budget": (3, 4), "reserves": (3, 4), "retired-question": (2, 3)},
    )
    movements = {m.theme_id: m for m in progress_since(card, earlier).themes}
    assert movements["people"].direction == "new theme"
    assert movements["gone"].direction == "no longer assessed"
    assert movements["money"].direction == "no change"


# --- through the database ------------------------------------------------------------------


def test_the_baseline_is_the_latest_earlier_completed_assessment_on_the_same_framework(db_engine, stored):
    older = stored(answers={"money": ((1, 2), (1, 2))}, started=LAST_YEAR - timedelta(days=365))
    earlier = stored(answers={"money": ((2, 3), (3, 4)), "people": ((3, 3), (4, 5))}, started=LAST_YEAR)
    unfinished = stored(started=T0 - timedelta(days=30), finish=False)  # started later, never completed
    stored("T-ELSEWHERE", started=T0 - timedelta(days=10))  # another organisation's
    other = tiny_framework().to_dict() | {"id": "another-framework"}
    from engine.framework import parse_framework

    stored(framework=parse_framework(other, "test"), started=T0 - timedelta(days=5), assessment_id="other-framework")
    now = completed(started=T0)
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        found = ReportQueries(uow.session).baseline_for(now)
    assert found is not None
    assert (found.title, found.completed_at) == (earlier.title, earlier.completed_at)
    assert found.themes == score(earlier).figures()  # the very figures that team saw
    assert found.answers == {"budget": (2, 3), "reserves": (3, 4), "skills": (3, 3), "culture": (4, 5)}
    assert older.id != earlier.id and unfinished.status.value == "active"


def test_no_earlier_assessment_no_progress(db_engine, stored):
    first = stored(started=T0)
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        assert ReportQueries(uow.session).baseline_for(first) is None


def test_a_reopened_and_re_agreed_question_counts_its_latest_answer(db_engine):
    from tests.reports.conftest import CHAIR, MEMBER_B, identity, store

    earlier = completed(started=LAST_YEAR)
    chair, member = identity("T-HOME", CHAIR), identity("T-HOME", MEMBER_B)
    moment = earlier.completed_at + timedelta(days=1)
    earlier.reopen(chair, "budget", moment)
    earlier.cast_vote(chair, "budget", 1, 2, moment)
    earlier.cast_vote(member, "budget", 1, 2, moment)
    earlier.reveal(chair, moment)
    earlier.finalise(chair, moment, 1, 2)
    assert earlier.status.value == "completed"
    store(db_engine, earlier)
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        found = ReportQueries(uow.session).baseline_for(completed(started=T0))
    assert found.themes == score(earlier).figures()
    assert found.themes[0].current == (1 + 3) / 2
    assert found.answers["budget"] == (1, 2)


def test_the_report_context_brings_progress_into_every_output(db_engine, stored):
    from bot.comparison import report_context
    from bot.config import Config
    from bot.export import report_json
    from bot.report import report_markdown

    stored(answers={"money": ((2, 3), (2, 3))}, started=LAST_YEAR)
    now = stored(answers={"money": ((3, 4), (3, 4))}, started=T0)
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        context = report_context(uow.reports, now, Config(), now=datetime(2025, 2, 1, tzinfo=timezone.utc))
    assert context.comparison is None  # no organisation type is set
    money = context.progress.themes[0]
    assert (money.before.current, money.now.current, money.direction) == (2.0, 3.0, "up")
    md = report_markdown(now, context)
    assert "## Progress since the last assessment" in md
    assert "| Money | 2.0 | 3.0 | up 1.0, from 2.0 to 3.0 |" in md
    assert "On the 4 questions agreed in both, the overall position has risen from 2.5 to 3.0." in md
    progress = report_json(now, context)["progress"]
    assert progress["themes"][0]["change"] == 1.0
    assert (progress["questions_compared"], progress["current_before"], progress["current_now"]) == (4, 2.5, 3.0)
