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
from engine.permissions import Role
from engine.presenters.rounds import distribution_chart
from engine.progress import ProgressReport
from engine.scoring import (
    BIGGEST_GAP,
    LEAST_DEVELOPED,
    MOST_CONTESTED,
    STRONGEST,
    Scorecard,
    ranks,
    score,
    shown,
)
from engine.views import (
    CHANNEL,
    Chart,
    ChartKind,
    Field,
    Kind,
    Link,
    Message,
    Series,
    only,
)


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
        text.append(strengths_text(card))
    text += priority_texts(card)
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
    """The themes in plain words: strongest, least developed, biggest ambition gap, most contested.

    Themes level on a figure (as shown) are named together as a tie: "Joint strongest: A and B
    (both now 2.8)."
    """
    parts = []
    for reading, label, figure in (
        (STRONGEST, "strongest theme", lambda t: f"now {t.current:.1f}"),
        (LEAST_DEVELOPED, "least developed", lambda t: f"now {t.current:.1f}"),
        (BIGGEST_GAP, "biggest ambition gap", lambda t: f"{t.gap:+.1f}"),
        (MOST_CONTESTED, "most contested theme", lambda t: f"agreement {t.agreement:.1f}, {t.agreement_band}"),
    ):
        themes = card.with_reading(reading)
        if len(themes) == 1:
            parts.append(f"{label.capitalize()}: {themes[0].theme.title} ({figure(themes[0])}).")
        elif themes:
            names = join_words([t.theme.title for t in themes])
            both = "both" if len(themes) == 2 else "all"
            parts.append(f"Joint {label.removesuffix(' theme')}: {names} ({both} {figure(themes[0])}).")
    return " ".join(parts) or None


def strengths_text(card: Scorecard) -> str:
    """The strengths, level ones named together: "Strengths: A and B (both 2.8); C (2.5)."."""
    groups: list[list] = []
    for strength in card.strengths:
        if groups and shown(groups[-1][0].current) == shown(strength.current):
            groups[-1].append(strength)
        else:
            groups.append([strength])
    parts = []
    for group in groups:
        names = join_words([t.theme.title for t in group])
        level = "" if len(group) == 1 else ("both " if len(group) == 2 else "all ")
        parts.append(f"{names} ({level}{group[0].current:.1f})")
    return "Strengths: " + "; ".join(parts) + "."


def priority_texts(card: Scorecard) -> list[str]:
    """One sentence per priority; level priorities share a number and say so.

    A priority among the strongest themes says why it is a priority rather than a strength (the
    rule in `engine.scoring`), so the reading and the lists never seem to disagree.
    """
    texts = []
    scores = [p.score for p in card.priorities]
    for priority, (rank, joint) in zip(card.priorities, ranks(scores, priority_figures)):
        s = priority.score
        label = f"Priority {rank} (joint)" if joint else f"Priority {rank}"
        why = ""
        if STRONGEST in s.readings or f"joint {STRONGEST}" in s.readings:
            why = (
                " Among the strongest today, it is a priority because the team aims to move it further "
                f"than the organisation as a whole ({s.gap:+.1f} against {card.gap:+.1f})."
            )
        texts.append(f"{label}: {s.theme.title} (now {s.current:.1f}, ambition {s.ambition:.1f}).{why} {priority.next_step}")
    return texts


def priority_figures(theme) -> tuple[str, str]:
    """What ranks a priority, as shown: its gap, then its current position."""
    return shown(theme.gap), shown(theme.current)


def progress_text(progress: ProgressReport) -> str:
    """Progress since the earlier assessment, like for like: it says how many questions it rests on."""
    since = progress.since
    return f"Progress since {since.title} (completed {long_date(since.completed_at)}). {progress.sentence()}"


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
    facilitators = len(assessment.with_role(Role.FACILITATOR))
    observers = len(assessment.with_role(Role.OBSERVER))
    return (f", {facilitators} facilitating" if facilitators else "") + (f", {observers} observing" if observers else "")
