"""The command grammar: one parser for Slack, Teams and the console.

Whatever the platform, a person types the same words: `vote 3 4`, `finalise 3 4 agreed after
discussion`, `reopen 2.3`. Slack's `/accord status` and `/finalise 3 4`, a Teams @mention and a
console line all arrive here as text and leave as one `Command` dataclass. A mistake gets a
message that says what was expected, with an example, and suggests the nearest command.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.config import parse_duration
from engine.language import ENGLISH, N_, WELSH, _
from engine.reminders import NO_QUIET_HOURS, QuietHours
from engine.text import clean, clip


class CommandError(Exception):
    """Text that is not a command; the message says what was expected."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class WallTime:
    """A day and a time on someone's clock, as typed: a date, a weekday, today or tomorrow.

    Read against the person's (or the organisation's) clock by `on`, which knows today.
    """

    at: time
    day: date | None = None
    weekday: int | None = None  # 0 is Monday: the next such day (today, if the time is still to come)
    days_ahead: int | None = None  # today 0, tomorrow 1

    def on(self, now: datetime) -> datetime:
        """The naive date and time meant, seen from `now` (naive, on the same clock)."""
        if self.day is not None:
            return datetime.combine(self.day, self.at)
        if self.days_ahead is not None:
            return datetime.combine(now.date() + timedelta(days=self.days_ahead), self.at)
        ahead = (self.weekday - now.weekday()) % 7
        when = datetime.combine(now.date() + timedelta(days=ahead), self.at)
        return when if when > now else when + timedelta(days=7)


@dataclass(frozen=True)
class Start:
    framework: str | None = None
    at: WallTime | None = None  # None: now; else the first question opens then


@dataclass(frozen=True)
class Status:
    pass


@dataclass(frozen=True)
class Vote:
    current: int
    ambition: int
    comment: str = ""
    question: str | None = None  # None: the question under discussion


@dataclass(frozen=True)
class Reveal:
    pass


@dataclass(frozen=True)
class Who:
    question: str | None = None


@dataclass(frozen=True)
class Audit:
    """The audit trail, privately: the whole assessment's, or one question's."""

    question: str | None = None


@dataclass(frozen=True)
class Finalise:
    current: int | None = None
    ambition: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Skip:
    reason: str = ""


@dataclass(frozen=True)
class Next:
    pass


@dataclass(frozen=True)
class Reopen:
    question: str | None = None  # None: the question under discussion


@dataclass(frozen=True)
class Summary:
    pass


@dataclass(frozen=True)
class Export:
    format: str = "markdown"


@dataclass(frozen=True)
class Join:
    pass


@dataclass(frozen=True)
class SetRole:
    person: str  # a mention as typed: "@amira" or a platform mention such as "<@U123>"
    role: str  # "super-user", "member" or "observer"


@dataclass(frozen=True)
class Close:
    pass


@dataclass(frozen=True)
class Organisation:
    """Show or set the organisation's name, what kind of council it is, and whether it shares results."""

    type: str | None = None
    share: bool | None = None
    name: str | None = None

    @property
    def changes(self) -> bool:
        return self.type is not None or self.share is not None or self.name is not None


@dataclass(frozen=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True)
class Schedule:
    """Show this assessment's reminder and digest schedule, or change one setting of it."""

    setting: str | None = None  # a field of engine.reminders.ScheduleOverrides, or "reset"
    value: object = None


@dataclass(frozen=True)
class Remind:
    pass


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class Remove:
    person: str  # a mention as typed


@dataclass(frozen=True)
class Approve:
    person: str  # a mention as typed


@dataclass(frozen=True)
class Deadline:
    """When voting on the open question closes: after a while, at a wall-clock time, or never."""

    after: timedelta | None = None
    at: datetime | None = None  # naive: read in the asker's time zone, else the organisation's
    clear: bool = False


@dataclass(frozen=True)
class Language:
    language: str | None = None  # en or cy; None: say which one the person reads


