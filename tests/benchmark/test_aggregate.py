"""The one aggregate (`engine.comparison.aggregate`), the hub's answer made from it, and the
report's words for a benchmark: pure, no database, no process."""

from __future__ import annotations

import re
from datetime import date

from bot.benchmark_file import answer, read_answer
from bot.report import ReportContext, report_markdown
from engine.comparison import Benchmark, PeerScores, aggregate, compare, compare_with
from engine.scoring import score
from tests.reports.conftest import completed
from tests.unit.conftest import tiny_framework

# Money per peer: 1.5, 2.0, 2.5, 3.0, 4.0 -> quartiles 2.0, 2.5, 3.0; budget 1, 2, 3, 3, 5 -> 2, 3, 3.
PEERS = [
    PeerScores((("money", m), ("people", 3.0)), (("budget", b), ("skills", 3.0)) + ((("culture", 4.0),) if i < 4 else ()))
    for i, (m, b) in enumerate(zip((1.5, 2.0, 2.5, 3.0, 4.0), (1, 2, 3, 3, 5)))
]
US = completed(answers={"money": ((2, 4), (3, 4)), "people": ((4, 4), (4, 5))})  # money 2.5, people 4.0


def test_five_peers_give_quartiles_per_theme_and_per_question_and_four_give_nothing():
    five = aggregate(PEERS, min_peers=5)
    assert five.organisations == 5
    assert (five.themes["money"].lower_quartile, five.themes["money"].median, five.themes["money"].upper_quartile) == (2.0, 2.5, 3.0)
    assert (five.questions["budget"].lower_quartile, five.questions["budget"].median, five.questions["budget"].upper_quartile) == (2.0, 3.0, 3.0)
    assert "culture" not in five.questions  # only four peers agreed it
    four = aggregate(PEERS[:4], min_peers=5)
    assert (four.shown, four.organisations, dict(four.themes), dict(four.questions)) == (False, None, {}, {})


def test_local_peers_and_a_hub_share_the_same_aggregate():
    local = compare(score(US), PEERS, organisation_type="district", min_peers=5)
    hub = compare_with(score(US), aggregate(PEERS, min_peers=5), organisation_type="district")
    assert local == hub


def test_the_hub_answer_reads_back_as_the_same_aggregate():
    five = aggregate(PEERS, min_peers=5)
    body = answer(five, organisation_type="district", framework=tiny_framework(), first=date(2026, 11, 1), last=date(2026, 11, 20))
    assert body["organisations"] == 5 and body["completed"] == {"from": "2026-11-01", "to": "2026-11-20"}
    assert read_answer(body) == (five, date(2026, 11, 1), date(2026, 11, 20))
    hidden = answer(aggregate(PEERS[:4], min_peers=5), organisation_type="district", framework=tiny_framework(), first=None, last=None)
    assert read_answer(hidden)[0].shown is False and hidden["themes"] == hidden["questions"] == []


def test_the_report_names_the_benchmark_its_date_and_how_many():
    source = Benchmark(date(2026, 12, 2), date(2026, 11, 1), date(2026, 11, 20))
    shown = compare_with(score(US), aggregate(PEERS, min_peers=5), organisation_type="district", benchmark=source)
    markdown = report_markdown(US, ReportContext(comparison=shown))
    assert "Among 5 district councils (benchmark of 2 December 2026, assessments completed 1 November 2026 to 20 November 2026)" in markdown
    assert "| Money | 2.5 | 2.5 | 2.0 to 3.0 | middle half |" in markdown
    hidden = compare_with(score(US), aggregate(PEERS[:4], min_peers=5), organisation_type="district", benchmark=Benchmark(date(2026, 12, 2)))
    sentence = hidden.sentence()
    assert "will appear once at least 5 of them have contributed" in sentence
    assert re.findall(r"\d", sentence.replace("2 December 2026", "").replace("at least 5", "")) == []
