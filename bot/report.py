"""The report on an assessment, fit for a board paper: Markdown (with PNG charts) and HTML.

`write_report` writes ``report.md``, one PNG per chart and ``report.html`` into a directory
(``accord demo`` at the end of a run, ``accord chat``'s export). `report_markdown` gives the Markdown alone, and
`report_html` a self-contained HTML page (images inline as data URIs, nothing fetched from
anywhere, laid out to print on A4) that `bot.export` hands out.

The report is a channel-level document, so by default it is anonymous: it shows what the team
agreed, the anonymous spread of the votes frozen at each reveal, and the agreement measures;
never who voted what, nobody's comments and no member's name. The one exception is
`contributions`, which only `engine.presenters.individual_contributions` can make, and which the
engine makes only for a super-user of the assessment: given it, the report ends with a section
marked confidential.

Every number comes from `engine.scoring.score`, that is, from the consensus the super-user
recorded; nothing is recomputed from votes here. `ReportContext` carries what the assessment
itself does not know: the organisation's name, progress since its earlier assessment,
comparison with similar organisations, the time zone for dates and when the report was made.
"""

from __future__ import annotations

import base64
import html
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from urllib.parse import quote

from bot.charts import PALETTE, ChartRenderer, chart_filename, figure_size
from engine.assessment import Assessment, RoundState
from engine.comparison import Comparison
from engine.disagreement import Disagreement
from engine.framework import Question, Resource, Scale
from engine.presenters import (
    VERDICT_WORDS,
    QuestionContributions,
    contested_charts,
    join_words,
    long_date,
    summary_charts,
    summary_reading,
)
from engine.progress import ProgressReport
from engine.scoring import (
    BIGGEST_GAP,
    LEAST_DEVELOPED,
    MOST_CONTESTED,
    STRONGEST,
    Priority,
    QuestionResult,
    QuestionStatus,
    Scorecard,
    ThemeScore,
    score,
)
from engine.views import Chart

REPORT_NAME = "report.md"
HTML_NAME = "report.html"

_ROUND_WORDS = {
    RoundState.OPEN: "is open for votes",
    RoundState.REVEALED: "is under discussion",
    RoundState.SKIPPED: "was skipped",
    RoundState.FINALISED: "was agreed",
}

_DEFAULT_RENDERER: ChartRenderer | None = None
_DEFAULT_LOCK = threading.Lock()


@dataclass(frozen=True)
class ReportContext:
    """What a report says beyond the assessment itself; every part is optional."""

    organisation: str | None = None
    progress: ProgressReport | None = None
    comparison: Comparison | None = None
    timezone: tzinfo | None = None  # dates are shown in it (default UTC)
    generated_at: datetime | None = None


@dataclass(frozen=True)
class ReportFiles:
    """What `write_report` wrote: the Markdown file, the images it refers to, and the HTML page."""

    markdown: Path
    images: tuple[Path, ...]
    html: Path | None = None


@dataclass(frozen=True)
class _Charts:
    summary: tuple[Chart, ...]
    contested: tuple[tuple[QuestionResult, Chart], ...]

    @property
    def all(self) -> tuple[Chart, ...]:
        return self.summary + tuple(chart for _, chart in self.contested)


@dataclass(frozen=True)
class _Report:
    """Everything one rendering needs, worked out once."""

    assessment: Assessment
    card: Scorecard
    charts: _Charts
    context: ReportContext
    contributions: tuple[QuestionContributions, ...] | None

    @property
    def scale(self) -> Scale:
        return self.assessment.framework.scale

    def date(self, moment: datetime) -> str:
        tz = self.context.timezone or timezone.utc
        local = moment.astimezone(tz) if moment.tzinfo else moment
        return long_date(local)