Command = (
    Start
    | Status
    | Vote
    | Reveal
    | Who
    | Finalise
    | Skip
    | Next
    | Reopen
    | Summary
    | Export
    | Join
    | SetRole
    | Close
    | Organisation
    | Help
    | Schedule
    | Remind
    | Deadline
    | Pause
    | Resume
    | Remove
    | Approve
    | Audit
    | Language
)


@dataclass(frozen=True)
class Usage:
    name: str
    syntax: str
    summary: str
    super_user_only: bool = False


USAGES: tuple[Usage, ...] = (
    Usage(
        "start",
        "start [framework] [at <day> <time>]",
        N_("start an assessment in this channel, now or at a time (e.g. `start at thursday 10:00`); you become its super-user"),
    ),
    Usage("vote", "vote <current> <ambition> [comment]", N_("vote privately on the open question, e.g. `vote 2 4`")),
    Usage("status", "status", N_("where the assessment stands (super-users also see who has not voted)")),
    Usage("reveal", "reveal", N_("close voting and show the anonymous spread"), True),
    Usage(
        "finalise",
        "finalise [current ambition [note]]",
        N_("record the agreed answer, e.g. `finalise 2 4 agreed after discussion` (or `2/4`); bare `finalise` accepts "
        "the proposal unless the team split into two camps; an answer outside the votes needs a note"),
        True,
    ),
    Usage("skip", "skip [reason]", N_("skip the open question"), True),
    Usage("next", "next", N_("open the next question"), True),
    Usage("reopen", "reopen [question]", N_("everyone votes again on a question, e.g. `reopen 2.3`"), True),
    Usage("who", "who [question|all]", N_("see privately who voted what, on one question or all of them"), True),
    Usage("superuser", "superuser @name", N_("make someone a super-user"), True),
    Usage("observer", "observer @name", N_("let someone follow without voting"), True),
    Usage("member", "member @name", N_("make someone a voting member"), True),
    Usage("facilitator", "facilitator @name", N_("let someone chair the meeting as a super-user who does not vote"), True),
    Usage("remove", "remove @name", N_("take someone out of the assessment; their votes on open questions are withdrawn"), True),
    Usage("approve", "approve @name", N_("let someone waiting to join take part (when joining needs approval)"), True),
    Usage("pause", "pause", N_("stop the clock: no reminders, deadlines or digests until `resume`"), True),
    Usage("resume", "resume", N_("start the clock again; the deadline moves on by the time paused"), True),
    Usage("join", "join", N_("take part in the assessment as a voting member")),
    Usage("summary", "summary", N_("the scored summary so far")),
    Usage("export", "export [html|csv|json]", N_("the report as a file: HTML for a board paper, CSV, JSON, or Markdown with charts")),
    Usage("close", "close", N_("end the assessment now, leaving unanswered questions out"), True),
    Usage(
        "organisation",
        "organisation [name <name> | type <kind>] [share|private]",
        N_("the organisation's name (`organisation name Northshire District Council`), what kind of council it is "
        "(`organisation type unitary`), and whether it shares anonymised results to compare with similar councils"),
        True,
    ),
    Usage("deadline", "deadline <when>", N_("close voting on the open question then, e.g. `deadline 2d`, `deadline 2026-12-01 17:00`, `deadline off`"), True),
    Usage("remind", "remind", N_("remind everyone who has not voted yet, privately, now"), True),
    Usage("schedule", "schedule [setting value]", N_("see or change reminders and digests, e.g. `schedule interval 2d`"), True),
    Usage("audit", "audit [question]", N_("see privately every change: who did what, when, before and after (also `history`)"), True),
    Usage("language", "language [cy|en]", N_("the language Accord writes to you in: `language cy` for Welsh, `language en` for English")),
    Usage("help", "help [command]", N_("this list, or how to use one command")),
)

