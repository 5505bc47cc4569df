"""The written report: a Markdown summary of an assessment with its charts, fit for a board paper.

`write_report` writes ``report.md`` and one PNG per chart into a directory (``accord demo`` at the
end of a run, ``accord export`` on request). `report_markdown` gives the Markdown alone.

The report is a channel-level document, so it is anonymous: it shows what the team agreed, the
anonymous spread of the votes frozen at each reveal, and the agreement measures, never who voted
what, nobody's comments and no member's name. Every number comes from `engine.scoring.score`,
that is, from the consensus the super-user recorded; nothing is recomputed from votes here.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from bot.charts import ChartRenderer, chart_filename
from engine.assessment import Assessment, RoundState
from engine.disagreement import Disagreement, Verdict
from engine.framework import Question, Resource, Scale
from engine.presenters import VERDICT_WORDS, distribution_chart, summary_charts
from engine.scoring import Priority, QuestionResult, QuestionStatus, Scorecard, ThemeScore, score
from engine.views import Chart

REPORT_NAME = "report.md"

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

_ROUND_WORDS = {
    RoundState.OPEN: "is open for votes",
    RoundState.REVEALED: "is under discussion",
    RoundState.SKIPPED: "was skipped",
    RoundState.FINALISED: "was agreed",
}

_DEFAULT_RENDERER: ChartRenderer | None = None
_DEFAULT_LOCK = threading.Lock()


@dataclass(frozen=True)
class ReportFiles:
    """What `write_report` wrote: the Markdown file and the images it refers to."""

    markdown: Path
    images: tuple[Path, ...]


@dataclass(frozen=True)
class _Charts:
    summary: tuple[Chart, ...]
    contested: tuple[tuple[QuestionResult, Chart], ...]

    @property
    def all(self) -> tuple[Chart, ...]:
        return self.summary + tuple(chart for _, chart in self.contested)


def write_report(assessment: Assessment, directory: Path, *, renderer: ChartRenderer | None = None) -> ReportFiles:
    """Write ``report.md`` and its charts into `directory` (created if needed; same names overwritten)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    renderer = _default_renderer() if renderer is None else renderer
    card = score(assessment)
    charts = _charts(assessment, card)
    images: list[Path] = []
    for chart in charts.all:
        path = renderer.save(chart, directory)
        if path not in images:
            images.append(path)
    markdown = directory / REPORT_NAME
    _write_text(markdown, _markdown(assessment, card, charts))
    return ReportFiles(markdown=markdown, images=tuple(images))


def report_markdown(assessment: Assessment) -> str:
    """The report's Markdown, naming its images as `write_report` saves them."""
    card = score(assessment)
    return _markdown(assessment, card, _charts(assessment, card))


# ----------------------------------------------------------------------- sections


def _charts(assessment: Assessment, card: Scorecard) -> _Charts:
    summary = summary_charts(card) if card.current is not None else ()
    contested = []
    for result in card.most_contested:
        round_ = assessment.finalised_round(result.question.id)
        if round_ is not None and round_.measures is not None:
            contested.append((result, distribution_chart(assessment, round_)))
    return _Charts(summary=tuple(summary), contested=tuple(contested))


def _markdown(assessment: Assessment, card: Scorecard, charts: _Charts) -> str:
    scale = assessment.framework.scale
    blocks: list[str] = []
    blocks += _heading(assessment)
    blocks += _overall(card, scale)
    blocks += _theme_table(card)
    blocks += _strengths(card)
    blocks += _priorities(card)
    blocks += _chart_section(charts.summary)
    blocks += _contested(charts.contested)
    blocks += _questions(card, assessment)
    return "\n\n".join(blocks).rstrip() + "\n"


def _heading(assessment: Assessment) -> list[str]:
    framework = assessment.framework
    if assessment.is_active:
        status = f"In progress (started {_date(assessment.created_at)})"
    else:
        status = f"Completed {_date(assessment.completed_at)}" if assessment.completed_at else "Completed"
    return [
        f"# {_text(assessment.title)}",
        f"**Framework:** {_text(framework.title)} (version {framework.version})  \n**Status:** {status}",
        "This report sets out what the leadership team agreed, theme by theme and question by question. "
        "It is anonymous: it shows the agreed answers and how views were spread when the votes were "
        "revealed, never who voted what.",
    ]


