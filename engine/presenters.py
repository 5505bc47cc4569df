"""What the team is shown: messages made from the assessment's state.

Privacy is decided here, once, for every platform: channel messages carry counts and the
anonymous distribution (only after the reveal); individual votes and the names of people who
have not voted go only to super-users, privately.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, tzinfo

from engine.assessment import Assessment, Identity, Member, Round, RoundState, Vote, VoteOutcome
from engine.comparison import Comparison
from engine.disagreement import Disagreement, Verdict
from engine.framework import Question, Theme
from engine.progress import ProgressReport
from engine.reminders import SchedulePolicy, ScheduleOverrides, describe_duration
from engine.scoring import BIGGEST_GAP, LEAST_DEVELOPED, MOST_CONTESTED, STRONGEST, Scorecard, score
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
        charts=summary_charts(card) + contested_charts(assessment, card) if card.current is not None else (),
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


# ----------------------------------------------------- the summary's extra parts (issue 7)


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


def join_words(words: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


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


@dataclass(frozen=True)
class QuestionContributions:
    """Who voted what on one question, in the round whose answer was recorded (or the latest)."""

    question: Question
    round_number: int
    state: RoundState
    votes: tuple[tuple[Member, Vote], ...]


def individual_contributions(assessment: Assessment, actor: Identity) -> tuple[QuestionContributions, ...]:
    """Everyone's votes and comments, question by question: for super-users only.

    The engine decides: `Assessment.individual_votes` raises `NotPermitted` for anyone else.
    """
    if assessment.rounds:
        assessment.individual_votes(actor, assessment.rounds[0])  # the engine's check, before anything is read
    found = []
    for question in assessment.framework.questions():
        round_ = assessment.finalised_round(question.id) or assessment.latest_round(question.id)
        if round_ is None:
            continue
        rows = sorted(assessment.individual_votes(actor, round_), key=lambda row: (row[0].name, row[0].identity))
        found.append(QuestionContributions(question, round_.number, round_.state, tuple(rows)))
    return tuple(found)


def contributions_message(assessment: Assessment, actor: Identity) -> Message:
    """Every member's contribution to the whole assessment, privately, for a super-user."""
    contributions = individual_contributions(assessment, actor)
    fields = []
    for item in contributions:
        votes = "; ".join(
            f"{member.name} {vote.current}→{vote.ambition}" + (f" “{vote.comment}”" if vote.comment else "")
            for member, vote in item.votes
        )
        fields.append(Field(f"{item.question.number} (round {item.round_number})", votes or "no votes"))
    return Message(
        kind=Kind.INDIVIDUAL_VOTES,
        audience=only(actor),
        heading=f"Who contributed what: {assessment.title}",
        text=("Only you can see this: each member's current position → ambition, and their comment.",),
        fields=tuple(fields) or (Field("Votes", "nobody has voted yet"),),
    )


_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def long_date(moment: datetime) -> str:
    """12 March 2025: the date as a British board paper writes it."""
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


# ------------------------------------------- reminders, deadlines and the schedule (issue 6)
# Reminders go to one member privately; who has not voted is named only to super-users; the
# channel hears of a deadline and, when it passes, sees the reveal like any other.


def local_time(moment: datetime, zone: tzinfo) -> str:
    """Tue 1 Dec 17:00 (Europe/London): a time as the reader's clock shows it, with the zone named."""
    local = moment.astimezone(zone)
    name = getattr(zone, "key", None) or local.tzname() or "UTC"
    return f"{local:%a} {local.day} {local:%b %H:%M} ({name})"


