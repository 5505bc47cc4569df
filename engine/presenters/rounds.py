"""One question, round by round: asked, voted on, revealed, then agreed or skipped.

The channel's question message (its progress line updated in place as votes come in), the vote
confirmed to the voter alone, the reveal with the anonymous spread, its chart and the verdict's
words, the consensus recorded, a skip. Channel messages carry counts, and the distribution only
once the votes are revealed.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.assessment import (
    PROPOSAL_RULE,
    Assessment,
    Measures,
    Round,
    RoundState,
    Vote,
    VoteOutcome,
)
from engine.disagreement import Disagreement, Verdict
from engine.framework import Question, Theme
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
    # The verdict itself is worded just before (`verdict_text`), so the prompt only says what to do.
    Verdict.POLARISED: (
        "Ask someone from each camp to say what they see that the other camp might not, before "
        "agreeing a position."
    ),
    Verdict.SPREAD: (
        "Ask the highest and the lowest scorers to explain their reasons; the evidence behind them "
        "usually settles it."
    ),
}


VERDICT_WORDS = {
    Verdict.AGREED: "broad agreement",
    Verdict.SPREAD: "views spread out",
    Verdict.POLARISED: "split into two camps",
    Verdict.TOO_FEW: "too few votes to measure agreement",
}


def verdict_text(measures: Measures) -> str:
    """The round's verdict with the figures it rests on, for the current position AND the ambition.

    The verdict weighs both (`engine.assessment.Measures.verdict`: the more worrying of the two),
    so both sides' reasons, each with its figures, are shown, never one side's alone. The one
    wording of a verdict: the reveal and the reports use it.
    """
    return (
        f"{VERDICT_WORDS[measures.verdict].capitalize()}. "
        f"Current position: {'; '.join(measures.current.reasons)}. "
        f"Ambition: {'; '.join(measures.ambition.reasons)}."
    )


def round_key(assessment: Assessment, round_: Round) -> str:
    """Identifies the channel message of one round, so its progress line is updated in place."""
    return f"round:{assessment.id}:{round_.question_id}:{round_.number}"


def question_label(assessment: Assessment, question: Question) -> str:
    framework = assessment.framework
    return f"Question {question.number} ({framework.position(question.id)} of {len(framework.question_ids)})"


def scale_options(assessment: Assessment, question: Question) -> tuple[Option, ...]:
    scale = assessment.framework.scale
    return tuple(Option(p, f"{p} {scale.label(p)}", question.descriptor(p)) for p in scale.points)


@dataclass(frozen=True)
class _QuestionParts:
    """What a question's message takes from the framework alone."""

    heading: str
    text: tuple[str, ...]
    fields: tuple[Field, ...]
    inputs: tuple[ChoiceInput | TextInput, ...]
    buttons: tuple[Button, ...]


def _question_parts(assessment: Assessment, question: Question) -> _QuestionParts:
    # Every vote shows the question's message again with its new progress line; all but the
    # line comes from the framework, so it is made once per framework and question.
    views = assessment.framework.views
    parts = views.get(("question", question.id))
    if parts is None:
        options = scale_options(assessment, question)
        theme = assessment.framework.theme(question.theme_id)
        parts = views[("question", question.id)] = _QuestionParts(
            heading=f"{question_label(assessment, question)} · {theme.title}",
            text=(question.prompt, question.guidance) if question.guidance else (question.prompt,),
            fields=tuple(Field(o.label, o.description) for o in options),
            inputs=(
                ChoiceInput("current", "Where are we now?", options),
                ChoiceInput("ambition", "Where should we be in 18-24 months?", options),
                TextInput("comment", "Comment (optional, seen only by the super-user)", "Why you chose these"),
            ),
            buttons=(Button("vote", "Vote", question.id, "primary"),),
        )
    return parts


def question_message(assessment: Assessment, round_: Round) -> Message:
    question = assessment.question(round_.question_id)
    parts = _question_parts(assessment, question)
    text = parts.text
    if round_.number > 1:
        text += (f"Round {round_.number}: the question was reopened, so everyone votes again.",)
    voting = round_.state is RoundState.OPEN and assessment.is_active
    return Message(
        kind=Kind.QUESTION,
        audience=CHANNEL,
        heading=parts.heading,
        text=text,
        fields=parts.fields,
        inputs=parts.inputs if voting else (),
        buttons=parts.buttons if voting else (),
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
    text = [question.prompt, verdict_text(measures)]
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
        Field(
            "Distance from median",
            f"current {_number(measures.current.deviation, 2)}, ambition {_number(measures.ambition.deviation, 2)} "
            f"on average (flagged above {measures.current.deviation_limit:.2f})",
        ),
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
        text.append(PROPOSAL_RULE)
        if verdict is Verdict.POLARISED:
            # A middle score between two camps may be nobody's view: the engine refuses to accept it bare.
            footer = (
                "Super-user: the team is split, so record the answer you agree with a note, "
                "`finalise <current> <ambition> <note>`; `reopen` after discussion lets everyone vote again."
            )
        else:
            footer = (
                "Super-user: `finalise` accepts the proposal; `finalise 3 4 reason` records other numbers; "
                "`reopen` after discussion lets everyone vote again."
            )
    else:
        footer = ""
    accept = round_.proposal is not None and verdict is not Verdict.POLARISED
    return Message(
        kind=Kind.REVEAL,
        audience=CHANNEL,
        heading=f"Votes revealed: question {question.number} · {_verdict_heading(verdict)}",
        text=tuple(text),
        fields=tuple(fields),
        charts=(distribution_chart(assessment, round_),),
        buttons=(Button("finalise", "Accept proposal", question.id, "primary"),) if accept else (),
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
        links=_resource_links(question, theme, min(consensus.current + 1, scale.maximum)),
        footer=f"Recorded by {recorder.name if recorder else 'the super-user'}.",
    )


def skipped_message(assessment: Assessment, round_: Round) -> Message:
    question = assessment.question(round_.question_id)
    text = [question.prompt]
    if round_.skip_reason:
        text.append(f"Reason: {round_.skip_reason}")
    text.append("A super-user can come back to it with `reopen " + question.number + "`.")
    return Message(kind=Kind.SKIPPED, audience=CHANNEL, heading=f"Question {question.number} skipped", text=tuple(text))


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


def _resource_links(question: Question, theme: Theme, level: int) -> tuple[Link, ...]:
    """What helps this question reach `level`: that level's and the question's resources, else the theme's."""
    resources = question.resources_for(level) or theme.resources
    return tuple(Link(r.title, r.url, r.kind.value, r.description) for r in resources)
