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
from engine.disagreement import Disagreement, Verdict, reason_in_words
from engine.framework import Question, Theme
from engine.language import N_, _, speaking_language
from engine.presenters.formats import decimal, kind_words
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
    Verdict.POLARISED: N_(
        "Ask someone from each camp to say what they see that the other camp might not, before "
        "agreeing a position."
    ),
    Verdict.SPREAD: N_(
        "Ask the highest and the lowest scorers to explain their reasons; the evidence behind them "
        "usually settles it."
    ),
}  # marked here, translated where shown (`_`)


VERDICT_WORDS = {
    Verdict.AGREED: N_("broad agreement"),
    Verdict.SPREAD: N_("views spread out"),
    Verdict.POLARISED: N_("split into two camps"),
    Verdict.TOO_FEW: N_("too few votes to measure agreement"),
}  # marked here, translated where shown (`_`)


def verdict_text(measures: Measures) -> str:
    """The round's verdict with the figures it rests on, for the current position AND the ambition.

    The verdict weighs both (`engine.assessment.Measures.verdict`: the more worrying of the two),
    so both sides' reasons, each with its figures, are shown, never one side's alone. The one
    wording of a verdict: the reveal and the reports use it.
    """
    # The reasons are kept as their kinds and figures, and worded here in the reader's language.
    return _("{verdict}. Current position: {current_reasons}. Ambition: {ambition_reasons}.").format(
        verdict=_(VERDICT_WORDS[measures.verdict]).capitalize(),
        current_reasons="; ".join(map(reason_in_words, measures.current.reasons)),
        ambition_reasons="; ".join(map(reason_in_words, measures.ambition.reasons)),
    )


def round_key(assessment: Assessment, round_: Round) -> str:
    """Identifies the channel message of one round, so its progress line is updated in place."""
    return f"round:{assessment.id}:{round_.question_id}:{round_.number}"


def question_label(assessment: Assessment, question: Question) -> str:
    framework = assessment.framework.in_speaking_language()
    return _("Question {number} ({position} of {count})").format(
        number=question.number, position=framework.position(question.id), count=len(framework.question_ids)
    )


def scale_options(assessment: Assessment, question: Question) -> tuple[Option, ...]:
    scale = assessment.framework.in_speaking_language().scale
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
    views = assessment.framework.in_speaking_language().views
    key = ("question", question.id, speaking_language())  # the words differ by language
    parts = views.get(key)
    if parts is None:
        options = scale_options(assessment, question)
        theme = assessment.framework.in_speaking_language().theme(question.theme_id)
        parts = views[key] = _QuestionParts(
            heading=f"{question_label(assessment, question)} · {theme.title}",
            text=(question.prompt, question.guidance) if question.guidance else (question.prompt,),
            fields=tuple(Field(o.label, o.description) for o in options),
            inputs=(
                ChoiceInput("current", _("Where are we now?"), options),
                ChoiceInput("ambition", _("Where should we be in 18-24 months?"), options),
                TextInput("comment", _("Comment (optional, seen only by the super-user)"), _("Why you chose these")),
            ),
            buttons=(Button("vote", _("Vote"), question.id, "primary"),),
        )
    return parts


def question_message(assessment: Assessment, round_: Round) -> Message:
    question = assessment.question(round_.question_id)
    parts = _question_parts(assessment, question)
    text = parts.text
    if round_.number > 1:
        text += (_("Round {number}: the question was reopened, so everyone votes again.").format(number=round_.number),)
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
    scale = assessment.framework.in_speaking_language().scale
    heading = (
        _("We changed your vote on question {number}") if outcome.changed else _("We recorded your vote on question {number}")
    ).format(number=question.number)
    text = [
        _("Current position {current} ({current_label}), ambition {ambition} ({ambition_label}).").format(
            current=vote.current, current_label=scale.label(vote.current), ambition=vote.ambition, ambition_label=scale.label(vote.ambition)
        ),
        _("Only you and the super-user can see it. You can change it until the votes are revealed."),
    ]
    if vote.comment:
        text.append(_("Your comment: {comment}").format(comment=vote.comment))
    return Message(
        kind=Kind.VOTE_RECORDED,
        audience=only(vote.voter),
        heading=heading,
        text=tuple(text),
    )


