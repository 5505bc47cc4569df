"""Reminders: when the next one is due for a member who has not voted yet.

The policy, from `app.yaml` and overridable per assessment by its super-user:

* the first reminder goes out `first_after` the question opened, then one every `interval`
  after the last one sent, and at most `max_count` reach one member for one round;
* never during quiet hours, nor at weekends when `weekends_quiet` is set, both judged on the
  member's own wall clock: their time zone where the platform tells it, else the
  organisation's. A reminder that falls due in quiet time waits for the first moment that is not;
* never to someone who has voted (the caller passes only those who have not).

A super-user's `remind` sends at once to everyone not in quiet hours; for the others it leaves a
request (`Waiting.requested_at`), and their reminder goes at the end of their quiet hours,
whatever the count and interval say.

Durations are added on the member's wall clock for whole days and in absolute time for the
rest, so "every day" stays at the same local time across a change of the clocks (a reminder sent
at 08:00 on the Friday before the clocks go back is followed by one at 08:00 on the Monday, not
at 07:00). Everything here is pure: the time is passed in, always aware; zones are `zoneinfo`
zones, which know every past and announced change of the clocks.

`ScheduleOverrides` are what a super-user changed for one assessment with `schedule ...`;
anything left as None follows the organisation's `SchedulePolicy` (app.yaml).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

from engine.errors import DomainError

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
            return "none"
        return f"{self.start:%H:%M} to {self.end:%H:%M}"


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


# ----------------------------------------------------------------- when reminders go


def add_duration(moment: datetime, duration: timedelta, zone: tzinfo) -> datetime:
    """`moment` plus `duration`: whole days on the wall clock in `zone`, the rest in absolute time."""
    local = moment.astimezone(zone)
    if duration.days:
        wall = local.replace(tzinfo=None) + timedelta(days=duration.days)
        local = _at(wall.date(), wall.time(), zone)
    rest = duration - timedelta(days=duration.days)
    return (local.astimezone(UTC) + rest).astimezone(UTC)


def is_quiet(moment: datetime, policy: ReminderPolicy, zone: tzinfo) -> bool:
    local = moment.astimezone(zone)
    if policy.weekends_quiet and local.weekday() >= 5:
        return True
    return policy.quiet_hours.contains(local.time())


def next_allowed(moment: datetime, policy: ReminderPolicy, zone: tzinfo) -> datetime:
    """The first instant at or after `moment` that is neither quiet hours nor (if so set) a weekend."""
    local = moment.astimezone(zone)
    quiet = policy.quiet_hours
    for _ in range(16):  # a weekend and a couple of quiet nights at most; bounded all the same
        if policy.weekends_quiet and local.weekday() >= 5:
            local = _at(local.date() + timedelta(days=7 - local.weekday()), time(0, 0), zone)
            continue
        wall = local.time()
        if quiet.contains(wall):
            day = local.date() if (quiet.start < quiet.end or wall < quiet.end) else local.date() + timedelta(days=1)
            local = _at(day, quiet.end, zone)
            continue
        break
    return local.astimezone(UTC)


def next_due(
    policy: ReminderPolicy,
    *,
    opened_at: datetime,
    sent: int,
    last_sent_at: datetime | None,
    zone: tzinfo,
) -> datetime | None:
    """When reminder number `sent + 1` is due, or None when no more are due."""
    if not policy.enabled or sent >= policy.max_count:
        return None
    if sent == 0 or last_sent_at is None:
        nominal = add_duration(opened_at, policy.first_after, zone)
    else:
        nominal = add_duration(last_sent_at, policy.interval, zone)
    return next_allowed(nominal, policy, zone)


@dataclass(frozen=True)
class Waiting:
    """A member who has not voted on the round: who, how many reminders so far, in which zone."""

    who: Hashable
    zone: tzinfo
    sent: int = 0
    last_sent_at: datetime | None = None
    requested_at: datetime | None = None  # a super-user asked for a reminder then (`remind`)

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
        due = next_due(policy, opened_at=opened_at, sent=member.sent, last_sent_at=member.last_sent_at, zone=member.zone)
        if member.asked:
            asked = next_allowed(member.requested_at, policy, member.zone)
            due = asked if due is None else min(due, asked)
        if due is None:
            continue
        if due > now:
            later.append(due)
        elif is_quiet(now, policy, member.zone):
            later.append(next_allowed(now, policy, member.zone))
        else:
            send.append(Due(member.who, member.sent + 1))
            after = next_due(policy, opened_at=opened_at, sent=member.sent + 1, last_sent_at=now, zone=member.zone)
            if after is not None:
                later.append(after)
    return Plan(tuple(send), min(later) if later else None)


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
            raise DomainError(f"There is no schedule setting {sorted(unknown)[0]!r}.")
        for name in ("first_after", "interval"):
            value = changes.get(name)
            if value is None:
                continue
            low = MIN_INTERVAL if name == "interval" else timedelta(minutes=1)
            if not low <= value <= MAX_DURATION:
                raise DomainError(
                    f"The {'interval' if name == 'interval' else 'first reminder delay'} has to be between "
                    f"{describe_duration(low)} and {describe_duration(MAX_DURATION)}; {describe_duration(value)} is not."
                )
        count = changes.get("max_count")
        if count is not None and not 0 <= count <= MAX_REMINDERS:
            raise DomainError(f"A member can get from 0 to {MAX_REMINDERS} reminders per question, not {count}.")
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
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount} {unit}{'' if amount == 1 else 's'}")
    if seconds or not parts:
        parts.append(f"{seconds} second{'' if seconds == 1 else 's'}")
    return " ".join(parts)


__all__ = [
    "QuietHours",
    "NO_QUIET_HOURS",
    "ReminderPolicy",
    "SchedulePolicy",
    "ScheduleOverrides",
    "Waiting",
    "Due",
    "Plan",
    "add_duration",
    "describe_duration",
    "is_quiet",
    "next_allowed",
    "next_due",
    "plan",
]
