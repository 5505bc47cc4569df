"""Reminders through the real database: SQLite always, PostgreSQL when ACCORD_TEST_DATABASE_URL is set.

The sweep is called directly with the time it should believe it is; what it decided is read
back from the outbox, where the platform adapters pick it up (and DM it: each reminder is a
message for one person).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.scheduler import Sweeper, reminder_key
from engine.reminders import ReminderPolicy, SchedulePolicy
from engine.views import ChoiceInput, Kind
from storage.scheduler_tables import ReminderRow
from tests.integration.conftest import recorded_statements
from tests.scheduler.conftest import AMIRA, BEN, BOARD, CHLOE, OLU, SAM, outbox, reminders, wall


def test_members_who_have_not_voted_are_reminded_after_a_day_then_daily_three_times_at_most(start, sweeper, db_engine):
    council = start(wall(2026, 3, 2, 9, 0))  # Monday 09:00
    council.vote(SAM, wall(2026, 3, 2, 9, 5))

    assert sweeper.sweep_reminders(wall(2026, 3, 2, 9, 10)) == 0
    assert council.schedule().remind_at == wall(2026, 3, 3, 9, 0)  # the sweep planned the next look
    assert sweeper.sweep_reminders(wall(2026, 3, 3, 8, 59)) == 0

    assert sweeper.sweep_reminders(wall(2026, 3, 3, 9, 0)) == 3
    assert reminders(db_engine) == [("Amira", 1), ("Ben", 1), ("Chloe", 1)]  # never Sam (voted) nor Olu (observer)
    assert sweeper.sweep_reminders(wall(2026, 3, 3, 9, 1)) == 0

    assert sweeper.sweep_reminders(wall(2026, 3, 4, 9, 0)) == 3
    assert sweeper.sweep_reminders(wall(2026, 3, 5, 9, 0)) == 3
    assert sweeper.sweep_reminders(wall(2026, 3, 6, 9, 0)) == 0  # three each is the most
    assert sorted(reminders(db_engine)) == sorted((name, n) for name in ("Amira", "Ben", "Chloe") for n in (1, 2, 3))
    assert council.schedule().remind_at is None  # nothing left to do for this round


def test_a_member_who_votes_between_two_reminders_gets_no_more(start, sweeper, db_engine):
    council = start(wall(2026, 3, 2, 9, 0))
    sweeper.sweep_reminders(wall(2026, 3, 3, 9, 0))
    assert sorted(reminders(db_engine)) == [("Amira", 1), ("Ben", 1), ("Chloe", 1), ("Sam", 1)]
    council.vote(AMIRA, wall(2026, 3, 3, 12, 0))
    sweeper.sweep_reminders(wall(2026, 3, 4, 9, 0))
    assert sorted(reminders(db_engine)[4:]) == [("Ben", 2), ("Chloe", 2), ("Sam", 2)]


def test_everyone_having_voted_stops_the_reminders_and_a_withdrawal_starts_them_again(start, sweeper, db_engine):
    council = start(wall(2026, 3, 2, 9, 0))
    for who in (SAM, AMIRA, BEN, CHLOE):
        council.vote(who, wall(2026, 3, 2, 10, 0))
    assert council.schedule().remind_at is None
    council.act(lambda a: a.withdraw_vote(BEN, a.focus_question_id))
    assert council.schedule().remind_at == wall(2026, 3, 2, 9, 0)  # look again at once
    assert sweeper.sweep_reminders(wall(2026, 3, 3, 9, 30)) == 1
    assert reminders(db_engine) == [("Ben", 1)]


def test_a_reminder_names_the_question_and_offers_the_way_to_vote_privately(start, sweeper, db_engine):
    council = start(wall(2026, 3, 2, 9, 0))
    council.act(lambda a: a.set_deadline(SAM, wall(2026, 3, 6, 17, 0), wall(2026, 3, 2, 9, 1)))
    sweeper.sweep_reminders(wall(2026, 3, 3, 9, 0))
    item = next(i for i in outbox(db_engine) if i.to == AMIRA)
    assessment = council.load()
    question = assessment.question(assessment.focus_question_id)
    message = item.message
    assert item.conversation == BOARD  # the adapter DMs it: the audience is one person
    assert message.is_private and message.kind is Kind.NOTICE
    assert message.heading == f"Reminder: your vote on question {question.number}"
    assert question.prompt in message.text
    assert "Voting closes Fri 6 Mar 17:00 (Europe/London)." in message.text
    assert any("`vote <current> <ambition>`" in line for line in message.text)
    assert [i.name for i in message.inputs if isinstance(i, ChoiceInput)] == ["current", "ambition"]
    assert [(b.action, b.value) for b in message.buttons] == [("vote", question.id)]
    assert message.footer == "0 of 4 have voted. Reminder 1 of 3."
    assert message.key is None  # never an update of the question's message in the channel
    assert item.key == reminder_key(council.id, question.id, 1, AMIRA, 1)


def test_no_reminders_in_quiet_hours_or_at_weekends(start, sweeper, db_engine):
    start(wall(2026, 3, 6, 16, 0))  # Friday 16:00: a day later is Saturday
    assert sweeper.sweep_reminders(wall(2026, 3, 7, 16, 0)) == 0
    assert sweeper.sweep_reminders(wall(2026, 3, 9, 7, 59)) == 0  # Monday, still quiet hours
    assert sweeper.sweep_reminders(wall(2026, 3, 9, 8, 0)) == 4
    start_evening = start(wall(2026, 3, 10, 19, 0), conversation=BOARD.__class__("slack", "T-NORTHSHIRE", "C-OTHER"))
    assert sweeper.sweep_reminders(wall(2026, 3, 11, 19, 0)) == 0  # due now, but 19:00 is quiet
    assert start_evening.schedule().remind_at == wall(2026, 3, 12, 8, 0)
    assert sweeper.sweep_reminders(wall(2026, 3, 12, 8, 0)) == 8  # Monday's board (2nd) and the new one (1st)


def test_each_member_is_reminded_in_their_own_time_zone(start, sweeper, db_engine):
    council = start(wall(2026, 1, 12, 9, 0))  # winter: New York is five hours behind London
    council.live_in(BEN, "America/New_York", wall(2026, 1, 12, 9, 0))
    council.live_in(CHLOE, "Not/AZone", wall(2026, 1, 12, 9, 0))  # unusable: the organisation's zone
    council.act(lambda a: a.set_deadline(SAM, wall(2026, 1, 16, 17, 0), wall(2026, 1, 12, 9, 1)))
    assert sweeper.sweep_reminders(wall(2026, 1, 13, 9, 0)) == 3
    assert "Ben" not in [name for name, _ in reminders(db_engine)]  # 04:00 in New York
    assert council.schedule().remind_at == wall(2026, 1, 13, 13, 0)  # his 08:00
    assert sweeper.sweep_reminders(wall(2026, 1, 13, 12, 59)) == 0
    assert sweeper.sweep_reminders(wall(2026, 1, 13, 13, 0)) == 1
    assert reminders(db_engine)[-1] == ("Ben", 1)
    ben = next(i for i in outbox(db_engine) if i.to == BEN)
    assert "Voting closes Fri 16 Jan 12:00 (America/New_York)." in ben.message.text  # on his clock


def test_reminders_before_and_after_the_clocks_go_back(start, sweeper, db_engine):
    start(wall(2025, 10, 23, 10, 0))  # Thursday 23 October 2025, BST
    assert sweeper.sweep_reminders(wall(2025, 10, 24, 10, 0)) == 4  # Friday 10:00 BST = 09:00 UTC
    assert sweeper.sweep_reminders(wall(2025, 10, 27, 7, 59)) == 0
    # Monday 08:00 on the wall is 08:00 UTC now the clocks have gone back (07:00 UTC would be 07:00 GMT).
    assert sweeper.sweep_reminders(wall(2025, 10, 27, 8, 0)) == 4
    assert wall(2025, 10, 27, 8, 0).hour == 8


def test_a_schedule_changed_for_one_assessment_applies_to_it_alone(start, sweeper, db_engine):
    council = start(wall(2026, 3, 2, 9, 0))
    other = start(wall(2026, 3, 2, 9, 0), conversation=BOARD.__class__("slack", "T-NORTHSHIRE", "C-OTHER"))
    council.act(lambda a: a.change_schedule(SAM, first_after=timedelta(hours=2), max_count=1))
    assert council.schedule().remind_at == wall(2026, 3, 2, 9, 0)  # replanned with the new policy
    assert sweeper.sweep_reminders(wall(2026, 3, 2, 11, 0)) == 4
    assert sweeper.sweep_reminders(wall(2026, 3, 3, 11, 0)) == 4  # the other board's first; this one's were its only
    other.act(lambda a: a.change_schedule(SAM, reminders=False))
    assert sweeper.sweep_reminders(wall(2026, 3, 4, 11, 0)) == 0


def test_reminders_are_off_when_app_yaml_says_so(start, db_engine):
    start(wall(2026, 3, 2, 9, 0))
    off = Sweeper(db_engine, SchedulePolicy(reminders=ReminderPolicy(enabled=False)))
    assert off.sweep_reminders(wall(2026, 3, 3, 9, 0)) == 0
    assert outbox(db_engine) == []


def test_a_sweep_reads_only_the_rows_that_are_due_with_the_same_few_statements(start, sweeper, db_engine):
    boards = [start(wall(2026, 3, 2, 9, 0), conversation=BOARD.__class__("slack", "T1", f"C{i}")) for i in range(6)]
    sweeper.sweep_reminders(wall(2026, 3, 2, 9, 1))  # plan every board's first reminder
    boards[0].act(lambda a: a.change_schedule(SAM, first_after=timedelta(hours=1)))
    with recorded_statements(db_engine) as one:
        assert sweeper.sweep_reminders(wall(2026, 3, 2, 10, 1)) == 4
    for council in boards[1:4]:
        council.act(lambda a: a.change_schedule(SAM, first_after=timedelta(hours=1)))
    with recorded_statements(db_engine) as three:
        assert sweeper.sweep_reminders(wall(2026, 3, 2, 10, 2)) == 12
    assert len(three) == len(one)  # a handful of set-based statements per batch, however many are due
    with recorded_statements(db_engine) as idle:
        assert sweeper.sweep_reminders(wall(2026, 3, 2, 10, 3)) == 0
    assert len([s for s in idle if s.lstrip().upper().startswith("SELECT")]) == 1  # just the due query
    with db_engine.connect() as connection:
        if db_engine.dialect.name == "sqlite":
            plan = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT assessment_id FROM schedule WHERE remind_at <= '2026-03-02' ORDER BY remind_at LIMIT 200"
            ).all()
            assert "ix_schedule_remind_at" in " ".join(str(row) for row in plan)
        else:
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = connection.exec_driver_sql(
                "EXPLAIN SELECT assessment_id FROM schedule WHERE remind_at <= now() ORDER BY remind_at LIMIT 200"
            ).all()
            assert "ix_schedule_remind_at" in " ".join(str(row) for row in plan)


def test_the_counts_kept_match_what_was_sent(start, sweeper, db_engine):
    start(wall(2026, 3, 2, 9, 0))
    sweeper.sweep_reminders(wall(2026, 3, 3, 9, 0))
    sweeper.sweep_reminders(wall(2026, 3, 4, 9, 0))
    with db_engine.connect() as connection:
        counts = connection.execute(select(ReminderRow.sent)).scalars().all()
    assert counts == [2, 2, 2, 2]
    assert OLU not in [i.to for i in outbox(db_engine)]
