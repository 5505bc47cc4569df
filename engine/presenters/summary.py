"""Where the assessment stands and what it found: the status, the end, the scored summary.

The summary is for the channel, so it is anonymous: scores, readings, priorities, the most
contested questions and their anonymous charts, and (when the caller has them) progress since the
organisation's earlier assessment and a comparison with similar organisations.
"""

from __future__ import annotations

from engine.assessment import Assessment, Identity, RoundState
from engine.comparison import Comparison
from engine.framework import Resource
from engine.presenters.formats import join_words, long_date
from engine.presenters.rounds import distribution_chart
from engine.progress import ProgressReport
from engine.scoring import BIGGEST_GAP, LEAST_DEVELOPED, MOST_CONTESTED, STRONGEST, Scorecard, score
from engine.views import CHANNEL, Chart, ChartKind, Field, Kind, Link, Message, Series, only


def status_message(assessment: Assessment, actor: Identity) -> Message:
    card = score(assessment)
    agreed = card.answered
    total = len(card.questions)
    skipped = sum(1 for q in card.questions if q.status.value == "skipped")
    fields = [
        Field("Assessment", assessment.title),
        Field("Questions agreed", f"{agreed} of {total}" + (f" ({skipped} skipped)" if skipped else "")),
        Field("Members", f"{len(assessment.voters())} voting" + _observer_text(assessment)),
        Field("Super-user", ", ".join(sorted(m.name for m in assessment.super_users()))),
    ]
    text: list[str] = []
    round_ = assessment.focus_round
    if not assessment.is_active:
        text.append("This assessment is complete. Ask for the summary to see the results.")
    elif round_ is not None:
        question = assessment.question(round_.question_id)
        text.append(f"Now: question {question.number} is {round_.state.value}. {question.prompt}")
        if round_.state is RoundState.OPEN:
            text.append(assessment.progress(round_).line() + ".")
            member = assessment.members.get(actor)
            if member is not None and member.is_super_user:
                waiting = assessment.waiting_for(actor, round_)
                if waiting:
                    text.append("Not voted yet (only you see names): " + ", ".join(sorted(m.name for m in waiting)) + ".")
            elif member is not None and member.votes:
                text.append("You have voted." if actor in round_.votes else "You have not voted on it yet.")
    return Message(kind=Kind.STATUS, audience=only(actor), heading="Where the assessment stands", text=tuple(text), fields=tuple(fields))


def completed_message(assessment: Assessment) -> Message:
    return Message(
        kind=Kind.NOTICE,
        audience=CHANNEL,
        heading="Assessment complete",
        text=("Every question has been answered or skipped. The scored summary follows.",),
    )


def summary_message(
    assessment: Assessment,
    card: Scorecard | None = None,
    *,
    progress: ProgressReport | None = None,
    comparison: Comparison | None = None,
) -> Message:
    """The scored summary for the channel: anonymous, so no name, vote or comment is in it.

    `progress` (since the organisation's earlier assessment) and `comparison` (with similar
    organisations) are added when the caller has them; see `engine.progress` and `engine.comparison`.
    """
    card = card or score(assessment)
    text: list[str] = []
    if card.current is not None:
        text.append(
            f"Overall the team places the organisation at {card.current:.1f} now and aims for "
            f"{card.ambition:.1f} in 18-24 months (a gap of {card.gap:.1f}) on a "
            f"{card.scale_min}-{card.scale_max} scale, from {card.answered} agreed "
            f"question{'' if card.answered == 1 else 's'}."
        )
        if card.agreement is not None:
            text.append(
                f"Agreement before discussion averaged {card.agreement:.1f} ({card.agreement_band}), "
                "where 1 means everyone gave the same rating and 0 an even split between the ends of the scale."
            )
        reading = summary_reading(card)
        if reading:
            text.append(reading)
    else:
        text.append("No question has been agreed yet, so there is nothing to score.")
    if card.strengths:
        text.append("Strengths: " + "; ".join(f"{s.theme.title} ({s.current:.1f})" for s in card.strengths) + ".")
    for index, priority in enumerate(card.priorities, start=1):
        s = priority.score
        text.append(f"Priority {index}: {s.theme.title} (now {s.current:.1f}, ambition {s.ambition:.1f}). {priority.next_step}")
    if card.most_contested:
        text.append(
            "Most contested: "
            + "; ".join(f"question {q.question.number} (consensus {q.measures.current.consensus:.2f})" for q in card.most_contested)
            + "."
        )
    if progress is not None and card.current is not None:
        text.append(progress_text(progress))
    if comparison is not None and card.current is not None:
        text.append(comparison_text(comparison))
    fields = tuple(
        Field(
            t.theme.title,
            f"now {t.current:.1f}, ambition {t.ambition:.1f}, gap {t.gap:+.1f} ({t.answered} of {t.total} agreed)"
            if t.scored
            else f"not scored yet (0 of {t.total} agreed)",
        )
        for t in card.themes
    )
    links = tuple(
        Link(_titled(r), r.url, r.kind.value, f"For {p.score.theme.title.lower()}: {r.description}".rstrip(": "))
        for p in card.priorities
        for r in p.resources
    )
    return Message(
        kind=Kind.SUMMARY,
        audience=CHANNEL,
        heading=f"Summary: {card.title}",
        text=tuple(text),
        fields=fields,
        links=links,
        charts=summary_charts(card) + contested_charts(assessment, card) if card.current is not None else (),
    )


