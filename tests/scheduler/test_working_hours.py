"""Reminders in each member's working hours, through the real database and the real sweep.

Members' working hours come as Microsoft Graph gives them (mailbox settings, read by
`adapters.teams.graph.profile_from`) and are recorded in their profile, as the Teams adapter
does. The board's identities are Slack's, which changes nothing: the rule reads the profile,
whichever platform filled it. The sweep and the `remind` command are called with the time they
should believe it is; what they decided is read back from the outbox.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from adapters.teams.graph import profile_from
from engine.assessment import Identity
from storage.unit_of_work import SqlUnitOfWork
from tests.integration.conftest import recorded_statements
from tests.scheduler.conftest import AMIRA, BEN, BOARD, CHLOE, SAM, outbox, reminders, wall
from tests.scheduler.test_commands import Channel

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]
MONDAY = wall(2026, 3, 2, 9, 0)


@pytest.fixture
def channel(db_engine) -> Channel:
    """A Slack channel where Sam started an assessment at 09:00 on Monday 2 March 2026."""
    channel = Channel(db_engine)
    assert channel.say(SAM, "start", MONDAY).ok
    return channel


def mailbox(windows_zone: str, start: str = "09:00", end: str = "17:00", days: list[str] = WEEKDAYS) -> dict[str, Any]:
    """Graph's `GET /users/{id}/mailboxSettings`, as far as Accord reads it."""
    return {
        "timeZone": windows_zone,
        "workingHours": {
            "daysOfWeek": days,
            "startTime": f"{start}:00.0000000",
            "endTime": f"{end}:00.0000000",
            "timeZone": {"name": windows_zone},
        },
    }


def graph_tells(db_engine, who: Identity, settings: dict[str, Any], now: datetime) -> None:
    """Record what Graph said about `who`, the way adapters.teams.graph records it."""
    zone, hours = profile_from(settings)
    with SqlUnitOfWork(db_engine) as uow:
        uow.profiles.record(who, now, timezone=zone, working_hours=hours)
        uow.commit()


def profile(db_engine, who: Identity, now: datetime, *, zone: str, hours: Any) -> None:
    with SqlUnitOfWork(db_engine) as uow:
        uow.profiles.record(who, now, timezone=zone, working_hours=hours)
        uow.commit()


# ------------------------------------------------------------------------ the sweep


def test_a_reminder_due_at_eight_in_new_york_waits_for_nine_when_work_starts(start, sweeper, db_engine):
    council = start(wall(2026, 1, 12, 13, 0))  # Monday 13:00 in London, 08:00 in New York
    graph_tells(db_engine, BEN, mailbox("Eastern Standard Time"), wall(2026, 1, 12, 13, 0))
    profile(db_engine, CHLOE, wall(2026, 1, 12, 13, 0), zone="America/New_York", hours=None)  # no working hours known

    # A day later it is 08:00 in New York: quiet hours are over, Ben's working day has not begun.
    assert sweeper.sweep_reminders(wall(2026, 1, 13, 13, 0)) == 3
    assert sorted(reminders(db_engine)) == [("Amira", 1), ("Chloe", 1), ("Sam", 1)]
    assert council.schedule().remind_at == wall(2026, 1, 13, 14, 0)  # 09:00 in New York
    assert sweeper.sweep_reminders(wall(2026, 1, 13, 13, 59)) == 0
    assert sweeper.sweep_reminders(wall(2026, 1, 13, 14, 0)) == 1
    assert reminders(db_engine)[-1] == ("Ben", 1)

    # The next day the same: Chloe at 08:00 on her clock, Ben at 09:00 on his.
    assert sweeper.sweep_reminders(wall(2026, 1, 14, 13, 0)) == 3
    assert "Ben" not in [name for name, number in reminders(db_engine) if number == 2]
    assert sweeper.sweep_reminders(wall(2026, 1, 14, 14, 0)) == 1
    assert reminders(db_engine)[-1] == ("Ben", 2)