_ALIASES = {
    "finalize": "finalise",
    "final": "finalise",
    "agree": "finalise",
    "super-user": "superuser",
    "super_user": "superuser",
    "su": "superuser",
    "votes": "who",
    "report": "export",
    "?": "help",
    "begin": "start",
    "end": "close",
    "nudge": "remind",
    "chair": "facilitator",
    "facilitate": "facilitator",
    "unpause": "resume",
    "history": "audit",
    # Welsh words for the commands a member uses most (the English ones work in every language).
    "iaith": "language",
    "pleidlais": "vote",
    "pleidleisio": "vote",
    "cymorth": "help",
    "statws": "status",
    "ymuno": "join",
}


def parse(text: str) -> Command:
    """Turn what a person typed into a command, or raise CommandError saying what was expected."""
    words = clean(text).split()  # no control or bidirectional characters reach anyone
    if words and words[0].startswith("/"):
        # Slack's and Teams' slash forms: "/accord status" or "/finalise 3 4".
        words[0] = words[0][1:]
        if words[0].lower() == "accord":
            words = words[1:]
    if not words:
        return Help()
    name = words[0].lower()
    name = _ALIASES.get(name, name)
    args = words[1:]
    rest = " ".join(args)
    if name == "start":
        return _start(args)
    if name == "status":
        return Status()
    if name == "vote":
        return _vote(args)
    if name == "reveal":
        return Reveal()
    if name == "who":
        return Who(question=args[0] if args else None)
    if name == "finalise":
        return _finalise(args)
    if name == "audit":
        return Audit(question=args[0] if args else None)
    if name == "skip":
        return Skip(reason=rest)
    if name == "next":
        return Next()
    if name == "reopen":
        return Reopen(question=args[0] if args else None)
    if name == "summary":
        return Summary()
    if name == "export":
        return Export(format=args[0].lower() if args else "markdown")
    if name == "join":
        return Join()
    if name in ("superuser", "observer", "member", "facilitator", "remove", "approve"):
        if len(args) != 1:
            raise CommandError(_("Name one person, for example `{command} @amira`.").format(command=name))
        if name == "remove":
            return Remove(person=args[0])
        if name == "approve":
            return Approve(person=args[0])
        role = {"superuser": "super-user"}.get(name, name)
        return SetRole(person=args[0], role=role)
    if name == "pause":
        return Pause()
    if name == "resume":
        return Resume()
    if name == "close":
        return Close()
    if name in ("organisation", "organization", "org"):
        return _organisation(args)
    if name == "help":
        return Help(topic=_ALIASES.get(args[0].lower(), args[0].lower()) if args else None)
    if name == "remind":
        return Remind()
    if name == "deadline":
        return _deadline(args)
    if name == "schedule":
        return _schedule(args)
    if name in ("language", "lang"):
        return _language(args)
    raise CommandError(_unknown(words[0]))


def usage(name: str) -> Usage | None:
    return next((u for u in USAGES if u.name == name), None)


def _vote(args: list[str]) -> Vote:
    example = _("for example `vote 2 4`: current position 2, ambition 4 in 18-24 months")
    if len(args) < 2:
        raise CommandError(_("Give two scores, {example}.").format(example=example))
    question = None
    if len(args) >= 3 and not _is_score(args[0]) and _looks_like_question(args[0]):
        question, args = args[0], args[1:]
    current = _score(args[0], _("The current position should be a whole number, not {word}: {example}."), example)
    ambition = _score(args[1], _("The ambition should be a whole number, not {word}: {example}."), example)
    return Vote(current=current, ambition=ambition, comment=" ".join(args[2:]), question=question)


_LANGUAGE_WORDS = {"cy": WELSH, "cymraeg": WELSH, "welsh": WELSH, "en": ENGLISH, "english": ENGLISH, "saesneg": ENGLISH}