def write_report(
    assessment: Assessment,
    directory: Path,
    *,
    renderer: ChartRenderer | None = None,
    context: ReportContext | None = None,
    html: bool = True,
) -> ReportFiles:
    """Write ``report.md``, its charts and ``report.html`` into `directory` (created if needed; same names overwritten)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    renderer = default_renderer() if renderer is None else renderer
    report = _prepare(assessment, context, None)
    images: list[Path] = []
    for chart in report.charts.all:
        path = renderer.save(chart, directory)
        if path not in images:
            images.append(path)
    markdown = directory / REPORT_NAME
    _write_text(markdown, _markdown(report, chart_filename))
    page = None
    if html:
        page = directory / HTML_NAME
        _write_text(page, _html(report, lambda chart: data_uri(renderer.render(chart))))
    return ReportFiles(markdown=markdown, images=tuple(images), html=page)


def report_markdown(
    assessment: Assessment,
    context: ReportContext | None = None,
    *,
    contributions: Sequence[QuestionContributions] | None = None,
    image: Callable[[Chart], str] = chart_filename,
) -> str:
    """The report's Markdown; `image` gives each chart's target (by default its file name)."""
    return _markdown(_prepare(assessment, context, contributions), image)


def report_html(
    assessment: Assessment,
    context: ReportContext | None = None,
    *,
    contributions: Sequence[QuestionContributions] | None = None,
    renderer: ChartRenderer | None = None,
) -> str:
    """The report as one self-contained HTML page that prints on A4."""
    renderer = default_renderer() if renderer is None else renderer
    report = _prepare(assessment, context, contributions)
    return _html(report, lambda chart: data_uri(renderer.render(chart)))


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def report_charts(assessment: Assessment) -> tuple[Chart, ...]:
    """Every chart a report of this assessment shows, in order."""
    card = score(assessment)
    return _charts(assessment, card).all


def _prepare(
    assessment: Assessment, context: ReportContext | None, contributions: Sequence[QuestionContributions] | None
) -> _Report:
    card = score(assessment)
    return _Report(
        assessment=assessment,
        card=card,
        charts=_charts(assessment, card),
        context=context or ReportContext(),
        contributions=None if contributions is None else tuple(contributions),
    )


def _charts(assessment: Assessment, card: Scorecard) -> _Charts:
    summary = summary_charts(card) if card.current is not None else ()
    contested = tuple(zip(card.most_contested, contested_charts(assessment, card)))
    return _Charts(summary=tuple(summary), contested=contested)


# ------------------------------------------------------------------------- words
# Sentences both renderings share, as plain text (each rendering escapes them its own way).


def _status_words(report: _Report) -> str:
    assessment = report.assessment
    if assessment.is_active:
        return f"In progress (started {report.date(assessment.created_at)})"
    return f"Completed {report.date(assessment.completed_at)}" if assessment.completed_at else "Completed"


def _team_words(assessment: Assessment) -> str:
    voters = len(assessment.voters())
    observers = len(assessment.members) - voters
    words = f"{voters} voting member{'' if voters == 1 else 's'}"
    if observers:
        words += f" and {observers} observer{'' if observers == 1 else 's'}"
    return words


def _tally_words(card: Scorecard) -> str:
    total = len(card.questions)
    agreed = card.count(QuestionStatus.AGREED)
    rest = []
    for status, verb in (
        (QuestionStatus.SKIPPED, "skipped"),
        (QuestionStatus.IN_PROGRESS, "still under discussion"),
        (QuestionStatus.NOT_REACHED, "not reached"),
    ):
        count = card.count(status)
        if count:
            be = ("is" if count == 1 else "are") if status is QuestionStatus.IN_PROGRESS else ("was" if count == 1 else "were")
            rest.append(f"{count} {be} {verb}")
    return f"The team agreed {agreed} of the {total} questions" + ("; " + _and(rest) if rest else "") + "."


def _scale_words(scale: Scale) -> str:
    return f"a scale from {scale.minimum} ({scale.label(scale.minimum)}) to {scale.maximum} ({scale.label(scale.maximum)})"


def _agreement_sentence(card: Scorecard) -> str | None:
    if card.agreement is None:
        return None
    return (
        f"Before discussion, members' private votes agreed to a {card.agreement_band} degree on average "
        f"(agreement {_one(card.agreement)} on a scale from 0, an even split, to 1, everyone the same)."
    )


def _anonymity_words(report: _Report) -> str:
    if report.contributions is not None:
        return (
            "This copy is confidential: it was produced for a super-user and its last section shows who voted "
            "what. The rest of the report is anonymous."
        )
    return (
        "This report is anonymous. Every member voted privately; it shows the answers the team agreed "
        "and how views were spread when the votes were revealed, never who voted what or anyone's comments."
    )


HOW_TO_READ = (
    ("Now and ambition", "where the team agreed the organisation stands today, and where it aims to be in 18-24 "
     "months, on the framework's scale. A theme's figure is the average of the answers agreed for its questions; "
     "the overall figure is the average of the themes."),
    ("Gap", "ambition minus now: how far the team wants the organisation to move."),
    ("Agreement", "how far the members' private votes on the current position agreed before any discussion "
     "(Tastle and Wierman's consensus measure): 1.0 means everyone gave the same rating, 0.0 an even split "
     "between the two ends of the scale. High is 0.8 or more, moderate 0.6 to 0.7, low below 0.6."),
    ("Rounding", "figures are shown to one decimal place, so a gap can differ by 0.1 from the difference of the "
     "rounded figures."),
)


def _reading_phrase(theme: ThemeScore) -> str:
    return ", ".join(theme.readings)


def _priority_intro(priority: Priority) -> str:
    s = priority.score
    return f"Now {_one(s.current)}, ambition {_one(s.ambition)}: a gap of {_one(s.gap)}."


def _contested_words(result: QuestionResult) -> str:
    measures = result.measures
    consensus = result.consensus
    return (
        f"Agreement {_one(measures.current.consensus)} on the current position when the votes were revealed "
        f"({VERDICT_WORDS[measures.verdict]}). After discussion the team agreed "
        f"{consensus.current} now and {consensus.ambition} as the ambition."
    )


def _round_history(result: QuestionResult, assessment: Assessment) -> str | None:
    question = result.question
    agreed_in = assessment.finalised_round(question.id)
    latest = assessment.latest_round(question.id)
    if agreed_in is not None and latest is not None and latest is not agreed_in:
        return (
            f"Reopened: round {latest.number} {_ROUND_WORDS[latest.state]}; the answer above is the one "
            f"agreed in round {agreed_in.number}."
        )
    if agreed_in is not None and agreed_in.number > 1:
        return f"Agreed in round {agreed_in.number}, after the question was reopened."
    return None


def _skip_reason(result: QuestionResult, assessment: Assessment) -> str:
    latest = assessment.latest_round(result.question.id)
    return latest.skip_reason if latest is not None else ""


# ====================================================================== Markdown


def _markdown(report: _Report, image: Callable[[Chart], str]) -> str:
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


def _md_heading(report: _Report) -> list[str]:
    assessment = report.assessment
    framework = assessment.framework
    facts = []
    if report.context.organisation:
        facts.append(f"**Organisation:** {_text(report.context.organisation)}")
    facts += [
        f"**Framework:** {_text(framework.title)} (version {framework.version})",
        f"**Status:** {_status_words(report)}",
        f"**Team:** {_team_words(assessment)}",
    ]
    if report.context.generated_at is not None:
        facts.append(f"**Report produced:** {report.date(report.context.generated_at)}")
    return [f"# {_text(assessment.title)}", "  \n".join(facts), _text(_anonymity_words(report))]


def _md_how_to_read() -> list[str]:
    return ["## How to read this report", "\n".join(f"- **{label}:** {text}" for label, text in HOW_TO_READ)]


def _md_overall(report: _Report) -> list[str]:
    card = report.card
    counted = _tally_words(card)
    if card.current is None:
        return ["## Overall", f"No question has been agreed yet, so there is nothing to score. {counted}"]
    text = (
        f"Overall the team places the organisation at **{_one(card.current)}** now and aims for "
        f"**{_one(card.ambition)}** in 18-24 months: a gap of **{_one(card.gap)}** on {_text(_scale_words(report.scale))}. "
        f"{counted}"
    )
    blocks = ["## Overall", text]
    agreement = _agreement_sentence(card)
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
        agreement = "–" if t.agreement is None else f"{_one(t.agreement)} {t.agreement_band}"
        rows.append(
            "| "
            + " | ".join(
                [
                    _text(f"{t.theme.number}. {t.theme.title}"),
                    _one(t.current),
                    _one(t.ambition),
                    _signed(t.gap),
                    agreement,
                    f"{t.answered} of {t.total}",
                    _text(_reading_phrase(t)) or " ",
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
        f"{index}. **{_text(s.theme.title)}**: now {_one(s.current)}, ambition {_one(s.ambition)}."
        for index, s in enumerate(card.strengths, start=1)
    ]
    return ["## Strengths", "The themes where the team places the organisation highest today.", "\n".join(lines)]


def _md_priorities(card: Scorecard) -> list[str]:
    if not card.priorities:
        return ["## Priorities", "No theme has a gap between where the organisation is and where the team aims to be."]
    blocks = ["## Priorities", "The themes with the largest gap between now and the ambition for 18-24 months."]
    for index, priority in enumerate(card.priorities, start=1):
        blocks += [
            f"### {index}. {_text(priority.score.theme.title)}",
            _priority_intro(priority),
            f"**Next step:** {_text(priority.next_step)}",
        ]
        if priority.resources:
            blocks.append("**Resources:**\n\n" + "\n".join(_md_resource(r) for r in priority.resources))
    return blocks


def _md_resource(resource: Resource) -> str:
    line = f"- [{_text(resource.title)}]({_url(resource.url)}) ({_text(resource.kind.value)})"
    if resource.description:
        line += f": {_text(resource.description)}"
    return line


def _md_progress(report: _Report) -> list[str]:
    progress = report.context.progress
    if progress is None or report.card.current is None:
        return []
    since = progress.since
    rows = ["| Theme | Then | Now | Change |", "| :--- | ---: | ---: | :--- |"]
    for m in progress.themes:
        rows.append(
            f"| {_text(m.title)} | {_one(m.before and m.before.current)} | {_one(m.now and m.now.current)} | {_text(m.words())} |"
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
                f"| {_text(t.title)} | {_one(t.ours)} | {_one(t.median)} | {_one(t.lower_quartile)} to {_one(t.upper_quartile)} "
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
        blocks.append(_contested_words(result))
        blocks.append(_md_image(chart, image))
    return blocks


def _md_questions(report: _Report) -> list[str]:
    blocks = ["## Question by question"]
    for theme_score in report.card.themes:
        theme = theme_score.theme
        blocks.append(f"### {theme.number}. {_text(theme.title)}")
        for result in report.card.questions:
            if result.theme.id == theme.id:
                blocks.append(f"#### {result.question.number} {_text(result.question.prompt)}")
                blocks.append(_md_question(result, report))
    return blocks


def _md_question(result: QuestionResult, report: _Report) -> str:
    assessment = report.assessment
    scale = report.scale
    if result.status is QuestionStatus.NOT_REACHED:
        return "Not reached."
    if result.status is QuestionStatus.SKIPPED:
        reason = _skip_reason(result, assessment)
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
            f"- **Agreement:** {VERDICT_WORDS[measures.verdict].capitalize()}; {_one(measures.current.consensus)} "
            f"on the current position, {_one(measures.ambition.consensus)} on the ambition",
        ]
    if consensus.note:
        lines.append(f"- **Note:** {_text(consensus.note)}")
    history = _round_history(result, assessment)
    if history:
        lines.append(f"- {history}")
    return "\n".join(lines)


def _md_contributions(report: _Report) -> list[str]:
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


# ========================================================================== HTML


def _html(report: _Report, image: Callable[[Chart], str]) -> str:
    assessment = report.assessment
    title = assessment.title
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        # Nothing may be fetched: images are data URIs, the style is inline, there is no script.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
        "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="Accord">',
        f"<title>{_e(title)}{' – ' + _e(report.context.organisation) if report.context.organisation else ''}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        '<main class="report">',
        _h_masthead(report),
        _h_summary(report),
        _h_how_to_read(),
        _h_themes(report, image),
        _h_progress(report),
        _h_comparison(report.context.comparison, report.scale),
        _h_priorities(report.card),
        _h_contested(report, image),
        _h_questions(report),
        _h_contributions(report),
        _h_footer(report),
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _h_masthead(report: _Report) -> str:
    assessment = report.assessment
    framework = assessment.framework
    card = report.card
    eyebrow = "Leadership self-assessment"
    if report.context.organisation:
        eyebrow = f"{report.context.organisation} · {eyebrow}"
    facts = [
        ("Framework", f"{framework.title} (version {framework.version})"),
        ("Status", _status_words(report)),
        ("Team", _team_words(assessment)),
        ("Questions agreed", f"{card.count(QuestionStatus.AGREED)} of {len(card.questions)}"),
    ]
    if report.context.generated_at is not None:
        facts.append(("Report produced", report.date(report.context.generated_at)))
    privacy_class = "privacy confidential" if report.contributions is not None else "privacy"
    return (
        '<header class="masthead">'
        f'<p class="eyebrow">{_e(eyebrow)}</p>'
        f"<h1>{_e(assessment.title)}</h1>"
        '<dl class="facts">'
        + "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in facts)
        + "</dl>"
        f'<p class="{privacy_class}">{_e(_anonymity_words(report))}</p>'
        "</header>"
    )


def _h_summary(report: _Report) -> str:
    card = report.card
    scale = report.scale
    out = ['<section id="summary" class="summary">', "<h2>Summary</h2>"]
    if card.current is None:
        out.append(f"<p>No question has been agreed yet, so there is nothing to score. {_e(_tally_words(card))}</p>")
        out.append("</section>")
        return "".join(out)
    of = f"out of {scale.maximum}"
    kpis = [
        ("now", "Now", _one(card.current), of),
        ("ambition", "Ambition", _one(card.ambition), f"{of}, in 18-24 months"),
        ("gap", "Gap", _one(card.gap), "points to move"),
    ]
    if card.agreement is not None:
        kpis.append(("agreement", "Agreement", _one(card.agreement), f"{card.agreement_band}, out of 1, before discussion"))
    out.append('<div class="kpis">')
    for cls, label, value, unit in kpis:
        out.append(
            f'<div class="kpi {cls}"><span class="kpi-label">{_e(label)}</span>'
            f'<span class="kpi-value">{_e(value)}</span><span class="kpi-unit">{_e(unit)}</span></div>'
        )
    out.append("</div>")
    out.append(
        f"<p>Overall the team places the organisation at <strong>{_one(card.current)}</strong> now and aims for "
        f"<strong>{_one(card.ambition)}</strong> in 18-24 months: a gap of <strong>{_one(card.gap)}</strong> on "
        f"{_e(_scale_words(scale))}. {_e(_tally_words(card))}</p>"
    )
    readings = _h_readings(card)
    if readings:
        out.append(readings)
    out.append('<div class="glance">')
    out.append('<div class="glance-col strengths"><h3>Strengths</h3>')
    if card.strengths:
        out.append(
            "<ol>"
            + "".join(
                f"<li><strong>{_e(s.theme.title)}</strong> <span class=\"muted\">now {_one(s.current)}, ambition "
                f"{_one(s.ambition)}</span></li>"
                for s in card.strengths
            )
            + "</ol>"
        )
    else:
        out.append('<p class="muted">No theme stands out as a strength yet.</p>')
    out.append("</div>")
    out.append('<div class="glance-col priorities"><h3>Priorities</h3>')
    if card.priorities:
        out.append(
            "<ol>"
            + "".join(
                f"<li><strong>{_e(p.score.theme.title)}</strong> <span class=\"muted\">now {_one(p.score.current)}, "
                f"ambition {_one(p.score.ambition)}, gap {_one(p.score.gap)}</span></li>"
                for p in card.priorities
            )
            + "</ol>"
        )
    else:
        out.append('<p class="muted">No theme has a gap between now and the ambition.</p>')
    out.append("</div></div>")
    out.append("</section>")
    return "".join(out)


def _h_readings(card: Scorecard) -> str:
    items = []
    for reading, label, figure in (
        (STRONGEST, "Strongest", lambda t: f"now {_one(t.current)}"),
        (LEAST_DEVELOPED, "Least developed", lambda t: f"now {_one(t.current)}"),
        (BIGGEST_GAP, "Biggest ambition gap", lambda t: f"gap {_one(t.gap)}"),
        (MOST_CONTESTED, "Most contested", lambda t: f"agreement {_one(t.agreement)}, {t.agreement_band}"),
    ):
        themes = card.with_reading(reading)
        if themes:
            names = join_words([f"<strong>{_e(t.theme.title)}</strong>" for t in themes])
            joint = "jointly " if len(themes) > 1 else ""
            items.append(
                f'<div><dt>{_e(label)}</dt><dd>{names} <span class="muted">({joint}{_e(figure(themes[0]))})</span></dd></div>'
            )
    agreement = _agreement_sentence(card)
    out = ""
    if items:
        out += '<dl class="readings">' + "".join(items) + "</dl>"
    if agreement:
        out += f'<p class="muted small">{_e(agreement)}</p>'
    return out


def _h_how_to_read() -> str:
    items = "".join(f"<li><strong>{_e(label)}:</strong> {_e(text)}</li>" for label, text in HOW_TO_READ)
    return f'<aside class="how-to-read" id="how-to-read"><h2>How to read this report</h2><ul>{items}</ul></aside>'


def _h_themes(report: _Report, image: Callable[[Chart], str]) -> str:
    card = report.card
    scale = report.scale
    rows = []
    for t in card.themes:
        readings = "".join(f'<span class="tag">{_e(r)}</span>' for r in t.readings)
        agreement = "–" if t.agreement is None else f'{_one(t.agreement)} <span class="muted">{_e(t.agreement_band)}</span>'
        rows.append(
            "<tr>"
            f'<th scope="row"><span class="theme-number">{t.theme.number}</span> {_e(t.theme.title)}'
            + (f'<div class="tags">{readings}</div>' if readings else "")
            + "</th>"
            f'<td class="num now">{_one(t.current)}</td>'
            f'<td class="num ambition">{_one(t.ambition)}</td>'
            f'<td class="num">{_signed(t.gap)}</td>'
            f'<td class="num agreement">{agreement}</td>'
            f'<td class="num">{t.answered} of {t.total}</td>'
            f"<td>{_h_dumbbell(t, scale)}</td>"
            "</tr>"
        )
    legend = (
        '<p class="legend muted small"><span class="key now-key"></span> now '
        '<span class="key ambition-key"></span> ambition, on the scale from '
        f"{scale.minimum} to {scale.maximum}. A dash means no question in the theme has been agreed yet.</p>"
    )
    table = (
        '<table class="themes"><thead><tr><th scope="col">Theme</th><th scope="col" class="num">Now</th>'
        '<th scope="col" class="num">Ambition</th><th scope="col" class="num">Gap</th>'
        '<th scope="col" class="num">Agreement</th><th scope="col" class="num">Agreed</th>'
        f'<th scope="col" class="scale-col">On the scale {scale.minimum}–{scale.maximum}</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    figures = ""
    if report.charts.summary:
        figures = '<div class="figures">' + "".join(_h_figure(c, image) for c in report.charts.summary) + "</div>"
    return f'<section id="themes"><h2>Results by theme</h2>{table}{legend}{figures}</section>'


def _h_dumbbell(t: ThemeScore, scale: Scale) -> str:
    """Now and ambition as two marks on a line from the scale's minimum to its maximum."""
    if not t.scored:
        return '<span class="muted">not scored</span>'
    width = scale.maximum - scale.minimum

    def at(value: float) -> float:
        return round(100 * (value - scale.minimum) / width, 2)

    now, ambition = at(t.current), at(t.ambition)
    label = f"now {_one(t.current)}, ambition {_one(t.ambition)}"
    return (
        f'<span class="dumbbell" role="img" aria-label="{_e(label)}">'
        f'<span class="track"></span>'
        f'<span class="span" style="left:{now}%;width:{round(ambition - now, 2)}%"></span>'
        f'<span class="dot dot-ambition" style="left:{ambition}%"></span>'
        f'<span class="dot dot-now" style="left:{now}%"></span>'
        "</span>"
    )