def _overall(card: Scorecard, scale: Scale) -> list[str]:
    total = len(card.questions)
    counts = {status: sum(1 for q in card.questions if q.status is status) for status in QuestionStatus}
    tally = [f"The team agreed {counts[QuestionStatus.AGREED]} of the {total} questions"]
    rest = []
    if counts[QuestionStatus.SKIPPED]:
        rest.append(f"{counts[QuestionStatus.SKIPPED]} {_was(counts[QuestionStatus.SKIPPED])} skipped")
    if counts[QuestionStatus.IN_PROGRESS]:
        rest.append(f"{counts[QuestionStatus.IN_PROGRESS]} {_is(counts[QuestionStatus.IN_PROGRESS])} still under discussion")
    if counts[QuestionStatus.NOT_REACHED]:
        rest.append(f"{counts[QuestionStatus.NOT_REACHED]} {_was(counts[QuestionStatus.NOT_REACHED])} not reached")
    counted = tally[0] + ("; " + _and(rest) if rest else "") + "."
    scale_words = (
        f"a scale from {scale.minimum} ({_text(scale.label(scale.minimum))}) "
        f"to {scale.maximum} ({_text(scale.label(scale.maximum))})"
    )
    if card.current is None:
        text = f"No question has been agreed yet, so there is nothing to score. {counted}"
    else:
        text = (
            f"Overall the team places the organisation at **{_one(card.current)}** now and aims for "
            f"**{_one(card.ambition)}** in 18-24 months: a gap of **{_one(card.gap)}** on {scale_words}. "
            f"{counted} The overall figures are the average of the theme scores."
        )
    return ["## Overall", text]