def _language(args: list[str]) -> Language:
    if not args:
        return Language()
    word = args[0].lower().split("-")[0].split("_")[0]  # cy-GB, en_GB
    if len(args) > 1 or word not in _LANGUAGE_WORDS:
        raise CommandError(_("Say `language cy` for Welsh or `language en` for English (`iaith cy`, `iaith en`)."))
    return Language(_LANGUAGE_WORDS[word])


MAX_ORGANISATION_NAME = 120


def _organisation(args: list[str]) -> Organisation:
    if args and args[0].lower() == "name":
        # The name as typed, capitals and all; "share" at its end is part of it, not a setting.
        name = " ".join(args[1:])
        if not name:
            raise CommandError(_("Give the name after `name`, for example `organisation name Northshire District Council`."))
        if len(name) > MAX_ORGANISATION_NAME:
            raise CommandError(_("That name is {length} characters long; keep it to {most}.").format(length=len(name), most=MAX_ORGANISATION_NAME))
        return Organisation(name=name)
    words = [w.lower() for w in args]
    share = None
    if words and words[-1] in ("share", "private"):
        share = words.pop() == "share"
    kind = None
    if words:
        if words[0] != "type" or len(words) < 2:
            raise CommandError(
                _(
                    "Say `organisation name Northshire District Council`, `organisation type unitary` (or district, "
                    "county, metropolitan borough, london borough...), `organisation share` or `organisation private`."
                )
            )
        kind = " ".join(words[1:])
        if len(kind) > MAX_ORGANISATION_NAME:
            raise CommandError(_("That type is {length} characters long; keep it to {most}.").format(length=len(kind), most=MAX_ORGANISATION_NAME))
    return Organisation(type=kind, share=share)


_FINALISE_FORM = N_(  # translated where shown
    "Use `finalise 3 4 note` (the current position, the ambition, then why, which is optional unless the "
    "answer is outside the votes), `finalise 3/4 note`, or a bare `finalise` to accept the proposal."
)


def _finalise(args: list[str]) -> Finalise:
    # Numbers first, then the note: anything else is refused rather than recorded as a note,
    # so `finalise abc` or a mistyped `finalise 2/4typo` never records the proposal by accident.
    if not args:
        return Finalise()
    first, rest = args[0], args[1:]
    if "/" in first:
        parts = first.split("/")
        if len(parts) != 2 or not all(_is_score(part) for part in parts):
            raise CommandError(_("I can't read {word} as two whole numbers.").format(word=repr(clip(first, 20))) + " " + _(_FINALISE_FORM))
        return Finalise(int(parts[0]), int(parts[1]), " ".join(rest))
    if not _is_score(first):
        if _looks_numeric(first) or first[0].isdigit():
            raise CommandError(_("{word} is not a whole number.").format(word=repr(clip(first, 20))) + " " + _(_FINALISE_FORM))
        raise CommandError(_("Give the numbers first, not {word}.").format(word=repr(clip(first, 20))) + " " + _(_FINALISE_FORM))
    current = int(first)
    ambition = None
    if rest and _is_score(rest[0]):
        ambition, rest = int(rest[0]), rest[1:]
    if rest and (rest[0][0].isdigit() or rest[0][0] in "-+/.,"):
        raise CommandError(_("{word} is not a whole number.").format(word=repr(clip(rest[0], 20))) + " " + _(_FINALISE_FORM))
    return Finalise(current, ambition, " ".join(rest))


_START_EXAMPLES = N_("for example `start at thursday 10:00`, `start at tomorrow 9:30` or `start at 2026-12-03 10:00`")
_WEEKDAYS = {name: index for index, names in enumerate(
    (("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"), ("thursday", "thu", "thur", "thurs"),
     ("friday", "fri"), ("saturday", "sat"), ("sunday", "sun"))
) for name in names}  # fmt: skip