def test_working_hours_in_london_across_the_clocks_going_forward(start, sweeper, db_engine):
    council = start(wall(2026, 3, 26, 16, 0))  # Thursday 26 March 2026, GMT
    graph_tells(db_engine, AMIRA, mailbox("GMT Standard Time", "09:30", "17:30"), wall(2026, 3, 26, 16, 0))
    assert sweeper.sweep_reminders(wall(2026, 3, 27, 16, 0)) == 4  # Friday 16:00: inside her hours too

    # The next are due on Saturday. The clocks go forward on Sunday; on Monday, 08:00 BST (07:00
    # UTC) for those without working hours, 09:30 BST (08:30 UTC) for Amira.
    assert sweeper.sweep_reminders(wall(2026, 3, 28, 16, 0)) == 0
    assert council.schedule().remind_at == wall(2026, 3, 30, 8, 0) == datetime(2026, 3, 30, 7, 0, tzinfo=timezone.utc)
    assert sweeper.sweep_reminders(wall(2026, 3, 30, 8, 0)) == 3
    assert "Amira" not in [name for name, number in reminders(db_engine) if number == 2]
    assert council.schedule().remind_at == wall(2026, 3, 30, 9, 30) == datetime(2026, 3, 30, 8, 30, tzinfo=timezone.utc)
    assert sweeper.sweep_reminders(wall(2026, 3, 30, 9, 29)) == 0
    assert sweeper.sweep_reminders(wall(2026, 3, 30, 9, 30)) == 1
    assert reminders(db_engine)[-1] == ("Amira", 2)


def test_members_without_working_hours_are_reminded_as_before(start, sweeper, db_engine):
    council = start(wall(2026, 1, 12, 9, 0))
    profile(db_engine, BEN, wall(2026, 1, 12, 9, 0), zone="America/New_York", hours=None)
    assert sweeper.sweep_reminders(wall(2026, 1, 13, 7, 59)) == 0
    assert sweeper.sweep_reminders(wall(2026, 1, 13, 9, 0)) == 3  # 08:00 has passed in London: quiet hours alone
    assert council.schedule().remind_at == wall(2026, 1, 13, 13, 0)  # 08:00 in New York, before any working day
    assert sweeper.sweep_reminders(wall(2026, 1, 13, 13, 0)) == 1
    assert reminders(db_engine)[-1] == ("Ben", 1)


def test_working_hours_that_make_no_sense_are_ignored(start, sweeper, db_engine):
    council = start(wall(2026, 1, 12, 9, 0))
    now = wall(2026, 1, 12, 9, 0)
    profile(db_engine, BEN, now, zone="America/New_York", hours={"days": [], "start": "09:00", "end": "17:00"})
    profile(db_engine, CHLOE, now, zone="Europe/London", hours={"days": ["monday"], "start": "17:00", "end": "09:00"})
    profile(db_engine, AMIRA, now, zone="Europe/London", hours={"days": ["tuesday"], "start": "late", "end": "never"})
    profile(db_engine, SAM, now, zone="Europe/London", hours=["monday", "tuesday"])  # not even an object
    # Exactly as if nothing were known of their hours: a day after the question opened in London,
    # at 08:00 on his clock in New York.
    assert sweeper.sweep_reminders(wall(2026, 1, 13, 9, 0)) == 3
    assert sorted(reminders(db_engine)) == [("Amira", 1), ("Chloe", 1), ("Sam", 1)]
    assert council.schedule().remind_at == wall(2026, 1, 13, 13, 0)
    assert sweeper.sweep_reminders(wall(2026, 1, 13, 13, 0)) == 1


def test_the_sweep_reads_working_hours_in_the_same_few_statements(start, sweeper, db_engine):
    monday = wall(2026, 3, 2, 9, 0)
    for who in (SAM, AMIRA, BEN, CHLOE):
        graph_tells(db_engine, who, mailbox("GMT Standard Time", "09:00", "17:30"), monday)
    boards = [start(monday, conversation=BOARD.__class__("slack", "T-NORTHSHIRE", f"C{i}")) for i in range(4)]
    sweeper.sweep_reminders(monday + timedelta(minutes=1))
    boards[0].act(lambda a: a.change_schedule(SAM, first_after=timedelta(hours=1)))
    with recorded_statements(db_engine) as one:
        assert sweeper.sweep_reminders(wall(2026, 3, 2, 10, 1)) == 4
    for council in boards[1:]:
        council.act(lambda a: a.change_schedule(SAM, first_after=timedelta(hours=1)))
    with recorded_statements(db_engine) as three:
        assert sweeper.sweep_reminders(wall(2026, 3, 2, 10, 2)) == 12
    assert len(three) == len(one)  # no query per member for their working hours