def _h_figure(chart: Chart, image: Callable[[Chart], str], cls: str = "") -> str:
    width, height = figure_size(chart.kind)
    return (
        f'<figure class="chart {chart.kind.value} {cls}">'
        f'<img src="{image(chart)}" alt="{_e(chart.alt_text or chart.title)}" '
        f'width="{round(width * 144)}" height="{round(height * 144)}">'
        "</figure>"
    )


def _h_progress(report: _Report) -> str:
    progress = report.context.progress
    if progress is None or report.card.current is None:
        return ""
    since = progress.since
    rows = []
    for m in progress.themes:
        direction = m.direction
        cls = {"up": "up", "down": "down"}.get(direction, "")
        change = f"{m.current_change:+.1f}" if direction in ("up", "down") else ("0.0" if direction == "no change" else "")
        rows.append(
            f"<tr><th scope=\"row\">{_e(m.title)}</th>"
            f'<td class="num">{_one(m.before and m.before.current)}</td>'
            f'<td class="num">{_one(m.now and m.now.current)}</td>'
            f'<td class="num change {cls}">{_e(change.replace("-", "−"))}</td>'
            f"<td>{_e(direction)}</td></tr>"
        )
    return (
        '<section id="progress"><h2>Progress since the last assessment</h2>'
        f"<p>Compared with <strong>{_e(since.title)}</strong>, completed {_e(report.date(since.completed_at))}. "
        f"{_e(progress.sentence())}</p>"
        '<table class="compact"><thead><tr><th scope="col">Theme</th><th scope="col" class="num">Then</th>'
        '<th scope="col" class="num">Now</th><th scope="col" class="num">Change</th><th scope="col">Movement</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _h_comparison(comparison: Comparison | None, scale: Scale) -> str:
    if comparison is None:
        return ""
    out = ['<section id="peers"><h2>Compared with similar organisations</h2>', f"<p>{_e(comparison.sentence())}</p>"]
    if comparison.shown:
        rows = []
        for t in comparison.themes:
            rows.append(
                f"<tr><th scope=\"row\">{_e(t.title)}</th><td class=\"num\">{_one(t.ours)}</td>"
                f'<td class="num">{_one(t.median)}</td>'
                f'<td class="num">{_one(t.lower_quartile)} to {_one(t.upper_quartile)}</td>'
                f"<td>{_e(t.position or 'not scored')}</td><td>{_h_range(t, scale)}</td></tr>"
            )
        out.append(
            '<table class="compact"><thead><tr><th scope="col">Theme</th><th scope="col" class="num">Us</th>'
            '<th scope="col" class="num">Peers\u2019 median</th><th scope="col" class="num">Middle half of peers</th>'
            '<th scope="col">Where we stand</th>'
            f'<th scope="col" class="scale-col">On the scale {scale.minimum}–{scale.maximum}</th>'
            f'</tr></thead><tbody>{"".join(rows)}</tbody></table>'
            '<p class="legend muted small"><span class="key band-key"></span> middle half of similar organisations, '
            '<span class="key median-key"></span> their median, <span class="key now-key"></span> us now.</p>'
        )
    out.append("</section>")
    return "".join(out)


def _h_priorities(card: Scorecard) -> str:
    out = ['<section id="priorities"><h2>Priorities and next steps</h2>']
    if not card.priorities:
        out.append("<p>No theme has a gap between where the organisation is and where the team aims to be.</p>")
    else:
        out.append("<p>The themes with the largest gap between now and the ambition for 18-24 months.</p>")
    for index, priority in enumerate(card.priorities, start=1):
        resources = "".join(
            f'<li><a href="{_e(_url(r.url))}">{_e(r.title)}</a> <span class="muted">({_e(r.kind.value)})</span>'
            + (f": {_e(r.description)}" if r.description else "")
            + "</li>"
            for r in priority.resources
        )
        out.append(
            '<article class="priority">'
            f'<h3><span class="rank">{index}</span> {_e(priority.score.theme.title)}</h3>'
            f"<p class=\"muted\">{_e(_priority_intro(priority))}</p>"
            f"<p><strong>Next step:</strong> {_e(priority.next_step)}</p>"
            + (
                f'<p class="resources-label"><strong>Resources</strong></p><ul class="links">{resources}</ul>'
                if resources
                else ""
            )
            + "</article>"
        )
    out.append("</section>")
    return "".join(out)


def _h_range(theme, scale: Scale) -> str:
    """The peers' middle half as a band, their median as a tick and us as a dot, on the scale."""
    width = scale.maximum - scale.minimum

    def at(value: float) -> float:
        return round(100 * (value - scale.minimum) / width, 2)

    low, high, median = at(theme.lower_quartile), at(theme.upper_quartile), at(theme.median)
    label = f"peers' middle half {_one(theme.lower_quartile)} to {_one(theme.upper_quartile)}, median {_one(theme.median)}"
    ours = ""
    if theme.ours is not None:
        label += f", us {_one(theme.ours)}"
        ours = f'<span class="dot dot-now" style="left:{at(theme.ours)}%"></span>'
    return (
        f'<span class="dumbbell range" role="img" aria-label="{_e(label)}"><span class="track"></span>'
        f'<span class="band" style="left:{low}%;width:{round(high - low, 2)}%"></span>'
        f'<span class="median" style="left:{median}%"></span>{ours}</span>'
    )


def _h_contested(report: _Report, image: Callable[[Chart], str]) -> str:
    contested = report.charts.contested
    if not contested:
        return ""
    out = [
        '<section id="contested"><h2>Most contested questions</h2>',
        "<p>The questions on which views were furthest apart when the votes were revealed, lowest agreement first. "
        "The team discussed each before recording its answer.</p>",
    ]
    for result, chart in contested:
        out.append(
            '<article class="contested">'
            f"<h3>Question {_e(result.question.number)}: {_e(result.question.prompt)}</h3>"
            f"<p>{_e(_contested_words(result))}</p>"
            + (f'<p class="note"><strong>Note:</strong> {_e(result.consensus.note)}</p>' if result.consensus.note else "")
            + _h_figure(chart, image, "narrow")
            + "</article>"
        )
    out.append("</section>")
    return "".join(out)


def _h_questions(report: _Report) -> str:
    out = ['<section id="questions"><h2>Question by question</h2>']
    for theme_score in report.card.themes:
        theme = theme_score.theme
        out.append(f'<h3 class="theme-heading"><span class="theme-number">{theme.number}</span> {_e(theme.title)}</h3>')
        for result in report.card.questions:
            if result.theme.id == theme.id:
                out.append(_h_question(result, report))
    out.append("</section>")
    return "".join(out)


def _h_question(result: QuestionResult, report: _Report) -> str:
    question = result.question
    head = f'<h4><span class="qnum">{_e(question.number)}</span> {_e(question.prompt)}</h4>'
    if result.status is not QuestionStatus.AGREED:
        if result.status is QuestionStatus.SKIPPED:
            reason = _skip_reason(result, report.assessment)
            status = "Skipped." + (f" Reason: {reason}." if reason else "")
        elif result.status is QuestionStatus.IN_PROGRESS:
            status = "In progress: not agreed yet."
        else:
            status = "Not reached."
        return (
            f'<article class="question pending"><p><span class="qnum">{_e(question.number)}</span> '
            f'{_e(question.prompt)} <span class="status">{_e(status)}</span></p></article>'
        )
    scale = report.scale
    consensus = result.consensus
    answer = (
        '<dl class="answer">'
        f'<div><dt>Agreed now</dt><dd><strong class="now">{consensus.current} {_e(scale.label(consensus.current))}.</strong> '
        f"{_e(question.descriptor(consensus.current))}</dd></div>"
        '<div><dt>Ambition</dt><dd><strong class="ambition">'
        f"{consensus.ambition} {_e(scale.label(consensus.ambition))}.</strong> "
        + (
            "Hold this level."
            if consensus.ambition == consensus.current
            else _e(question.descriptor(consensus.ambition))
        )
        + "</dd></div>"
        "</dl>"
    )
    votes = ""
    measures = result.measures
    if measures is not None:
        votes = (
            '<div class="votes">'
            + _h_distribution(measures.current, measures.ambition)
            + f'<p class="verdict"><span class="verdict-{measures.verdict.name.lower()}">'
            f"{_e(VERDICT_WORDS[measures.verdict].capitalize())}</span> ({_one(measures.current.consensus)} on now, "
            f"{_one(measures.ambition.consensus)} on ambition); {_spread_words(measures.current)}</p>"
            "</div>"
        )
    extra = ""
    if consensus.note:
        extra += f'<p class="note"><strong>Note:</strong> {_e(consensus.note)}</p>'
    history = _round_history(result, report.assessment)
    if history:
        extra += f'<p class="muted small">{_e(history)}</p>'
    return f'<article class="question">{head}<div class="qbody">{answer}{votes}</div>{extra}</article>'


def _h_distribution(current: Disagreement, ambition: Disagreement) -> str:
    """The anonymous counts at each point, shaded by share: a small table that prints in black and white."""
    points = list(range(current.scale_min, current.scale_max + 1))
    head = "".join(f'<th scope="col">{p}</th>' for p in points)

    def row(label: str, cls: str, measure: Disagreement) -> str:
        total = max(measure.n, 1)
        cells = "".join(
            f'<td style="--share:{round(c / total, 3)}"{_ZERO if not c else ""}>{c}</td>' for c in measure.distribution
        )
        return f'<tr class="{cls}"><th scope="row">{label}</th>{cells}</tr>'

    return (
        f'<table class="dist" aria-label="How the {current.n} votes were spread">'
        f'<thead><tr><th scope="col"><span class="visually-hidden">Votes</span></th>{head}</tr></thead>'
        f"<tbody>{row('Now', 'now', current)}{row('Ambition', 'ambition', ambition)}</tbody></table>"
    )


_ZERO = ' class="zero"'


def _spread_words(measure: Disagreement) -> str:
    """How far apart the lowest and highest votes on the current position were."""
    if measure.spread is None:
        return "no votes"
    if measure.spread == 0:
        return "every vote on the same point"
    return f"votes {measure.spread} point{'' if measure.spread == 1 else 's'} apart"


def _h_contributions(report: _Report) -> str:
    if report.contributions is None:
        return ""
    out = [
        '<section id="contributions" class="confidential-section">',
        "<h2>Individual contributions <span class=\"stamp\">Confidential</span></h2>",
        "<p>Who voted what, with their comments, in the round whose answer was recorded (or the latest round). "
        "Produced for a super-user of this assessment; do not circulate.</p>",
    ]
    for item in report.contributions:
        out.append(
            f'<h3 class="contrib-q"><span class="qnum">{_e(item.question.number)}</span> {_e(item.question.prompt)} '
            f'<span class="muted small">round {item.round_number}</span></h3>'
        )
        if not item.votes:
            out.append('<p class="muted">No votes.</p>')
            continue
        rows = "".join(
            f"<tr><th scope=\"row\">{_e(member.name)}</th><td class=\"num\">{vote.current}</td>"
            f'<td class="num">{vote.ambition}</td><td>{_e(vote.comment)}</td></tr>'
            for member, vote in item.votes
        )
        out.append(
            '<table class="compact contrib"><thead><tr><th scope="col">Member</th><th scope="col" class="num">Now</th>'
            f'<th scope="col" class="num">Ambition</th><th scope="col">Comment</th></tr></thead><tbody>{rows}</tbody></table>'
        )
    out.append("</section>")
    return "".join(out)


def _h_footer(report: _Report) -> str:
    framework = report.assessment.framework
    produced = f"on {report.date(report.context.generated_at)}" if report.context.generated_at else ""
    return (
        '<footer class="colophon"><p>'
        f"Produced by Accord {_e(produced)} from the answers the team recorded, using the "
        f"{_e(framework.title)} framework (version {framework.version}). Agreement is Tastle and Wierman's (2007) "
        "consensus measure on each question's private votes, taken when the votes were revealed. "
        "Charts use a colour-blind-safe palette (Okabe and Ito) and every chart has a text description."
        "</p></footer>"
    )


_CSS = """
:root {
  --ink: #1a1a1a; --muted: #555; --rule: #d6d6d6; --soft: #f4f5f7;
  --now: @NOW@; --ambition: @AMBITION@; --gap: @GAP@; --alert: #d55e00;
}
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.5 "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", sans-serif; }
.report { max-width: 60rem; margin: 0 auto; padding: 2.5rem 2rem 3rem; }
h1, h2, h3, h4 { line-height: 1.25; margin: 0; break-after: avoid; page-break-after: avoid; }
h1 { font-size: 2rem; margin: .2rem 0 1rem; letter-spacing: -0.01em; }
h2 { font-size: 1.35rem; margin: 2.2rem 0 .8rem; padding-bottom: .3rem; border-bottom: 2px solid var(--ink); }
h3 { font-size: 1.08rem; margin: 1.4rem 0 .5rem; }
h4 { font-size: .98rem; margin: 0 0 .45rem; }
p { margin: .5rem 0; }
a { color: #005a8c; }
.muted { color: var(--muted); }
.small { font-size: .85em; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }

.masthead { border-bottom: 1px solid var(--rule); padding-bottom: 1rem; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: .78rem; color: var(--muted); margin: 0; }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .6rem 1.2rem; margin: 0 0 .8rem; }
.facts div { border-left: 3px solid var(--rule); padding-left: .6rem; }
.facts dt { font-size: .75rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
.facts dd { margin: 0; font-weight: 600; }
.privacy { background: var(--soft); border-left: 4px solid var(--now); padding: .55rem .8rem; font-size: .9rem; margin: .6rem 0 0; }
.privacy.confidential { border-left-color: var(--alert); background: #fdf0e8; font-weight: 600; }

.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: .8rem; margin: .4rem 0 1rem; }
.kpi { border: 1px solid var(--rule); border-top: 5px solid var(--muted); border-radius: 4px; padding: .6rem .8rem; break-inside: avoid; }
.kpi.now { border-top-color: var(--now); }
.kpi.ambition { border-top-color: var(--ambition); }
.kpi.gap { border-top-color: var(--gap); }
.kpi.agreement { border-top-color: #7a7a7a; }
.kpi-label { display: block; font-size: .78rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.kpi-value { display: block; font-size: 2rem; font-weight: 700; line-height: 1.15; font-variant-numeric: tabular-nums; }
.kpi-unit { display: block; font-size: .8rem; color: var(--muted); }
.readings { display: grid; grid-template-columns: repeat(2, 1fr); gap: .3rem 1.5rem; margin: .8rem 0 .3rem; }
.readings dt { font-size: .78rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.readings dd { margin: 0; }
.glance { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; margin-top: .8rem; break-inside: avoid; }
.glance h3 { margin-top: .4rem; }
.glance ol { margin: .2rem 0; padding-left: 1.3rem; }
.glance li { margin: .25rem 0; }
.glance .muted { display: block; font-size: .88em; }

.how-to-read { background: var(--soft); border-radius: 4px; padding: .2rem 1.2rem .8rem; margin-top: 1.8rem; font-size: .9rem; break-inside: avoid; }
.how-to-read h2 { border: 0; margin: .8rem 0 .2rem; font-size: 1.05rem; }
.how-to-read ul { margin: .3rem 0; padding-left: 1.1rem; }
.how-to-read li { margin: .25rem 0; }

table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { padding: .45rem .5rem; border-bottom: 1px solid var(--rule); vertical-align: top; text-align: left; }
thead th { font-size: .75rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); border-bottom: 2px solid var(--ink); vertical-align: bottom; }
thead th.num { text-align: right; }
tr { break-inside: avoid; page-break-inside: avoid; }
table.themes tbody th { font-weight: 600; }
.theme-number { display: inline-block; min-width: 1.3em; color: var(--muted); font-weight: 600; }
td.now { color: var(--now); font-weight: 700; }
td.ambition { color: #8a5d00; font-weight: 700; }
.tags { margin-top: .2rem; }
.tag { display: inline-block; font-size: .72rem; font-weight: 600; border: 1px solid var(--muted); border-radius: 999px; padding: 0 .45rem; margin: 0 .25rem .15rem 0; color: var(--ink); background: #fff; }
.scale-col { width: 22%; }
.dumbbell { position: relative; display: block; height: 1.1rem; margin: .2rem .5rem 0; }
.dumbbell .track { position: absolute; left: 0; right: 0; top: 50%; border-top: 1px solid #bbb; }
.dumbbell .span { position: absolute; top: calc(50% - 2px); height: 4px; background: #c9c9c9; }
.dumbbell .dot { position: absolute; top: 50%; width: .75rem; height: .75rem; transform: translate(-50%, -50%); border: 1.5px solid #fff; }
.dumbbell .dot-now { background: var(--now); border-radius: 50%; z-index: 2; }
.dumbbell .dot-ambition { background: var(--ambition); transform: translate(-50%, -50%) rotate(45deg); width: .7rem; height: .7rem; z-index: 1; }
.range .band { position: absolute; top: calc(50% - .35rem); height: .7rem; min-width: 2px; background: #cfd8e3; border: 1px solid #8da2b8; }
.range .median { position: absolute; top: calc(50% - .5rem); height: 1rem; width: 0; border-left: 2px solid var(--ink); }
.legend .band-key { background: #cfd8e3; border: 1px solid #8da2b8; }
.legend .median-key { width: 0; border-left: 2px solid var(--ink); height: .8rem; margin-left: .5rem; }
table.contrib { table-layout: fixed; }
table.contrib th:first-child { width: 30%; }
table.contrib th.num { width: 10%; }
.legend .key { display: inline-block; width: .7rem; height: .7rem; vertical-align: -.05rem; margin-left: .3rem; }
.legend .now-key { background: var(--now); border-radius: 50%; }
.legend .ambition-key { background: var(--ambition); transform: rotate(45deg) scale(.9); }

.figures { margin-top: 1.2rem; }
.figures figure { margin: 0 auto 1rem; }
figure.radar { max-width: 38rem; }
figure.gaps { max-width: 50rem; }
figure { margin: 0; break-inside: avoid; page-break-inside: avoid; }
figure img { display: block; width: 100%; height: auto; }
figure.narrow { max-width: 36rem; margin: .6rem auto 0; }

table.compact { margin-top: .6rem; }
.change.up { color: #006d4f; font-weight: 700; }
.change.down { color: #a33a00; font-weight: 700; }

.priority { border: 1px solid var(--rule); border-left: 5px solid var(--gap); border-radius: 4px; padding: .3rem 1rem .6rem; margin: .8rem 0; break-inside: avoid; page-break-inside: avoid; }
.priority h3 { margin-top: .5rem; }
.rank { display: inline-block; width: 1.6em; height: 1.6em; line-height: 1.6em; text-align: center; border-radius: 50%; background: var(--ink); color: #fff; font-size: .85em; margin-right: .3rem; }
.links { margin: .2rem 0; padding-left: 1.2rem; }
.links li { margin: .2rem 0; }
.resources-label { margin-bottom: 0; }

.contested { margin-bottom: 1.2rem; }
section > p:first-of-type { break-after: avoid; page-break-after: avoid; }
.contested h3, .contested p { break-after: avoid; page-break-after: avoid; }
.note { background: #fffaf0; border-left: 3px solid var(--ambition); padding: .35rem .7rem; font-size: .92rem; }

.theme-heading { margin-top: 1.6rem; padding: .3rem 0; border-bottom: 1px solid var(--rule); }
.question { padding: .7rem 0 .6rem; border-bottom: 1px solid #ececec; break-inside: avoid; page-break-inside: avoid; }
.question.pending { padding: .35rem 0; }
.question.pending p { margin: 0; color: var(--muted); font-size: .92rem; }
.question.pending .status { font-style: italic; white-space: nowrap; }
.qnum { display: inline-block; min-width: 2.2em; color: var(--muted); }
.qbody { display: grid; grid-template-columns: 1fr 15rem; gap: 1.2rem; }
.answer { margin: 0; }
.answer div { margin-bottom: .3rem; }
.answer dt { font-size: .75rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.answer dd { margin: 0; font-size: .92rem; }
strong.now { color: var(--now); }
strong.ambition { color: #8a5d00; }
table.dist { width: auto; font-size: .8rem; margin-top: .2rem; }
table.dist th, table.dist td { padding: .12rem .4rem; border: 0; text-align: center; }
table.dist thead th { border-bottom: 1px solid var(--rule); text-transform: none; letter-spacing: 0; }
table.dist tbody th { text-align: left; font-weight: 600; color: var(--muted); padding-right: .6rem; }
table.dist tr.now td { background: color-mix(in srgb, var(--now) calc(var(--share) * 65%), white); }
table.dist tr.ambition td { background: color-mix(in srgb, var(--ambition) calc(var(--share) * 75%), white); }
table.dist td { min-width: 1.7rem; font-variant-numeric: tabular-nums; }
table.dist td.zero { color: #aaa; }
.verdict { font-size: .82rem; color: var(--muted); margin: .35rem 0 0; }
.verdict span { font-weight: 700; color: var(--ink); }
.verdict-polarised, .verdict-spread { color: var(--alert) !important; }

.confidential-section { border-top: 4px solid var(--alert); margin-top: 2rem; }
.stamp { display: inline-block; font-size: .75rem; color: #fff; background: var(--alert); border-radius: 3px; padding: .1rem .45rem; vertical-align: .2rem; letter-spacing: .05em; text-transform: uppercase; }
.contrib-q { font-size: .95rem; }
.colophon { margin-top: 2.5rem; padding-top: .8rem; border-top: 1px solid var(--rule); font-size: .8rem; color: var(--muted); }

@media (max-width: 44rem) {
  .kpis { grid-template-columns: repeat(2, 1fr); }
  .glance, .qbody, .readings { grid-template-columns: 1fr; }
}

@page { size: A4; margin: 16mm 15mm 18mm; }
@page { @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt sans-serif; color: #555; } }
@media print {
  body { font-size: 9.5pt; }
  .report { max-width: none; padding: 0; }
  h1 { font-size: 20pt; }
  h2 { font-size: 13pt; margin-top: 1.4rem; }
  .kpi-value { font-size: 18pt; }
  figure.radar { max-width: 112mm; }
  figure.gaps, figure.distribution { max-width: 150mm; }
  .how-to-read { padding: 1mm 4mm 2mm; font-size: 8.5pt; }
  .how-to-read ul { columns: 2; column-gap: 8mm; }
  .how-to-read li { break-inside: avoid; }
  table { font-size: 9pt; }
  th, td { padding: 1.2mm 1.4mm; }
  .scale-col { width: 26mm; }
  .dumbbell { margin: .2rem .2rem 0; }
  .kpis { gap: 3mm; }
  .facts { gap: 2mm 4mm; }
  .masthead { padding-bottom: 2mm; }
  h1 { margin-bottom: 3mm; }
  .qbody { grid-template-columns: 1fr 60mm; gap: 5mm; }
  table.dist { font-size: 8pt; }
  table.dist td { min-width: 6mm; }
  table.dist th, table.dist td { padding: .4mm 1mm; }
  .facts { grid-template-columns: 2fr 1.4fr 1.2fr 1fr 1.2fr; }
  .colophon { break-before: avoid; margin-top: 6mm; }
  #questions { break-before: page; page-break-before: always; }
  #contributions { break-before: page; page-break-before: always; }
  a { color: inherit; text-decoration: none; }
  .links a::after { content: " \\2013  " attr(href); color: #555; font-size: .9em; word-break: break-all; }
  .how-to-read { background: none; border: 1px solid var(--rule); }
}
""".replace("@NOW@", PALETTE.series[0]).replace("@AMBITION@", PALETTE.series[1]).replace("@GAP@", PALETTE.gap)


# ------------------------------------------------------------------------ helpers


def _spread(measure: Disagreement) -> str:
    """The anonymous distribution frozen at the reveal, e.g. ``1:0 2:1 3:3 4:2 5:0``."""
    points = range(measure.scale_min, measure.scale_max + 1)
    return "`" + " ".join(f"{p}:{c}" for p, c in zip(points, measure.distribution)) + "`"


_ESCAPE = re.compile(r"([\\`*_\[\]<>|])")


def _text(value: str) -> str:
    """Free text made safe inline and in Markdown table cells: one line, Markdown and HTML characters escaped."""
    return _ESCAPE.sub(r"\\\1", " ".join(str(value).split()))


def _e(value: object) -> str:
    """Text made safe in HTML, attributes included."""
    return html.escape(" ".join(str(value).split()), quote=True)


def _alt(value: str) -> str:
    return re.sub(r"([\\\[\]])", r"\\\1", " ".join(str(value).split()))


def _url(url: str) -> str:
    return quote(url.strip(), safe=":/?#@!$&'*+,;=%~-._[]")


def _one(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _signed(value: float | None) -> str:
    if value is None:
        return "–"
    text = f"{value:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _write_text(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def default_renderer() -> ChartRenderer:
    """One renderer shared by every report in this process, so each chart is drawn once."""
    global _DEFAULT_RENDERER
    with _DEFAULT_LOCK:
        if _DEFAULT_RENDERER is None:
            _DEFAULT_RENDERER = ChartRenderer()
        return _DEFAULT_RENDERER
