"""Comparison with similar organisations: anonymous aggregates, and only with enough peers.

Peers' money scores in the five-peer group are 1.5, 2.0, 2.5, 3.0 and 4.0, so by Hyndman and
Fan's type 7 the quartiles are the 2nd, 3rd and 4th values: 2.0, 2.5 and 3.0. With four peers
(1.5, 2.0, 2.5, 3.0) nothing at all is shown.
"""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from bot.config import Config, ConfigError, parse_config
from bot.export import render_export
from bot.report import ReportContext, report_html, report_markdown
from engine.comparison import (
    BOTTOM_QUARTER,
    MIDDLE_HALF,
    MIN_PEERS_FLOOR,
    TOP_QUARTER,
    PeerScores,
    compare,
    effective_min_peers,
)
from engine.presenters import summary_message
from engine.scoring import score
from storage.reports import ReportQueries
from storage.unit_of_work import SqlUnitOfWork
from tests.integration.conftest import recorded_statements
from tests.reports.conftest import completed, organisation, without_images

MONEY = (1.5, 2.0, 2.5, 3.0, 4.0)
US = completed(answers={"money": ((2, 4), (3, 4)), "people": ((4, 4), (4, 5))})  # money 2.5, people 4.0


def peers(values=MONEY) -> list[PeerScores]:
    return [PeerScores((("money", v), ("people", 3.0))) for v in values]


# --- the threshold -------------------------------------------------------------------------


def test_four_peers_show_nothing():
    comparison = compare(score(US), peers(MONEY[:4]), organisation_type="district", min_peers=5)
    assert not comparison.shown and comparison.themes == () and comparison.peers is None
    context = ReportContext(comparison=comparison)
    md = report_markdown(US, context)
    html = without_images(report_html(US, context))
    sections = {
        "markdown": md[md.index("## Compared with similar organisations") :].split("\n## ", 1)[0],
        "html": unescape(re.sub(r"<[^>]+>", " ", html[html.index('<section id="peers">') :].split("</section>", 1)[0])),
        "summary": next(t for t in summary_message(US, comparison=comparison).text if "similar organisations" in t),
    }
    for where, text in sections.items():
        assert "will appear once at least 5 of them have shared a completed assessment" in text, where
        # Not a single figure: no median, no quartile, not even how many peers there are.
        assert re.findall(r"\d", text.replace("at least 5", "")) == [], where
    data = json.loads(render_export(US, "json", context=context).content)
    assert data["comparison"] == {"organisation_type": "district", "shown": False, "min_peers": 5, "peers": None, "themes": []}


def test_five_peers_show_the_median_and_quartiles():
    comparison = compare(score(US), peers(), organisation_type="district", min_peers=5)
    assert comparison.shown and comparison.peers == 5
    money, people = comparison.themes
    assert (money.lower_quartile, money.median, money.upper_quartile) == (2.0, 2.5, 3.0)
    assert (money.ours, money.position) == (2.5, MIDDLE_HALF)
    assert (people.median, people.ours, people.position) == (3.0, 4.0, TOP_QUARTER)
    md = report_markdown(US, ReportContext(comparison=comparison))
    assert "| Money | 2.5 | 2.5 | 2.0 to 3.0 | middle half |" in md
    assert "| People | 4.0 | 3.0 | 3.0 to 3.0 | top quarter |" in md
    data = json.loads(render_export(US, "json", context=ReportContext(comparison=comparison)).content)
    assert set(data["comparison"]["themes"][0]) == {"theme", "ours", "peers", "lower_quartile", "median", "upper_quartile", "position"}


def test_below_the_middle_half_is_the_bottom_quarter():
    low = completed(answers={"money": ((1, 2), (1, 2))})
    (money, _) = compare(score(low), peers(), organisation_type="district").themes
    assert (money.ours, money.position) == (1.0, BOTTOM_QUARTER)


def test_the_configured_threshold_is_never_below_three():
    with pytest.raises(ConfigError, match=r"comparison.min_peers: must be 3 or more \(got 2\)"):
        parse_config("comparison:\n  min_peers: 2\n")
    assert parse_config("comparison:\n  min_peers: 3\n").comparison.min_peers == 3
    assert Config().comparison.min_peers == 5 and Config().comparison.enabled is True
    assert (effective_min_peers(None), effective_min_peers(2), effective_min_peers(0), effective_min_peers(7)) == (5, 3, 3, 7)
    assert MIN_PEERS_FLOOR == 3
    # Asked directly with 2, the engine still needs 3.
    assert not compare(score(US), peers(MONEY[:2]), organisation_type="district", min_peers=2).shown
    assert compare(score(US), peers(MONEY[:3]), organisation_type="district", min_peers=2).min_peers == 3
    assert compare(score(US), peers(MONEY[:3]), organisation_type="district", min_peers=2).shown