def _start(args: list[str]) -> Start:
    words = [w.lower() for w in args]
    if "at" not in words:
        if len(words) > 1:
            raise CommandError(_("Say `start`, `start <framework>`, or when to start, {examples}.").format(examples=_(_START_EXAMPLES)))
        return Start(framework=words[0] if words else None)
    split = words.index("at")
    if split > 1:
        raise CommandError(_("Say `start`, `start <framework>`, or when to start, {examples}.").format(examples=_(_START_EXAMPLES)))
    return Start(framework=words[0] if split else None, at=_wall_time(words[split + 1 :], _START_EXAMPLES))


def _wall_time(words: list[str], examples: str) -> WallTime:
    """A day and a time: `thursday 10:00`, `tomorrow 9:30`, `2026-12-03 10:00` (the deadline's grammar)."""
    day: date | None = None
    weekday: int | None = None
    ahead: int | None = None
    at: time | None = None
    for word in words:
        said_day = day is not None or weekday is not None or ahead is not None
        if not said_day and word in _WEEKDAYS:
            weekday = _WEEKDAYS[word]
        elif not said_day and word in ("today", "tomorrow"):
            ahead = 0 if word == "today" else 1
        elif not said_day and re.match(r"^\d{4}-\d{2}-\d{2}$", word):
            try:
                day = date.fromisoformat(word)
            except ValueError:
                raise CommandError(_("{word} is not a date: write it as YYYY-MM-DD, {examples}.").format(word=repr(word), examples=_(examples))) from None
        elif at is None and _HH_MM.match(word):
            hours, minutes = word.split(":")
            at = time(int(hours), int(minutes))
        else:
            raise CommandError(_("I can't read {word} as a day or a time: {examples}.").format(word=repr(clip(word, 40)), examples=_(examples)))
    if day is None and weekday is None and ahead is None:
        raise CommandError(_("Give the day as well as the time, {examples}.").format(examples=_(examples)))
    if at is None:
        raise CommandError(_("Give the time as well as the day, {examples}.").format(examples=_(examples)))
    return WallTime(at, day=day, weekday=weekday, days_ahead=ahead)


_DEADLINE_EXAMPLES = N_("for example `deadline 2d`, `deadline 4h`, `deadline 2026-12-01 17:00` or `deadline off`")
_DEFAULT_CLOSING = time(17, 0)  # a date alone closes at the end of the working day
_HH_MM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _deadline(args: list[str]) -> Deadline:
    if not args:
        raise CommandError(_("Say when voting closes, {examples}.").format(examples=_(_DEADLINE_EXAMPLES)))
    words = [w.lower() for w in args]
    if words == ["off"] or words == ["none"] or words == ["clear"] or words == ["remove"]:
        return Deadline(clear=True)
    try:
        return Deadline(after=parse_duration(" ".join(words)))
    except ValueError:
        pass
    day: date | None = None
    at: time | None = None
    for word in words:
        if day is None and at is None and re.match(r"^\d{4}-\d{2}-\d{2}$", word):
            try:
                day = date.fromisoformat(word)
            except ValueError:
                raise CommandError(_("{word} is not a date: write it as YYYY-MM-DD, {examples}.").format(word=repr(word), examples=_(_DEADLINE_EXAMPLES))) from None
        elif at is None and _HH_MM.match(word):
            hours, minutes = word.split(":")
            at = time(int(hours), int(minutes))
        else:
            raise CommandError(_("I can't read {word} as a time: {examples}.").format(word=repr(clip(word, 40)), examples=_(_DEADLINE_EXAMPLES)))
    if day is None:
        raise CommandError(_("Give the date as well as the time, {examples}.").format(examples=_(_DEADLINE_EXAMPLES)))
    return Deadline(at=datetime.combine(day, at or _DEFAULT_CLOSING))


_SCHEDULE_EXAMPLES = N_(
    "`schedule`, `schedule first 4h`, `schedule interval 2d`, `schedule max 2`, `schedule quiet 19:00-07:30`, "
    "`schedule quiet off`, `schedule weekends on`, `schedule reminders off`, `schedule digest 0 9 * * fri`, "
    "`schedule digests off` or `schedule reset`"
)
_ON = {"on": True, "yes": True, "true": True, "off": False, "no": False, "false": False}


