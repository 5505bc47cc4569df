"""The report in Markdown: what ``report.md`` holds and what `bot.export` hands out as ``md``.

`report_markdown` renders an assessment; `render_markdown` renders a prepared `Report` (as
`bot.report.files.write_report` does). The `_md_*` functions each give one section's blocks;
free text is escaped so that it stays one line, inline and in table cells.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.charts import chart_filename
from bot.report.document import Report, ReportContext, prepare
from bot.report.words import (
    HOW_TO_READ,
    PRIORITIES_INTRO,
    STRENGTHS_INTRO,
    agreement_sentence,
    anonymity_words,
    contested_words,
    one,
    priority_intro,
    priority_places,
    reading_phrase,
    round_history,
    safe_url,
    scale_words,
    signed,
    skip_reason,
    status_words,
    strength_places,
    tally_words,
    team_words,
)
from engine.assessment import Assessment
from engine.comparison import Comparison
from engine.disagreement import Disagreement
from engine.framework import Question, Resource, Scale
from engine.presenters import QuestionContributions, summary_reading, verdict_text
from engine.scoring import QuestionResult, QuestionStatus, Scorecard
from engine.views import Chart


def report_markdown(
    assessment: Assessment,
    context: ReportContext | None = None,
    *,
    contributions: Sequence[QuestionContributions] | None = None,
    image: Callable[[Chart], str] = chart_filename,
) -> str:
    """The report's Markdown; `image` gives each chart's target (by default its file name)."""
    return render_markdown(prepare(assessment, context, contributions), image)


def render_markdown(report: Report, image: Callable[[Chart], str]) -> str:
    """The Markdown of a prepared report, section by section."""
    blocks: list[str] = []
    blocks += _md_heading(report)
    blocks += _md_how_to_read()
    blocks += _md_overall(report)
    blocks += _md_theme_table(report.card)
    blocks += _md_strengths(report.card)
    blocks += _md_priorities(report.card)
    blocks += _md_progress(report)
    blocks += _md_comparison(report.context.comparison)
    blocks += _md_chart_section(report.charts.summary, image)
    blocks += _md_contested(report.charts.contested, image)
    blocks += _md_questions(report)
    blocks += _md_contributions(report)
    return "\n\n".join(blocks).rstrip() + "\n"


def _md_heading(report: Report) -> list[str]:
    assessment = report.assessment
    framework = assessment.framework
    facts = []
    if report.context.organisation:
        facts.append(f"**Organisation:** {_text(report.context.organisation)}")
    facts += [
        f"**Framework:** {_text(framework.title)} (version {framework.version})",
        f"**Status:** {status_words(report)}",
        f"**Team:** {team_words(assessment)}",
    ]
    if report.context.generated_at is not None:
        facts.append(f"**Report produced:** {report.date(report.context.generated_at)}")
    return [f"# {_text(assessment.title)}", "  \n".join(facts), _text(anonymity_words(report))]


def _md_how_to_read() -> list[str]:
    return ["## How to read this report", "\n".join(f"- **{label}:** {text}" for label, text in HOW_TO_READ)]


def _md_overall(report: Report) -> list[str]:
    card = report.card
    counted = tally_words(card)
    if card.current is None:
        return ["## Overall", f"No question has been agreed yet, so there is nothing to score. {counted}"]
    text = (
        f"Overall the team places the organisation at **{one(card.current)}** now and aims for "
        f"**{one(card.ambition)}** in 18-24 months: a gap of **{one(card.gap)}** on {_text(scale_words(report.scale))}. "
        f"{counted}"
    )
    blocks = ["## Overall", text]
    agreement = agreement_sentence(card)
    if agreement:
        blocks.append(agreement)
    reading = summary_reading(card)
    if reading:
        blocks.append(_text(reading))
    return blocks


def _md_theme_table(card: Scorecard) -> list[str]:
    rows = [
        "| Theme | Now | Ambition | Gap | Agreement | Agreed | Reading |",
        "| :--- | ---: | ---: | ---: | :--- | ---: | :--- |",
    ]
    for t in card.themes:
        agreement = "–" if t.agreement is None else f"{one(t.agreement)} {t.agreement_band}"
        rows.append(
            "| "
            + " | ".join(
                [
                    _text(f"{t.theme.number}. {t.theme.title}"),
                    one(t.current),
                    one(t.ambition),
                    signed(t.gap),
                    agreement,
                    f"{t.answered} of {t.total}",
                    _text(reading_phrase(t)) or " ",
                ]
            )
            + " |"
        )
    note = "A dash means no question in the theme has been agreed yet."
    return ["## Results by theme", "\n".join(rows), note]


def _md_strengths(card: Scorecard) -> list[str]:
    if not card.strengths:
        return ["## Strengths", "No theme stands out as a strength yet."]
    lines = [
        f"- {place}. **{_text(s.theme.title)}**: now {one(s.current)}, ambition {one(s.ambition)}."
        for place, s in zip(strength_places(card), card.strengths)
    ]
    return ["## Strengths", STRENGTHS_INTRO, "\n".join(lines)]


def _md_priorities(card: Scorecard) -> list[str]:
    if not card.priorities:
        return ["## Priorities", "No theme has a gap between where the organisation is and where the team aims to be."]
    blocks = ["## Priorities", PRIORITIES_INTRO]
    for place, priority in zip(priority_places(card), card.priorities):
        blocks += [
            f"### {place}. {_text(priority.score.theme.title)}",
            priority_intro(priority),
            f"**Next step:** {_text(priority.next_step)}",
        ]
        if priority.resources:
            blocks.append("**Resources:**\n\n" + "\n".join(_md_resource(r) for r in priority.resources))
    return blocks


def _md_resource(resource: Resource) -> str:
    publisher = f", {_text(resource.credit)}" if resource.credit else ""
    line = f"- [{_text(resource.title)}]({safe_url(resource.url)}){publisher} ({_text(resource.kind.value)})"
    if resource.description:
        line += f": {_text(resource.description)}"
    return line


def _md_progress(report: Report) -> list[str]:
    progress = report.context.progress
    if progress is None or report.card.current is None:
        return []
    since = progress.since
    rows = ["| Theme | Then | Now | Change |", "| :--- | ---: | ---: | :--- |"]
    for m in progress.themes:
        rows.append(
            f"| {_text(m.title)} | {one(m.before and m.before.current)} | {one(m.now and m.now.current)} | {_text(m.words())} |"
        )
    return [
        "## Progress since the last assessment",
        f"Compared with {_text(since.title)}, completed {report.date(since.completed_at)}. {_text(progress.sentence())}",
        "\n".join(rows),
    ]


def _md_comparison(comparison: Comparison | None) -> list[str]:
    if comparison is None:
        return []
    blocks = ["## Compared with similar organisations", _text(comparison.sentence())]
    if comparison.shown:
        rows = ["| Theme | Us | Peers' median | Middle half of peers | Where we stand |", "| :--- | ---: | ---: | :--- | :--- |"]
        for t in comparison.themes:
            rows.append(
                f"| {_text(t.title)} | {one(t.ours)} | {one(t.median)} | {one(t.lower_quartile)} to {one(t.upper_quartile)} "
                f"| {t.position or 'not scored'} |"
            )
        blocks.append("\n".join(rows))
    return blocks


def _md_chart_section(charts: Sequence[Chart], image: Callable[[Chart], str]) -> list[str]:
    if not charts:
        return []
    return ["## Charts", *(_md_image(chart, image) for chart in charts)]


def _md_contested(contested: Sequence[tuple[QuestionResult, Chart]], image: Callable[[Chart], str]) -> list[str]:
    if not contested:
        return []
    blocks = [
        "## Most contested questions",
        "The questions on which views were furthest apart when the votes were revealed, lowest agreement first.",
    ]
    for result, chart in contested:
        blocks.append(f"### Question {result.question.number}: {_text(result.question.prompt)}")
        blocks.append(contested_words(result))
        blocks.append(_md_image(chart, image))
    return blocks


def _md_questions(report: Report) -> list[str]:
    blocks = ["## Question by question"]
    for theme_score in report.card.themes:
        theme = theme_score.theme
        blocks.append(f"### {theme.number}. {_text(theme.title)}")
        for result in report.card.questions:
            if result.theme.id == theme.id:
                blocks.append(f"#### {result.question.number} {_text(result.question.prompt)}")
                blocks.append(_md_question(result, report))
    return blocks


def _md_question(result: QuestionResult, report: Report) -> str:
    assessment = report.assessment
    scale = report.scale
    if result.status is QuestionStatus.NOT_REACHED:
        return "Not reached."
    if result.status is QuestionStatus.SKIPPED:
        reason = skip_reason(result, assessment)
        return "Skipped." + (f" Reason: {_text(reason)}." if reason else "")
    if result.status is QuestionStatus.IN_PROGRESS:
        return "In progress: not agreed yet."
    consensus = result.consensus
    question = result.question
    lines = [
        f"- **Agreed now:** {_md_level(question, scale, consensus.current)}",
        f"- **Agreed ambition:** {_md_level(question, scale, consensus.ambition)}",
    ]
    measures = result.measures
    if measures is not None:
        lines += [
            f"- **Votes on the current position:** {_spread(measures.current)}",
            f"- **Votes on the ambition:** {_spread(measures.ambition)}",
            f"- **Verdict:** {_text(verdict_text(measures))}",
            f"- **Agreement:** {one(measures.current.consensus)} on the current position, "
            f"{one(measures.ambition.consensus)} on the ambition",
        ]
    if consensus.note:
        lines.append(f"- **Note:** {_text(consensus.note)}")
    history = round_history(result, assessment)
    if history:
        lines.append(f"- {history}")
    return "\n".join(lines)


def _md_contributions(report: Report) -> list[str]:
    if report.contributions is None:
        return []
    blocks = [
        "## Individual contributions (confidential)",
        "Who voted what, with their comments, in the round whose answer was recorded (or the latest round). "
        "Produced for a super-user; do not circulate.",
    ]
    for item in report.contributions:
        blocks.append(f"### {item.question.number} {_text(item.question.prompt)} (round {item.round_number})")
        if not item.votes:
            blocks.append("No votes.")
            continue
        rows = ["| Member | Now | Ambition | Comment |", "| :--- | ---: | ---: | :--- |"]
        for member, vote in item.votes:
            rows.append(f"| {_text(member.name)} | {vote.current} | {vote.ambition} | {_text(vote.comment) or ' '} |")
        blocks.append("\n".join(rows))
    return blocks


def _md_level(question: Question, scale: Scale, point: int) -> str:
    return f"{point} {_text(scale.label(point))}. {_text(question.descriptor(point))}"


def _md_image(chart: Chart, image: Callable[[Chart], str]) -> str:
    return f"![{_alt(chart.alt_text or chart.title)}]({image(chart)})"


# ------------------------------------------------------------------------ helpers


def _spread(measure: Disagreement) -> str:
    """The anonymous distribution frozen at the reveal, e.g. ``1:0 2:1 3:3 4:2 5:0``."""
    points = range(measure.scale_min, measure.scale_max + 1)
    return "`" + " ".join(f"{p}:{c}" for p, c in zip(points, measure.distribution)) + "`"


_ESCAPE = re.compile(r"([\\`*_\[\]<>|])")


def _text(value: str) -> str:
    """Free text made safe inline and in Markdown table cells: one line, Markdown and HTML characters escaped."""
    return _ESCAPE.sub(r"\\\1", " ".join(str(value).split()))


def _alt(value: str) -> str:
    return re.sub(r"([\\\[\]])", r"\\\1", " ".join(str(value).split()))