def test_a_theme_too_few_peers_scored_is_left_out():
    partial = [PeerScores((("money", v),) + ((("people", 3.0),) if i < 4 else ())) for i, v in enumerate(MONEY)]
    comparison = compare(score(US), partial, organisation_type="district", min_peers=5)
    assert [t.theme_id for t in comparison.themes] == ["money"]  # only four peers scored people


# --- through the database ------------------------------------------------------------------


@pytest.fixture
def peer_group(db_engine, stored):
    """Five opted-in districts with completed assessments, and organisations that must not count."""
    for index, money in enumerate(MONEY):
        workspace = f"T-PEER-{index}"
        answers = {"money": ((int(money), 4), (int(money + 0.5), 4))} if money != 4.0 else {"money": ((4, 5), (4, 5))}
        stored(workspace, answers=answers)
        organisation(db_engine, workspace, "District" if index % 2 else " district ", share=True)
    # An earlier, lower assessment of peer 0: only its latest completed one counts.
    from datetime import timedelta

    from tests.reports.conftest import T0

    stored("T-PEER-0", answers={"money": ((1, 1), (1, 1))}, started=T0 - timedelta(days=400))
    for workspace, type_, share in (
        ("T-SHY", "district", False),  # did not opt in
        ("T-COUNTY", "county", True),  # another type
        ("T-NOTYPE", None, True),
    ):
        stored(workspace, answers={"money": ((5, 5), (5, 5))})
        organisation(db_engine, workspace, type_, share)
    stored("T-UNFINISHED", finish=False)
    organisation(db_engine, "T-UNFINISHED", "district", True)
    organisation(db_engine, "T-HOME", "district", True)  # us: never our own peer
    return db_engine


def peer_scores(engine, org_type="district"):
    with SqlUnitOfWork(engine, read_only=True) as uow:
        return ReportQueries(uow.session).peer_scores(
            framework_id="tiny", organisation_type=org_type, exclude=("slack", "T-HOME")
        )


def test_the_peer_query_counts_each_opted_in_organisation_of_the_type_once(peer_group, stored):
    stored("T-HOME", answers={"money": ((5, 5), (5, 5))})  # our own earlier result is not a peer's
    found = peer_scores(peer_group)
    assert sorted(p.of("money") for p in found) == list(MONEY)
    assert all(set(dict(p.current)) == {"money", "people"} for p in found)
    assert peer_scores(peer_group, "County") and len(peer_scores(peer_group, "county")) == 1
    assert peer_scores(peer_group, "unitary") == []


def test_the_peer_query_reads_aggregates_only(peer_group):
    with recorded_statements(peer_group) as statements:
        peer_scores(peer_group)
    sql = " ".join(statements).lower()
    assert "round" in sql and "organisation" in sql
    assert " vote" not in sql and "member" not in sql


def test_peers_carry_no_identity(peer_group):
    for peer in peer_scores(peer_group):
        assert "T-PEER" not in repr(peer) and "slack" not in repr(peer)


def test_five_peers_in_the_database_make_a_comparison_and_four_do_not(peer_group, stored):
    from bot.comparison import report_context

    us = stored("T-HOME", answers={"money": ((2, 4), (3, 4))}, assessment_id="us")
    with SqlUnitOfWork(peer_group, read_only=True) as uow:
        context = report_context(uow.reports, us, Config())
    money = context.comparison.themes[0]
    assert (money.lower_quartile, money.median, money.upper_quartile, context.comparison.peers) == (2.0, 2.5, 3.0, 5)
    organisation(peer_group, "T-PEER-4", "district", share=False)  # one peer withdraws
    with SqlUnitOfWork(peer_group, read_only=True) as uow:
        context = report_context(uow.reports, us, Config())
    assert not context.comparison.shown
    disabled = Config.model_validate({"comparison": {"enabled": False}})
    with SqlUnitOfWork(peer_group, read_only=True) as uow:
        assert report_context(uow.reports, us, disabled).comparison is None