def reminder_message(
    assessment: Assessment, round_: Round, person: Identity, number: int, of: int, zone: tzinfo
) -> Message:
    """A private nudge to a member who has not voted: the question, and the way to vote."""
    question = assessment.question(round_.question_id)
    theme = assessment.framework.theme(question.theme_id)
    options = scale_options(assessment, question)
    text = [
        f"{assessment.title}: the team is waiting for your vote on {question_label(assessment, question).lower()} "
        f"· {theme.title}.",
        question.prompt,
    ]
    if round_.closes_at is not None:
        text.append(f"Voting closes {local_time(round_.closes_at, zone)}.")
    text.append(
        "Choose where we are now and where we should be in 18-24 months, or say `vote <current> <ambition>` "
        "to Accord, for example `vote 2 4`. Only you and the super-user see your vote."
    )
    count = f"Reminder {number} of {of}." if number <= of else "A reminder from the super-user."
    return Message(
        kind=Kind.NOTICE,
        audience=only(person),
        heading=f"Reminder: your vote on question {question.number}",
        text=tuple(text),
        inputs=(
            ChoiceInput("current", "Where are we now?", options),
            ChoiceInput("ambition", "Where should we be in 18-24 months?", options),
            TextInput("comment", "Comment (optional, seen only by the super-user)", "Why you chose these"),
        ),
        buttons=(Button("vote", "Vote", question.id, "primary"),),
        footer=f"{assessment.progress(round_).line()}. {count}",
    )


def reminders_sent_message(
    assessment: Assessment,
    actor: Identity,
    round_: Round,
    reminded: list[Member],
    recently: list[Member],
    later: list[tuple[Member, datetime, tzinfo]],
    off_work: Collection[Identity] = (),
) -> Message:
    """What `remind` did, for the super-user who asked (names are for super-users only).

    `later` are those a reminder may not reach yet, with when it will, on their clock; of them,
    `off_work` wait for their working hours (as their platform told us them) to start, the rest
    for the end of quiet hours or a weekend.
    """
    question = assessment.question(round_.question_id)
    text = []
    if reminded:
        text.append(f"Reminded privately about question {question.number}: " + ", ".join(sorted(m.name for m in reminded)) + ".")
    quiet = [item for item in later if item[0].identity not in off_work]
    away = [item for item in later if item[0].identity in off_work]
    if quiet:
        text.append("In their quiet hours, so reminded when those end: " + _waiting_until(quiet) + ".")
    if away:
        text.append("Outside their working hours, so reminded when those start: " + _waiting_until(away) + ".")
    if recently:
        text.append("Reminded within the last hour, so not again yet: " + ", ".join(sorted(m.name for m in recently)) + ".")
    if not (reminded or later or recently):
        text.append(f"Everyone has voted on question {question.number}: there is nobody to remind.")
    return Message(
        kind=Kind.NOTICE,
        audience=only(actor),
        heading=f"Reminders for question {question.number}",
        text=tuple(text),
        footer=assessment.progress(round_).line() + ".",
    )


def _waiting_until(later: list[tuple[Member, datetime, tzinfo]]) -> str:
    """Amira (Tue 3 Mar 08:00 (Europe/London)), Ben (...): who, and when on their own clock."""
    return ", ".join(f"{m.name} ({local_time(when, where)})" for m, when, where in sorted(later, key=lambda x: x[0].name))


def deadline_message(assessment: Assessment, round_: Round, zone: tzinfo) -> Message:
    """For the channel: when voting on the open question closes (or that it no longer does)."""
    question = assessment.question(round_.question_id)
    if round_.closes_at is None:
        return Message(
            kind=Kind.NOTICE,
            audience=CHANNEL,
            heading=f"No deadline for question {question.number}",
            text=("Voting stays open until a super-user reveals the votes.",),
        )
    return Message(
        kind=Kind.NOTICE,
        audience=CHANNEL,
        heading=f"Voting on question {question.number} closes {local_time(round_.closes_at, zone)}",
        text=(
            "The votes are revealed then, as long as at least two people have voted. "
            "If you have not voted yet, now is a good time.",
        ),
        footer=assessment.progress(round_).line() + ".",
    )


