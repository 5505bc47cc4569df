"""What the team is shown: messages made from the assessment's state.

Privacy is decided here, once, for every platform: channel messages carry counts and the
anonymous distribution (only after the reveal); individual votes and the names of people who
have not voted go only to super-users, privately.
"""

from __future__ import annotations

from engine.assessment import Assessment, Identity, Round, RoundState, Vote, VoteOutcome
from engine.disagreement import Disagreement, Verdict
from engine.framework import Question, Theme
from engine.scoring import Scorecard, score
from engine.views import (
    CHANNEL,
    Button,
    Chart,
    ChartKind,
    ChoiceInput,
    Field,
    Kind,
    Link,
    Message,
    Option,
    Series,
    TextInput,
    only,
)

DISCUSSION_PROMPTS = {
    Verdict.POLARISED: (
        "The team is split into two camps. Ask someone from each camp to say what they see that "
        "the other camp might not, before agreeing a position."
    ),
    Verdict.SPREAD: (
        "Views are spread out. Ask the highest and the lowest scorers to explain their reasons; "
        "the evidence behind them usually settles it."
    ),
}


VERDICT_WORDS = {
    Verdict.AGREED: "broad agreement",
    Verdict.SPREAD: "views spread out",
    Verdict.POLARISED: "split into two camps",
    Verdict.TOO_FEW: "too few votes to measure agreement",
}


def round_key(assessment: Assessment, round_: Round) -> str:
    """Identifies the channel message of one round, so its progress line is updated in place."""
    return f"round:{assessment.id}:{round_.question_id}:{round_.number}"


def question_label(assessment: Assessment, question: Question) -> str:
    total = len(assessment.framework.question_ids)
    position = assessment.framework.question_ids.index(question.id) + 1
    return f"Question {question.number} ({position} of {total})"


def scale_options(assessment: Assessment, question: Question) -> tuple[Option, ...]:
    scale = assessment.framework.scale
    return tuple(Option(p, f"{p} {scale.label(p)}", question.descriptor(p)) for p in scale.points)


def question_message(assessment: Assessment, round_: Round) -> Message:
    question = assessment.question(round_.question_id)
    theme = assessment.framework.theme(question.theme_id)
    options = scale_options(assessment, question)
    text = [question.prompt]
    if question.guidance:
        text.append(question.guidance)
    if round_.number > 1:
        text.append(f"Round {round_.number}: the question was reopened, so everyone votes again.")
    voting = round_.state is RoundState.OPEN and assessment.is_active
    return Message(
        kind=Kind.QUESTION,
        audience=CHANNEL,
        heading=f"{question_label(assessment, question)} · {theme.title}",
        text=tuple(text),
        fields=tuple(Field(o.label, o.description) for o in options),
        inputs=(
            ChoiceInput("current", "Where are we now?", options),
            ChoiceInput("ambition", "Where should we be in 18-24 months?", options),
            TextInput("comment", "Comment (optional, seen only by the super-user)", "Why you chose these"),
        )
        if voting
        else (),
        buttons=(Button("vote", "Vote", question.id, "primary"),) if voting else (),
        footer=_progress_footer(assessment, round_),
        key=round_key(assessment, round_),
    )


def progress_message(assessment: Assessment, round_: Round) -> Message:
    """The question's message again with its new progress line; adapters update it in place."""
    return question_message(assessment, round_)


def vote_recorded(assessment: Assessment, question_id: str, vote: Vote, outcome: VoteOutcome) -> Message:
    question = assessment.question(question_id)
    scale = assessment.framework.scale
    verb = "changed your vote" if outcome.changed else "recorded your vote"
    text = [
        f"Current position {vote.current} ({scale.label(vote.current)}), "
        f"ambition {vote.ambition} ({scale.label(vote.ambition)}).",
        "Only you and the super-user can see it. You can change it until the votes are revealed.",
    ]
    if vote.comment:
        text.append(f"Your comment: {vote.comment}")
    return Message(
        kind=Kind.VOTE_RECORDED,
        audience=only(vote.voter),
        heading=f"We {verb} on question {question.number}",
        text=tuple(text),
    )