def reveal_message(assessment: Assessment, round_: Round) -> Message:
    question = assessment.question(round_.question_id)
    measures = round_.measures
    assert measures is not None, "a revealed round has measures"
    scale = assessment.framework.in_speaking_language().scale
    verdict = measures.verdict
    text = [question.prompt, verdict_text(measures)]
    if verdict in DISCUSSION_PROMPTS:
        text.append(_(DISCUSSION_PROMPTS[verdict]))
    fields = [
        Field(_("Votes"), str(measures.current.n)),
        Field(_("Current: distribution"), _distribution_text(measures.current, scale.points)),
        Field(_("Ambition: distribution"), _distribution_text(measures.ambition, scale.points)),
        Field(_("Current: median"), _number(measures.current.median)),
        Field(_("Ambition: median"), _number(measures.ambition.median)),
        Field(_("Consensus (Tastle-Wierman)"), _number(measures.current.consensus, 2)),
        Field(_("Agreement (rwg)"), _number(measures.current.rwg, 2)),
        Field(_("Spread"), _spread_text(measures.current)),
        Field(
            _("Distance from median"),
            _("current {current}, ambition {ambition} on average (flagged above {limit})").format(
                current=_number(measures.current.deviation, 2),
                ambition=_number(measures.ambition.deviation, 2),
                limit=decimal(measures.current.deviation_limit, 2),
            ),
        ),
    ]
    if round_.proposal is not None:
        proposal = round_.proposal
        fields.append(
            Field(
                _("Proposed consensus"),
                _("current {current} ({current_label}), ambition {ambition} ({ambition_label})").format(
                    current=proposal.current,
                    current_label=scale.label(proposal.current),
                    ambition=proposal.ambition,
                    ambition_label=scale.label(proposal.ambition),
                ),
            )
        )
        text.append(_(PROPOSAL_RULE))
        if verdict is Verdict.POLARISED:
            # A middle score between two camps may be nobody's view: the engine refuses to accept it bare.
            footer = _(
                "Super-user: the team is split, so record the answer you agree with a note, "
                "`finalise <current> <ambition> <note>`; `reopen` after discussion lets everyone vote again."
            )
        else:
            footer = _(
                "Super-user: `finalise` accepts the proposal; `finalise 3 4 reason` records other numbers; "
                "`reopen` after discussion lets everyone vote again."
            )
    else:
        footer = ""
    accept = round_.proposal is not None and verdict is not Verdict.POLARISED
    return Message(
        kind=Kind.REVEAL,
        audience=CHANNEL,
        heading=_("Votes revealed: question {number} · {verdict}").format(number=question.number, verdict=_verdict_heading(verdict)),
        text=tuple(text),
        fields=tuple(fields),
        charts=(distribution_chart(assessment, round_),),
        buttons=(Button("finalise", _("Accept proposal"), question.id, "primary"),) if accept else (),
        footer=footer,
    )


def distribution_chart(assessment: Assessment, round_: Round) -> Chart:
    question = assessment.question(round_.question_id)
    measures = round_.measures
    scale = assessment.framework.in_speaking_language().scale
    categories = tuple(f"{p} {scale.label(p)}" for p in scale.points)
    def counted(distribution: tuple[int, ...]) -> str:
        return ", ".join(_("{count} at {point}").format(count=c, point=p) for p, c in zip(scale.points, distribution) if c)

    alt = _("Votes on question {number}. Current position: {current}. Ambition: {ambition}.").format(
        number=question.number, current=counted(measures.current.distribution), ambition=counted(measures.ambition.distribution)
    )
    return Chart(
        kind=ChartKind.DISTRIBUTION,
        title=_("Question {number}: how the team voted").format(number=question.number),
        categories=categories,
        series=(
            Series(_("Current"), tuple(float(c) for c in measures.current.distribution)),
            Series(_("Ambition"), tuple(float(c) for c in measures.ambition.distribution)),
        ),
        alt_text=alt,
        scale_min=scale.minimum,
        scale_max=scale.maximum,
    )



