"""Digests: where an assessment stands, in a few lines, on a schedule (default Monday 09:00).

While the assessment runs:

* to the channel, counts only: questions agreed, rounds open, how many members are still to
  vote, the disagreements found so far, and what comes next;
* to each super-user, privately, the same with the names of who is waiting (the privacy rule:
  names of people who have not voted are for super-users only).

Once it is complete, the channel gets a periodic digest of progress against the ambitions the
team recorded: the agreed position against the ambition, theme by theme, what has moved since a
question was first agreed (a super-user reopens a question to record a new answer), and how
long is left of the 18-24 months the ambitions are set for. It stops when that horizon passes.

Pure: the time and the reader's time zone are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from engine.assessment import Assessment, Consensus, Member, Progress, Round, RoundState
from engine.disagreement import Verdict
from engine.framework import Question
from engine.presenters import VERDICT_WORDS, local_time, long_date
from engine.scoring import score
from engine.views import CHANNEL, Field, Kind, Message, only

AMBITION_FROM_MONTHS = 18
AMBITION_HORIZON_MONTHS = 24
MAX_LISTED = 5  # questions named in one line before "and N more"


@dataclass(frozen=True)
class Standing:
    """The facts a digest reports, counted once for the channel's and the super-users' versions."""

    total: int
    agreed: int
    skipped: int
    remaining: int  # questions not opened yet
    focus: Question | None
    focus_round: Round | None
    progress: Progress | None  # of the open round, if one is open
    revealed: int  # questions whose votes have been revealed at least once
    disagreements: tuple[tuple[Question, Verdict], ...]  # revealed questions that needed discussion
    waiting: tuple[Member, ...]  # voting members who have not voted on the open round


def standing(assessment: Assessment) -> Standing:
    card = score(assessment)
    skipped = sum(1 for q in card.questions if q.status.value == "skipped")
    revealed = 0
    disagreements: list[tuple[Question, Verdict]] = []
    for question in assessment.framework.questions():
        measured = [r for r in assessment.rounds_of(question.id) if r.measures is not None]
        if not measured:
            continue
        revealed += 1
        latest = measured[-1].measures
        if latest.needs_discussion:
            disagreements.append((question, latest.verdict))
    round_ = assessment.focus_round
    is_open = assessment.is_active and round_ is not None and round_.state is RoundState.OPEN
    return Standing(
        total=len(card.questions),
        agreed=card.answered,
        skipped=skipped,
        remaining=len(assessment.unstarted_questions()),
        focus=assessment.question(round_.question_id) if round_ is not None else None,
        focus_round=round_,
        progress=assessment.progress(round_) if is_open else None,
        revealed=revealed,
        disagreements=tuple(disagreements),
        waiting=tuple(sorted((m for m in assessment.voters() if m.identity not in round_.votes), key=lambda m: m.name))
        if is_open
        else (),
    )


def wants_digest(assessment: Assessment, now: datetime) -> bool:
    """Digests run while the assessment does, and after it until its ambitions' horizon passes."""
    if assessment.is_active:
        return True
    return assessment.completed_at is not None and now < add_months(assessment.completed_at, AMBITION_HORIZON_MONTHS)


def digest_messages(assessment: Assessment, now: datetime, zone: tzinfo) -> list[Message]:
    """The digest due now: the channel's, then one per super-user; after completion, the channel's only."""
    if not assessment.is_active:
        return [ambition_digest(assessment, now, zone)]
    facts = standing(assessment)
    messages = [channel_digest(assessment, now, zone, facts)]
    for super_user in sorted(assessment.super_users(), key=lambda m: m.name):
        messages.append(super_user_digest(assessment, super_user, now, zone, facts))
    return messages


def channel_digest(assessment: Assessment, now: datetime, zone: tzinfo, facts: Standing | None = None) -> Message:
    facts = facts or standing(assessment)
    return Message(
        kind=Kind.NOTICE,
        audience=CHANNEL,
        heading=f"Digest: {assessment.title}, {long_date(now.astimezone(zone))}",
        text=tuple(_next_steps(assessment, facts, zone)),
        fields=tuple(_fields(facts)),
    )


def super_user_digest(
    assessment: Assessment, super_user: Member, now: datetime, zone: tzinfo, facts: Standing | None = None
) -> Message:
    facts = facts or standing(assessment)
    fields = _fields(facts)
    if facts.progress is not None:
        names = ", ".join(m.name for m in facts.waiting) or "nobody: everyone has voted"
        fields.append(Field(f"Not voted yet on question {facts.focus.number}", names))
    return Message(
        kind=Kind.NOTICE,
        audience=only(super_user.identity),
        heading=f"Digest for super-users: {assessment.title}, {long_date(now.astimezone(zone))}",
        text=("Only super-users get this version, with the names of who is waiting.", *_next_steps(assessment, facts, zone)),
        fields=tuple(fields),
    )


