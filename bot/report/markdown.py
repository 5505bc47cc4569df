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
    PRIORITIES_INTRO,
    STRENGTHS_INTRO,
    agreement_sentence,
    anonymity_words,
    band_words,
    contested_words,
    how_to_read,
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
from engine.language import _, speaking
from engine.presenters import QuestionContributions, summary_reading, verdict_text
from engine.presenters.formats import kind_words
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
    """The Markdown of a prepared report, section by section, in its language."""
    with speaking(report.language):
        return _render_markdown(report, image)


def _render_markdown(report: Report, image: Callable[[Chart], str]) -> str:
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
        facts.append("**" + _('Organisation') + f":** {_text(report.context.organisation)}")
    version = _("{title} (version {version})").format(title=_text(framework.title), version=framework.version)
    facts += [
        "**" + _('Framework') + f":** {version}",
        "**" + _('Status') + f":** {status_words(report)}",
        "**" + _('Team') + f":** {team_words(assessment)}",
    ]
    if report.context.generated_at is not None:
        facts.append("**" + _('Report produced') + f":** {report.date(report.context.generated_at)}")
    return [f"# {_text(assessment.title)}", "  \n".join(facts), _text(anonymity_words(report))]


def _md_how_to_read() -> list[str]:
    return ["## " + _("How to read this report"), "\n".join(f"- **{label}:** {text}" for label, text in how_to_read())]


def _md_overall(report: Report) -> list[str]:
    card = report.card
    counted = tally_words(card)
    if card.current is None:
        return ["## " + _("Overall"), _("No question has been agreed yet, so there is nothing to score.") + f" {counted}"]
    text = _(
        "Overall the team places the organisation at {now} now and aims for {ambition} in 18-24 months: "
        "a gap of {gap} on {scale}."
    ).format(
        now=f"**{one(card.current)}**",
        ambition=f"**{one(card.ambition)}**",
        gap=f"**{one(card.gap)}**",
        scale=_text(scale_words(report.scale)),
    )
    blocks = ["## " + _("Overall"), f"{text} {counted}"]
    agreement = agreement_sentence(card)
    if agreement:
        blocks.append(agreement)
    reading = summary_reading(card)
    if reading:
        blocks.append(_text(reading))
    return blocks


def _md_theme_table(card: Scorecard) -> list[str]:
    heads = (_("Theme"), _("Now"), _("Ambition"), _("Gap"), _("Agreement"), _("Agreed"), _("Reading"))
    rows = [
        "| " + " | ".join(heads) + " |",
        "| :--- | ---: | ---: | ---: | :--- | ---: | :--- |",
    ]
    for t in card.themes:
        agreement = "–" if t.agreement is None else f"{one(t.agreement)} {band_words(t.agreement_band)}"
        rows.append(
            "| "
            + " | ".join(
                [
                    _text(f"{t.theme.number}. {t.theme.title}"),
                    one(t.current),
                    one(t.ambition),
                    signed(t.gap),
                    agreement,
                    _("{agreed} of {total}").format(agreed=t.answered, total=t.total),
                    _text(reading_phrase(t)) or " ",
                ]
            )
            + " |"
        )
    note = _("A dash means no question in the theme has been agreed yet.")
    return ["## " + _("Results by theme"), "\n".join(rows), note]


def _md_strengths(card: Scorecard) -> list[str]:
    if not card.strengths:
        return ["## " + _("Strengths"), _("No theme stands out as a strength yet.")]
    lines = [
        f"- {place}. **{_text(s.theme.title)}**: "
        + _("now {now}, ambition {ambition}").format(now=one(s.current), ambition=one(s.ambition))
        + "."
        for place, s in zip(strength_places(card), card.strengths)
    ]
    return ["## " + _("Strengths"), _(STRENGTHS_INTRO), "\n".join(lines)]


def _md_priorities(card: Scorecard) -> list[str]:
    if not card.priorities:
        return ["## " + _("Priorities"), _("No theme has a gap between where the organisation is and where the team aims to be.")]
    blocks = ["## " + _("Priorities"), _(PRIORITIES_INTRO)]
    for place, priority in zip(priority_places(card), card.priorities):
        blocks += [
            f"### {place}. {_text(priority.score.theme.title)}",
            priority_intro(priority),
            "**" + _('Next step:') + f"** {_text(priority.next_step)}",
        ]
        if priority.resources:
            blocks.append("**" + _('Resources') + ":**\n\n" + "\n".join(_md_resource(r) for r in priority.resources))
    return blocks


def _md_resource(resource: Resource) -> str:
    publisher = f", {_text(resource.credit)}" if resource.credit else ""
    line = f"- [{_text(resource.title)}]({safe_url(resource.url)}){publisher} ({_text(kind_words(resource.kind.value))})"
    if resource.description:
        line += f": {_text(resource.description)}"
    return line


