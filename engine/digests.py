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
from engine.language import _, ngettext
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
    for question in assessment.framework.in_speaking_language().questions():
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
        heading=_("Digest: {title}, {date}").format(title=assessment.shown_title, date=long_date(now.astimezone(zone))),
        text=tuple(_next_steps(assessment, facts, zone)),
        fields=tuple(_fields(facts)),
    )


def super_user_digest(
    assessment: Assessment, super_user: Member, now: datetime, zone: tzinfo, facts: Standing | None = None
) -> Message:
    facts = facts or standing(assessment)
    fields = _fields(facts)
    if facts.progress is not None:
        names = ", ".join(m.name for m in facts.waiting) or _("nobody: everyone has voted")
        fields.append(Field(_("Not voted yet on question {number}").format(number=facts.focus.number), names))
    return Message(
        kind=Kind.NOTICE,
        audience=only(super_user.identity),
        heading=_("Digest for super-users: {title}, {date}").format(title=assessment.shown_title, date=long_date(now.astimezone(zone))),
        text=(_("Only super-users get this version, with the names of who is waiting."), *_next_steps(assessment, facts, zone)),
        fields=tuple(fields),
    )


def ambition_digest(assessment: Assessment, now: datetime, zone: tzinfo) -> Message:
    """After completion: the recorded position against the ambition, and what has moved since."""
    card = score(assessment)
    completed = assessment.completed_at or now
    start, end = add_months(completed, AMBITION_FROM_MONTHS), add_months(completed, AMBITION_HORIZON_MONTHS)
    dates = {
        "title": assessment.shown_title,
        "completed": long_date(completed.astimezone(zone)),
        "start": long_date(start.astimezone(zone)),
        "end": long_date(end.astimezone(zone)),
    }
    if now < end:
        months = _months_between(now, end)
        opening = ngettext(
            "{title} was completed on {completed}. Its ambitions are for 18-24 months from then: {start} to {end}, "
            "{count} month from now.",
            "{title} was completed on {completed}. Its ambitions are for 18-24 months from then: {start} to {end}, "
            "{count} months from now.",
            months,
        ).format(count=months, **dates)
    else:
        opening = _("{title} was completed on {completed}. Its ambitions are for 18-24 months from then: {start} to {end}.").format(
            **dates
        )
    text = [opening]
    if card.current is not None:
        text.append(
            _("Agreed position: {current} now against an ambition of {ambition} (a gap of {gap}).").format(
                current=f"{card.current:.1f}", ambition=f"{card.ambition:.1f}", gap=f"{card.gap:.1f}"
            )
        )
    moved = _moved(assessment)
    if moved:
        text.append(
            _("Moved since first agreed: {questions}.").format(
                questions=_listed(
                    [
                        _("question {number} from {first} to {latest} (ambition {ambition})").format(
                            number=q.number, first=first.current, latest=latest.current, ambition=latest.ambition
                        )
                        for q, first, latest in moved
                    ]
                )
            )
        )
    else:
        text.append(
            _(
                "No question has been agreed again since. To record progress, a super-user reopens a question "
                "(for example `reopen 1.1`); the team votes again and the new answer is kept beside the first."
            )
        )
    fields = []
    for theme in card.themes:
        if not theme.scored:
            continue
        base = _first_current(assessment, theme.theme.id)
        figures = {"current": f"{theme.current:.1f}", "ambition": f"{theme.ambition:.1f}", "gap": f"{theme.gap:+.1f}"}
        if base is not None and abs(base - theme.current) >= 0.05:
            words = _("now {current} (first agreed {first}), ambition {ambition}, gap {gap}").format(first=f"{base:.1f}", **figures)
        else:
            words = _("now {current}, ambition {ambition}, gap {gap}").format(**figures)
        fields.append(Field(theme.theme.title, words))
    return Message(
        kind=Kind.NOTICE,
        audience=CHANNEL,
        heading=_("Progress against ambition: {title}, {date}").format(title=assessment.shown_title, date=long_date(now.astimezone(zone))),
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
    agreed = (
        _("{agreed} of {total} ({skipped} skipped)").format(agreed=facts.agreed, total=facts.total, skipped=facts.skipped)
        if facts.skipped
        else _("{agreed} of {total}").format(agreed=facts.agreed, total=facts.total)
    )
    fields = [Field(_("Questions agreed"), agreed)]
    if facts.progress is not None:
        fields.append(Field(_("Open for votes"), _("question {number}").format(number=facts.focus.number)))
        waiting = facts.progress.eligible - facts.progress.voted
        eligible = facts.progress.eligible
        fields.append(
            Field(
                _("Waiting for"),
                ngettext("{waiting} of {count} member", "{waiting} of {count} members", eligible).format(
                    waiting=waiting, count=eligible
                ),
            )
        )
    else:
        fields.append(Field(_("Open for votes"), _("none")))
    if facts.revealed:
        found = ngettext(
            "{found} of {count} question revealed so far", "{found} of {count} questions revealed so far", facts.revealed
        ).format(found=len(facts.disagreements), count=facts.revealed)
        if facts.disagreements:
            found += ": " + _listed([f"{q.number} ({_(VERDICT_WORDS[v])})" for q, v in facts.disagreements])
        fields.append(Field(_("Needed discussion"), found))
    else:
        fields.append(Field(_("Needed discussion"), _("no votes revealed yet")))
    return fields


def _next_steps(assessment: Assessment, facts: Standing, zone: tzinfo) -> list[str]:
    steps: list[str] = []
    round_ = facts.focus_round
    if facts.progress is not None:
        if round_.closes_at is not None:
            line = _(
                "Next: question {number} is open for votes ({progress}); voting closes {when}. "
                "Anyone who has not voted gets a private reminder."
            ).format(number=facts.focus.number, progress=facts.progress.line(), when=local_time(round_.closes_at, zone))
        else:
            line = _(
                "Next: question {number} is open for votes ({progress}). Anyone who has not voted gets a private reminder."
            ).format(number=facts.focus.number, progress=facts.progress.line())
        steps.append(line)
    elif round_ is not None and round_.state is RoundState.REVEALED:
        steps.append(
            _(
                "Next: the votes on question {number} are revealed; the team discusses them and a "
                "super-user records the agreed answer with `finalise`."
            ).format(number=facts.focus.number)
        )
    elif facts.remaining:
        upcoming = assessment.unstarted_questions()[0]
        steps.append(_("Next: a super-user opens question {number} with `next`.").format(number=upcoming.number))
    if facts.remaining:
        steps.append(
            ngettext("{count} question still to come.", "{count} questions still to come.", facts.remaining).format(
                count=facts.remaining
            )
        )
    return steps


def _moved(assessment: Assessment) -> list[tuple[Question, Consensus, Consensus]]:
    moved = []
    for question in assessment.framework.in_speaking_language().questions():
        agreed = [r.consensus for r in assessment.rounds_of(question.id) if r.consensus is not None]
        if len(agreed) >= 2 and (agreed[0].current, agreed[0].ambition) != (agreed[-1].current, agreed[-1].ambition):
            moved.append((question, agreed[0], agreed[-1]))
    return moved


def _first_current(assessment: Assessment, theme_id: str) -> float | None:
    firsts = []
    for question in assessment.framework.in_speaking_language().theme(theme_id).questions:
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
    return "; ".join(items[:MAX_LISTED]) + "; " + _("and {count} more").format(count=len(items) - MAX_LISTED)
