"""Where the assessment stands and what it found: the status, the end, the scored summary.

The summary is for the channel, so it is anonymous: scores, readings, priorities, the most
contested questions and their anonymous charts, and (when the caller has them) progress since the
organisation's earlier assessment and a comparison with similar organisations.
"""

from __future__ import annotations

from engine.assessment import Assessment, Identity, RoundState
from engine.comparison import Comparison
from engine.framework import Resource
from engine.language import N_, _, ngettext
from engine.presenters.formats import join_words, kind_words, long_date
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
    agreed_text = (
        _("{agreed} of {total} ({skipped} skipped)").format(agreed=agreed, total=total, skipped=skipped)
        if skipped
        else _("{agreed} of {total}").format(agreed=agreed, total=total)
    )
    fields = [
        Field(_("Assessment"), assessment.shown_title),
        Field(_("Questions agreed"), agreed_text),
        Field(_("Members"), _("{count} voting").format(count=len(assessment.voters())) + _observer_text(assessment)),
        Field(_("Super-user"), ", ".join(sorted(m.name for m in assessment.super_users()))),
    ]
    text: list[str] = []
    round_ = assessment.focus_round
    if not assessment.is_active:
        text.append(_("This assessment is complete. Ask for the summary to see the results."))
    elif round_ is not None:
        question = assessment.question(round_.question_id)
        text.append(_(_NOW[round_.state]).format(number=question.number, prompt=question.prompt))
        if round_.state is RoundState.OPEN:
            text.append(assessment.progress(round_).line() + ".")
            member = assessment.members.get(actor)
            if member is not None and member.is_super_user:
                waiting = assessment.waiting_for(actor, round_)
                if waiting:
                    text.append(
                        _("Not voted yet (only you see names): {names}.").format(names=", ".join(sorted(m.name for m in waiting)))
                    )
            elif member is not None and member.votes:
                text.append(_("You have voted.") if actor in round_.votes else _("You have not voted on it yet."))
    return Message(
        kind=Kind.STATUS, audience=only(actor), heading=_("Where the assessment stands"), text=tuple(text), fields=tuple(fields)
    )


# "Now: question 1.2 is open." with the round's state in a whole sentence, for the translation's sake.
_NOW = {
    RoundState.OPEN: N_("Now: question {number} is open. {prompt}"),
    RoundState.REVEALED: N_("Now: question {number} is revealed. {prompt}"),
    RoundState.FINALISED: N_("Now: question {number} is finalised. {prompt}"),
    RoundState.SKIPPED: N_("Now: question {number} is skipped. {prompt}"),
    RoundState.SUPERSEDED: N_("Now: question {number} is superseded. {prompt}"),
}


