"""The meeting's state in the database (migration 0007_meeting), on SQLite and PostgreSQL.

A facilitator, someone waiting to join or removed, a pause and a scheduled start are stored and
load back as they were; the scheduler's row follows them (nothing due while paused; a scheduled
start is due at its time, and the deadline sweep opens the first question then); and the
migration widens the role CHECK without losing a vote or migration 0006's version triggers.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from bot.scheduler import Sweeper
from engine.assessment import Assessment, Role, RoundState, Settings
from engine.reminders import SchedulePolicy
from storage.migrate import upgrade
from storage.scheduler_tables import ScheduleRow
from storage.tables import OutboxRow
from storage.unit_of_work import SqlUnitOfWork
from tests.integration.conftest import (
    AMIRA,
    BEN,
    CHLOE,
    SAM,
    at,
    load,
    load_from_tables,
    member,
    person,
)


def save(db_engine, assessment) -> None:
    with SqlUnitOfWork(db_engine) as uow:
        uow.assessments.add(assessment)
        uow.commit()


def change(db_engine, assessment_id, action) -> None:
    with SqlUnitOfWork(db_engine) as uow:
        stored = uow.assessments.get(assessment_id, for_update=True)
        action(stored)
        uow.assessments.save(stored)
        uow.commit()


def schedule_row(db_engine, assessment_id):
    with db_engine.connect() as connection:
        return connection.execute(select(ScheduleRow.__table__).where(ScheduleRow.__table__.c.assessment_id == assessment_id)).one()


def test_new_roles_a_pause_and_the_join_rule_round_trip(db_engine, start):
    expected = start(settings=Settings(join_approval=True))
    save(db_engine, expected)
    q1 = expected.focus_question_id

    def step(action) -> None:
        action(expected)
        change(db_engine, expected.id, action)
        assert load(db_engine, expected.id) == expected
        assert load_from_tables(db_engine, expected.id) == expected

    step(lambda a: a.set_role(SAM, CHLOE, Role.FACILITATOR))
    step(lambda a: a.join(member(person("U-NEW"))))
    step(lambda a: a.cast_vote(BEN, q1, 2, 4, at(1)))
    step(lambda a: a.cast_vote(AMIRA, q1, 3, 4, at(2)))
    step(lambda a: a.remove(SAM, BEN))
    step(lambda a: a.set_deadline(SAM, at(120), at(3)))
    step(lambda a: a.pause(SAM, at(4)))
    assert schedule_row(db_engine, expected.id).deadline_at is None  # nothing due by the clock while paused
    assert schedule_row(db_engine, expected.id).remind_at is None
    step(lambda a: a.resume(SAM, at(64)))

    stored = load_from_tables(db_engine, expected.id)
    assert stored.members[CHLOE].role is Role.FACILITATOR
    assert [m.role for m in stored.members.values() if m.identity.user_id == "U-NEW"] == [Role.WAITING]
    assert stored.members[BEN].role is Role.REMOVED and BEN not in stored.focus_round.votes
    assert stored.settings.join_approval and not stored.is_paused
    assert stored.focus_round.closes_at == at(180)  # moved on by the hour paused
    assert schedule_row(db_engine, expected.id).deadline_at == at(180)


def test_a_scheduled_start_is_stored_and_the_deadline_sweep_opens_it_then(db_engine, start):
    framework = start().framework
    scheduled = Assessment.start(
        assessment_id="scheduled-1",
        conversation=start().conversation,
        framework=framework,
        starter=member(SAM),
        members=[member(AMIRA), member(BEN)],
        now=at(0),
        starts_at=at(60),
    )
    save(db_engine, scheduled)
    stored = load_from_tables(db_engine, scheduled.id)
    assert stored.is_scheduled and stored.starts_at == at(60) and stored.rounds == []
    assert schedule_row(db_engine, scheduled.id).deadline_at == at(60)

    sweeper = Sweeper(db_engine, SchedulePolicy())
    sweeper.sweep_deadlines(at(59))
    assert load_from_tables(db_engine, scheduled.id).is_scheduled  # not yet
    sweeper.sweep_deadlines(at(61))
    opened = load_from_tables(db_engine, scheduled.id)
    assert not opened.is_scheduled and opened.focus_round.state is RoundState.OPEN
    assert opened.focus_round.opened_at == at(61)
    with db_engine.connect() as connection:
        headings = [row.message["heading"] for row in connection.execute(select(OutboxRow.__table__.c.message))]
    assert any("starts now" in heading for heading in headings)
    sweeper.sweep_deadlines(at(62))  # done once: nothing more is queued
    with db_engine.connect() as connection:
        assert len(list(connection.execute(select(OutboxRow.__table__.c.id)))) == len(headings)


def test_the_migration_widens_the_role_check_and_keeps_votes_and_triggers(empty_db_engine):
    database = empty_db_engine
    upgrade(database, "0006_assessment_version")
    with database.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO assessment (id, title, platform, workspace, channel_id, framework_id, framework_version, "
                "framework_snapshot, settings, status, created_at, version) VALUES ('a', 't', 'slack', 'T', 'C', 'f', 1, "
                "'{}', '{}', 'active', :now, 1)"
            ),
            {"now": at(0)},
        )
        connection.execute(text("INSERT INTO member (id, assessment_id, platform, workspace, user_id, name, role) VALUES (1, 'a', 'slack', 'T', 'U', 'Sam', 'member')"))
        connection.execute(text("INSERT INTO round (id, assessment_id, position, question_id, number, state, opened_at, skip_reason) VALUES (1, 'a', 0, 'q', 1, 'open', :now, '')"), {"now": at(0)})
        connection.execute(text("INSERT INTO vote (round_id, member_id, current, ambition, comment, cast_at) VALUES (1, 1, 2, 3, '', :now)"), {"now": at(0)})
    upgrade(database)
    with database.begin() as connection:
        version = connection.execute(text("SELECT version FROM assessment WHERE id = 'a'")).scalar_one()
        connection.execute(text("UPDATE member SET role = 'facilitator' WHERE id = 1"))
        assert connection.execute(text("SELECT version FROM assessment WHERE id = 'a'")).scalar_one() == version + 1
        assert connection.execute(text("SELECT count(*) FROM vote")).scalar_one() == 1
        for role in ("waiting", "removed", "super-user"):
            connection.execute(text("UPDATE member SET role = :role WHERE id = 1"), {"role": role})
    with pytest.raises(IntegrityError), database.begin() as connection:
        connection.execute(text("UPDATE member SET role = 'chair' WHERE id = 1"))
