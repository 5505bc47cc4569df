"""Reminders: when the next one is due for a member who has not voted yet.

The policy, from `app.yaml` and overridable per assessment by its super-user:

* the first reminder goes out `first_after` the question opened, then one every `interval`
  after the last one sent, and at most `max_count` reach one member for one round;
* never during quiet hours, nor at weekends when `weekends_quiet` is set, both judged on the
  member's own wall clock: their time zone where the platform tells it, else the
  organisation's. A reminder that falls due in quiet time waits for the first moment that is not;
* where the platform tells us a member's working hours (Microsoft Graph's mailbox settings),
  only inside those, on their working days, and still never in the policy's quiet hours: their
  working days take the place of the Saturday-and-Sunday weekend. Working hours that make no
  sense (no days, an end before the start) or that would never leave a moment to remind are
  ignored, so nobody goes unreminded because of what their calendar says;
* never to someone who has voted (the caller passes only those who have not).

A super-user's `remind` sends at once to everyone a reminder may reach now; for the others it
leaves a request (`Waiting.requested_at`), and their reminder goes at the end of their quiet
hours, or when their working day starts, whatever the count and interval say.

Durations are added on the member's wall clock for whole days and in absolute time for the
rest, so "every day" stays at the same local time across a change of the clocks (a reminder sent
at 08:00 on the Friday before the clocks go back is followed by one at 08:00 on the Monday, not
at 07:00). Everything here is pure: the time is passed in, always aware; zones are `zoneinfo`
zones, which know every past and announced change of the clocks.

`ScheduleOverrides` are what a super-user changed for one assessment with `schedule ...`;
anything left as None follows the organisation's `SchedulePolicy` (app.yaml).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.errors import DomainError
from engine.language import _, ngettext

UTC = timezone.utc

# Bounds that keep a mistyped override from spamming a team or silencing it by accident.
MIN_INTERVAL = timedelta(hours=1)
MAX_DURATION = timedelta(days=60)
MAX_REMINDERS = 10


@dataclass(frozen=True)
class QuietHours:
    """A daily stretch of wall-clock time with no reminders; overnight when start > end."""

    start: time = time(18, 0)
    end: time = time(8, 0)

    @property
    def is_none(self) -> bool:
        return self.start == self.end

    def contains(self, wall: time) -> bool:
        if self.is_none:
            return False
        if self.start < self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end

    def describe(self) -> str:
        if self.is_none:
            return _("none")
        return _("{start} to {end}").format(start=f"{self.start:%H:%M}", end=f"{self.end:%H:%M}")


NO_QUIET_HOURS = QuietHours(time(0, 0), time(0, 0))


@dataclass(frozen=True)
class ReminderPolicy:
    enabled: bool = True
    first_after: timedelta = timedelta(days=1)
    interval: timedelta = timedelta(days=1)
    max_count: int = 3
    quiet_hours: QuietHours = QuietHours()
    weekends_quiet: bool = True


@dataclass(frozen=True)
class SchedulePolicy:
    """The organisation's schedule (app.yaml): reminders, digests and the time zone they use."""

    reminders: ReminderPolicy = ReminderPolicy()
    digests: bool = True
    digest_cron: str = "0 9 * * mon"
    timezone: str = "Europe/London"


# ----------------------------------------------------------------------- working hours

_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MIDNIGHT = time(0, 0)


@dataclass(frozen=True)
class WorkingHours:
    """When a member works, on the clock of `zone`: the same hours on each of their working days.

    An `end` of midnight means to the end of the day (14:00 to 00:00 is an afternoon and evening,
    not nothing), so 00:00 to 00:00 is the whole day. Times are compared on the wall clock of
    `zone`, so 09:00 stays 09:00 when the clocks change. `working_hours` builds one from what the
    platform told us, or says there is none that makes sense.
    """

    days: frozenset[int]  # as date.weekday() numbers them: Monday 0 ... Sunday 6
    start: time
    end: time
    zone: tzinfo

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        wall = local.time()
        return local.weekday() in self.days and self.start <= wall and (self.end == MIDNIGHT or wall < self.end)

    def next_start(self, moment: datetime) -> datetime | None:
        """`moment` if it is working time, else when the member's working hours next begin.

        None only when the clocks skip every start in the fortnight ahead (hours that lie wholly
        in the hour the clocks go forward), which the rules treat as no working hours at all.
        """
        if self.contains(moment):
            return moment.astimezone(UTC)
        day = moment.astimezone(self.zone).date()
        for ahead in range(15):
            # A start the clocks skip is read as far into the new time (01:30 is 02:30 when 01:00
            # becomes 02:00), as the end of quiet hours is: working time, unless it all was skipped.
            begins = _at(day + timedelta(days=ahead), self.start, self.zone)
            if begins > moment and self.contains(begins):
                return begins.astimezone(UTC)
        return None