def deadline_passed_message(assessment: Assessment, round_: Round, super_user: Identity, waiting: list[Member]) -> Message:
    """For a super-user, privately: the deadline revealed the votes; who had not voted."""
    question = assessment.question(round_.question_id)
    text = [f"Voting on question {question.number} closed at its deadline and the votes have been revealed in the channel."]
    if waiting:
        text.append("Did not vote (only super-users see this): " + ", ".join(sorted(m.name for m in waiting)) + ".")
    else:
        text.append("Everyone had voted.")
    text.append("When the team has discussed it, record the agreed answer with `finalise`.")
    return Message(kind=Kind.NOTICE, audience=only(super_user), heading=f"Question {question.number}: deadline passed", text=tuple(text))


def deadline_missed_message(assessment: Assessment, round_: Round, super_user: Identity, waiting: list[Member]) -> Message:
    """For a super-user, privately: the deadline passed but too few voted to reveal."""
    question = assessment.question(round_.question_id)
    voted = assessment.progress(round_).voted
    return Message(
        kind=Kind.NOTICE,
        audience=only(super_user),
        heading=f"Question {question.number}: deadline passed with {voted} vote{'' if voted == 1 else 's'}",
        text=(
            "The votes were not revealed: with fewer than two, everyone would know whose vote it is. "
            "The question stays open for votes.",
            "Not voted yet (only super-users see this): " + (", ".join(sorted(m.name for m in waiting)) or "nobody") + ".",
            "You can set a new deadline (`deadline 1d`), remind them (`remind`), or skip the question (`skip`).",
        ),
    )


def schedule_message(
    person: Identity,
    assessment: Assessment,
    policy: SchedulePolicy,
    overrides: ScheduleOverrides,
    zone: tzinfo,
    *,
    heading: str = "Reminders and digests",
) -> Message:
    """The schedule this assessment follows: app.yaml's, with what its super-user changed marked."""
    reminders = policy.reminders

    def mark(name: str) -> str:
        return " (changed for this assessment)" if getattr(overrides, name) is not None else ""

    if reminders.enabled and reminders.max_count > 0:
        plan = (
            f"first {describe_duration(reminders.first_after)} after a question opens, then every "
            f"{describe_duration(reminders.interval)}, at most {reminders.max_count} per question"
        )
    else:
        plan = "off"
    fields = [
        Field("Reminders", plan + (mark("reminders") or mark("first_after") or mark("interval") or mark("max_count"))),
        Field("Quiet hours", reminders.quiet_hours.describe() + ", in each member's own time zone" + mark("quiet_hours")),
        Field("Weekends", ("no reminders" if reminders.weekends_quiet else "reminders allowed") + mark("weekends_quiet")),
        Field(
            "Working hours",
            "where a member's platform tells us theirs (Microsoft Teams can), reminders come only within them, "
            "on their working days, and still never in quiet hours",
        ),
        Field(
            "Digests",
            (f"on the schedule `{policy.digest_cron}`, {policy.timezone} time" if policy.digests else "off")
            + (mark("digests") or mark("digest_cron")),
        ),
    ]
    round_ = assessment.focus_round
    if round_ is not None and round_.state is RoundState.OPEN:
        question = assessment.question(round_.question_id)
        closes = local_time(round_.closes_at, zone) if round_.closes_at else "none (say `deadline 2d` to set one)"
        fields.append(Field(f"Deadline for question {question.number}", closes))
    return Message(
        kind=Kind.NOTICE,
        audience=only(person),
        heading=heading,
        text=(
            "Change it for this assessment with, for example, `schedule first 4h`, `schedule interval 2d`, "
            "`schedule max 2`, `schedule quiet 19:00-07:30`, `schedule weekends on`, `schedule reminders off`, "
            "`schedule digest 0 9 * * fri` or `schedule digests off`; `schedule reset` goes back to the defaults.",
        ),
        fields=tuple(fields),
    )
