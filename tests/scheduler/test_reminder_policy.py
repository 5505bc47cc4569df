"""The reminder policy, pure: delays, intervals, the most per member, quiet hours, weekends, zones, DST.

Times are written as a person in that zone would read them (`wall(...)`), so each expectation can
be checked against a calendar. London's clocks went back on 26 October 2025 and go forward on 29
March 2026; New York's went forward on 8 March 2026, three weeks before London's.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from engine.errors import DomainError
from engine.reminders import (
    NO_QUIET_HOURS,
    QuietHours,
    ReminderPolicy,
    ScheduleOverrides,
    SchedulePolicy,
    Waiting,
    add_duration,
    is_quiet,
    next_allowed,
    next_due,
    plan,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
POLICY = ReminderPolicy()  # app.yaml's defaults: 1 day, every day, 3 at most, quiet 18:00-08:00, weekends quiet


def wall(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone).astimezone(timezone.utc)


def reminders(policy: ReminderPolicy, opened_at: datetime, zone: ZoneInfo, until: datetime) -> list[datetime]:
    """Every reminder one member who never votes gets, with the scheduler looking every 10 minutes."""
    sent: list[datetime] = []
    now = opened_at
    while now <= until:
        decided = plan(policy, opened_at, [Waiting("amira", zone, len(sent), sent[-1] if sent else None)], now)
        if decided.send:
            sent.append(now)
        now += timedelta(minutes=10)
    return sent


# --------------------------------------------------------------- delay, interval, most


def test_the_first_reminder_waits_the_delay_then_one_every_interval_at_most_max_count():
    opened = wall(LONDON, 2026, 3, 2, 9, 0)  # a Monday morning
    sent = reminders(POLICY, opened, LONDON, until=opened + timedelta(days=10))
    assert sent == [wall(LONDON, 2026, 3, 3, 9, 0), wall(LONDON, 2026, 3, 4, 9, 0), wall(LONDON, 2026, 3, 5, 9, 0)]


def test_a_shorter_policy_and_no_reminders_at_all():
    opened = wall(LONDON, 2026, 3, 2, 9, 0)
    quick = ReminderPolicy(first_after=timedelta(hours=2), interval=timedelta(hours=3), max_count=2)
    assert reminders(quick, opened, LONDON, until=opened + timedelta(days=3)) == [
        wall(LONDON, 2026, 3, 2, 11, 0),
        wall(LONDON, 2026, 3, 2, 14, 0),
    ]
    assert reminders(ReminderPolicy(max_count=0), opened, LONDON, opened + timedelta(days=5)) == []
    assert reminders(ReminderPolicy(enabled=False), opened, LONDON, opened + timedelta(days=5)) == []


def test_the_next_reminder_counts_from_when_the_last_one_actually_went():
    opened = wall(LONDON, 2026, 3, 2, 9, 0)
    late = wall(LONDON, 2026, 3, 3, 15, 30)  # the scheduler was down: the first one went late
    assert next_due(POLICY, opened_at=opened, sent=1, last_sent_at=late, zone=LONDON) == wall(LONDON, 2026, 3, 4, 15, 30)


def test_reminders_missed_while_stopped_go_once_not_all_at_once():
    opened = wall(LONDON, 2026, 3, 2, 9, 0)
    back = wall(LONDON, 2026, 3, 6, 10, 0)  # four days later: three reminders were "due"
    decided = plan(POLICY, opened, [Waiting("amira", LONDON)], back)
    assert [d.number for d in decided.send] == [1]
    # The next is a day after this one went: Saturday 10:00 is a weekend, so Monday 08:00.
    assert decided.next_check == wall(LONDON, 2026, 3, 9, 8, 0)


# ------------------------------------------------------------------ quiet hours, weekends


def test_a_reminder_due_in_quiet_hours_waits_for_them_to_end():
    opened = wall(LONDON, 2026, 3, 2, 19, 30)  # opened on Monday evening
    assert next_due(POLICY, opened_at=opened, sent=0, last_sent_at=None, zone=LONDON) == wall(LONDON, 2026, 3, 4, 8, 0)
    early = wall(LONDON, 2026, 3, 2, 6, 15)
    assert next_allowed(early, POLICY, LONDON) == wall(LONDON, 2026, 3, 2, 8, 0)


def test_quiet_hours_within_one_day_and_none_at_all():
    lunch = ReminderPolicy(quiet_hours=QuietHours(time(12, 0), time(14, 0)), weekends_quiet=False)
    assert next_allowed(wall(LONDON, 2026, 3, 2, 12, 30), lunch, LONDON) == wall(LONDON, 2026, 3, 2, 14, 0)
    assert next_allowed(wall(LONDON, 2026, 3, 2, 14, 0), lunch, LONDON) == wall(LONDON, 2026, 3, 2, 14, 0)
    always = ReminderPolicy(quiet_hours=NO_QUIET_HOURS, weekends_quiet=False)
    assert not is_quiet(wall(LONDON, 2026, 3, 7, 3, 0), always, LONDON)


def test_no_reminders_at_weekends_unless_allowed():
    friday_evening = wall(LONDON, 2026, 3, 6, 18, 30)
    assert next_allowed(friday_evening, POLICY, LONDON) == wall(LONDON, 2026, 3, 9, 8, 0)
    saturday = wall(LONDON, 2026, 3, 7, 11, 0)
    assert is_quiet(saturday, POLICY, LONDON)
    assert not is_quiet(saturday, ReminderPolicy(weekends_quiet=False), LONDON)


def test_a_reminder_due_now_in_the_members_quiet_hours_waits_and_says_until_when():
    opened = wall(LONDON, 2026, 3, 2, 9, 0)
    tokyo_night = wall(LONDON, 2026, 3, 3, 9, 0)  # 18:00 in Tokyo: quiet for a member there
    decided = plan(POLICY, opened, [Waiting("kenji", TOKYO)], tokyo_night + timedelta(hours=1))
    assert decided.send == ()
    assert decided.next_check == wall(TOKYO, 2026, 3, 4, 8, 0)


# ------------------------------------------------------------------------ time zones


def test_each_member_is_reminded_in_their_own_working_day():
    opened = wall(LONDON, 2026, 1, 12, 9, 0)  # Monday 09:00 in London is 04:00 in New York
    assert next_due(POLICY, opened_at=opened, sent=0, last_sent_at=None, zone=LONDON) == wall(LONDON, 2026, 1, 13, 9, 0)
    assert next_due(POLICY, opened_at=opened, sent=0, last_sent_at=None, zone=NEW_YORK) == wall(NEW_YORK, 2026, 1, 13, 8, 0)
    now = wall(LONDON, 2026, 1, 13, 9, 0)
    decided = plan(POLICY, opened, [Waiting("bea", LONDON), Waiting("dev", NEW_YORK)], now)
    assert [d.who for d in decided.send] == ["bea"]
    assert decided.next_check == wall(NEW_YORK, 2026, 1, 13, 8, 0) == wall(LONDON, 2026, 1, 13, 13, 0)


def test_the_weeks_when_new_york_has_changed_its_clocks_and_london_has_not():
    # 16 March 2026: New York on EDT (UTC-4), London still on GMT, so 08:00 in New York is 12:00 in London.
    opened = wall(LONDON, 2026, 3, 16, 9, 0)
    assert next_due(POLICY, opened_at=opened, sent=0, last_sent_at=None, zone=NEW_YORK) == wall(LONDON, 2026, 3, 17, 12, 0)


# ------------------------------------------------------------------------------- DST


def test_when_the_clocks_go_back_the_reminder_still_comes_at_eight_on_the_wall():
    opened = wall(LONDON, 2025, 10, 23, 10, 0)  # Thursday, BST
    first = next_due(POLICY, opened_at=opened, sent=0, last_sent_at=None, zone=LONDON)
    assert first == wall(LONDON, 2025, 10, 24, 10, 0)
    second = next_due(POLICY, opened_at=opened, sent=1, last_sent_at=first, zone=LONDON)
    # Saturday 10:00 is a weekend; the clocks go back on Sunday; Monday 08:00 GMT is 08:00 UTC.
    assert second == wall(LONDON, 2025, 10, 27, 8, 0) == datetime(2025, 10, 27, 8, 0, tzinfo=timezone.utc)


def test_a_day_is_a_day_on_the_wall_clock_across_the_change():
    saturday_noon = wall(LONDON, 2026, 3, 28, 12, 0)  # 12:00 GMT
    sunday_noon = add_duration(saturday_noon, timedelta(days=1), LONDON)
    assert sunday_noon == wall(LONDON, 2026, 3, 29, 12, 0) == datetime(2026, 3, 29, 11, 0, tzinfo=timezone.utc)
    assert sunday_noon - saturday_noon == timedelta(hours=23)
    # Hours beyond whole days are absolute: 1 day 3 hours is 15:00 on Sunday's wall clock.
    assert add_duration(saturday_noon, timedelta(days=1, hours=3), LONDON) == wall(LONDON, 2026, 3, 29, 15, 0)


def test_a_quiet_hours_end_skipped_by_the_clocks_is_the_moment_after_the_gap():
    night_owls = ReminderPolicy(quiet_hours=QuietHours(time(23, 0), time(1, 30)), weekends_quiet=False)
    # 01:30 on 29 March 2026 never happens in London (01:00 GMT becomes 02:00 BST).
    assert next_allowed(wall(LONDON, 2026, 3, 29, 0, 30), night_owls, LONDON) == datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc)


# -------------------------------------------------------------------------- planning


def test_plan_reminds_only_those_due_and_says_when_to_look_again():
    opened = wall(LONDON, 2026, 3, 2, 9, 0)
    now = wall(LONDON, 2026, 3, 4, 9, 30)
    waiting = [
        Waiting("amira", LONDON, sent=1, last_sent_at=wall(LONDON, 2026, 3, 3, 9, 0)),  # her second is due
        Waiting("ben", LONDON, sent=3, last_sent_at=wall(LONDON, 2026, 3, 4, 9, 0)),  # had them all
        Waiting("chloe", LONDON, sent=1, last_sent_at=wall(LONDON, 2026, 3, 4, 9, 20)),  # reminded just now
    ]
    decided = plan(POLICY, opened, waiting, now)
    assert [(d.who, d.number) for d in decided.send] == [("amira", 2)]
    assert decided.next_check == wall(LONDON, 2026, 3, 5, 9, 20)
    assert plan(POLICY, opened, [], now) == type(decided)()


# ------------------------------------------------------------------------- overrides


def test_overrides_change_only_what_they_name_and_round_trip():
    overrides = ScheduleOverrides().changed(interval=timedelta(days=2), quiet_hours=QuietHours(time(19), time(7, 30)))
    policy = overrides.apply(SchedulePolicy())
    assert policy.reminders.interval == timedelta(days=2)
    assert policy.reminders.first_after == timedelta(days=1)
    assert policy.reminders.quiet_hours == QuietHours(time(19), time(7, 30))
    assert ScheduleOverrides.from_dict(overrides.to_dict()) == overrides
    assert ScheduleOverrides.from_dict(None).is_empty
    off = ScheduleOverrides(reminders=False, digests=False, max_count=0).apply(SchedulePolicy())
    assert (off.reminders.enabled, off.digests, off.reminders.max_count) == (False, False, 0)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"interval": timedelta(minutes=5)}, "interval has to be between 1 hour and 60 days"),
        ({"first_after": timedelta(days=90)}, "first reminder delay has to be between"),
        ({"max_count": 50}, "from 0 to 10 reminders"),
    ],
)
def test_overrides_refuse_what_would_spam_or_make_no_sense(change, words):
    with pytest.raises(DomainError, match=words):
        ScheduleOverrides().changed(**change)
