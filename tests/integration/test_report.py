"""bot.report: the Markdown report and its charts, from the recorded consensus only.

The assessment is the one `build_assessment` plays (see test_charts). Worked by hand from its plan:

    theme 1 agreed (now, ambition): 1.1 (2, 4), 1.2 (3, 4), 1.3 (2, 3), 1.4 (1, 3), 1.5 (3, 5)
        now (2+3+2+1+3)/5 = 2.2, ambition (4+4+3+3+5)/5 = 3.8, gap 1.6, 5 of 5 agreed;
        consensus on the current votes: 1, 0 (two camps 1,1,5,5), 1, 1, 1, so agreement 0.80 (0.8, high)
    theme 2: 2.1 (3, 3), 2.2 skipped, 2.3 (4, 5), 2.4 (2, 4), 2.5 (3, 4)
        now 12/4 = 3.0, ambition 16/4 = 4.0, gap 1.0, 4 of 5 agreed, agreement 1.00 (1.0, high)
    theme 3: 3.1 (4, 4), 3.2 (4, 4), 3.3 skipped when the assessment was closed, 3.4-3.5 not reached
        now 4.0, ambition 4.0, gap 0.0, 2 of 5 agreed, agreement 1.00
    themes 4 and 5: nothing agreed
    overall (mean of the scored themes): now (2.2+3+4)/3 = 3.0667 -> 3.1,
        ambition (3.8+4+4)/3 = 3.9333 -> 3.9, gap 0.8667 -> 0.9
    11 agreed, 2 skipped, 12 not reached; priorities: theme 1 then theme 2; strength: theme 3.
    readings (three themes scored): theme 3 strongest (4.0), theme 1 least developed (2.2) and the
        biggest ambition gap (1.6); no theme is "most contested", because the lowest agreement
        (theme 1, 0.8) is still high.
"""

from __future__ import annotations

import re

import pytest

from bot.charts import ChartRenderer
from bot.report import REPORT_NAME, ReportFiles, report_markdown, write_report
from engine.scoring import score
from tests.integration.test_charts import (
    COMMENT,
    FRAMEWORK_FILE,
    NAMES,
    NOTE_1_2,
    PLAN,
    PNG_MAGIC,
    SKIP_REASON,
    SUPER_USER,
    VOTERS,
    Clock,
    build_assessment,
    load_framework,
)

IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[ReportFiles, str]:
    directory = tmp_path_factory.mktemp("report") / "nested" / "out"
    files = write_report(build_assessment(), directory)
    return files, files.markdown.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def md(written) -> str:
    return written[1]


