"""Nothing doubled, nothing dropped: crashes mid-sweep, two sweepers at once, one leader on PostgreSQL.

A "crash" is an exception raised at the worst moment, inside the sweep's transaction after its
reminders were written to the outbox: the transaction rolls back as it would when the process
dies, and a fresh `Sweeper` (the restarted process) carries on from what was committed.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.scheduler import Sweeper
from storage.leadership import Leadership
from engine.assessment import Conversation
from engine.reminders import SchedulePolicy
from storage.database import create_db_engine
from storage.migrate import upgrade
from storage.schedule import ScheduleRepository
from storage.unit_of_work import SqlUnitOfWork
from tests.scheduler.conftest import NAMES, SAM, outbox, wall

MONDAY, TUESDAY = wall(2026, 3, 2, 9, 0), wall(2026, 3, 3, 9, 0)


class Killed(BaseException):
    """The process dying: not an error the sweep could catch and handle."""


def boards(start, count: int):
    return [start(MONDAY, conversation=Conversation("slack", "T-NORTHSHIRE", f"C-{i}")) for i in range(count)]


def keys(engine) -> list[str]:
    return [item.key for item in outbox(engine) if item.key]


# Every board has four voters (Sam, Amira, Ben, Chloe) and an observer (Olu), who is never reminded.
VOTERS = ("Sam", "Amira", "Ben", "Chloe")


def reminders_received(engine) -> Counter:
    """What each member will be sent, read from the messages waiting in the outbox (not from the
    dedupe keys, whose unique index would make "no key twice" true whatever the sweeps did):
    (board's channel, member, the count the reminder states, e.g. "Reminder 1 of 3.") -> copies."""
    return Counter(
        (item.conversation.channel_id, NAMES[item.to], item.message.footer.rsplit(". ", 1)[-1])
        for item in outbox(engine)
        if item.heading.startswith("Reminder:")
    )


def first_reminder_each(boards: int) -> Counter:
    """Each voter on each board reminded once, with the first of three reminders; nobody else."""
    return Counter({(f"C-{i}", name, "Reminder 1 of 3."): 1 for i in range(boards) for name in VOTERS})


def test_a_crash_in_the_middle_of_a_sweep_neither_doubles_nor_drops_a_reminder(start, db_engine, monkeypatch):
    boards(start, 3)
    Sweeper(db_engine, SchedulePolicy()).sweep_reminders(MONDAY + timedelta(minutes=1))  # plan them
    real = ScheduleRepository.record_sent
    calls = []

    def dies_during_the_second_batch(self, sent):
        calls.append(1)
        real(self, sent)
        if len(calls) == 2:
            raise Killed()

    monkeypatch.setattr(ScheduleRepository, "record_sent", dies_during_the_second_batch)
    with pytest.raises(Killed):
        Sweeper(db_engine, SchedulePolicy(), batch=1).sweep_reminders(TUESDAY)
    # The first board's batch was committed (whichever board came first); the second left nothing.
    committed = {channel for channel, _, _ in reminders_received(db_engine)}
    assert len(committed) == 1
    assert reminders_received(db_engine) == Counter({(*committed, name, "Reminder 1 of 3."): 1 for name in VOTERS})
    monkeypatch.undo()

    restarted = Sweeper(db_engine, SchedulePolicy(), batch=1)
    assert restarted.sweep_reminders(TUESDAY + timedelta(minutes=1)) == 8
    assert restarted.sweep_reminders(TUESDAY + timedelta(minutes=2)) == 0
    # Every member of every board gets the one reminder due on Tuesday morning: none twice, none lost.
    assert reminders_received(db_engine) == first_reminder_each(3)


def test_a_crash_after_queueing_a_digest_does_not_send_it_twice(start, db_engine, monkeypatch):
    boards(start, 2)
    sweeper = Sweeper(db_engine, SchedulePolicy())
    sweeper.sweep_digests(MONDAY + timedelta(minutes=1))
    real = ScheduleRepository.plan_digests

    def dies(self, plans):
        real(self, plans)
        raise Killed()  # after the digests were queued, before the commit

    monkeypatch.setattr(ScheduleRepository, "plan_digests", dies)
    with pytest.raises(Killed):
        sweeper.sweep_digests(wall(2026, 3, 9, 9, 0))
    monkeypatch.undo()
    assert [k for k in keys(db_engine) if k.startswith("digest:")] == []  # the whole batch rolled back
    assert Sweeper(db_engine, SchedulePolicy()).sweep_digests(wall(2026, 3, 9, 9, 1)) == 4
    assert Sweeper(db_engine, SchedulePolicy()).sweep_digests(wall(2026, 3, 9, 9, 2)) == 0
    # Who will read a digest on Monday 9 March, from the messages queued: each board's channel
    # once, and Sam (the super-user) once per board; nobody twice.
    digests = Counter(
        (item.conversation.channel_id, NAMES.get(item.to, "the channel"))
        for item in outbox(db_engine)
        if item.key and item.key.startswith("digest:")
    )
    assert digests == Counter({("C-0", "the channel"): 1, ("C-0", "Sam"): 1, ("C-1", "the channel"): 1, ("C-1", "Sam"): 1})


def test_one_damaged_assessment_does_not_hold_up_the_others(start, db_engine):
    good, bad = boards(start, 2)
    Sweeper(db_engine, SchedulePolicy()).sweep_reminders(MONDAY + timedelta(minutes=1))
    with SqlUnitOfWork(db_engine) as uow:
        uow.session.execute(text("UPDATE assessment SET framework_snapshot = '{}' WHERE id = :id"), {"id": bad.id})
        uow.commit()
    assert Sweeper(db_engine, SchedulePolicy()).sweep_reminders(TUESDAY) == 4
    assert {item.conversation.channel_id for item in outbox(db_engine)} == {"C-0"}
    assert bad.schedule().remind_at == TUESDAY + timedelta(hours=1)  # put off, tried again later
    assert good.schedule().remind_at == wall(2026, 3, 4, 9, 0)


def test_the_same_reminder_decided_twice_is_queued_once(start, db_engine):
    council = start(MONDAY)
    sweeper = Sweeper(db_engine, SchedulePolicy())
    sweeper.sweep_reminders(TUESDAY)
    # Pretend the record of what was sent was lost but the outbox row survived (it cannot be,
    # both are one transaction): the dedupe key still refuses the second copy.
    with SqlUnitOfWork(db_engine) as uow:
        uow.session.execute(text("DELETE FROM reminder"))
        uow.session.execute(text("UPDATE schedule SET remind_at = :t"), {"t": TUESDAY.replace(tzinfo=None) if db_engine.dialect.name == "sqlite" else TUESDAY})
        uow.commit()
    assert sweeper.sweep_reminders(TUESDAY + timedelta(minutes=1)) == 0
    assert reminders_received(db_engine) == Counter({("C-BOARD", name, "Reminder 1 of 3."): 1 for name in VOTERS})
    assert council.schedule().remind_at is not None


def test_two_sweepers_running_at_once_send_each_reminder_once(start, db_url, db_engine):
    boards(start, 8)
    Sweeper(db_engine, SchedulePolicy()).sweep_reminders(MONDAY + timedelta(minutes=1))
    engines = [create_db_engine(db_url), create_db_engine(db_url)]  # two processes, two pools
    barrier = threading.Barrier(2)
    counts: list[int] = []
    failures: list[BaseException] = []

    def run(engine) -> None:
        barrier.wait()
        try:
            counts.append(Sweeper(engine, SchedulePolicy(), batch=3).sweep_reminders(TUESDAY))
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=run, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for engine in engines:
        engine.dispose()
    assert failures == []
    assert sum(counts) == 32  # what the two processes say they queued, between them
    # What the members will get: each voter on each of the eight boards one first reminder; the
    # second process, racing the first, added nothing to it.
    assert reminders_received(db_engine) == first_reminder_each(8)
    assert Sweeper(db_engine, SchedulePolicy()).sweep_reminders(TUESDAY + timedelta(minutes=1)) == 0
    assert reminders_received(db_engine) == first_reminder_each(8)


@pytest.mark.postgres
def test_on_postgresql_one_process_holds_the_lock_and_another_takes_over(db_url, db_engine):
    if db_engine.dialect.name != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's")
    first, second = create_db_engine(db_url), create_db_engine(db_url)
    a, b = Leadership(first), Leadership(second)
    try:
        assert a.holds() and not b.holds()
        assert a.holds() and not b.holds()  # held across ticks
        a.release()  # the first process stops
        assert b.holds() and not a.holds()
        # The second process dies without a word: its connection goes, and the lock with it.
        with db_engine.connect() as connection:
            pid = b._connection.execute(text("SELECT pg_backend_pid()")).scalar()
            connection.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
            # Termination is asynchronous: the lock goes when the backend has gone. Within one
            # transaction pg_stat_activity is a snapshot taken at its first read, so each look
            # clears it first; without that a backend still there at the first read never left.
            for _ in range(500):
                connection.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
                gone = connection.exec_driver_sql(f"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid}").scalar() == 0
                if gone:
                    break
                connection.exec_driver_sql("SELECT pg_sleep(0.01)")
            assert gone
        # The scheduler asks again on its next tick; so does the test, for a while, rather than once.
        for _ in range(100):
            if a.holds():
                break
            time.sleep(0.05)
        assert a.holds()
        assert not b.holds()
    finally:
        a.release()
        b.release()
        first.dispose()
        second.dispose()


def test_on_sqlite_the_one_process_always_sweeps(db_engine):
    if db_engine.dialect.name != "sqlite":
        pytest.skip("about SQLite")
    assert Leadership(db_engine).holds()


def test_assessments_stored_before_the_scheduler_get_a_schedule_row(empty_db_engine, framework, monkeypatch):
    from engine.assessment import Assessment, Member
    from storage import mapping, schedule

    upgrade(empty_db_engine, "0002")
    monkeypatch.setattr(schedule, "follow", lambda session, assessment: None)  # the code of that time
    columns_now = mapping.assessment_columns
    monkeypatch.setattr(  # nor had the assessment of that time the columns of migration 0007
        mapping, "assessment_columns", lambda a: {k: v for k, v in columns_now(a).items() if k not in ("paused_at", "starts_at")}
    )
    assessment = Assessment.start(
        assessment_id="before", conversation=Conversation("slack", "T1", "C1"), framework=framework,
        starter=Member(SAM, "Sam"), members=[], now=MONDAY,
    )  # fmt: skip
    assessment.set_deadline(SAM, TUESDAY, MONDAY)
    assessment.pending_audit.clear()  # nor an audit trail (migration 0007)
    with SqlUnitOfWork(empty_db_engine) as uow:
        uow.assessments.add(assessment)
        uow.commit()
    monkeypatch.undo()
    upgrade(empty_db_engine)
    with SqlUnitOfWork(empty_db_engine, read_only=True) as uow:
        row = uow.schedule.row("before")
    assert (row.question_id, row.round_number) == (assessment.focus_question_id, 1)
    assert (row.remind_at, row.deadline_at, row.digest_at) == (MONDAY, TUESDAY, MONDAY)
