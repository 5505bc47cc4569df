"""Individual votes are private in every output, and shown only to a super-user who asks.

The members of `completed` have names and comments that no framework text contains, so finding
any of them (or a user id) in an output means the output leaked someone's contribution.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from bot.export import FORMATS, render_export
from bot.report import ReportContext, write_report
from engine.comparison import PeerScores, compare
from engine.errors import NotPermitted
from engine.presenters import contributions_message, individual_contributions, summary_message
from engine.progress import Baseline, progress_since
from engine.scoring import score
from tests.reports.conftest import (
    CHAIR,
    MEMBER_B,
    NAMES,
    OBSERVER,
    PERSONAL,
    RECORDED,
    chair,
    completed,
    identity,
    without_images,
    without_recorders,
)
from tests.unit.conftest import render


@pytest.fixture(scope="module")
def assessment():
    return completed(answers={"money": ((2, 4), (3, 5)), "people": ((4, 4), (3, 4))})


@pytest.fixture(scope="module")
def context(assessment):
    """Everything a report can carry besides the assessment: progress and peers too."""
    card = score(assessment)
    earlier = completed(answers={"money": ((1, 3), (2, 4))}, started=datetime(2024, 1, 8, tzinfo=timezone.utc))
    baseline = Baseline.of(score(earlier), earlier.completed_at, 2)
    peers = [PeerScores((("money", v), ("people", v + 0.5))) for v in (1.5, 2.0, 2.5, 3.0, 4.0)]
    return ReportContext(
        organisation="Northshire District Council",
        progress=progress_since(card, baseline),
        comparison=compare(card, peers, organisation_type="district"),
        generated_at=datetime(2025, 2, 1, tzinfo=timezone.utc),
    )


def text_of(content: bytes) -> str:
    return without_recorders(without_images(content.decode("utf-8")))


def assert_anonymous(text: str) -> None:
    for personal in PERSONAL:
        assert personal not in text, personal
    for user in NAMES:
        assert identity("T-HOME", user).key not in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_export_names_anyone_or_quotes_a_comment(assessment, context, fmt):
    assert_anonymous(text_of(render_export(assessment, fmt, context=context).content))


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_super_user_who_does_not_ask_for_votes_gets_the_anonymous_report(assessment, context, fmt):
    file = render_export(assessment, fmt, requested_by=chair(assessment), context=context)
    assert_anonymous(text_of(file.content))
    assert "individual-votes" not in file.filename


def test_the_html_appendix_names_only_the_super_user_who_recorded_the_answers(assessment, context):
    page = without_images(render_export(assessment, "html", context=context).content.decode("utf-8"))
    (appendix,) = RECORDED.findall(page)
    assert NAMES[CHAIR] in appendix  # who recorded each answer, as auditors ask
    for personal in PERSONAL:
        if personal != NAMES[CHAIR]:
            assert personal not in appendix, personal
    assert identity("T-HOME", CHAIR).key not in appendix


def test_the_markdown_report_on_disk_is_anonymous(assessment, context, tmp_path):
    files = write_report(assessment, tmp_path, context=context)
    assert_anonymous(files.markdown.read_text(encoding="utf-8"))


def test_the_summary_message_is_anonymous(assessment, context):
    message = summary_message(assessment, progress=context.progress, comparison=context.comparison)
    text = render(message)
    assert "Progress since Leadership check 2024 (completed 8 January 2024)" in text and "similar organisations (district)" in text
    assert_anonymous(text)
    assert not message.is_private


@pytest.mark.parametrize(
    "who",
    [
        identity("T-HOME", MEMBER_B),  # a member
        identity("T-HOME", OBSERVER),  # an observer
        identity("T-HOME", "U-stranger"),  # not in the assessment
        identity("T-ELSEWHERE", CHAIR),  # the chair's user id in another workspace is someone else
        identity("T-HOME", CHAIR, platform="msteams"),  # and on another platform
        None,  # nobody said who is asking
    ],
    ids=["member", "observer", "stranger", "other-workspace", "other-platform", "anonymous"],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_only_a_super_user_of_the_assessment_gets_individual_votes(assessment, context, who, fmt):
    with pytest.raises(NotPermitted):
        render_export(assessment, fmt, requested_by=who, include_individual_votes=True, context=context)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_super_user_who_asks_gets_who_voted_what(assessment, fmt):
    file = render_export(assessment, fmt, requested_by=chair(assessment), include_individual_votes=True)
    text = text_of(file.content)
    for user in (CHAIR, MEMBER_B):
        assert NAMES[user] in text
        assert f"CONFIDENTIAL REMARK by {NAMES[user]}" in text
    assert NAMES[OBSERVER] not in text  # observers never vote
    assert file.filename.endswith(f"-individual-votes.{file.filename.rsplit('.', 1)[1]}")
    if fmt == "json":
        votes = json.loads(file.content)["individual_votes"]
        assert [v["member"] for v in votes[0]["votes"]] == sorted(NAMES[u] for u in (CHAIR, MEMBER_B, "U-charlie"))
    if fmt in ("html", "markdown"):
        assert "Confidential" in text or "confidential" in text


def test_the_engine_gives_contributions_to_a_super_user_only(assessment):
    contributions = individual_contributions(assessment, chair(assessment))
    assert [c.question.number for c in contributions] == ["1.1", "1.2", "2.1", "2.2"]
    assert {m.name for m, _ in contributions[0].votes} == {NAMES[CHAIR], NAMES[MEMBER_B], NAMES["U-charlie"]}
    with pytest.raises(NotPermitted, match="Only the super-user can see who voted what"):
        individual_contributions(assessment, identity("T-HOME", MEMBER_B))


def test_the_super_users_view_of_contributions_is_private_to_them(assessment):
    message = contributions_message(assessment, chair(assessment))
    assert message.is_private and message.audience.person == chair(assessment)
    assert "CONFIDENTIAL REMARK by Quillon Barraclough" in render(message)
    with pytest.raises(NotPermitted):
        contributions_message(assessment, identity("T-HOME", MEMBER_B))
