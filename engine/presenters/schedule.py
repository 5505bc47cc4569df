"""Reminders, deadlines and the schedule.

Reminders go to one member privately; who has not voted is named only to super-users; the
channel hears of a deadline and, when it passes, sees the reveal like any other.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, tzinfo

from engine.assessment import Assessment, Identity, Member, Round, RoundState
from engine.language import _, ngettext
from engine.presenters.formats import local_time
from engine.presenters.rounds import question_label, scale_options
from engine.reminders import SchedulePolicy, ScheduleOverrides, describe_duration
from engine.views import CHANNEL, Button, ChoiceInput, Field, Kind, Message, TextInput, only


def reminder_message(
    assessment: Assessment, round_: Round, person: Identity, number: int, of: int, zone: tzinfo
) -> Message:
    """A private nudge to a member who has not voted: the question, and the way to vote."""
    question = assessment.question(round_.question_id)
    theme = assessment.framework.in_speaking_language().theme(question.theme_id)
    options = scale_options(assessment, question)
    text = [
        _("{title}: the team is waiting for your vote on {question} · {theme}.").format(
            title=assessment.shown_title, question=question_label(assessment, question).lower(), theme=theme.title
        ),
        question.prompt,
    ]
    if round_.closes_at is not None:
        text.append(_("Voting closes {when}.").format(when=local_time(round_.closes_at, zone)))
    text.append(
        _(
            "Choose where we are now and where we should be in 18-24 months, or say `vote <current> <ambition>` "
            "to Accord, for example `vote 2 4`. Only you and the super-user see your vote."
        )
    )
    count = _("Reminder {number} of {of}.").format(number=number, of=of) if number <= of else _("A reminder from the super-user.")
    return Message(
        kind=Kind.NOTICE,
        audience=only(person),
        heading=_("Reminder: your vote on question {number}").format(number=question.number),
        text=tuple(text),
        inputs=(
            ChoiceInput("current", _("Where are we now?"), options),
            ChoiceInput("ambition", _("Where should we be in 18-24 months?"), options),
            TextInput("comment", _("Comment (optional, seen only by the super-user)"), _("Why you chose these")),
        ),
        buttons=(Button("vote", _("Vote"), question.id, "primary"),),
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
        text.append(
            _("Reminded privately about question {number}: {names}.").format(
                number=question.number, names=", ".join(sorted(m.name for m in reminded))
            )
        )
    quiet = [item for item in later if item[0].identity not in off_work]
    away = [item for item in later if item[0].identity in off_work]
    if quiet:
        text.append(_("In their quiet hours, so reminded when those end: {names}.").format(names=_waiting_until(quiet)))
    if away:
        text.append(_("Outside their working hours, so reminded when those start: {names}.").format(names=_waiting_until(away)))
    if recently:
        text.append(
            _("Reminded within the last hour, so not again yet: {names}.").format(names=", ".join(sorted(m.name for m in recently)))
        )
    if not (reminded or later or recently):
        text.append(_("Everyone has voted on question {number}: there is nobody to remind.").format(number=question.number))
    return Message(
        kind=Kind.NOTICE,
        audience=only(actor),
        heading=_("Reminders for question {number}").format(number=question.number),
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
            heading=_("No deadline for question {number}").format(number=question.number),
            text=(_("Voting stays open until a super-user reveals the votes."),),
        )
    return Message(
        kind=Kind.NOTICE,
        audience=CHANNEL,
        heading=_("Voting on question {number} closes {when}").format(number=question.number, when=local_time(round_.closes_at, zone)),
        text=(
            _(
                "The votes are revealed then, as long as at least two people have voted. "
                "If you have not voted yet, now is a good time."
            ),
        ),
        footer=assessment.progress(round_).line() + ".",
    )


def deadline_passed_message(assessment: Assessment, round_: Round, super_user: Identity, waiting: list[Member]) -> Message:
    """For a super-user, privately: the deadline revealed the votes; who had not voted."""
    question = assessment.question(round_.question_id)
    text = [
        _("Voting on question {number} closed at its deadline and the votes have been revealed in the channel.").format(
            number=question.number
        )
    ]
    if waiting:
        text.append(_("Did not vote (only super-users see this): {names}.").format(names=", ".join(sorted(m.name for m in waiting))))
    else:
        text.append(_("Everyone had voted."))
    text.append(_("When the team has discussed it, record the agreed answer with `finalise`."))
    return Message(
        kind=Kind.NOTICE,
        audience=only(super_user),
        heading=_("Question {number}: deadline passed").format(number=question.number),
        text=tuple(text),
    )


def deadline_missed_message(assessment: Assessment, round_: Round, super_user: Identity, waiting: list[Member]) -> Message:
    """For a super-user, privately: the deadline passed but too few voted to reveal."""
    question = assessment.question(round_.question_id)
    voted = assessment.progress(round_).voted
    return Message(
        kind=Kind.NOTICE,
        audience=only(super_user),
        heading=ngettext(
            "Question {number}: deadline passed with {count} vote", "Question {number}: deadline passed with {count} votes", voted
        ).format(number=question.number, count=voted),
        text=(
            _(
                "The votes were not revealed: with fewer than two, everyone would know whose vote it is. "
                "The question stays open for votes."
            ),
            _("Not voted yet (only super-users see this): {names}.").format(
                names=", ".join(sorted(m.name for m in waiting)) or _("nobody")
            ),
            _("You can set a new deadline (`deadline 1d`), remind them (`remind`), or skip the question (`skip`)."),
        ),
    )


def schedule_message(
    person: Identity,
    assessment: Assessment,
    policy: SchedulePolicy,
    overrides: ScheduleOverrides,
    zone: tzinfo,
    *,
    heading: str | None = None,
) -> Message:
    """The schedule this assessment follows: app.yaml's, with what its super-user changed marked."""
    reminders = policy.reminders

    def mark(name: str) -> str:
        return " " + _("(changed for this assessment)") if getattr(overrides, name) is not None else ""

    if reminders.enabled and reminders.max_count > 0:
        plan = _("first {first} after a question opens, then every {interval}, at most {count} per question").format(
            first=describe_duration(reminders.first_after), interval=describe_duration(reminders.interval), count=reminders.max_count
        )
    else:
        plan = _("off")
    fields = [
        Field(_("Reminders"), plan + (mark("reminders") or mark("first_after") or mark("interval") or mark("max_count"))),
        Field(
            _("Quiet hours"),
            _("{hours}, in each member's own time zone").format(hours=reminders.quiet_hours.describe()) + mark("quiet_hours"),
        ),
        Field(_("Weekends"), (_("no reminders") if reminders.weekends_quiet else _("reminders allowed")) + mark("weekends_quiet")),
        Field(
            _("Working hours"),
            _(
                "where a member's platform tells us theirs (Microsoft Teams can), reminders come only within them, "
                "on their working days, and still never in quiet hours"
            ),
        ),
        Field(
            _("Digests"),
            (
                _("on the schedule `{cron}`, {zone} time").format(cron=policy.digest_cron, zone=policy.timezone)
                if policy.digests
                else _("off")
            )
            + (mark("digests") or mark("digest_cron")),
        ),
    ]
    round_ = assessment.focus_round
    if round_ is not None and round_.state is RoundState.OPEN:
        question = assessment.question(round_.question_id)
        closes = local_time(round_.closes_at, zone) if round_.closes_at else _("none (say `deadline 2d` to set one)")
        fields.append(Field(_("Deadline for question {number}").format(number=question.number), closes))
    return Message(
        kind=Kind.NOTICE,
        audience=only(person),
        heading=heading or _("Reminders and digests"),
        text=(
            _(
                "Change it for this assessment with, for example, `schedule first 4h`, `schedule interval 2d`, "
                "`schedule max 2`, `schedule quiet 19:00-07:30`, `schedule weekends on`, `schedule reminders off`, "
                "`schedule digest 0 9 * * fri` or `schedule digests off`; `schedule reset` goes back to the defaults."
            ),
        ),
        fields=tuple(fields),
    )