def working_hours(told: Mapping[str, Any] | None, zone: tzinfo) -> WorkingHours | None:
    """A member's working hours from what their platform told us; None to go by quiet hours alone.

    Reads the profile's record (`days`, `start`, `end`, `timezone`, as adapters.teams.graph keeps
    it) or Microsoft Graph's own `workingHours` (`daysOfWeek` such as "monday", `startTime` such
    as "08:00:00.0000000", `endTime`, `timeZone` as a name or {"name": ...}). A time zone that is
    missing or not an IANA name is the member's own, `zone`. What makes no sense (no working
    days, a time that is not one, an end before the start) gives None: a member is then reminded
    as if we knew nothing of their hours, never not at all.
    """
    if not isinstance(told, Mapping):
        return None
    days = _working_days(_first(told, "days", "daysOfWeek"))
    start = _wall_time(_first(told, "start", "startTime"))
    end = _wall_time(_first(told, "end", "endTime"))
    if not days or start is None or end is None:
        return None
    if end != MIDNIGHT and end <= start:
        return None  # empty, or overnight: Graph describes neither, so it is a mistake somewhere
    return WorkingHours(days, start, end, _zone_named(_first(told, "timezone", "timeZone")) or zone)


def _first(told: Mapping[str, Any], *keys: str) -> Any:
    return next((told[key] for key in keys if told.get(key) is not None), None)


def _working_days(names: Any) -> frozenset[int]:
    """Weekday numbers from day names in any case, whole or shortened ("Monday", "mon"); others are dropped."""
    if not isinstance(names, (list, tuple)):
        return frozenset()
    days = set()
    for name in names:
        word = str(name).strip().lower()
        for number, day in enumerate(_DAY_NAMES):
            if len(word) >= 3 and day.startswith(word):
                days.add(number)
    return frozenset(days)


def _wall_time(text: Any) -> time | None:
    """08:00, 08:00:00 or Graph's 08:00:00.0000000 (seven digits of fraction, more than Python reads)."""
    if not isinstance(text, str):
        return None
    text = text.strip().split(".")[0]
    if text in ("24:00", "24:00:00"):
        return MIDNIGHT  # the end of the day, as some calendars write it
    try:
        return time.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        return None


def _zone_named(name: Any) -> tzinfo | None:
    if isinstance(name, Mapping):
        name = name.get("name")
    if not isinstance(name, str) or not name.strip():
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None  # a Windows name or a custom zone: the member's own zone stands in


# ----------------------------------------------------------------- when reminders go


def add_duration(moment: datetime, duration: timedelta, zone: tzinfo) -> datetime:
    """`moment` plus `duration`: whole days on the wall clock in `zone`, the rest in absolute time."""
    local = moment.astimezone(zone)
    try:
        if duration.days:
            wall = local.replace(tzinfo=None) + timedelta(days=duration.days)
            local = _at(wall.date(), wall.time(), zone)
        rest = duration - timedelta(days=duration.days)
        return (local.astimezone(UTC) + rest).astimezone(UTC)
    except OverflowError:  # `deadline 99999999d` (found by tests/fuzz): past the calendar's end
        raise DomainError(
            _("{duration} from now is further ahead than any calendar goes.").format(duration=describe_duration(duration))
        ) from None