# -------------------------------------------------------------------------- remind


def test_remind_on_friday_evening_defers_only_the_member_whose_working_day_is_over(sweeper, db_engine):
    channel = Channel(db_engine)
    friday = wall(2026, 3, 6, 10, 0)
    assert channel.say(SAM, "start", friday).ok
    graph_tells(db_engine, CHLOE, mailbox("GMT Standard Time"), friday)  # 09:00 to 17:00, Monday to Friday

    reply = channel.say(SAM, "remind", wall(2026, 3, 6, 17, 30))  # before quiet hours, after Chloe's day
    told = channel.told(reply, SAM)
    assert "Reminded privately about question 1.1: Amira, Ben, Sam." in told
    assert "Outside their working hours, so reminded when those start: Chloe (Mon 9 Mar 09:00 (Europe/London))." in told
    assert "quiet hours" not in told
    assert sorted(reminders(db_engine)) == [("Amira", 1), ("Ben", 1), ("Sam", 1)]  # nothing waits in the outbox for her

    assert sweeper.sweep_reminders(wall(2026, 3, 7, 12, 0)) == 0  # Saturday
    assert sweeper.sweep_reminders(wall(2026, 3, 9, 8, 0)) == 3  # the others' second, at the end of Monday's quiet hours
    assert sweeper.sweep_reminders(wall(2026, 3, 9, 8, 59)) == 0
    assert sweeper.sweep_reminders(wall(2026, 3, 9, 9, 0)) == 1  # the request is honoured when her day starts
    assert reminders(db_engine)[-1] == ("Chloe", 1)
    chloe = [item for item in outbox(db_engine) if item.to == CHLOE]
    assert len(chloe) == 1 and chloe[0].next_attempt_at == wall(2026, 3, 9, 9, 0)


def test_remind_says_who_waits_for_quiet_hours_to_end_and_who_for_their_working_day(channel, sweeper, db_engine):
    graph_tells(db_engine, AMIRA, mailbox("GMT Standard Time"), wall(2026, 3, 2, 9, 0))
    told = channel.told(channel.say(SAM, "remind", wall(2026, 3, 3, 7, 0)), SAM)  # Tuesday 07:00
    assert (
        "In their quiet hours, so reminded when those end: Ben (Tue 3 Mar 08:00 (Europe/London)), "
        "Chloe (Tue 3 Mar 08:00 (Europe/London)), Sam (Tue 3 Mar 08:00 (Europe/London))."
    ) in told
    assert "Outside their working hours, so reminded when those start: Amira (Tue 3 Mar 09:00 (Europe/London))." in told
    assert sweeper.sweep_reminders(wall(2026, 3, 3, 8, 0)) == 3
    assert sweeper.sweep_reminders(wall(2026, 3, 3, 9, 0)) == 1
    assert reminders(db_engine)[-1] == ("Amira", 1)


def test_remind_inside_working_hours_reminds_at_once_reading_profiles_in_one_query(channel, db_engine):
    for who in (AMIRA, BEN, CHLOE):
        graph_tells(db_engine, who, mailbox("Eastern Standard Time"), wall(2026, 3, 2, 9, 0))
    with recorded_statements(db_engine) as statements:
        told = channel.told(channel.say(SAM, "remind", wall(2026, 3, 2, 15, 0)), SAM)  # 10:00 in New York (EST)
    assert "Reminded privately about question 1.1: Amira, Ben, Chloe, Sam." in told
    assert "working hours" not in told
    # One for every member's clock (not one per member), one for the language of the person who asked.
    assert len([s for s in statements if "FROM person_profile" in s]) == 2