def _md_progress(report: Report) -> list[str]:
    progress = report.context.progress
    if progress is None or report.card.current is None:
        return []
    since = progress.since
    rows = ["| " + " | ".join((_("Theme"), _("Then"), _("Now"), _("Change"))) + " |", "| :--- | ---: | ---: | :--- |"]
    for m in progress.themes:
        rows.append(
            f"| {_text(m.title)} | {one(m.before and m.before.current)} | {one(m.now and m.now.current)} | {_text(m.words())} |"
        )
    return [
        "## " + _("Progress since the last assessment"),
        _("Compared with {title}, completed {date}.").format(title=_text(since.title), date=report.date(since.completed_at))
        + f" {_text(progress.sentence())}",
        "\n".join(rows),
    ]


def _md_comparison(comparison: Comparison | None) -> list[str]:
    if comparison is None:
        return []
    blocks = ["## " + _("Compared with similar organisations"), _text(comparison.sentence())]
    if comparison.shown:
        heads = (_("Theme"), _("Us"), _("Peers' median"), _("Middle half of peers"), _("Where we stand"))
        rows = ["| " + " | ".join(heads) + " |", "| :--- | ---: | ---: | :--- | :--- |"]
        for t in comparison.themes:
            middle = _("{low} to {high}").format(low=one(t.lower_quartile), high=one(t.upper_quartile))
            rows.append(
                f"| {_text(t.title)} | {one(t.ours)} | {one(t.median)} | {middle} "
                f"| {t.position_words() or _('not scored')} |"
            )
        blocks.append("\n".join(rows))
    return blocks


def _md_chart_section(charts: Sequence[Chart], image: Callable[[Chart], str]) -> list[str]:
    if not charts:
        return []
    return ["## " + _("Charts"), *(_md_image(chart, image) for chart in charts)]


def _md_contested(contested: Sequence[tuple[QuestionResult, Chart]], image: Callable[[Chart], str]) -> list[str]:
    if not contested:
        return []
    blocks = [
        "## " + _("Most contested questions"),
        _("The questions on which views were furthest apart when the votes were revealed, lowest agreement first."),
    ]
    for result, chart in contested:
        heading = _("Question {number}: {prompt}").format(number=result.question.number, prompt=_text(result.question.prompt))
        blocks.append(f"### {heading}")
        blocks.append(contested_words(result))
        blocks.append(_md_image(chart, image))
    return blocks


def _md_questions(report: Report) -> list[str]:
    blocks = ["## " + _("Question by question")]
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
        return _("Not reached.")
    if result.status is QuestionStatus.SKIPPED:
        reason = skip_reason(result, assessment)
        return _("Skipped. Reason: {reason}.").format(reason=_text(reason)) if reason else _("Skipped.")
    if result.status is QuestionStatus.IN_PROGRESS:
        return _("In progress: not agreed yet.")
    consensus = result.consensus
    question = result.question
    lines = [
        "- **" + _('Agreed now') + f":** {_md_level(question, scale, consensus.current)}",
        "- **" + _('Agreed ambition') + f":** {_md_level(question, scale, consensus.ambition)}",
    ]
    measures = result.measures
    if measures is not None:
        agreement = _("{now_agreement} on the current position, {ambition_agreement} on the ambition").format(
            now_agreement=one(measures.current.consensus), ambition_agreement=one(measures.ambition.consensus)
        )
        lines += [
            "- **" + _('Votes on the current position') + f":** {_spread(measures.current)}",
            "- **" + _('Votes on the ambition') + f":** {_spread(measures.ambition)}",
            "- **" + _('Verdict') + f":** {_text(verdict_text(measures))}",
            "- **" + _('Agreement') + f":** {agreement}",
        ]
    if consensus.note:
        lines.append("- **" + _('Note:') + f"** {_text(consensus.note)}")
    history = round_history(result, assessment)
    if history:
        lines.append(f"- {history}")
    return "\n".join(lines)


def _md_contributions(report: Report) -> list[str]:
    if report.contributions is None:
        return []
    blocks = [
        "## " + _("Individual contributions (confidential)"),
        _(
            "Who voted what, with their comments, in the round whose answer was recorded (or the latest round). "
            "Produced for a super-user; do not circulate."
        ),
    ]
    for item in report.contributions:
        round_words = _("round {number}").format(number=item.round_number)
        blocks.append(f"### {item.question.number} {_text(item.question.prompt)} ({round_words})")
        if not item.votes:
            blocks.append(_("No votes."))
            continue
        heads = (_("Member"), _("Now"), _("Ambition"), _("Comment"))
        rows = ["| " + " | ".join(heads) + " |", "| :--- | ---: | ---: | :--- |"]
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
