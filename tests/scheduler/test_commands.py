"""`remind`, `deadline` and `schedule`: the super-user's commands, through the service and a real database.

They read as a conversation: someone says a line at a given time, and we look at what they were
told, what the outbox holds for others (Slack delivers through it) and what was stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

import pytest

from bot.catalogue import FrameworkCatalogue
from bot.door import Door
from bot.scheduler import Sweeper
from bot.service import Accord, Person, Reply, Request
from engine.reminders import SchedulePolicy
from engine.views import Kind
from storage.unit_of_work import SqlUnitOfWork
from tests.scheduler.conftest import AMIRA, BEN, BOARD, CHLOE, NAMES, SAM, outbox, reminders, wall

MONDAY = wall(2026, 3, 2, 9, 0)


class Directory:
    def roster(self, conversation):
        return [Person(identity, name) for identity, name in NAMES.items() if name != "Olu"]

    def find(self, conversation, mention):
        return None


class Channel:
    """A Slack channel with Accord in it: its messages for others go through the outbox."""

    def __init__(self, database, platform_queued: bool = True) -> None:
        self.database = database
        self.accord = Accord(
            partial(SqlUnitOfWork, database),
            FrameworkCatalogue.load(),
            queued_platforms=frozenset({"slack"}) if platform_queued else frozenset(),
        )

    def say(self, who, text: str, now: datetime) -> Reply:
        return Door(self.accord, self.database).handle_text(Request(Person(who, NAMES[who]), BOARD, now), text, Directory())

    def told(self, reply: Reply, who) -> str:
        return "\n".join(
            "\n".join([m.heading, *m.text, *(f"{f.label}: {f.value}" for f in m.fields), m.footer])
            for m in reply.answers(who)
        )


@pytest.fixture
def channel(db_engine) -> Channel:
    channel = Channel(db_engine)
    assert channel.say(SAM, "start", MONDAY).ok
    return channel


# ----------------------------------------------------------------------------- remind


def test_remind_sends_one_round_now_to_everyone_who_has_not_voted(channel, db_engine):
    channel.say(AMIRA, "vote 3 4", MONDAY + timedelta(minutes=5))
    reply = channel.say(SAM, "remind", wall(2026, 3, 2, 10, 0))
    assert reply.ok
    assert "Reminded privately about question 1.1: Ben, Chloe, Sam." in channel.told(reply, SAM)
    assert sorted(reminders(db_engine)) == [("Ben", 1), ("Chloe", 1), ("Sam", 1)]
    assert all(item.next_attempt_at == wall(2026, 3, 2, 10, 0) for item in outbox(db_engine) if (item.key or "").startswith("reminder:"))
    assert "Anyone" not in channel.told(reply, SAM)

    again = channel.say(SAM, "remind", wall(2026, 3, 2, 10, 10))
    assert "Reminded within the last hour, so not again yet: Ben, Chloe, Sam." in channel.told(again, SAM)
    assert len(reminders(db_engine)) == 3

    # The scheduler counts them: the next ones come a day after these, numbered 2.
    sweeper = Sweeper(db_engine, SchedulePolicy())
    assert sweeper.sweep_reminders(wall(2026, 3, 3, 9, 30)) == 0
    assert sweeper.sweep_reminders(wall(2026, 3, 3, 10, 0)) == 3
    assert sorted(reminders(db_engine)[3:]) == [("Ben", 2), ("Chloe", 2), ("Sam", 2)]


def test_remind_in_the_evening_reaches_people_when_their_quiet_hours_end(channel, db_engine):
    with SqlUnitOfWork(db_engine) as uow:
        uow.profiles.record(BEN, MONDAY, timezone="Asia/Kolkata")  # 01:30 there: quiet
        uow.commit()
    reply = channel.say(SAM, "remind", wall(2026, 3, 2, 20, 0))
    assert "In their quiet hours, so reminded when those end: Amira (Tue 3 Mar 08:00 (Europe/London))" in channel.told(reply, SAM)
    assert "Ben (Tue 3 Mar 08:00 (Asia/Kolkata))" in channel.told(reply, SAM)
    assert reminders(db_engine) == []  # nothing waits in the outbox, where it would hold up the channel's messages
    assert channel.say(SAM, "remind", wall(2026, 3, 2, 20, 30)).ok  # asked again: still one each
    sweeper = Sweeper(db_engine, SchedulePolicy())
    assert sweeper.sweep_reminders(wall(2026, 3, 3, 2, 30)) == 1  # 08:00 in Kolkata
    assert reminders(db_engine) == [("Ben", 1)]
    assert sweeper.sweep_reminders(wall(2026, 3, 3, 8, 0)) == 3  # the rest at 08:00 in London
    assert sweeper.sweep_reminders(wall(2026, 3, 3, 9, 0)) == 0  # the day's reminder was that one
    assert sorted(reminders(db_engine)) == [("Amira", 1), ("Ben", 1), ("Chloe", 1), ("Sam", 1)]
    assert sweeper.sweep_reminders(wall(2026, 3, 4, 8, 0)) == 4  # and the next a day later


def test_only_a_super_user_can_remind_and_only_while_a_question_is_open(channel, db_engine):
    refused = channel.say(AMIRA, "remind", MONDAY)
    assert not refused.ok and "Only the super-user can send reminders; ask Sam." in channel.told(refused, AMIRA)
    for who in (SAM, AMIRA):
        channel.say(who, "vote 3 4", MONDAY)
    channel.say(SAM, "reveal", MONDAY)
    closed = channel.say(SAM, "remind", MONDAY)
    assert "No question is open for votes, so there is nobody to remind." in channel.told(closed, SAM)
    assert reminders(db_engine) == []


def test_on_the_console_the_reminders_are_part_of_the_reply(db_engine):
    console = Channel(db_engine, platform_queued=False)
    console.say(SAM, "start", MONDAY)
    reply = console.say(SAM, "remind", MONDAY + timedelta(hours=1))
    assert sorted(m.audience.person.user_id for m in reply.messages if m.heading.startswith("Reminder:")) == [
        "U-AMIRA", "U-BEN", "U-CHLOE", "U-SAM",
    ]  # fmt: skip
    assert outbox(db_engine) == []


# ---------------------------------------------------------------------------- deadline


def test_deadline_in_two_days_is_announced_to_the_channel(channel, db_engine):
    reply = channel.say(SAM, "deadline 2d", MONDAY)
    assert reply.ok
    assert "Voting closes Wed 4 Mar 09:00 (Europe/London)." in channel.told(reply, SAM)
    announced = [item for item in outbox(db_engine) if item.to is None and item.heading.startswith("Voting on")]
    assert [item.heading for item in announced] == ["Voting on question 1.1 closes Wed 4 Mar 09:00 (Europe/London)"]
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        assert uow.assessments.active_in(BOARD).focus_round.closes_at == wall(2026, 3, 4, 9, 0)


def test_deadline_at_a_date_and_time_is_read_on_the_super_users_clock(channel, db_engine):
    channel.say(SAM, "deadline 2026-03-06 17:00", MONDAY)
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        assert uow.assessments.active_in(BOARD).focus_round.closes_at == wall(2026, 3, 6, 17, 0)
    with SqlUnitOfWork(db_engine) as uow:
        uow.profiles.record(SAM, MONDAY, timezone="America/New_York")
        uow.commit()
    reply = channel.say(SAM, "deadline 2026-03-06", MONDAY)  # a date alone: 17:00
    assert "Voting closes Fri 6 Mar 17:00 (America/New_York)." in channel.told(reply, SAM)
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        assert uow.assessments.active_in(BOARD).focus_round.closes_at == wall(2026, 3, 6, 22, 0)


def test_deadline_off_and_the_refusals(channel, db_engine):
    channel.say(SAM, "deadline 1d", MONDAY)
    assert channel.say(SAM, "deadline off", MONDAY).ok
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        assert uow.assessments.active_in(BOARD).focus_round.closes_at is None
    member = channel.say(AMIRA, "deadline 1d", MONDAY)
    assert "Only the super-user can set a deadline; ask Sam." in channel.told(member, AMIRA)
    past = channel.say(SAM, "deadline 2026-03-01 17:00", MONDAY)
    assert "The deadline has to be in the future." in channel.told(past, SAM)
    nonsense = channel.say(SAM, "deadline soonish", MONDAY)
    assert "I can't read 'soonish' as a time" in channel.told(nonsense, SAM)


# ---------------------------------------------------------------------------- schedule


def test_schedule_shows_the_policy_and_a_super_user_changes_it_for_this_assessment(channel, db_engine):
    shown = channel.told(channel.say(AMIRA, "schedule", MONDAY), AMIRA)
    assert "Reminders: first 1 day after a question opens, then every 1 day, at most 3 per question" in shown
    assert "Quiet hours: 18:00 to 08:00, in each member's own time zone" in shown
    assert "Digests: on the schedule `0 9 * * mon`, Europe/London time" in shown

    refused = channel.say(AMIRA, "schedule interval 2d", MONDAY)
    assert "Only the super-user can change the reminder and digest schedule; ask Sam." in channel.told(refused, AMIRA)
    changed = channel.told(channel.say(SAM, "schedule interval 2d", MONDAY), SAM)
    assert "then every 2 days, at most 3 per question (changed for this assessment)" in changed
    assert channel.say(SAM, "schedule quiet 19:00-07:30", MONDAY).ok
    assert channel.say(SAM, "schedule weekends on", MONDAY).ok
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        overrides = uow.assessments.active_in(BOARD).settings.schedule
    assert (overrides.interval, overrides.weekends_quiet, str(overrides.quiet_hours.start)) == (timedelta(days=2), False, "19:00:00")
    assert channel.say(SAM, "schedule reset", MONDAY).ok
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        assert uow.assessments.active_in(BOARD).settings.schedule.is_empty


def test_the_digest_schedule_takes_cron_weekdays_as_cron_means_them(channel, db_engine):
    assert channel.say(SAM, "schedule digest 30 16 * * 5", MONDAY).ok  # 16:30 on Fridays
    sweeper = Sweeper(db_engine, SchedulePolicy())
    sweeper.sweep_digests(MONDAY + timedelta(minutes=1))
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        assessment = uow.assessments.active_in(BOARD)
        assert uow.schedule.row(assessment.id).digest_at == wall(2026, 3, 6, 16, 30)
    wrong = channel.say(SAM, "schedule digest 0 25 * * *", MONDAY)
    assert not wrong.ok and "is not a cron expression Accord can use" in channel.told(wrong, SAM)
    assert channel.say(SAM, "schedule digests off", MONDAY).ok


def test_help_lists_the_new_commands():
    from bot.commands import USAGES

    assert {"deadline", "remind", "schedule"} <= {u.name for u in USAGES}
    assert all(u.super_user_only for u in USAGES if u.name in ("deadline", "remind", "schedule"))
    assert Kind.NOTICE  # reminders are notices for one person; see docs/scheduling.md
    assert CHLOE and BEN