def ambition_digest(assessment: Assessment, now: datetime, zone: tzinfo) -> Message:
    """After completion: the recorded position against the ambition, and what has moved since."""
    card = score(assessment)
    completed = assessment.completed_at or now
    start, end = add_months(completed, AMBITION_FROM_MONTHS), add_months(completed, AMBITION_HORIZON_MONTHS)
    text = [
        f"{assessment.title} was completed on {long_date(completed.astimezone(zone))}. Its ambitions are for 18-24 "
        f"months from then: {long_date(start.astimezone(zone))} to {long_date(end.astimezone(zone))}"
        + (f", {_months_between(now, end)} months from now." if now < end else ".")
    ]
    if card.current is not None:
        text.append(
            f"Agreed position: {card.current:.1f} now against an ambition of {card.ambition:.1f} (a gap of {card.gap:.1f})."
        )
    moved = _moved(assessment)
    if moved:
        text.append(
            "Moved since first agreed: "
            + _listed([f"question {q.number} from {first.current} to {latest.current} (ambition {latest.ambition})" for q, first, latest in moved])
            + "."
        )
    else:
        text.append(
            "No question has been agreed again since. To record progress, a super-user reopens a question "
            "(for example `reopen 1.1`); the team votes again and the new answer is kept beside the first."
        )
    fields = []
    for theme in card.themes:
        if not theme.scored:
            continue
        base = _first_current(assessment, theme.theme.id)
        moved_text = f" (first agreed {base:.1f})" if base is not None and abs(base - theme.current) >= 0.05 else ""
        fields.append(
            Field(theme.theme.title, f"now {theme.current:.1f}{moved_text}, ambition {theme.ambition:.1f}, gap {theme.gap:+.1f}")
        )
    return Message(
        kind=Kind.NOTICE,
        audience=CHANNEL,
        heading=f"Progress against ambition: {assessment.title}, {long_date(now.astimezone(zone))}",
        text=tuple(text),
        fields=tuple(fields),
    )


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later (the last day of a shorter month), same time of day."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return moment.replace(year=year, month=month, day=min(moment.day, days[month - 1]))


# ---------------------------------------------------------------------- helpers


def _fields(facts: Standing) -> list[Field]:
    agreed = f"{facts.agreed} of {facts.total}" + (f" ({facts.skipped} skipped)" if facts.skipped else "")
    fields = [Field("Questions agreed", agreed)]
    if facts.progress is not None:
        fields.append(Field("Open for votes", f"question {facts.focus.number}"))
        waiting = facts.progress.eligible - facts.progress.voted
        fields.append(
            Field("Waiting for", f"{waiting} of {facts.progress.eligible} member{'' if facts.progress.eligible == 1 else 's'}")
        )
    else:
        fields.append(Field("Open for votes", "none"))
    if facts.revealed:
        found = f"{len(facts.disagreements)} of {facts.revealed} question{'' if facts.revealed == 1 else 's'} revealed so far"
        if facts.disagreements:
            found += ": " + _listed([f"{q.number} ({VERDICT_WORDS[v]})" for q, v in facts.disagreements])
        fields.append(Field("Needed discussion", found))
    else:
        fields.append(Field("Needed discussion", "no votes revealed yet"))
    return fields


def _next_steps(assessment: Assessment, facts: Standing, zone: tzinfo) -> list[str]:
    steps: list[str] = []
    round_ = facts.focus_round
    if facts.progress is not None:
        line = f"Next: question {facts.focus.number} is open for votes ({facts.progress.line()})"
        if round_.closes_at is not None:
            line += f"; voting closes {local_time(round_.closes_at, zone)}"
        steps.append(line + ". Anyone who has not voted gets a private reminder.")
    elif round_ is not None and round_.state is RoundState.REVEALED:
        steps.append(
            f"Next: the votes on question {facts.focus.number} are revealed; the team discusses them and a "
            "super-user records the agreed answer with `finalise`."
        )
    elif facts.remaining:
        upcoming = assessment.unstarted_questions()[0]
        steps.append(f"Next: a super-user opens question {upcoming.number} with `next`.")
    if facts.remaining:
        steps.append(f"{facts.remaining} question{'' if facts.remaining == 1 else 's'} still to come.")
    return steps


def _moved(assessment: Assessment) -> list[tuple[Question, Consensus, Consensus]]:
    moved = []
    for question in assessment.framework.questions():
        agreed = [r.consensus for r in assessment.rounds_of(question.id) if r.consensus is not None]
        if len(agreed) >= 2 and (agreed[0].current, agreed[0].ambition) != (agreed[-1].current, agreed[-1].ambition):
            moved.append((question, agreed[0], agreed[-1]))
    return moved


def _first_current(assessment: Assessment, theme_id: str) -> float | None:
    firsts = []
    for question in assessment.framework.theme(theme_id).questions:
        agreed = [r.consensus for r in assessment.rounds_of(question.id) if r.consensus is not None]
        if agreed:
            firsts.append(agreed[0].current)
    return sum(firsts) / len(firsts) if firsts else None


def _months_between(start: datetime, end: datetime) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return max(0, months - (1 if end.day < start.day else 0))


def _listed(items: list[str]) -> str:
    if len(items) <= MAX_LISTED:
        return "; ".join(items)
    return "; ".join(items[:MAX_LISTED]) + f"; and {len(items) - MAX_LISTED} more"