def _schedule(args: list[str]) -> Schedule:
    if not args:
        return Schedule()
    setting, values = args[0].lower(), args[1:]
    value = " ".join(values)
    lowered = value.lower()
    if setting == "reset" and not values:
        return Schedule("reset", True)
    if setting in ("reminders", "reminder") and lowered in _ON:
        return Schedule("reminders", _ON[lowered])
    if setting in ("first", "interval", "every"):
        try:
            duration = parse_duration(lowered)
        except ValueError:
            raise CommandError(_("Give a duration such as 30m, 4h or 2d, for example `schedule {setting} 1d`.").format(setting=setting)) from None
        return Schedule("first_after" if setting == "first" else "interval", duration)
    if setting in ("max", "most", "count"):
        if not (len(values) == 1 and values[0].isdigit()):
            raise CommandError(_("Give the most reminders one member gets per question, for example `schedule max 2`."))
        return Schedule("max_count", int(values[0]))
    if setting == "quiet":
        return Schedule("quiet_hours", _quiet_hours(lowered))
    if setting in ("weekends", "weekend"):
        if lowered in ("on", "allowed", "yes"):
            return Schedule("weekends_quiet", False)
        if lowered in ("off", "quiet", "no"):
            return Schedule("weekends_quiet", True)
        raise CommandError(_("Say `schedule weekends on` to allow reminders at weekends, or `schedule weekends off` for none."))
    if setting in ("digests", "digest") and lowered in _ON:
        return Schedule("digests", _ON[lowered])
    if setting == "digest" and len(values) == 5:
        return Schedule("digest_cron", " ".join(values))
    if setting == "digest":
        raise CommandError(
            _(
                "Give the digest's schedule as five cron fields, minute hour day month weekday, for example "
                "`schedule digest 0 9 * * mon` (09:00 on Mondays), or `schedule digests off`."
            )
        )
    raise CommandError(_("I can't read that schedule change. Try {examples}.").format(examples=_(_SCHEDULE_EXAMPLES)))


def _quiet_hours(text: str) -> QuietHours:
    if text in ("off", "none", "no"):
        return NO_QUIET_HOURS
    times = [t for t in re.split(r"\s*(?:-|to|\s)\s*", text) if t]
    if len(times) == 2 and all(_HH_MM.match(t) for t in times):
        start, end = (time(*map(int, t.split(":"))) for t in times)
        return QuietHours(start, end)
    raise CommandError(_("Give quiet hours as two 24-hour times, for example `schedule quiet 19:00-07:30`, or `schedule quiet off`."))


def _score(word: str, refusal: str, example: str) -> int:
    if not _is_score(word):
        raise CommandError(refusal.format(word=repr(word), example=example))
    return int(word)


def _is_score(word: str) -> bool:
    return word.lstrip("-").isdigit()


def _looks_numeric(word: str) -> bool:
    return any(ch.isdigit() for ch in word) and all(ch.isdigit() or ch in ".,-" for ch in word)


def _looks_like_question(word: str) -> bool:
    word = word.lstrip("qQ#")
    return bool(word) and all(ch.isdigit() or ch == "." for ch in word)


def _unknown(word: str) -> str:
    names = [u.name for u in USAGES] + list(_ALIASES)
    close = difflib.get_close_matches(word.lower()[:40], names, n=1, cutoff=0.6)
    shown = clip(word, 40)  # what was typed is echoed, never 10,000 characters of it
    if close:
        suggestion = _ALIASES.get(close[0], close[0])
        return _("I don't know the command {command}. Did you mean `{suggestion}`? Say `help` for the list.").format(
            command=repr(shown), suggestion=suggestion
        )
    return _("I don't know the command {command}. Say `help` for the list of commands.").format(command=repr(shown))