def completed_message(assessment: Assessment) -> Message:
    return Message(
        kind=Kind.NOTICE,
        audience=CHANNEL,
        heading=_("Assessment complete"),
        text=(_("Every question has been answered or skipped. The scored summary follows."),),
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
            ngettext(
                "Overall the team places the organisation at {current} now and aims for {ambition} in 18-24 months "
                "(a gap of {gap}) on a {low}-{high} scale, from {count} agreed question.",
                "Overall the team places the organisation at {current} now and aims for {ambition} in 18-24 months "
                "(a gap of {gap}) on a {low}-{high} scale, from {count} agreed questions.",
                card.answered,
            ).format(
                current=f"{card.current:.1f}",
                ambition=f"{card.ambition:.1f}",
                gap=f"{card.gap:.1f}",
                low=card.scale_min,
                high=card.scale_max,
                count=card.answered,
            )
        )
        if card.agreement is not None:
            text.append(
                _(
                    "Agreement before discussion averaged {agreement} ({band}), "
                    "where 1 means everyone gave the same rating and 0 an even split between the ends of the scale."
                ).format(agreement=f"{card.agreement:.1f}", band=band_words(card.agreement_band))
            )
        reading = summary_reading(card)
        if reading:
            text.append(reading)
    else:
        text.append(_("No question has been agreed yet, so there is nothing to score."))
    if card.strengths:
        text.append(strengths_text(card))
    text += priority_texts(card)
    if card.most_contested:
        text.append(
            _("Most contested: {questions}.").format(
                questions="; ".join(
                    _("question {number} (consensus {consensus})").format(
                        number=q.question.number, consensus=f"{q.measures.current.consensus:.2f}"
                    )
                    for q in card.most_contested
                )
            )
        )
    if progress is not None and card.current is not None:
        text.append(progress_text(progress))
    if comparison is not None and card.current is not None:
        text.append(comparison_text(comparison))
    fields = tuple(
        Field(
            t.theme.title,
            _("now {current}, ambition {ambition}, gap {gap} ({answered} of {total} agreed)").format(
                current=f"{t.current:.1f}", ambition=f"{t.ambition:.1f}", gap=f"{t.gap:+.1f}", answered=t.answered, total=t.total
            )
            if t.scored
            else _("not scored yet (0 of {total} agreed)").format(total=t.total),
        )
        for t in card.themes
    )
    links = tuple(
        Link(
            _titled(r),
            r.url,
            kind_words(r.kind.value),
            _("For {theme}: {description}").format(theme=p.score.theme.title.lower(), description=r.description).rstrip(": "),
        )
        for p in card.priorities
        for r in p.resources
    )
    return Message(
        kind=Kind.SUMMARY,
        audience=CHANNEL,
        heading=_("Summary: {title}").format(title=card.title),
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
    radar = len(scored) >= MIN_RADAR_THEMES
    each = "; ".join(
        _("{theme}: now {current}, ambition {ambition}").format(
            theme=t.theme.title, current=f"{t.current:.1f}", ambition=f"{t.ambition:.1f}"
        )
        for t in scored
    )
    positions = Chart(
        kind=ChartKind.RADAR if radar else ChartKind.THEMES,
        title=_("Where we are and where we aim to be, by theme"),
        categories=names,
        series=(
            Series(_("Now"), tuple(t.current for t in scored)),
            Series(_("Ambition (18-24 months)"), tuple(t.ambition for t in scored)),
        ),
        alt_text=(_("Radar chart by theme. {themes}.") if radar else _("Bar chart by theme. {themes}.")).format(themes=each),
        scale_min=card.scale_min,
        scale_max=card.scale_max,
    )
    gaps = Chart(
        kind=ChartKind.GAPS,
        title=_("Ambition gap by theme"),
        categories=names,
        series=(Series(_("Gap"), tuple(t.gap for t in scored)),),
        alt_text=_("Bar chart of the gap between ambition and current position. {themes}.").format(
            themes="; ".join(f"{t.theme.title}: {t.gap:+.1f}" for t in scored)
        ),
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
    for reading, figure in (
        (STRONGEST, lambda t: _("now {current}").format(current=f"{t.current:.1f}")),
        (LEAST_DEVELOPED, lambda t: _("now {current}").format(current=f"{t.current:.1f}")),
        (BIGGEST_GAP, lambda t: f"{t.gap:+.1f}"),
        (
            MOST_CONTESTED,
            lambda t: _("agreement {agreement}, {band}").format(agreement=f"{t.agreement:.1f}", band=band_words(t.agreement_band)),
        ),
    ):
        themes = card.with_reading(reading)
        if len(themes) == 1:
            parts.append(_(_READING_ONE[reading]).format(theme=themes[0].theme.title, figure=figure(themes[0])))
        elif themes:
            names = join_words([t.theme.title for t in themes])
            joint = _READING_BOTH[reading] if len(themes) == 2 else _READING_ALL[reading]
            parts.append(_(joint).format(themes=names, figure=figure(themes[0])))
    return " ".join(parts) or None


# The reading of the themes, one whole sentence for each reading and each number of themes level on it.
_READING_ONE = {
    STRONGEST: N_("Strongest theme: {theme} ({figure})."),
    LEAST_DEVELOPED: N_("Least developed: {theme} ({figure})."),
    BIGGEST_GAP: N_("Biggest ambition gap: {theme} ({figure})."),
    MOST_CONTESTED: N_("Most contested theme: {theme} ({figure})."),
}
_READING_BOTH = {
    STRONGEST: N_("Joint strongest: {themes} (both {figure})."),
    LEAST_DEVELOPED: N_("Joint least developed: {themes} (both {figure})."),
    BIGGEST_GAP: N_("Joint biggest ambition gap: {themes} (both {figure})."),
    MOST_CONTESTED: N_("Joint most contested: {themes} (both {figure})."),
}
_READING_ALL = {
    STRONGEST: N_("Joint strongest: {themes} (all {figure})."),
    LEAST_DEVELOPED: N_("Joint least developed: {themes} (all {figure})."),
    BIGGEST_GAP: N_("Joint biggest ambition gap: {themes} (all {figure})."),
    MOST_CONTESTED: N_("Joint most contested: {themes} (all {figure})."),
}
_BANDS = {"high": N_("high"), "moderate": N_("moderate"), "low": N_("low")}


def band_words(band: str | None) -> str:
    """The agreement band (engine.scoring's "high", "moderate", "low") in the language speaking."""
    return _(_BANDS[band]) if band in _BANDS else (band or "")


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
        level = {1: _("{themes} ({figure})"), 2: _("{themes} (both {figure})")}.get(len(group), _("{themes} (all {figure})"))
        parts.append(level.format(themes=names, figure=f"{group[0].current:.1f}"))
    return _("Strengths: {themes}.").format(themes="; ".join(parts))


def priority_texts(card: Scorecard) -> list[str]:
    """One sentence per priority; level priorities share a number and say so.

    A priority among the strongest themes says why it is a priority rather than a strength (the
    rule in `engine.scoring`), so the reading and the lists never seem to disagree.
    """
    texts = []
    scores = [p.score for p in card.priorities]
    for priority, (rank, joint) in zip(card.priorities, ranks(scores, priority_figures)):
        s = priority.score
        label = (
            _("Priority {rank} (joint): {theme} (now {current}, ambition {ambition}).")
            if joint
            else _("Priority {rank}: {theme} (now {current}, ambition {ambition}).")
        )
        text = label.format(rank=rank, theme=s.theme.title, current=f"{s.current:.1f}", ambition=f"{s.ambition:.1f}")
        if STRONGEST in s.readings or f"joint {STRONGEST}" in s.readings:
            text += " " + _(
                "Among the strongest today, it is a priority because the team aims to move it further "
                "than the organisation as a whole ({gap} against {overall})."
            ).format(gap=f"{s.gap:+.1f}", overall=f"{card.gap:+.1f}")
        texts.append(f"{text} {priority.next_step}")
    return texts


def priority_figures(theme) -> tuple[str, str]:
    """What ranks a priority, as shown: its gap, then its current position."""
    return shown(theme.gap), shown(theme.current)


def progress_text(progress: ProgressReport) -> str:
    """Progress since the earlier assessment, like for like: it says how many questions it rests on."""
    since = progress.since
    return _("Progress since {title} (completed {date}). {sentence}").format(
        title=since.title, date=long_date(since.completed_at), sentence=progress.sentence()
    )


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
    return (_(", {count} facilitating").format(count=facilitators) if facilitators else "") + (
        _(", {count} observing").format(count=observers) if observers else ""
    )