def reveal_message(assessment: Assessment, round_: Round) -> Message:
    question = assessment.question(round_.question_id)
    measures = round_.measures
    assert measures is not None, "a revealed round has measures"
    scale = assessment.framework.scale
    verdict = measures.verdict
    text = [question.prompt, measures.current.summary()]
    if measures.ambition.needs_discussion and not measures.current.needs_discussion:
        text.append(f"On the ambition: {measures.ambition.summary()}")
    if verdict in DISCUSSION_PROMPTS:
        text.append(DISCUSSION_PROMPTS[verdict])
    fields = [
        Field("Votes", str(measures.current.n)),
        Field("Current: distribution", _distribution_text(measures.current, scale.points)),
        Field("Ambition: distribution", _distribution_text(measures.ambition, scale.points)),
        Field("Current: median", _number(measures.current.median)),
        Field("Ambition: median", _number(measures.ambition.median)),
        Field("Consensus (Tastle-Wierman)", _number(measures.current.consensus, 2)),
        Field("Agreement (rwg)", _number(measures.current.rwg, 2)),
        Field("Spread", _spread_text(measures.current)),
    ]
    if round_.proposal is not None:
        proposal = round_.proposal
        fields.append(
            Field(
                "Proposed consensus",
                f"current {proposal.current} ({scale.label(proposal.current)}), "
                f"ambition {proposal.ambition} ({scale.label(proposal.ambition)})",
            )
        )
        footer = (
            "Super-user: `finalise` accepts the proposal; `finalise 3 4 reason` records other numbers; "
            "`reopen` after discussion lets everyone vote again."
        )
    else:
        footer = ""
    return Message(
        kind=Kind.REVEAL,
        audience=CHANNEL,
        heading=f"Votes revealed: question {question.number} · {_verdict_heading(verdict)}",
        text=tuple(text),
        fields=tuple(fields),
        charts=(distribution_chart(assessment, round_),),
        buttons=(Button("finalise", "Accept proposal", question.id, "primary"),) if round_.proposal else (),
        footer=footer,
    )


def distribution_chart(assessment: Assessment, round_: Round) -> Chart:
    question = assessment.question(round_.question_id)
    measures = round_.measures
    scale = assessment.framework.scale
    categories = tuple(f"{p} {scale.label(p)}" for p in scale.points)
    alt = (
        f"Votes on question {question.number}. Current position: "
        + ", ".join(f"{c} at {p}" for p, c in zip(scale.points, measures.current.distribution) if c)
        + ". Ambition: "
        + ", ".join(f"{c} at {p}" for p, c in zip(scale.points, measures.ambition.distribution) if c)
        + "."
    )
    return Chart(
        kind=ChartKind.DISTRIBUTION,
        title=f"Question {question.number}: how the team voted",
        categories=categories,
        series=(
            Series("Current", tuple(float(c) for c in measures.current.distribution)),
            Series("Ambition", tuple(float(c) for c in measures.ambition.distribution)),
        ),
        alt_text=alt,
        scale_min=scale.minimum,
        scale_max=scale.maximum,
    )


def individual_votes_message(assessment: Assessment, actor: Identity, round_: Round) -> Message:
    """Who voted what, for a super-user only (the engine refuses anyone else)."""
    question = assessment.question(round_.question_id)
    rows = assessment.individual_votes(actor, round_)
    waiting = assessment.waiting_for(actor, round_)
    fields = tuple(
        Field(member.name, f"current {vote.current}, ambition {vote.ambition}" + (f": “{vote.comment}”" if vote.comment else ""))
        for member, vote in sorted(rows, key=lambda r: r[0].name)
    )
    text = ["Only you can see this."]
    if waiting:
        text.append("Not voted yet: " + ", ".join(sorted(m.name for m in waiting)) + ".")
    return Message(
        kind=Kind.INDIVIDUAL_VOTES,
        audience=only(actor),
        heading=f"Who voted what on question {question.number} (round {round_.number})",
        text=tuple(text),
        fields=fields or (Field("Votes", "nobody has voted yet"),),
    )