def consensus_message(assessment: Assessment, round_: Round) -> Message:
    question = assessment.question(round_.question_id)
    theme = assessment.framework.in_speaking_language().theme(question.theme_id)
    consensus = round_.consensus
    assert consensus is not None
    scale = assessment.framework.in_speaking_language().scale
    recorder = assessment.members.get(consensus.recorded_by)
    text = [
        f"{question.prompt}",
        _("Agreed: current position {current} ({current_label}), ambition {ambition} ({ambition_label}).").format(
            current=consensus.current,
            current_label=scale.label(consensus.current),
            ambition=consensus.ambition,
            ambition_label=scale.label(consensus.ambition),
        ),
    ]
    if consensus.note:
        text.append(_("Note: {note}").format(note=consensus.note))
    return Message(
        kind=Kind.CONSENSUS,
        audience=CHANNEL,
        heading=_("Consensus recorded: question {number}").format(number=question.number),
        text=tuple(text),
        fields=(
            Field(_("Now"), f"{consensus.current}: {question.descriptor(consensus.current)}"),
            Field(_("In 18-24 months"), f"{consensus.ambition}: {question.descriptor(consensus.ambition)}"),
        ),
        links=_resource_links(question, theme, min(consensus.current + 1, scale.maximum)),
        footer=(
            _("Recorded by {name}.").format(name=recorder.name) if recorder else _("Recorded by the super-user.")
        ),
    )


def skipped_message(assessment: Assessment, round_: Round) -> Message:
    question = assessment.question(round_.question_id)
    text = [question.prompt]
    if round_.skip_reason:
        text.append(_("Reason: {reason}").format(reason=round_.skip_reason))
    text.append(_("A super-user can come back to it with `reopen {number}`.").format(number=question.number))
    heading = _("Question {number} skipped").format(number=question.number)
    return Message(kind=Kind.SKIPPED, audience=CHANNEL, heading=heading, text=tuple(text))


# ---------------------------------------------------------------------- helpers


def _progress_footer(assessment: Assessment, round_: Round) -> str:
    progress = assessment.progress(round_)
    line = _("{voted} of {eligible} have voted").format(voted=progress.voted, eligible=progress.eligible)
    if round_.state is RoundState.OPEN:
        return line + "."
    return _("{progress}. Voting closed: {state}.").format(progress=line, state=_(STATE_WORDS[round_.state]))


STATE_WORDS = {
    RoundState.OPEN: N_("open"),
    RoundState.REVEALED: N_("revealed"),
    RoundState.FINALISED: N_("finalised"),
    RoundState.SKIPPED: N_("skipped"),
    RoundState.SUPERSEDED: N_("superseded"),
}  # a round's state in words: marked here, translated where shown


def _distribution_text(measure: Disagreement, points: range) -> str:
    return "  ".join(f"{p}: {c}" for p, c in zip(points, measure.distribution))


def _spread_text(measure: Disagreement) -> str:
    if measure.spread is None:
        return "-"
    low = next(p for p, c in zip(range(measure.scale_min, measure.scale_max + 1), measure.distribution) if c)
    return _("{spread} (from {low} to {high}), IQR {iqr}").format(
        spread=measure.spread, low=low, high=low + measure.spread, iqr=_number(measure.iqr, 1)
    )


def _verdict_heading(verdict: Verdict) -> str:
    advice = {Verdict.SPREAD: _("{verdict}: worth discussing"), Verdict.POLARISED: _("{verdict}: discuss before agreeing")}
    return advice.get(verdict, "{verdict}").format(verdict=_(VERDICT_WORDS[verdict]))


def _number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    return decimal(value, 0) if digits and float(value).is_integer() else decimal(value, digits)


def _resource_links(question: Question, theme: Theme, level: int) -> tuple[Link, ...]:
    """What helps this question reach `level`: that level's and the question's resources, else the theme's."""
    resources = question.resources_for(level) or theme.resources
    return tuple(Link(r.title, r.url, kind_words(r.kind.value), r.description) for r in resources)
