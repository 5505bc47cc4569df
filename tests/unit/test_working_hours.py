"""Working hours in the reminder rules, pure: what Graph says, read tolerantly; when a reminder may go.

Times are written as a person in that zone would read them (`wall(...)`). London's clocks go
forward on 29 March 2026 and went back on 26 October 2025; New York's go forward on 8 March 2026.
2 March 2026 is a Monday.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from engine.reminders import (
    NO_QUIET_HOURS,
    ReminderPolicy,
    Waiting,
    WorkingHours,
    is_quiet,
    next_allowed,
    next_due,
    outside_working_hours,
    plan,
    working_hours,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
DUBAI = ZoneInfo("Asia/Dubai")
POLICY = ReminderPolicy()  # app.yaml's defaults: quiet 18:00-08:00, weekends quiet
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]


def wall(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone).astimezone(timezone.utc)


def nine_to_five(zone: ZoneInfo, days: list[str] = WEEKDAYS) -> WorkingHours:
    """As adapters.teams.graph records them."""
    hours = working_hours({"days": days, "start": "09:00", "end": "17:00", "timezone": zone.key}, zone)
    assert hours is not None
    return hours


# ------------------------------------------------------------------- reading them


def test_the_profile_record_and_graphs_own_words_read_the_same():
    recorded = working_hours({"days": WEEKDAYS, "start": "08:30", "end": "16:30", "timezone": "America/New_York"}, LONDON)
    graph = working_hours(
        {
            "daysOfWeek": ["Monday", "TUESDAY", "wednesday", "thu", "friday"],
            "startTime": "08:30:00.0000000",
            "endTime": "16:30:00.0000000",
            "timeZone": {"name": "America/New_York"},
        },
        LONDON,
    )
    assert recorded == graph == WorkingHours(frozenset({0, 1, 2, 3, 4}), time(8, 30), time(16, 30), NEW_YORK)


def test_a_zone_that_is_missing_or_not_an_iana_name_is_the_members_own():
    told = {"days": ["monday"], "start": "09:00", "end": "17:00"}
    assert working_hours(told, NEW_YORK).zone == NEW_YORK
    assert working_hours({**told, "timeZone": {"name": "Customized Time Zone"}}, NEW_YORK).zone == NEW_YORK
    assert working_hours({**told, "timezone": "Eastern Standard Time"}, LONDON).zone == LONDON
    assert working_hours({**told, "timezone": "../../etc/passwd"}, LONDON).zone == LONDON


@pytest.mark.parametrize(
    "told",
    [
        None,
        "monday to friday",
        ["monday"],
        {},
        {"days": [], "start": "09:00", "end": "17:00"},  # no working days
        {"days": ["someday", 3], "start": "09:00", "end": "17:00"},  # none that is a day
        {"days": "monday", "start": "09:00", "end": "17:00"},  # not a list of days
        {"days": ["monday"], "start": "17:00", "end": "09:00"},  # ends before it starts
        {"days": ["monday"], "start": "09:00", "end": "09:00"},  # no time at all
        {"days": ["monday"], "start": "nine", "end": "17:00"},
        {"days": ["monday"], "start": "09:00", "end": "25:00"},
        {"days": ["monday"], "start": 9, "end": 17},
        {"days": ["monday"], "start": "09:00"},
    ],
)
def test_working_hours_that_make_no_sense_are_none(told):
    assert working_hours(told, LONDON) is None


def test_hours_that_end_at_midnight_run_to_the_end_of_the_day():
    evening = working_hours({"days": ["monday"], "start": "14:00:00.0000000", "end": "00:00:00.0000000"}, LONDON)
    assert evening == working_hours({"days": ["monday"], "start": "14:00", "end": "24:00"}, LONDON)
    assert evening.contains(wall(LONDON, 2026, 3, 2, 23, 59))
    assert not evening.contains(wall(LONDON, 2026, 3, 3, 0, 0))  # Tuesday is not a working day
    always = ReminderPolicy(quiet_hours=NO_QUIET_HOURS, weekends_quiet=False)
    assert next_allowed(wall(LONDON, 2026, 3, 2, 23, 30), always, LONDON, evening) == wall(LONDON, 2026, 3, 2, 23, 30)
    assert next_allowed(wall(LONDON, 2026, 3, 3, 0, 30), always, LONDON, evening) == wall(LONDON, 2026, 3, 9, 14, 0)
    whole_day = working_hours({"days": ["saturday"], "start": "00:00", "end": "00:00"}, LONDON)
    assert whole_day.contains(wall(LONDON, 2026, 3, 7, 0, 0)) and whole_day.contains(wall(LONDON, 2026, 3, 7, 23, 59))


# ------------------------------------------------------------------- the rule


def test_a_reminder_due_before_the_working_day_waits_for_it():
    hours = nine_to_five(NEW_YORK)
    eight = wall(NEW_YORK, 2026, 1, 13, 8, 0)  # quiet hours have ended, the working day has not begun
    assert not is_quiet(eight, POLICY, NEW_YORK)  # without working hours it would go now
    assert is_quiet(eight, POLICY, NEW_YORK, hours)
    assert outside_working_hours(eight, POLICY, NEW_YORK, hours)
    assert next_allowed(eight, POLICY, NEW_YORK, hours) == wall(NEW_YORK, 2026, 1, 13, 9, 0)
    opened = wall(NEW_YORK, 2026, 1, 12, 8, 0)
    assert next_due(POLICY, opened_at=opened, sent=0, last_sent_at=None, zone=NEW_YORK, hours=hours) == wall(NEW_YORK, 2026, 1, 13, 9, 0)


def test_inside_working_hours_quiet_hours_still_hold():
    long_day = working_hours({"days": WEEKDAYS, "start": "07:00", "end": "20:00"}, LONDON)
    assert next_allowed(wall(LONDON, 2026, 3, 2, 7, 0), POLICY, LONDON, long_day) == wall(LONDON, 2026, 3, 2, 8, 0)
    evening = wall(LONDON, 2026, 3, 2, 18, 30)
    assert is_quiet(evening, POLICY, LONDON, long_day)
    assert not outside_working_hours(evening, POLICY, LONDON, long_day)  # quiet hours are the reason
    assert next_allowed(evening, POLICY, LONDON, long_day) == wall(LONDON, 2026, 3, 3, 8, 0)


def test_friday_evening_waits_for_monday_morning():
    hours = nine_to_five(NEW_YORK)
    friday_evening = wall(NEW_YORK, 2026, 3, 6, 17, 30)
    assert next_allowed(friday_evening, POLICY, NEW_YORK, hours) == wall(NEW_YORK, 2026, 3, 9, 9, 0)
    # The clocks went forward on Sunday 8 March: Monday 09:00 EDT is 13:00 UTC, not 14:00.
    assert wall(NEW_YORK, 2026, 3, 9, 9, 0) == datetime(2026, 3, 9, 13, 0, tzinfo=timezone.utc)


def test_working_hours_keep_to_the_wall_clock_when_the_clocks_change():
    hours = nine_to_five(LONDON)
    # Friday 27 March 2026 after work (GMT) to Monday 30 March (BST): 09:00 on the wall is 08:00 UTC.
    assert next_allowed(wall(LONDON, 2026, 3, 27, 17, 0), POLICY, LONDON, hours) == datetime(2026, 3, 30, 8, 0, tzinfo=timezone.utc)
    # A daily reminder sent at 16:30 on Friday 24 October 2025 (BST) is due on Saturday; the clocks
    # go back on Sunday, so the next is Monday 09:00 GMT, which is 09:00 UTC.
    first = wall(LONDON, 2025, 10, 24, 16, 30)
    second = next_due(POLICY, opened_at=first, sent=1, last_sent_at=first, zone=LONDON, hours=hours)
    assert second == datetime(2025, 10, 27, 9, 0, tzinfo=timezone.utc)


def test_a_working_day_that_starts_in_the_hour_the_clocks_skip_starts_as_far_into_the_new_time():
    early = working_hours({"days": ["sunday"], "start": "01:30", "end": "06:00"}, LONDON)
    always = ReminderPolicy(quiet_hours=NO_QUIET_HOURS, weekends_quiet=False)
    # 01:30 on Sunday 29 March 2026 never happens in London (01:00 GMT becomes 02:00 BST): it is
    # read as 02:30 BST, half an hour into the new time, the way the end of quiet hours is.
    assert next_allowed(wall(LONDON, 2026, 3, 29, 0, 30), always, LONDON, early) == datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc)
    # Hours wholly inside the skipped hour are no working time that day; the next Sunday's are.
    skipped = working_hours({"days": ["sunday"], "start": "01:15", "end": "01:45"}, LONDON)
    assert next_allowed(wall(LONDON, 2026, 3, 29, 0, 30), always, LONDON, skipped) == wall(LONDON, 2026, 4, 5, 1, 15)


def test_working_days_stand_in_for_the_weekend():
    sunday_to_thursday = nine_to_five(DUBAI, ["sunday", "monday", "tuesday", "wednesday", "thursday"])
    sunday = wall(DUBAI, 2026, 3, 8, 10, 0)
    assert is_quiet(sunday, POLICY, DUBAI)  # without their working hours, Sunday is a weekend
    assert not is_quiet(sunday, POLICY, DUBAI, sunday_to_thursday)
    friday = wall(DUBAI, 2026, 3, 6, 10, 0)
    assert next_allowed(friday, POLICY, DUBAI, sunday_to_thursday) == wall(DUBAI, 2026, 3, 8, 9, 0)


def test_working_hours_in_another_zone_are_read_on_their_own_clock():
    # A member whose profile says Paris and whose mailbox keeps London hours.
    paris = ZoneInfo("Europe/Paris")
    hours = working_hours({"days": WEEKDAYS, "start": "09:00", "end": "17:00", "timezone": "Europe/London"}, paris)
    assert next_allowed(wall(paris, 2026, 3, 2, 9, 30), POLICY, paris, hours) == wall(LONDON, 2026, 3, 2, 9, 0)


def test_working_hours_that_never_allow_a_reminder_are_ignored_rather_than_never_reminding():
    nights = working_hours({"days": WEEKDAYS, "start": "19:00", "end": "23:00"}, LONDON)  # all inside quiet hours
    evening = wall(LONDON, 2026, 3, 2, 19, 30)
    assert next_allowed(evening, POLICY, LONDON, nights) == next_allowed(evening, POLICY, LONDON) == wall(LONDON, 2026, 3, 3, 8, 0)
    assert not outside_working_hours(evening, POLICY, LONDON, nights)
    assert is_quiet(evening, POLICY, LONDON, nights) and not is_quiet(wall(LONDON, 2026, 3, 3, 8, 0), POLICY, LONDON, nights)


def test_without_working_hours_the_rule_is_as_before():
    for moment in (wall(LONDON, 2026, 3, 2, 7, 0), wall(LONDON, 2026, 3, 6, 18, 30), wall(LONDON, 2026, 3, 4, 12, 0)):
        assert next_allowed(moment, POLICY, LONDON, None) == next_allowed(moment, POLICY, LONDON)
        assert not outside_working_hours(moment, POLICY, LONDON, None)
    assert next_allowed(wall(LONDON, 2026, 3, 6, 18, 30), POLICY, LONDON) == wall(LONDON, 2026, 3, 9, 8, 0)


# --------------------------------------------------------------------- planning


def test_plan_reminds_each_member_in_their_own_working_time():
    opened = wall(LONDON, 2026, 1, 12, 13, 0)  # Monday: 08:00 in New York
    now = wall(LONDON, 2026, 1, 13, 13, 0)  # a day later: 08:00 in New York, after its quiet hours
    waiting = [Waiting("bea", NEW_YORK), Waiting("dev", NEW_YORK, hours=nine_to_five(NEW_YORK))]
    decided = plan(POLICY, opened, waiting, now)
    assert [d.who for d in decided.send] == ["bea"]
    assert decided.next_check == wall(NEW_YORK, 2026, 1, 13, 9, 0)
    assert [d.who for d in plan(POLICY, opened, waiting[1:], decided.next_check).send] == ["dev"]


def test_a_request_outside_working_hours_is_answered_when_they_start():
    opened = wall(LONDON, 2026, 3, 2, 9, 0)
    asked = wall(LONDON, 2026, 3, 6, 17, 30)  # Friday, after work, before quiet hours
    hours = nine_to_five(LONDON)
    member = Waiting("chloe", LONDON, sent=0, requested_at=asked, hours=hours)
    assert plan(POLICY, opened, [member], asked + timedelta(minutes=1)).next_check <= wall(LONDON, 2026, 3, 9, 9, 0)
    monday = plan(POLICY, opened, [member], wall(LONDON, 2026, 3, 9, 9, 0))
    assert [(d.who, d.number) for d in monday.send] == [("chloe", 1)]