def section(md: str, heading: str) -> str:
    """The text from `heading` to the next heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    start = md.index(heading + "\n")
    rest = md[start + len(heading) :]
    ends = [m.start() for m in re.finditer(r"^#{1,%d} " % level, rest, flags=re.M)]
    return rest[: ends[0]] if ends else rest


# --- files ------------------------------------------------------------------------------------


def test_writes_report_md_and_the_images_into_a_new_directory(written):
    files, _ = written
    assert files.markdown.name == REPORT_NAME and files.markdown.is_file()
    assert [p.name.split("-")[0] for p in files.images] == ["radar", "gaps", "distribution"]
    for path in files.images:
        assert path.parent == files.markdown.parent
        assert path.read_bytes()[:8] == PNG_MAGIC


def test_every_image_referenced_exists_and_has_alt_text(written, md):
    files, _ = written
    references = IMAGE.findall(md)
    assert len(references) == 3
    for alt, target in references:
        assert len(alt) > 20, alt
        assert "/" not in target
        assert (files.markdown.parent / target).is_file()
    assert {target for _, target in references} == {p.name for p in files.images}
    radar_alt = references[0][0]
    assert radar_alt.startswith("Radar chart by theme. Understanding of local place and priority setting: now 2.2")


def test_writing_again_overwrites_and_the_renderer_cache_is_used(tmp_path):
    assessment = build_assessment()
    (tmp_path / REPORT_NAME).write_text("stale", encoding="utf-8")
    renderer = ChartRenderer()
    first = write_report(assessment, tmp_path, renderer=renderer)
    text = first.markdown.read_text(encoding="utf-8")
    images = {p: p.read_bytes() for p in first.images}
    second = write_report(assessment, tmp_path, renderer=renderer)
    assert second == first
    assert second.markdown.read_text(encoding="utf-8") == text != "stale"
    assert {p: p.read_bytes() for p in second.images} == images
    assert renderer.misses == 3 and renderer.hits == 9  # 3 for the second Markdown, 3 for each HTML page
    assert renderer.misses == 3  # the HTML page beside it takes its images from the cache
    assert first.html == tmp_path / "report.html" and first.html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([REPORT_NAME, "report.html", *(p.name for p in first.images)])


def test_report_markdown_is_what_write_report_writes(written, md):
    assert report_markdown(build_assessment()) == md


# --- content ----------------------------------------------------------------------------------


def test_headings(md):
    assert md.startswith("# Leadership self-assessment 2025\n")
    for heading in (
        "## Overall",
        "## Results by theme",
        "## Strengths",
        "## Priorities",
        "## Charts",
        "## Most contested questions",
        "## Question by question",
        "### 1. Understanding of local place and priority setting",
        "#### 1.1 How well do we use data and insight about our place to understand need and set our priorities?",
    ):
        assert f"\n{heading}\n" in md, heading
    assert "**Framework:** Efficient and intelligent councils (version 1)" in md
    assert "**Status:** Completed 12 March 2025" in md


def test_overall_paragraph(md):
    overall = section(md, "## Overall")
    now, ambition = (2.2 + 3.0 + 4.0) / 3, (3.8 + 4.0 + 4.0) / 3
    assert f"at **{now:.1f}** now and aims for **{ambition:.1f}** in 18-24 months" in overall
    assert "**3.1** now and aims for **3.9**" in overall
    assert "a gap of **0.9** on a scale from 1 (Emerging) to 5 (Leading)" in overall
    assert "The team agreed 11 of the 25 questions; 2 were skipped and 12 were not reached." in overall


def test_theme_table_has_the_hand_worked_numbers(md):
    now, ambition = (2 + 3 + 2 + 1 + 3) / 5, (4 + 4 + 3 + 3 + 5) / 5
    agreement = (1 + 0 + 1 + 1 + 1) / 5
    table = section(md, "## Results by theme")
    assert (
        f"| 1. Understanding of local place and priority setting | {now:.1f} | {ambition:.1f} | "
        f"+{ambition - now:.1f} | {agreement:.1f} high | 5 of 5 |"
    ) in table
    assert (
        "| 1. Understanding of local place and priority setting | 2.2 | 3.8 | +1.6 | 0.8 high | 5 of 5 "
        "| least developed, biggest ambition gap |"
    ) in table
    assert "| 2. Leadership of place | 3.0 | 4.0 | +1.0 | 1.0 high | 4 of 5 |   |" in table
    assert "| 3. Financial planning and viability | 4.0 | 4.0 | 0.0 | 1.0 high | 2 of 5 | strongest |" in table
    assert "| 4. Organisational leadership and governance | – | – | – | – | 0 of 5 |   |" in table
    assert "| 5. Capacity to deliver | – | – | – | – | 0 of 5 |   |" in table


def test_strengths_and_priorities(md):
    strengths = section(md, "## Strengths")
    assert "1. **Financial planning and viability**: now 4.0, ambition 4.0." in strengths
    priorities = section(md, "## Priorities")
    headings = re.findall(r"^### (.+)$", priorities, flags=re.M)
    assert headings == ["1. Understanding of local place and priority setting", "2. Leadership of place"]
    card = score(build_assessment())
    for priority in card.priorities:
        assert f"**Next step:** {priority.next_step}" in priorities
        assert 1 <= len(priority.resources) <= 3
        assert set(priority.resources) <= set(priority.focus.question.resources)  # that question's own
        for resource in priority.resources:
            publisher = f", {resource.credit}" if resource.credit else ""
            assert f"- [{resource.title}]({resource.url}){publisher} ({resource.kind.value})" in priorities
    assert "**Next step:** Start with question 1.4 (" in priorities
    level = card.priorities[0].next_level
    assert f"To reach {level.level}, {level.label}: {level.descriptor}" in priorities
    assert level.descriptor == card.priorities[0].focus.question.descriptor(level.level)
    links = re.findall(r"^- \[.+?\]\((.+?)\)", priorities, flags=re.M)
    assert links and len(links) == len(set(links))  # no page recommended twice


def test_most_contested_question_has_its_distribution_chart(written, md):
    contested = section(md, "## Most contested questions")
    assert "### Question 1.2: How far do residents' views and lived experience genuinely shape the priorities we set?" in contested
    assert (
        "When the votes were revealed: Split into two camps. Current position: the team is split: 2 at 1–2 and "
        "2 at 4–5; views span 1 to 5, more than 2 apart; on average 2.00 points from the median, above the 0.83 "
        "limit. Ambition: on average 1.00 points from the median, above the 0.83 limit. Agreement 0.0 on the "
        "current position"
    ) in contested
    assert "the team agreed 3 now and 4 as the ambition" in contested
    (alt, target), = IMAGE.findall(contested)
    assert alt == "Votes on question 1.2. Current position: 2 at 1, 2 at 5. Ambition: 2 at 3, 2 at 5."
    assert target.startswith("distribution-")


def test_each_question_shows_its_consensus_spread_verdict_and_note(md):
    q12 = section(md, "#### 1.2 How far do residents' views and lived experience genuinely shape the priorities we set?")
    assert "- **Agreed now:** 3 Established. We engage residents early on major priorities" in q12
    assert "- **Agreed ambition:** 4 Advanced. Residents help frame our priorities" in q12
    assert "- **Votes on the current position:** `1:2 2:0 3:0 4:0 5:2`" in q12
    assert "- **Votes on the ambition:** `1:0 2:0 3:2 4:0 5:2`" in q12
    # The verdict with both sides' figures; then Tastle-Wierman agreement (3 3 5 5: 1 + log2(0.75) = 0.58).
    assert "- **Verdict:** Split into two camps. Current position: the team is split: 2 at 1–2 and 2 at 4–5;" in q12
    assert "- **Agreement:** 0.0 on the current position, 0.6 on the ambition" in q12
    assert f"- **Note:** {NOTE_1_2}" in q12
    q11 = section(md, "#### 1.1 How well do we use data and insight about our place to understand need and set our priorities?")
    assert "`1:0 2:4 3:0 4:0 5:0`" in q11
    assert "- **Verdict:** Broad agreement. Current position: everyone rated it 2. Ambition: everyone rated it 4." in q11
    assert "- **Agreement:** 1.0 on the current position, 1.0 on the ambition" in q11
    assert "Note" not in q11


def test_skipped_and_not_reached_questions_are_shown_as_such(md):
    framework = load_framework()
    prompts = {q.number: q.prompt for q in framework.questions()}
    assert section(md, f"#### 2.2 {prompts['2.2']}").strip() == f"Skipped. Reason: {SKIP_REASON}."
    assert section(md, f"#### 3.3 {prompts['3.3']}").strip() == "Skipped. Reason: the assessment was closed."
    for number in ("3.4", "3.5", "4.1", "5.5"):
        assert section(md, f"#### {number} {prompts[number]}").strip() == "Not reached."
    assert md.count("\nNot reached.\n") == 12


def test_nothing_personal_appears(md):
    framework_text = FRAMEWORK_FILE.read_text(encoding="utf-8")
    for name in NAMES:
        for part in (name, *name.split()):
            assert part not in framework_text  # otherwise the check below would prove nothing
            assert part not in md, part
    assert "PRIVATE COMMENT" not in md
    assert "Recorded by" not in md and "u1" not in md and "console:demo" not in md


# --- other states -----------------------------------------------------------------------------


def test_an_assessment_in_progress(tmp_path):
    assessment = build_assessment(steps=2)  # 1.1 and 1.2 agreed
    question = assessment.focus_round.question_id  # 1.3: two votes, revealed, not agreed
    clock = Clock()
    for identity in VOTERS[:2]:
        assessment.cast_vote(identity, question, 2, 3, clock.tick())
    assessment.reveal(SUPER_USER, clock.tick())
    files = write_report(assessment, tmp_path)
    md = files.markdown.read_text(encoding="utf-8")
    assert "**Status:** In progress (started 12 March 2025)" in md
    prompt = assessment.question(question).prompt
    assert section(md, f"#### 1.3 {prompt}").strip() == "In progress: not agreed yet."
    assert "The team agreed 2 of the 25 questions; 1 is still under discussion and 22 were not reached." in md
    # theme 1 from 1.1 (2, 4) and 1.2 (3, 4)
    assert "| 1. Understanding of local place and priority setting | 2.5 | 4.0 | +1.5 | 0.5 low | 2 of 5 |" in md


def test_nothing_agreed_yet_gives_no_charts(tmp_path):
    files = write_report(build_assessment(steps=0), tmp_path)
    md = files.markdown.read_text(encoding="utf-8")
    assert files.images == ()
    assert "No question has been agreed yet, so there is nothing to score." in md
    assert "## Charts" not in md and IMAGE.search(md) is None
    assert "No theme stands out as a strength yet." in md
    assert "1.1 How well do we use data" in md


def test_a_reopened_question_keeps_the_consensus_that_was_recorded(tmp_path):
    assessment = build_assessment()
    clock = Clock()
    assessment.reopen(SUPER_USER, "1.1", clock.tick())
    for identity in VOTERS:
        assessment.cast_vote(identity, "evidence-and-insight", 5, 5, clock.tick(), comment="PRIVATE COMMENT again")
    assessment.reveal(SUPER_USER, clock.tick())
    md = write_report(assessment, tmp_path).markdown.read_text(encoding="utf-8")
    q11 = section(md, "#### 1.1 How well do we use data and insight about our place to understand need and set our priorities?")
    assert "- **Agreed now:** 2 Developing." in q11
    assert "`1:0 2:4 3:0 4:0 5:0`" in q11  # the round that was agreed, not the new votes
    assert "- Reopened: round 2 is under discussion; the answer above is the one agreed in round 1." in q11
    assert "| 1. Understanding of local place and priority setting | 2.2 | 3.8 | +1.6 | 0.8 high | 5 of 5 |" in md
    assert "PRIVATE COMMENT" not in md


def test_pipes_and_markdown_in_text_are_escaped(tmp_path):
    text = FRAMEWORK_FILE.read_text(encoding="utf-8").replace(
        "title: Leadership of place", 'title: "Leadership | place *and* [links]"'
    )
    assessment = build_assessment(load_framework(text))
    # Reopen 1.2 to record a note full of Markdown.
    clock = Clock()
    assessment.reopen(SUPER_USER, "1.2", clock.tick())
    for identity in VOTERS[:2]:
        assessment.cast_vote(identity, "resident-voice", 3, 4, clock.tick())
    assessment.reveal(SUPER_USER, clock.tick())
    assessment.finalise(SUPER_USER, clock.tick(), 3, 4, "Agreed | see <script>x</script> and [this](http://x)")
    md = write_report(assessment, tmp_path).markdown.read_text(encoding="utf-8")
    row = next(line for line in md.splitlines() if line.startswith("| 2. Leadership"))
    assert row.startswith(r"| 2. Leadership \| place \*and\* \[links\] | 3.0 | 4.0 | +1.0 | 1.0 high | 4 of 5 |")
    assert len(re.findall(r"(?<!\\)\|", row)) == 8  # seven cells, no stray column
    assert r"- **Note:** Agreed \| see \<script\>x\</script\> and \[this\](http://x)" in md
    assert "<script>" not in md
    assert "### 2. Leadership \\| place \\*and\\* \\[links\\]" in md


def test_plan_covers_every_kind_of_question():
    assert {action for _, action, _ in PLAN} == {"finalise", "skip", "close"}
    assert COMMENT.format(name="x", question="1.1").startswith("PRIVATE COMMENT")


# --- what a board paper needs besides the numbers (issue 7) ----------------------------------


def test_the_report_says_how_to_read_it_who_took_part_and_that_it_is_anonymous(md):
    assert "## How to read this report\n\n- **Now and ambition:**" in md
    assert "- **Agreement:** how far the members' private votes on the current position agreed" in md
    assert "**Team:** 4 voting members" in md
    assert "This report is anonymous." in md
    assert md.index("## How to read this report") < md.index("## Overall")


def test_the_context_adds_the_organisation_and_the_date_in_its_time_zone():
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from bot.report import ReportContext

    context = ReportContext(
        organisation="Northshire District Council",
        timezone=ZoneInfo("Europe/London"),
        generated_at=datetime(2025, 6, 30, 23, 30, tzinfo=timezone.utc),  # 1 July in London (BST)
    )
    md = report_markdown(build_assessment(), context)
    assert "**Organisation:** Northshire District Council" in md
    assert "**Report produced:** 1 July 2025" in md


def test_the_html_footer_is_always_dated():
    from datetime import datetime, timezone

    from bot.report import ReportContext, report_html

    assessment = build_assessment()  # closed, so completed
    undated = report_html(assessment)
    assert f"Produced by Accord on {assessment.completed_at.day} " in undated and "Accord  from" not in undated
    made = ReportContext(generated_at=datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc))
    assert "Produced by Accord on 2 December 2026 from the answers the team recorded" in report_html(assessment, made)


def test_individual_contributions_appear_only_when_given_and_are_marked_confidential():
    from engine.presenters import individual_contributions

    assessment = build_assessment()
    md = report_markdown(assessment, contributions=individual_contributions(assessment, SUPER_USER))
    contributions = section(md, "## Individual contributions (confidential)")
    assert "| Amira Quennell | 1 | 3 | PRIVATE COMMENT from Amira Quennell on 1.2 |" in contributions
    assert "This copy is confidential" in md