def is_quiet(moment: datetime, policy: ReminderPolicy, zone: tzinfo, hours: WorkingHours | None = None) -> bool:
    """No reminder may reach the member at `moment`: quiet hours, a weekend, or outside their working hours."""
    return next_allowed(moment, policy, zone, hours) > moment


def next_allowed(moment: datetime, policy: ReminderPolicy, zone: tzinfo, hours: WorkingHours | None = None) -> datetime:
    """The first instant at or after `moment` that a reminder may reach the member.

    Without working hours: neither quiet hours nor (if so set) a weekend, on `zone`'s clock.
    With them: inside them and not in quiet hours; their working days stand in for the weekend.
    Working hours that never allow a reminder (wholly inside quiet hours, say) are ignored.
    """
    if hours is not None:
        found = _in_working_hours(moment, policy.quiet_hours, zone, hours)
        if found is not None:
            return found
    return _outside_quiet_time(moment, policy, zone)


def outside_working_hours(moment: datetime, policy: ReminderPolicy, zone: tzinfo, hours: WorkingHours | None) -> bool:
    """Whether it is the member's working hours, rather than quiet hours or a weekend, that keep a
    reminder from reaching them at `moment` (to tell a super-user why it waits)."""
    if hours is None or _in_working_hours(moment, policy.quiet_hours, zone, hours) is None:
        return False  # none known, or ignored
    return not hours.contains(moment)


def _outside_quiet_time(moment: datetime, policy: ReminderPolicy, zone: tzinfo) -> datetime:
    """The first instant at or after `moment` that is neither quiet hours nor (if so set) a weekend."""
    local = moment.astimezone(zone)
    quiet = policy.quiet_hours
    for _turn in range(16):  # a weekend and a couple of quiet nights at most; bounded all the same
        if policy.weekends_quiet and local.weekday() >= 5:
            local = _at(local.date() + timedelta(days=7 - local.weekday()), time(0, 0), zone)
            continue
        if quiet.contains(local.time()):
            local = _end_of_quiet(local, quiet, zone)
            continue
        break
    return local.astimezone(UTC)


def _in_working_hours(moment: datetime, quiet: QuietHours, zone: tzinfo, hours: WorkingHours) -> datetime | None:
    """The first instant at or after `moment` inside `hours` and outside `quiet` (on `zone`'s clock),
    or None when a fortnight of them has none: the working hours never allow a reminder."""
    candidate = moment
    for _turn in range(16):  # a stretch of working time per turn; a fortnight covers a change of the clocks
        begins = hours.next_start(candidate)
        if begins is None:
            return None
        local = begins.astimezone(zone)
        for _day in range(3):  # quiet hours end once a day; the clocks may push an end into quiet time
            if not quiet.contains(local.time()):
                break
            local = _end_of_quiet(local, quiet, zone)
        if hours.contains(local) and not quiet.contains(local.time()):
            return local.astimezone(UTC)
        candidate = local  # quiet until after today's working hours: try the next working day
    return None


def _end_of_quiet(local: datetime, quiet: QuietHours, zone: tzinfo) -> datetime:
    """When the stretch of quiet hours that `local` (a wall time inside them) falls in ends."""
    wall = local.time()
    day = local.date() if (quiet.start < quiet.end or wall < quiet.end) else local.date() + timedelta(days=1)
    return _at(day, quiet.end, zone)


def next_due(
    policy: ReminderPolicy,
    *,
    opened_at: datetime,
    sent: int,
    last_sent_at: datetime | None,
    zone: tzinfo,
    hours: WorkingHours | None = None,
) -> datetime | None:
    """When reminder number `sent + 1` is due, or None when no more are due."""
    if not policy.enabled or sent >= policy.max_count:
        return None
    if sent == 0 or last_sent_at is None:
        nominal = add_duration(opened_at, policy.first_after, zone)
    else:
        nominal = add_duration(last_sent_at, policy.interval, zone)
    return next_allowed(nominal, policy, zone, hours)


