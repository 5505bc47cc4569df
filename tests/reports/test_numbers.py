"""The numbers of the summary and of every export, on the hand-worked tiny assessment.

`tests.unit.conftest.worked` agrees the tiny framework as follows (currents as voted):

    question       votes (current)   agreed now, ambition   Tastle-Wierman consensus on the currents
    1.1 budget     2 3 4 5           2, 4                   1 + (2 log2(0.625) + 2 log2(0.875)) / 4 = 0.5646
    1.2 reserves   3 3 3 4           3, 5                   1 + 3/4 log2(0.9375) + 1/4 log2(0.8125) = 0.8553
    2.1 skills     1 5 1 5           4, 4                   0 (two camps at the ends)
    2.2 culture    3 3 3             3, 3                   1 (all the same)

    Money:  now 2.5, ambition 4.5, gap 2.0, agreement (0.5646 + 0.8553) / 2 = 0.7100 -> 0.7 moderate
    People: now 3.5, ambition 3.5, gap 0.0, agreement (0 + 1) / 2 = 0.5 -> low
    Overall: now 3.0, ambition 4.0, gap 1.0, agreement over the four questions 2.4199 / 4 = 0.6050 -> 0.6 moderate
    Readings: People strongest and most contested; Money least developed and the biggest ambition gap.
"""

from __future__ import annotations

import csv
import io
import json
import math

import pytest

from bot.export import CSV_COLUMNS, JSON_VERSION, render_export, report_csv, report_json
from bot.report import ReportContext, report_html, report_markdown
from engine.presenters import summary_message
from engine.scoring import agreement_band, figures_from_consensus, score
from tests.reports.conftest import without_images
from tests.unit.conftest import tiny_framework, worked

BUDGET = 1 + (2 * math.log2(0.625) + 2 * math.log2(0.875)) / 4
RESERVES = 1 + 0.75 * math.log2(0.9375) + 0.25 * math.log2(0.8125)


@pytest.fixture(scope="module")
def assessment():
    return worked(tiny_framework())


@pytest.fixture(scope="module")
def card(assessment):
    return score(assessment)


def test_the_hand_worked_consensus_measures():
    assert BUDGET == pytest.approx(0.5646, abs=1e-4)
    assert RESERVES == pytest.approx(0.8553, abs=1e-4)


def test_theme_and_overall_scores(card):
    money, people = card.theme("money"), card.theme("people")
    assert (money.current, money.ambition, money.gap) == (2.5, 4.5, 2.0)
    assert (people.current, people.ambition, people.gap) == (3.5, 3.5, 0.0)
    assert money.agreement == pytest.approx((BUDGET + RESERVES) / 2)
    assert people.agreement == pytest.approx(0.5)
    assert (money.agreement_band, people.agreement_band) == ("moderate", "low")
    assert card.agreement == pytest.approx((BUDGET + RESERVES + 0 + 1) / 4)
    assert card.agreement_band == "moderate"


def test_plain_words_readings(card):
    assert card.theme("money").readings == ("least developed", "biggest ambition gap")
    assert card.theme("people").readings == ("strongest", "most contested")


@pytest.mark.parametrize(
    "value, band", [(None, None), (0.84, "high"), (0.75, "high"), (0.749, "moderate"), (0.55, "moderate"), (0.549, "low"), (0.0, "low")]
)
def test_agreement_bands_follow_the_figure_as_shown(value, band):
    # 0.75 shows as 0.8, so it is called high: the word never contradicts the number next to it.
    assert agreement_band(value) == band


def test_figures_from_the_consensus_alone_equal_the_scorecard(assessment, card):
    themes = [(t.id, t.title, [q.id for q in t.questions]) for t in assessment.framework.themes]
    consensus = {q.question.id: (q.consensus.current, q.consensus.ambition) for q in card.questions if q.consensus}
    assert figures_from_consensus(themes, consensus) == card.figures()


def test_the_summary_message_gives_the_readings_and_agreement(assessment):
    text = summary_message(assessment).text
    assert "Agreement before discussion averaged 0.6 (moderate)" in text[1]
    assert text[2] == (
        "Strongest theme: People (now 3.5). Least developed: Money (now 2.5). "
        "Biggest ambition gap: Money (+2.0). Most contested theme: People (agreement 0.5, low)."
    )


def test_markdown_numbers(assessment):
    md = report_markdown(assessment)
    assert "| 1. Money | 2.5 | 4.5 | +2.0 | 0.7 moderate | 2 of 2 | least developed, biggest ambition gap |" in md
    assert "| 2. People | 3.5 | 3.5 | 0.0 | 0.5 low | 2 of 2 | strongest, most contested |" in md
    assert "at **3.0** now and aims for **4.0** in 18-24 months: a gap of **1.0**" in md
    assert "**Team:** 6 voting members and 1 observer" in md


def test_html_numbers(assessment):
    html = without_images(report_html(assessment))
    assert '<span class="kpi-value">3.0</span>' in html and '<span class="kpi-value">4.0</span>' in html
    assert '<span class="kpi-value">1.0</span>' in html and '<span class="kpi-value">0.6</span>' in html
    assert '<td class="num now">2.5</td><td class="num ambition">4.5</td><td class="num">+2.0</td>' in html
    assert '<td class="num agreement">0.7 <span class="muted">moderate</span></td>' in html
    assert "6 voting members and 1 observer" in html