def consensus_message(assessment: Assessment, round_: Round) -> Message:
    question = assessment.question(round_.question_id)
    theme = assessment.framework.theme(question.theme_id)
    consensus = round_.consensus
    assert consensus is not None
    scale = assessment.framework.scale
    recorder = assessment.members.get(consensus.recorded_by)
    text = [
        f"{question.prompt}",
        f"Agreed: current position {consensus.current} ({scale.label(consensus.current)}), "
        f"ambition {consensus.ambition} ({scale.label(consensus.ambition)}).",
    ]
    if consensus.note:
        text.append(f"Note: {consensus.note}")
    return Message(
        kind=Kind.CONSENSUS,
        audience=CHANNEL,
        heading=f"Consensus recorded: question {question.number}",
        text=tuple(text),
        fields=(
            Field("Now", f"{consensus.current}: {question.descriptor(consensus.current)}"),
            Field("In 18-24 months", f"{consensus.ambition}: {question.descriptor(consensus.ambition)}"),
        ),
        links=_theme_links(theme),
        footer=f"Recorded by {recorder.name if recorder else 'the super-user'}.",
    )


def skipped_message(assessment: Assessment, round_: Round) -> Message:
    question = assessment.question(round_.question_id)
    text = [question.prompt]
    if round_.skip_reason:
        text.append(f"Reason: {round_.skip_reason}")
    text.append("A super-user can come back to it with `reopen " + question.number + "`.")
    return Message(kind=Kind.SKIPPED, audience=CHANNEL, heading=f"Question {question.number} skipped", text=tuple(text))


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


def summary_message(assessment: Assessment, card: Scorecard | None = None) -> Message:
    card = card or score(assessment)
    text: list[str] = []
    if card.current is not None:
        text.append(
            f"Overall the team places the organisation at {card.current:.1f} now and aims for "
            f"{card.ambition:.1f} in 18-24 months (a gap of {card.gap:.1f}) on a "
            f"{card.scale_min}-{card.scale_max} scale, from {card.answered} agreed "
            f"question{'' if card.answered == 1 else 's'}."
        )
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
        Link(r.title, r.url, r.kind.value, f"For {p.score.theme.title.lower()}: {r.description}".rstrip(": "))
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
        charts=summary_charts(card) if card.current is not None else (),
    )


def summary_charts(card: Scorecard) -> tuple[Chart, ...]:
    scored = [t for t in card.themes if t.scored]
    names = tuple(t.theme.title for t in scored)
    radar = Chart(
        kind=ChartKind.RADAR,
        title="Where we are and where we aim to be, by theme",
        categories=names,
        series=(Series("Now", tuple(t.current for t in scored)), Series("Ambition (18-24 months)", tuple(t.ambition for t in scored))),
        alt_text="Radar chart by theme. " + "; ".join(f"{t.theme.title}: now {t.current:.1f}, ambition {t.ambition:.1f}" for t in scored) + ".",
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
    return (radar, gaps)


def error_message(person: Identity, text: str) -> Message:
    return Message(kind=Kind.ERROR, audience=only(person), heading="That did not work", text=(text,))


def notice(person: Identity | None, heading: str, *text: str) -> Message:
    return Message(kind=Kind.NOTICE, audience=only(person) if person else CHANNEL, heading=heading, text=tuple(text))


# ---------------------------------------------------------------------- helpers


def _progress_footer(assessment: Assessment, round_: Round) -> str:
    progress = assessment.progress(round_)
    if round_.state is RoundState.OPEN:
        return progress.line() + "."
    return f"{progress.line()}. Voting closed: {round_.state.value}."


def _distribution_text(measure: Disagreement, points: range) -> str:
    return "  ".join(f"{p}: {c}" for p, c in zip(points, measure.distribution))


def _spread_text(measure: Disagreement) -> str:
    if measure.spread is None:
        return "-"
    low = next(p for p, c in zip(range(measure.scale_min, measure.scale_max + 1), measure.distribution) if c)
    return f"{measure.spread} (from {low} to {low + measure.spread}), IQR {_number(measure.iqr, 1)}"


def _verdict_heading(verdict: Verdict) -> str:
    advice = {Verdict.SPREAD: ": worth discussing", Verdict.POLARISED: ": discuss before agreeing"}
    return VERDICT_WORDS[verdict] + advice.get(verdict, "")


def _number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits and float(value).is_integer() else f"{value:.{digits}f}"


def _observer_text(assessment: Assessment) -> str:
    observers = len(assessment.members) - len(assessment.voters())
    return f", {observers} observing" if observers else ""


def _theme_links(theme: Theme) -> tuple[Link, ...]:
    return tuple(Link(r.title, r.url, r.kind.value, r.description) for r in theme.resources)