@dataclass(frozen=True)
class Waiting:
    """A member who has not voted on the round: who, how many reminders so far, in which zone."""

    who: Hashable
    zone: tzinfo
    sent: int = 0
    last_sent_at: datetime | None = None
    requested_at: datetime | None = None  # a super-user asked for a reminder then (`remind`)
    hours: WorkingHours | None = None  # their working hours, where their platform told us

    @property
    def asked(self) -> bool:
        """A request not yet answered by a reminder."""
        return self.requested_at is not None and (self.last_sent_at is None or self.requested_at > self.last_sent_at)


@dataclass(frozen=True)
class Due:
    who: Hashable
    number: int  # 1 for the first reminder this member gets for this round


@dataclass(frozen=True)
class Plan:
    send: tuple[Due, ...] = ()
    next_check: datetime | None = None  # when the next reminder of this round may be due


def plan(policy: ReminderPolicy, opened_at: datetime, waiting: Iterable[Waiting], now: datetime) -> Plan:
    """Which of the waiting members to remind now, and when to look at this round again.

    A reminder due while the scheduler was not running goes out at the next allowed moment,
    once: the next one is counted from when it was actually sent, so reminders never bunch up.
    """
    send: list[Due] = []
    later: list[datetime] = []
    for member in waiting:
        due = next_due(
            policy, opened_at=opened_at, sent=member.sent, last_sent_at=member.last_sent_at, zone=member.zone, hours=member.hours
        )
        if member.asked:
            asked = next_allowed(member.requested_at, policy, member.zone, member.hours)
            due = asked if due is None else min(due, asked)
        if due is None:
            continue
        if due > now:
            later.append(due)
            continue
        allowed = next_allowed(now, policy, member.zone, member.hours)
        if allowed > now:
            later.append(allowed)
            continue
        send.append(Due(member.who, member.sent + 1))
        after = next_due(policy, opened_at=opened_at, sent=member.sent + 1, last_sent_at=now, zone=member.zone, hours=member.hours)
        if after is not None:
            later.append(after)
    return Plan(tuple(send), min(later) if later else None)


@dataclass(frozen=True)
class OnRequest:
    """What a super-user's `remind` does for each member still to vote."""

    now: tuple[Due, ...]  # reminded at once, with their reminder's number
    later: tuple[tuple[Hashable, datetime], ...]  # reminded when they may be reached
    off_work: frozenset[Hashable]  # of those later, the ones waiting for their working day
    recently: tuple[Hashable, ...]  # reminded or asked for within `recently`: left alone


def plan_on_request(policy: ReminderPolicy, waiting: Iterable[Waiting], now: datetime, recently: timedelta) -> OnRequest:
    """One round of reminders asked for now, by the same rule as the scheduler's.

    Anyone reminded, or asked for, within `recently` is left alone; anyone it may not reach now
    (quiet hours, a weekend, outside their working hours) is reminded at the first moment it may.
    """
    send: list[Due] = []
    later: list[tuple[Hashable, datetime]] = []
    off_work: set[Hashable] = set()
    left_alone: list[Hashable] = []
    for member in waiting:
        latest = max((t for t in (member.last_sent_at, member.requested_at) if t is not None), default=None)
        if latest is not None and now - latest < recently:
            left_alone.append(member.who)
            continue
        when = next_allowed(now, policy, member.zone, member.hours)
        if when > now:
            later.append((member.who, when))
            if outside_working_hours(now, policy, member.zone, member.hours):
                off_work.add(member.who)
            continue
        send.append(Due(member.who, member.sent + 1))
    return OnRequest(tuple(send), tuple(later), frozenset(off_work), tuple(left_alone))


def _at(day: date, wall: time, zone: tzinfo) -> datetime:
    """A wall-clock time in `zone`, normalised: a time skipped when the clocks went forward
    becomes the instant just after the gap; a repeated one, its first occurrence."""
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC).astimezone(zone)


# ------------------------------------------------------------- per-assessment overrides