def _theme_table(card: Scorecard) -> list[str]:
    rows = [
        "| Theme | Now | Ambition | Gap | Agreed | Agreement |",
        "| :--- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for t in card.themes:
        rows.append(
            "| "
            + " | ".join(
                [
                    _text(f"{t.theme.number}. {t.theme.title}"),
                    _one(t.current),
                    _one(t.ambition),
                    _signed(t.gap),
                    f"{t.answered} of {t.total}",
                    _two(t.agreement),
                ]
            )
            + " |"
        )
    note = (
        "*Now* and *Ambition* are the averages of the positions the team agreed for the theme's questions; "
        "*Gap* is ambition minus now. *Agreement* is the average Tastle-Wierman consensus on the current "
        "position when the votes were revealed, before discussion: 1.00 means everyone gave the same rating, "
        "0.00 an even split between the two ends of the scale. A dash means no question in the theme has "
        "been agreed. Figures are rounded, so a gap can differ by 0.1 from the difference of the rounded figures."
    )
    return ["## Results by theme", "\n".join(rows), note]


def _strengths(card: Scorecard) -> list[str]:
    if not card.strengths:
        return ["## Strengths", "No theme stands out as a strength yet."]
    lines = [
        f"{index}. **{_text(s.theme.title)}**: now {_one(s.current)}, ambition {_one(s.ambition)}."
        for index, s in enumerate(card.strengths, start=1)
    ]
    return ["## Strengths", "The themes where the team places the organisation highest today.", "\n".join(lines)]


def _priorities(card: Scorecard) -> list[str]:
    if not card.priorities:
        return ["## Priorities", "No theme has a gap between where the organisation is and where the team aims to be."]
    blocks = ["## Priorities", "The themes with the largest gap between now and the ambition for 18-24 months."]
    for index, priority in enumerate(card.priorities, start=1):
        blocks += _priority(index, priority)
    return blocks


def _priority(index: int, priority: Priority) -> list[str]:
    s: ThemeScore = priority.score
    blocks = [
        f"### {index}. {_text(s.theme.title)}",
        f"Now {_one(s.current)}, ambition {_one(s.ambition)}: a gap of {_one(s.gap)}.",
        f"**Next step:** {_text(priority.next_step)}",
    ]
    if priority.resources:
        blocks.append("**Resources:**\n\n" + "\n".join(_resource(r) for r in priority.resources))
    return blocks


def _resource(resource: Resource) -> str:
    line = f"- [{_text(resource.title)}]({_url(resource.url)}) ({_text(resource.kind.value)})"
    if resource.description:
        line += f": {_text(resource.description)}"
    return line


def _chart_section(charts: Sequence[Chart]) -> list[str]:
    if not charts:
        return []
    return ["## Charts", *(_image(chart) for chart in charts)]


def _contested(contested: Sequence[tuple[QuestionResult, Chart]]) -> list[str]:
    if not contested:
        return []
    blocks = [
        "## Most contested questions",
        "The questions on which views were furthest apart when the votes were revealed, lowest consensus first.",
    ]
    for result, chart in contested:
        measures = result.measures
        consensus = result.consensus
        blocks.append(f"### Question {result.question.number}: {_text(result.question.prompt)}")
        blocks.append(
            f"Consensus {_two(measures.current.consensus)} on the current position "
            f"({VERDICT_WORDS[measures.verdict]}). After discussion the team agreed "
            f"{consensus.current} now and {consensus.ambition} as the ambition."
        )
        blocks.append(_image(chart))
    return blocks


def _questions(card: Scorecard, assessment: Assessment) -> list[str]:
    scale = assessment.framework.scale
    blocks = ["## Question by question"]
    for theme_score in card.themes:
        theme = theme_score.theme
        blocks.append(f"### {theme.number}. {_text(theme.title)}")
        for result in card.questions:
            if result.theme.id == theme.id:
                blocks.append(f"#### {result.question.number} {_text(result.question.prompt)}")
                blocks.append(_question(result, scale, assessment))
    return blocks


def _question(result: QuestionResult, scale: Scale, assessment: Assessment) -> str:
    if result.status is QuestionStatus.NOT_REACHED:
        return "Not reached."
    if result.status is QuestionStatus.SKIPPED:
        latest = assessment.latest_round(result.question.id)
        reason = latest.skip_reason if latest is not None else ""
        return "Skipped." + (f" Reason: {_text(reason)}." if reason else "")
    if result.status is QuestionStatus.IN_PROGRESS:
        return "In progress: not agreed yet."
    consensus = result.consensus
    question = result.question
    lines = [
        f"- **Agreed now:** {_level(question, scale, consensus.current)}",
        f"- **Agreed ambition:** {_level(question, scale, consensus.ambition)}",
    ]
    measures = result.measures
    if measures is not None:
        lines += [
            f"- **Votes on the current position:** {_spread(measures.current)}",
            f"- **Votes on the ambition:** {_spread(measures.ambition)}",
            f"- **Agreement:** {VERDICT_WORDS[measures.verdict].capitalize()}; consensus {_two(measures.current.consensus)} "
            f"on the current position, {_two(measures.ambition.consensus)} on the ambition",
        ]
    if consensus.note:
        lines.append(f"- **Note:** {_text(consensus.note)}")
    agreed_in = assessment.finalised_round(question.id)
    latest = assessment.latest_round(question.id)
    if agreed_in is not None and latest is not None and latest is not agreed_in:
        lines.append(
            f"- Reopened: round {latest.number} {_ROUND_WORDS[latest.state]}; the answer above is the one "
            f"agreed in round {agreed_in.number}."
        )
    elif agreed_in is not None and agreed_in.number > 1:
        lines.append(f"- Agreed in round {agreed_in.number}, after the question was reopened.")
    return "\n".join(lines)


# ------------------------------------------------------------------------ helpers


def _level(question: Question, scale: Scale, point: int) -> str:
    return f"{point} {_text(scale.label(point))}. {_text(question.descriptor(point))}"


def _spread(measure: Disagreement) -> str:
    """The anonymous distribution frozen at the reveal, e.g. ``1:0 2:1 3:3 4:2 5:0``."""
    points = range(measure.scale_min, measure.scale_max + 1)
    return "`" + " ".join(f"{p}:{c}" for p, c in zip(points, measure.distribution)) + "`"


def _image(chart: Chart) -> str:
    return f"![{_alt(chart.alt_text or chart.title)}]({chart_filename(chart)})"


_ESCAPE = re.compile(r"([\\`*_\[\]<>|])")


def _text(value: str) -> str:
    """Free text made safe inline and in table cells: one line, Markdown and HTML characters escaped."""
    return _ESCAPE.sub(r"\\\1", " ".join(str(value).split()))


def _alt(value: str) -> str:
    return re.sub(r"([\\\[\]])", r"\\\1", " ".join(str(value).split()))


def _url(url: str) -> str:
    return quote(url.strip(), safe=":/?#@!$&'*+,;=%~-._[]")


def _one(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _two(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _signed(value: float | None) -> str:
    if value is None:
        return "–"
    text = f"{value:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text


def _date(moment: datetime) -> str:
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def _was(count: int) -> str:
    return "was" if count == 1 else "were"


def _is(count: int) -> str:
    return "is" if count == 1 else "are"


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _write_text(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _default_renderer() -> ChartRenderer:
    global _DEFAULT_RENDERER
    with _DEFAULT_LOCK:
        if _DEFAULT_RENDERER is None:
            _DEFAULT_RENDERER = ChartRenderer()
        return _DEFAULT_RENDERER