MIN_RADAR_THEMES = 3


def summary_charts(card: Scorecard) -> tuple[Chart, ...]:
    scored = [t for t in card.themes if t.scored]
    names = tuple(t.theme.title for t in scored)
    # A radar needs three spokes to enclose anything; with one or two themes, bars say it plainly.
    kind, drawn = (ChartKind.RADAR, "Radar chart") if len(scored) >= MIN_RADAR_THEMES else (ChartKind.THEMES, "Bar chart")
    positions = Chart(
        kind=kind,
        title="Where we are and where we aim to be, by theme",
        categories=names,
        series=(Series("Now", tuple(t.current for t in scored)), Series("Ambition (18-24 months)", tuple(t.ambition for t in scored))),
        alt_text=f"{drawn} by theme. "
        + "; ".join(f"{t.theme.title}: now {t.current:.1f}, ambition {t.ambition:.1f}" for t in scored)
        + ".",
        scale_min=card.scale_min,
        scale_max=card.scale_max,
    )
    gaps = Chart(
        kind=ChartKind.GAPS,
        title="Ambition gap by theme",
        categories=names,
        series=(Series("Gap", tuple(t.gap for t in scored)),),
        alt_text="Bar chart of the gap between ambition and current position. "
        + "; ".join(f"{t.theme.title}: {t.gap:+.1f}" for t in scored)
        + ".",
        scale_min=0,
        scale_max=card.scale_max - card.scale_min,
    )
    return (positions, gaps)


def _titled(resource: Resource) -> str:
    return f"{resource.title}, {resource.credit}" if resource.credit else resource.title


def summary_reading(card: Scorecard) -> str | None:
    """The themes in plain words: strongest, least developed, biggest ambition gap, most contested."""
    parts = []
    for reading, label, figure in (
        (STRONGEST, "Strongest theme", lambda t: f"now {t.current:.1f}"),
        (LEAST_DEVELOPED, "Least developed", lambda t: f"now {t.current:.1f}"),
        (BIGGEST_GAP, "Biggest ambition gap", lambda t: f"{t.gap:+.1f}"),
        (MOST_CONTESTED, "Most contested theme", lambda t: f"agreement {t.agreement:.1f}, {t.agreement_band}"),
    ):
        themes = card.with_reading(reading)
        if len(themes) == 1:
            parts.append(f"{label}: {themes[0].theme.title} ({figure(themes[0])}).")
        elif themes:
            names = join_words([t.theme.title for t in themes])
            parts.append(f"{label.removesuffix(' theme')}, jointly: {names} ({figure(themes[0])}).")
    return " ".join(parts) or None


def progress_text(progress: ProgressReport) -> str:
    since = progress.since
    lead = f"Since {since.title} (completed {long_date(since.completed_at)})"
    sentence = progress.sentence()
    if sentence.startswith("The overall"):
        return f"{lead}, t{sentence[1:]}"
    return f"{lead}: {sentence}".rstrip(": ")


def comparison_text(comparison: Comparison) -> str:
    if not comparison.shown:
        return comparison.sentence()
    return (
        comparison.sentence()
        + " "
        + "; ".join(f"{t.title}: {t.words()}" for t in comparison.themes)
        + "."
    )


def contested_charts(assessment: Assessment, card: Scorecard | None = None) -> tuple[Chart, ...]:
    """The distribution of the votes on each of the most contested questions, as revealed."""
    card = card or score(assessment)
    charts = []
    for result in card.most_contested:
        round_ = assessment.finalised_round(result.question.id)
        if round_ is not None and round_.measures is not None:
            charts.append(distribution_chart(assessment, round_))
    return tuple(charts)


def _observer_text(assessment: Assessment) -> str:
    observers = len(assessment.members) - len(assessment.voters())
    return f", {observers} observing" if observers else ""