@dataclass(frozen=True)
class ScheduleOverrides:
    """What a super-user changed for one assessment; None follows the organisation's policy."""

    reminders: bool | None = None
    first_after: timedelta | None = None
    interval: timedelta | None = None
    max_count: int | None = None
    quiet_hours: QuietHours | None = None
    weekends_quiet: bool | None = None
    digests: bool | None = None
    digest_cron: str | None = None

    @property
    def is_empty(self) -> bool:
        return self == ScheduleOverrides()

    def changed(self, **changes: Any) -> ScheduleOverrides:
        """These overrides with some settings changed, checked; raises DomainError for a bad value."""
        unknown = set(changes) - set(self.__dataclass_fields__)
        if unknown:
            raise DomainError(_("There is no schedule setting {name}.").format(name=repr(sorted(unknown)[0])))
        for name in ("first_after", "interval"):
            value = changes.get(name)
            if value is None:
                continue
            low = MIN_INTERVAL if name == "interval" else timedelta(minutes=1)
            if not low <= value <= MAX_DURATION:
                sentence = (
                    _("The interval has to be between {low} and {high}; {value} is not.")
                    if name == "interval"
                    else _("The first reminder delay has to be between {low} and {high}; {value} is not.")
                )
                raise DomainError(
                    sentence.format(
                        low=describe_duration(low), high=describe_duration(MAX_DURATION), value=describe_duration(value)
                    )
                )
        count = changes.get("max_count")
        if count is not None and not 0 <= count <= MAX_REMINDERS:
            raise DomainError(
                _("A member can get from 0 to {most} reminders per question, not {count}.").format(most=MAX_REMINDERS, count=count)
            )
        return replace(self, **changes)

    def apply(self, policy: SchedulePolicy) -> SchedulePolicy:
        base = policy.reminders
        reminders = ReminderPolicy(
            enabled=base.enabled if self.reminders is None else self.reminders,
            first_after=self.first_after or base.first_after,
            interval=self.interval or base.interval,
            max_count=base.max_count if self.max_count is None else self.max_count,
            quiet_hours=self.quiet_hours or base.quiet_hours,
            weekends_quiet=base.weekends_quiet if self.weekends_quiet is None else self.weekends_quiet,
        )
        return replace(
            policy,
            reminders=reminders,
            digests=policy.digests if self.digests is None else self.digests,
            digest_cron=self.digest_cron or policy.digest_cron,
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in ("reminders", "max_count", "weekends_quiet", "digests", "digest_cron"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        for name in ("first_after", "interval"):
            if getattr(self, name) is not None:
                data[name] = int(getattr(self, name).total_seconds())
        if self.quiet_hours is not None:
            data["quiet_hours"] = [f"{self.quiet_hours.start:%H:%M}", f"{self.quiet_hours.end:%H:%M}"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ScheduleOverrides:
        data = data or {}
        quiet = data.get("quiet_hours")
        return cls(
            reminders=data.get("reminders"),
            first_after=timedelta(seconds=data["first_after"]) if data.get("first_after") is not None else None,
            interval=timedelta(seconds=data["interval"]) if data.get("interval") is not None else None,
            max_count=data.get("max_count"),
            quiet_hours=QuietHours(time.fromisoformat(quiet[0]), time.fromisoformat(quiet[1])) if quiet else None,
            weekends_quiet=data.get("weekends_quiet"),
            digests=data.get("digests"),
            digest_cron=data.get("digest_cron"),
        )


def describe_duration(duration: timedelta) -> str:
    """1 day, 4 hours, 1 day 12 hours, 90 minutes: as people write them."""
    seconds = int(duration.total_seconds())
    parts: list[str] = []
    units = (
        (86400, lambda n: ngettext("{count} day", "{count} days", n)),
        (3600, lambda n: ngettext("{count} hour", "{count} hours", n)),
        (60, lambda n: ngettext("{count} minute", "{count} minutes", n)),
    )
    for size, words in units:
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(words(amount).format(count=amount))
    if seconds or not parts:
        parts.append(ngettext("{count} second", "{count} seconds", seconds).format(count=seconds))
    return " ".join(parts)


__all__ = [
    "QuietHours",
    "NO_QUIET_HOURS",
    "ReminderPolicy",
    "SchedulePolicy",
    "ScheduleOverrides",
    "Waiting",
    "WorkingHours",
    "Due",
    "Plan",
    "add_duration",
    "describe_duration",
    "is_quiet",
    "next_allowed",
    "next_due",
    "outside_working_hours",
    "plan",
    "working_hours",
]
