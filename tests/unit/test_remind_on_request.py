"""`remind`, asked by a super-user: who is reminded now, who later, who is left alone (engine.reminders)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from engine.reminders import Due, ReminderPolicy, Waiting, WorkingHours, plan_on_request

LONDON = ZoneInfo("Europe/London")
TUESDAY_10AM = datetime(2026, 3, 3, 10, 0, tzinfo=LONDON)
TUESDAY_9PM = datetime(2026, 3, 3, 21, 0, tzinfo=LONDON)
HOUR = timedelta(hours=1)
POLICY = ReminderPolicy()  # quiet 18:00-08:00, weekends quiet


def test_in_working_time_everyone_waiting_is_reminded_now_with_their_next_number():
    plan = plan_on_request(POLICY, [Waiting("ana", LONDON), Waiting("ben", LONDON, sent=2)], TUESDAY_10AM, HOUR)
    assert plan.now == (Due("ana", 1), Due("ben", 3))
    assert plan.later == () and plan.recently == ()


def test_someone_reminded_or_asked_for_within_the_hour_is_left_alone():
    waiting = [
        Waiting("ana", LONDON, sent=1, last_sent_at=TUESDAY_10AM - timedelta(minutes=20)),
        Waiting("ben", LONDON, requested_at=TUESDAY_10AM - timedelta(minutes=59)),
        Waiting("cai", LONDON, sent=1, last_sent_at=TUESDAY_10AM - timedelta(minutes=61)),
    ]
    plan = plan_on_request(POLICY, waiting, TUESDAY_10AM, HOUR)
    assert plan.recently == ("ana", "ben")
    assert plan.now == (Due("cai", 2),)


def test_in_quiet_hours_the_reminder_waits_for_the_morning():
    plan = plan_on_request(POLICY, [Waiting("ana", LONDON)], TUESDAY_9PM, HOUR)
    assert plan.now == ()
    assert plan.later == (("ana", datetime(2026, 3, 4, 8, 0, tzinfo=LONDON)),)
    assert plan.off_work == frozenset()  # quiet hours, not her working hours, hold it back


def test_outside_someones_working_hours_it_waits_for_their_working_day_and_says_why():
    afternoons = WorkingHours(frozenset(range(5)), time(13, 0), time(17, 0), LONDON)
    plan = plan_on_request(POLICY, [Waiting("ana", LONDON, hours=afternoons)], TUESDAY_10AM, HOUR)
    assert plan.later == (("ana", datetime(2026, 3, 3, 13, 0, tzinfo=LONDON)),)
    assert plan.off_work == frozenset({"ana"})