def test_csv_has_a_row_per_question_with_the_hand_worked_figures(assessment):
    rows = list(csv.DictReader(io.StringIO(report_csv(assessment))))
    assert [r["Question number"] for r in rows] == ["1.1", "1.2", "2.1", "2.2"]
    budget = rows[0]
    assert (budget["Theme"], budget["Status"], budget["Agreed now"], budget["Agreed ambition"], budget["Gap"]) == (
        "Money", "agreed", "2", "4", "2",
    )
    assert (budget["Agreed now (label)"], budget["Agreed ambition (label)"]) == ("Developing", "Advanced")
    assert [budget[f"Now: votes at {p}"] for p in range(1, 6)] == ["0", "1", "1", "1", "1"]
    assert [budget[f"Ambition: votes at {p}"] for p in range(1, 6)] == ["0", "0", "0", "3", "1"]
    assert float(budget["Now: agreement"]) == pytest.approx(BUDGET, abs=5e-4)
    assert (budget["Now: median"], budget["Now: spread"], budget["Verdict"], budget["Needed discussion"]) == (
        "3.5", "3", "views spread out", "yes",
    )
    assert rows[2]["Verdict"] == "split into two camps" and rows[3]["Needed discussion"] == "no"
    header = next(csv.reader(io.StringIO(report_csv(assessment))))
    assert set(CSV_COLUMNS) <= set(header) and len(header) == len(CSV_COLUMNS) + 10


def test_json_numbers_and_version(assessment):
    data = report_json(assessment)
    assert (data["format"], data["version"]) == ("accord-report", JSON_VERSION) == ("accord-report", 1)
    assert data["overall"]["current"] == 3.0 and data["overall"]["gap"] == 1.0
    assert data["overall"]["agreement"] == round((BUDGET + RESERVES + 1) / 4, 4)
    assert data["overall"]["questions"] == {"total": 4, "agreed": 4, "skipped": 0, "in_progress": 0, "not_reached": 0}
    money = data["themes"][0]
    assert (money["id"], money["current"], money["ambition"], money["gap"], money["agreement_band"]) == (
        "money", 2.5, 4.5, 2.0, "moderate",
    )
    assert money["readings"] == ["least developed", "biggest ambition gap"]
    assert data["strengths"] == ["people"] and [p["theme"] for p in data["priorities"]] == ["money"]
    assert data["most_contested"] == ["skills", "budget"]
    budget = data["questions"][0]
    assert budget["consensus"]["current"] == 2 and budget["consensus"]["round"] == 1
    assert budget["votes"]["current"]["distribution"] == [0, 1, 1, 1, 1]
    assert budget["votes"]["verdict"] == "spread"
    assert data["progress"] is None and data["comparison"] is None
    assert "individual_votes" not in data


def test_every_export_format_is_one_file_with_its_media_type(assessment):
    context = ReportContext(organisation="Tiny Borough")
    for fmt, media, extension in (
        ("html", "text/html; charset=utf-8", "html"),
        ("csv", "text/csv; charset=utf-8", "csv"),
        ("json", "application/json", "json"),
        ("markdown", "text/markdown; charset=utf-8", "md"),
        ("md", "text/markdown; charset=utf-8", "md"),
    ):
        file = render_export(assessment, fmt, context=context)
        assert file.media_type == media
        assert file.filename == f"tiny-council-check-2024-05-01.{extension}"
        assert file.content
    assert render_export(assessment, "csv").content.startswith("\ufeff".encode())
    assert json.loads(render_export(assessment, "json").content)["version"] == 1


def test_an_unknown_format_is_refused_in_words(assessment):
    from engine.errors import DomainError

    with pytest.raises(DomainError, match="html, csv, json or markdown, not 'pdf'"):
        render_export(assessment, "pdf")


def test_csv_cells_cannot_become_formulas():
    from tests.unit.conftest import AGREED, agree, start

    a = start(tiny_framework())
    agree(a, "budget", AGREED, 2, 3, note="=HYPERLINK(\"http://evil\")")
    rows = list(csv.DictReader(io.StringIO(report_csv(a))))
    assert rows[0]["Note"] == "'=HYPERLINK(\"http://evil\")"  # shown as text, never run


def test_the_csv_carries_the_deviation_the_flag_rests_on(assessment):
    # The worked assessment's first question: its current and ambition votes' average distance
    # from the median, as measured at the reveal.
    rows = list(csv.DictReader(io.StringIO(report_csv(assessment).lstrip("\ufeff"))))
    measures = assessment.finalised_round(assessment.framework.question_ids[0]).measures
    assert measures.current.deviation > 0  # the votes differed: the column is not a constant
    assert float(rows[0]["Now: deviation"]) == pytest.approx(measures.current.deviation, abs=5e-4)
    assert float(rows[0]["Ambition: deviation"]) == pytest.approx(measures.ambition.deviation, abs=5e-4)
