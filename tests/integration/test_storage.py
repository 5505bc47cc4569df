"""Storage through the real database: SQLite always, PostgreSQL when ACCORD_TEST_DATABASE_URL is set.

What these tests hold the storage layer to:
- an assessment comes back exactly as it was stored, at every step of its life;
- the database, not Python, enforces one vote per member per round and one active assessment
  per channel, and a lost race reads as a domain error, never as a silent overwrite;
- a workspace never sees another's assessments;
- a command that fails before commit stores nothing, and a vote costs a couple of writes;
- votes arriving at the same moment from several threads all land;
- the migrations build exactly the schema the models declare, and running them twice is harmless.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta, timezone
from importlib.resources import files
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, event, inspect, insert, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import SQLModel

from engine.assessment import Assessment, AssessmentStatus, Conversation, Role, RoundState, Settings
from engine.disagreement import Thresholds
from engine.errors import FrameworkError, NotFound
from engine.framework import parse_framework_yaml
from storage.database import SQLITE_BUSY_TIMEOUT_MS, create_db_engine
from storage.errors import ActiveAssessmentExists, ConcurrentChange, StorageError
from storage.migrate import alembic_config, current_revision, head_revision, is_up_to_date, upgrade
from storage.tables import AssessmentRow, MemberRow, RoundRow, VoteRow
from storage.tracking import cache_for
from storage.unit_of_work import SqlUnitOfWork
from tests.integration.conftest import (
    AMIRA,
    BEN,
    CHANNEL,
    CHLOE,
    DANA,
    OLU,
    SAM,
    T0,
    at,
    load,
    load_from_tables,
    member,
    person,
    recorded_statements,
    writes,
)


def question_ids(assessment: Assessment) -> list[str]:
    return list(assessment.framework.question_ids)


def only_on(engine: Engine, dialect: str) -> None:
    if engine.dialect.name != dialect:
        pytest.skip(f"about {dialect} only")


# ----------------------------------------------------------------- the connection


def test_a_sqlite_database_is_a_wal_file_with_foreign_keys_and_a_busy_timeout(tmp_path):
    path = tmp_path / "not" / "there" / "yet" / "accord.db"
    engine = create_db_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert (pragma("journal_mode"), pragma("foreign_keys"), pragma("busy_timeout")) == (
                "wal",
                1,
                SQLITE_BUSY_TIMEOUT_MS,
            )
        assert path.is_file()
    finally:
        engine.dispose()


def test_sqlite_writes_take_the_write_lock_at_begin_and_reads_do_not(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'accord.db'}")
    upgrade(engine)
    try:
        with recorded_statements(engine) as statements:
            with SqlUnitOfWork(engine) as uow:
                uow.assessments.list_for_workspace("slack", "T1")
            with SqlUnitOfWork(engine, read_only=True) as uow:
                uow.assessments.list_for_workspace("slack", "T1")
        begins = [s for s in statements if s.startswith("BEGIN")]
        assert begins == ["BEGIN IMMEDIATE", "BEGIN DEFERRED"]
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "url, words",
    [
        ("not a database url", "not a URL Accord can read"),
        ("mysql://accord:secret@db/accord", "SQLite or PostgreSQL"),
        ("sqlite://", "names no file"),
        ("sqlite:///:memory:", "names no file"),
        ("postgresql+psycopg2://accord:secret@db/accord", "psycopg 3"),
    ],
)
def test_a_url_accord_cannot_use_is_explained(url, words):
    with pytest.raises(StorageError) as refused:
        create_db_engine(url)
    assert words in refused.value.message
    assert "secret" not in refused.value.message
    assert "app.yaml" in refused.value.message


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://accord:secret@127.0.0.1:1/accord",
        "postgresql://accord:secret@127.0.0.1:1/accord",  # read as psycopg 3, not psycopg2
        "postgres://accord:secret@127.0.0.1:1/accord",
    ],
)
def test_an_unreachable_server_is_explained_without_the_password(url):
    with pytest.raises(StorageError) as refused:
        create_db_engine(url)
    message = refused.value.message
    # The URL as the person wrote it, not as Accord rewrites it for psycopg 3, and no password.
    assert message.startswith(f"Cannot connect to the database at {url.replace('secret', '***')}")
    assert "secret" not in message


# --------------------------------------------------------------------- migrations


def test_upgrade_twice_is_a_no_op_and_is_up_to_date_flips(empty_db_engine):
    assert current_revision(empty_db_engine) is None
    assert not is_up_to_date(empty_db_engine)

    upgrade(empty_db_engine)
    assert current_revision(empty_db_engine) == head_revision()
    assert "0002" not in head_revision().split(", ")  # features branch from 0002; it is no head
    assert is_up_to_date(empty_db_engine)

    with recorded_statements(empty_db_engine) as statements:
        upgrade(empty_db_engine)
    assert not [s for s in statements if s.lstrip().upper().startswith(("CREATE", "ALTER", "DROP", "INSERT"))]
    assert is_up_to_date(empty_db_engine)


def test_upgrade_by_url_works_from_any_working_directory(db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    upgrade(db_url)
    assert is_up_to_date(db_url)


def test_the_migrations_build_exactly_the_schema_the_models_declare(db_engine):
    with db_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
        # compare_metadata does not look at WHERE clauses: check the partial index by hand.
        if db_engine.dialect.name == "sqlite":
            sql = "SELECT sql FROM sqlite_master WHERE name = 'uq_assessment_active_conversation'"
        else:
            # This test's own schema only: another worker's schema may be dropped while this reads.
            sql = "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'uq_assessment_active_conversation'"
        definition = connection.exec_driver_sql(sql).scalar()
    assert "UNIQUE" in definition.upper() and "WHERE" in definition.upper() and "active" in definition


def test_downgrade_removes_everything_and_upgrade_rebuilds_it(db_engine):
    with db_engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert set(inspect(db_engine).get_table_names()) == {"alembic_version"}
    upgrade(db_engine)
    assert {"assessment", "member", "round", "vote"} <= set(inspect(db_engine).get_table_names())


# ------------------------------------------------------------------- round trips


def test_a_whole_assessment_round_trips_at_every_step(db_engine, start):
    """Each step runs on a copy held in memory and, separately, on the stored assessment."""
    expected = start(
        settings=Settings(
            auto_reveal=False,
            auto_advance=False,
            thresholds=Thresholds(max_spread=1, polarisation_share=0.3),
        )
    )
    with SqlUnitOfWork(db_engine) as uow:
        uow.assessments.add(expected)
        uow.commit()
    assert load(db_engine, expected.id) == expected
    q1, q2, q3, q4 = question_ids(expected)[:4]

    def step(action) -> None:
        action(expected)
        with SqlUnitOfWork(db_engine) as uow:
            stored = uow.assessments.get(expected.id, for_update=True)
            action(stored)
            uow.assessments.save(stored)
            uow.commit()
        assert load(db_engine, expected.id) == expected  # the copy this process keeps
        assert load_from_tables(db_engine, expected.id) == expected  # what the tables hold

    london = ZoneInfo("Europe/London")
    step(lambda a: a.set_deadline(SAM, at(2 * 24 * 60), now=at(1)))
    step(lambda a: a.cast_vote(AMIRA, q1, 2, 4, at(2), comment="We rely on anecdote"))
    step(lambda a: a.cast_vote(BEN, q1, 3, 4, at(3).astimezone(london)))
    step(lambda a: a.cast_vote(CHLOE, q1, 2, 3, at(4)))
    step(lambda a: a.cast_vote(SAM, q1, 3, 5, at(5)))
    step(lambda a: a.cast_vote(AMIRA, q1, 2, 5, at(6), comment="On reflection, higher ambition"))
    step(lambda a: a.withdraw_vote(BEN, q1))
    step(lambda a: a.cast_vote(BEN, q1, 4, 4, at(7)))
    step(lambda a: a.reveal(SAM, at(8)))
    step(lambda a: a.finalise(SAM, at(9), note="Agreed after a good discussion"))
    step(lambda a: a.next_question(SAM, at(10)))
    step(lambda a: a.cast_vote(AMIRA, q2, 1, 2, at(11)))
    step(lambda a: a.cast_vote(BEN, q2, 5, 5, at(12)))
    step(lambda a: a.reveal(SAM, at(13)))
    step(lambda a: a.skip(SAM, at(14), reason="Come back to it after the budget"))
    step(lambda a: a.next_question(SAM, at(15)))
    step(lambda a: a.skip(SAM, at(16)))
    step(lambda a: a.reopen(SAM, q1, at(17)))
    step(lambda a: a.cast_vote(AMIRA, q1, 3, 4, at(18)))
    step(lambda a: a.cast_vote(CHLOE, q1, 3, 5, at(19)))
    step(lambda a: a.reveal(SAM, at(20)))
    step(lambda a: a.finalise(SAM, at(21), current=3, ambition=5, note="Raised after the peer visit"))
    step(lambda a: a.add_member(SAM, member(DANA, Role.OBSERVER)))
    step(lambda a: a.set_role(SAM, AMIRA, Role.SUPER_USER))
    step(lambda a: a.next_question(AMIRA, at(22)))
    step(lambda a: a.cast_vote(CHLOE, q4, 4, 4, at(23)))
    step(lambda a: a.close(AMIRA, at(24)))

    final = load_from_tables(db_engine, expected.id)
    assert final.status is AssessmentStatus.COMPLETED and final.completed_at == at(24)
    assert [(r.question_id, r.number, r.state) for r in final.rounds] == [
        (q1, 1, RoundState.FINALISED),
        (q2, 1, RoundState.SKIPPED),
        (q3, 1, RoundState.SKIPPED),
        (q1, 2, RoundState.FINALISED),
        (q4, 1, RoundState.SKIPPED),
    ]
    assert final.rounds[0].measures is not None and final.rounds[0].proposal is not None
    assert final.consensus_for(q1).note == "Raised after the peer visit"
    assert final.rounds[1].skip_reason == "Come back to it after the budget"
    assert final.members[AMIRA].is_super_user and final.members[DANA].role is Role.OBSERVER
    assert final.settings.thresholds == Thresholds(max_spread=1, polarisation_share=0.3)

    # Everything read back compares equal to what is stored: saving it unchanged writes nothing.
    with SqlUnitOfWork(db_engine) as uow, recorded_statements(db_engine) as statements:
        uow.assessments.save(uow.assessments.get(expected.id))
        uow.commit()
    assert writes(statements) == []


def test_times_come_back_aware_in_utc(db_engine, start):
    london = ZoneInfo("Europe/London")
    summer = (T0 + timedelta(days=120)).astimezone(london)  # British Summer Time: UTC+1
    assessment = start(now=summer)
    assessment.cast_vote(AMIRA, assessment.focus_question_id, 2, 3, summer + timedelta(microseconds=7))
    with SqlUnitOfWork(db_engine) as uow:
        uow.assessments.add(assessment)
        uow.commit()

    back = load_from_tables(db_engine, assessment.id)
    vote = back.rounds[0].votes[AMIRA]
    for moment in (back.created_at, back.rounds[0].opened_at, vote.cast_at):
        assert moment.tzinfo is timezone.utc
    assert back.created_at == summer and back.created_at.hour == summer.hour - 1
    assert vote.cast_at == summer + timedelta(microseconds=7)


# ------------------------------------------------- the cache of committed assessments


def vote_and_commit(engine: Engine, assessment_id: str, voter, current: int, when) -> Assessment:
    with SqlUnitOfWork(engine) as uow:
        mine = uow.assessments.get(assessment_id, for_update=True)
        mine.cast_vote(voter, mine.focus_question_id, current, 5, when)
        uow.commit()
    return mine


def test_after_a_commit_the_next_command_reads_only_the_version(db_engine, stored):
    assessment = stored()
    vote_and_commit(db_engine, assessment.id, AMIRA, 2, at(1))
    with recorded_statements(db_engine) as statements:
        again = load(db_engine, assessment.id)
    assert again.rounds[0].votes[AMIRA].current == 2
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


@pytest.mark.parametrize(
    "repair",
    [
        "UPDATE vote SET current = 4",
        "UPDATE member SET name = 'Amira Q.'",
        "UPDATE round SET skip_reason = 'fixed by hand'",
        "UPDATE assessment SET title = 'Renamed by hand'",
        "DELETE FROM vote",
    ],
)
def test_a_change_by_hand_that_leaves_the_version_alone_is_still_read_from_the_tables(db_engine, stored, repair):
    """The kept copy is never trusted over the tables: the database moves the version on itself."""
    assessment = stored()
    vote_and_commit(db_engine, assessment.id, AMIRA, 2, at(1))
    assert load(db_engine, assessment.id).rounds[0].votes[AMIRA].current == 2  # kept by this process now
    with db_engine.begin() as connection:  # a repair by hand, or another process, that never heard of versions
        connection.execute(text(repair))
    again = load(db_engine, assessment.id)
    seen = {
        "UPDATE vote": lambda: again.rounds[0].votes[AMIRA].current == 4,
        "UPDATE member": lambda: again.members[AMIRA].name == "Amira Q.",
        "UPDATE round": lambda: again.rounds[0].skip_reason == "fixed by hand",
        "UPDATE assessment": lambda: again.title == "Renamed by hand",
        "DELETE FROM vote": lambda: again.rounds[0].votes == {},
    }
    assert next(check for start, check in seen.items() if repair.startswith(start))()


def test_a_command_rolled_back_leaves_no_trace_in_the_next_one(db_engine, stored):
    assessment = stored()
    vote_and_commit(db_engine, assessment.id, AMIRA, 2, at(1))
    with pytest.raises(RuntimeError), SqlUnitOfWork(db_engine) as uow:
        mine = uow.assessments.get(assessment.id, for_update=True)
        mine.cast_vote(BEN, mine.focus_question_id, 1, 1, at(2))
        mine.cast_vote(AMIRA, mine.focus_question_id, 5, 5, at(2))
        raise RuntimeError("the platform call after the vote failed")
    again = load(db_engine, assessment.id)
    assert set(again.rounds[0].votes) == {AMIRA} and again.rounds[0].votes[AMIRA].current == 2


def test_changing_an_assessment_after_its_commit_changes_nobody_elses(db_engine, stored):
    """A reply keeps the committed object; what anyone does to it later is theirs alone."""
    assessment = stored()
    replied = vote_and_commit(db_engine, assessment.id, AMIRA, 2, at(1))
    replied.cast_vote(BEN, replied.focus_question_id, 1, 1, at(2))  # never committed
    first = load(db_engine, assessment.id)
    first.cast_vote(CHLOE, first.focus_question_id, 1, 1, at(3))  # a read's copy, changed in memory
    second = load(db_engine, assessment.id)
    assert set(second.rounds[0].votes) == {AMIRA}
    assert second == load_from_tables(db_engine, assessment.id)


def test_a_kept_assessment_gives_its_times_in_utc_as_the_tables_do(db_engine, stored):
    london = ZoneInfo("Europe/London")
    assessment = stored()
    vote_and_commit(db_engine, assessment.id, AMIRA, 2, (T0 + timedelta(days=120)).astimezone(london))
    kept = load(db_engine, assessment.id)
    assert kept.rounds[0].votes[AMIRA].cast_at.tzinfo is timezone.utc
    assert kept == load_from_tables(db_engine, assessment.id)


def test_a_batch_load_gives_each_assessment_as_a_single_load_does(db_engine, stored):
    first, second, third = stored(), stored(Conversation("slack", "T1", "C-two")), stored(Conversation("slack", "T1", "C-three"))
    vote_and_commit(db_engine, first.id, AMIRA, 2, at(1))  # kept in the cache
    vote_and_commit(db_engine, second.id, BEN, 4, at(2))
    cache_for(db_engine).clear()
    vote_and_commit(db_engine, third.id, CHLOE, 1, at(3))
    with SqlUnitOfWork(db_engine) as uow:
        many = uow.assessments.get_many([third.id, "gone", first.id, second.id], for_update=True)
    assert list(many) == sorted([first.id, second.id, third.id])  # in id order, the missing one left out
    for assessment_id, assessment in many.items():
        assert assessment == load_from_tables(db_engine, assessment_id)
    assert many[second.id].rounds[0].votes[BEN].current == 4


def test_a_naive_time_is_refused_rather_than_guessed(db_engine, start):
    assessment = start(now=T0.replace(tzinfo=None))
    with SqlUnitOfWork(db_engine) as uow, pytest.raises(StatementError, match="naive datetime"):
        uow.assessments.add(assessment)


def test_the_framework_comes_from_the_snapshot_even_when_the_file_changes(db_engine, start, tmp_path):
    source = tmp_path / "ours.yaml"
    text_of_file = (files("bot") / "frameworks" / "efficient-councils.yaml").read_text(encoding="utf-8")
    source.write_text(text_of_file, encoding="utf-8")
    ours = parse_framework_yaml(source.read_text(encoding="utf-8"), source=str(source))
    assessment = start(framework=ours)
    with SqlUnitOfWork(db_engine) as uow:
        uow.assessments.add(assessment)
        uow.commit()

    first = next(ours.questions())
    source.write_text(text_of_file.replace(first.prompt, "A quite different question?"), encoding="utf-8")
    edited = parse_framework_yaml(source.read_text(encoding="utf-8"), source=str(source))
    assert edited.question(first.id).prompt == "A quite different question?"

    back = load(db_engine, assessment.id)
    assert back.framework == ours
    assert back.question(first.id).prompt == first.prompt


def test_a_damaged_snapshot_is_reported_with_the_assessment_it_belongs_to(db_engine, stored):
    assessment = stored()
    with db_engine.begin() as connection:
        table = AssessmentRow.__table__
        connection.execute(table.update().where(table.c.id == assessment.id).values(framework_snapshot={"id": "x"}))
    with pytest.raises(FrameworkError) as refused:
        load(db_engine, assessment.id)
    assert f"the framework snapshot of assessment {assessment.id}" in str(refused.value)


def test_an_unknown_assessment_is_not_found_in_words_a_person_understands(db_engine):
    with SqlUnitOfWork(db_engine) as uow, pytest.raises(NotFound) as refused:
        uow.assessments.get("0" * 32)
    assert "no longer exists" in refused.value.message


def test_latest_in_finds_the_most_recent_assessment_active_or_completed(db_engine, start):
    older, newer = start(now=at(0)), start(now=at(60))
    with SqlUnitOfWork(db_engine) as uow:
        uow.assessments.add(older)
        older.close(SAM, at(30))
        uow.commit()
    with SqlUnitOfWork(db_engine) as uow:
        assert uow.assessments.latest_in(CHANNEL).id == older.id
        uow.assessments.add(newer)
        newer.close(SAM, at(90))
        uow.commit()
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        latest = uow.assessments.latest_in(CHANNEL)
        assert latest.id == newer.id and latest.status is AssessmentStatus.COMPLETED
        assert uow.assessments.active_in(CHANNEL) is None
        assert uow.assessments.latest_in(Conversation("slack", "T-NORTHSHIRE", "C-ELSEWHERE")) is None


# ---------------------------------------------------------- what the database enforces


def test_the_database_refuses_a_second_vote_row_for_one_member_in_one_round(db_engine, stored):
    assessment = stored()
    assessment_id = assessment.id
    votes = VoteRow.__table__
    with db_engine.connect() as connection:
        round_id = connection.execute(select(RoundRow.id).where(RoundRow.assessment_id == assessment_id)).scalar_one()
        member_id = connection.execute(
            select(MemberRow.id).where(MemberRow.assessment_id == assessment_id, MemberRow.user_id == AMIRA.user_id)
        ).scalar_one()
        row = {"round_id": round_id, "member_id": member_id, "current": 2, "ambition": 3, "comment": "", "cast_at": T0}
        connection.execute(insert(votes).values(row))
        with pytest.raises(IntegrityError):
            connection.execute(insert(votes).values({**row, "current": 4, "ambition": 4}))
        connection.rollback()


def test_a_channel_runs_one_active_assessment_at_a_time(db_engine, start):
    first = start()
    with SqlUnitOfWork(db_engine) as uow:
        uow.assessments.add(first)
        uow.commit()

    second = start()
    with SqlUnitOfWork(db_engine) as uow:
        with pytest.raises(ActiveAssessmentExists) as refused:
            uow.assessments.add(second)
        assert "already has an assessment under way" in refused.value.message
        # The refused insert ran in a savepoint: the unit of work can still say what is running.
        assert uow.assessments.active_in(CHANNEL).id == first.id
        elsewhere = start(Conversation(CHANNEL.platform, CHANNEL.workspace, "C-OTHER"))
        uow.assessments.add(elsewhere)
        uow.commit()

    with SqlUnitOfWork(db_engine) as uow:
        uow.assessments.get(first.id, for_update=True).close(SAM, at(5))
        uow.commit()
    with SqlUnitOfWork(db_engine) as uow:
        uow.assessments.add(second)  # the channel is free again
        uow.commit()
    assert load(db_engine, second.id).is_active


def test_a_vote_already_stored_by_another_process_is_a_concurrent_change(db_engine, stored):
    """The unique constraint on (round, member) is reported in the domain's words."""
    assessment = stored()
    with SqlUnitOfWork(db_engine) as uow:
        mine = uow.assessments.get(assessment.id)
        # Another process, not holding the lock, got its vote for Amira in first.
        session = uow.session
        round_id = session.execute(select(RoundRow.id).where(RoundRow.assessment_id == assessment.id)).scalar_one()
        member_id = session.execute(
            select(MemberRow.id).where(MemberRow.assessment_id == assessment.id, MemberRow.user_id == AMIRA.user_id)
        ).scalar_one()
        session.execute(
            insert(VoteRow.__table__).values(
                round_id=round_id, member_id=member_id, current=1, ambition=1, comment="", cast_at=T0
            )
        )
        mine.cast_vote(AMIRA, mine.focus_question_id, 3, 4, at(1))
        with pytest.raises(ConcurrentChange) as refused:
            uow.commit()
    assert "try again" in refused.value.message
    assert load(db_engine, assessment.id).rounds[0].votes == {}


def test_a_stale_assessment_is_refused_instead_of_overwriting(db_engine, stored):
    assessment = stored()
    with SqlUnitOfWork(db_engine) as uow:
        mine = uow.assessments.get(assessment.id)
        uow.session.execute(text("UPDATE assessment SET version = version + 1 WHERE id = :id"), {"id": assessment.id})
        with pytest.raises(ConcurrentChange):
            uow.assessments.get(assessment.id)  # loading it again notices at once
        mine.cast_vote(AMIRA, mine.focus_question_id, 3, 4, at(1))
        with pytest.raises(ConcurrentChange):
            uow.commit()
    assert load(db_engine, assessment.id).rounds[0].votes == {}


def test_without_the_lock_the_later_of_two_commands_loses_on_postgresql(db_engine, stored):
    only_on(db_engine, "postgresql")
    assessment = stored()
    question = assessment.focus_question_id
    with SqlUnitOfWork(db_engine) as first, SqlUnitOfWork(db_engine) as second:
        a1, a2 = first.assessments.get(assessment.id), second.assessments.get(assessment.id)
        a2.cast_vote(BEN, question, 3, 3, at(1))
        second.commit()
        a1.cast_vote(AMIRA, question, 2, 4, at(2))
        with pytest.raises(ConcurrentChange):
            first.commit()
    assert set(load(db_engine, assessment.id).rounds[0].votes) == {BEN}


def test_on_sqlite_a_writer_kept_waiting_too_long_is_told_the_database_is_busy(db_engine, stored):
    only_on(db_engine, "sqlite")
    assessment = stored()

    @event.listens_for(db_engine, "connect")
    def impatient(dbapi_connection, _record):  # noqa: ANN001
        dbapi_connection.execute("PRAGMA busy_timeout = 100")

    db_engine.dispose()  # new connections, with the short timeout
    try:
        with SqlUnitOfWork(db_engine) as first:
            first.assessments.get(assessment.id)  # holds the write lock from BEGIN IMMEDIATE
            with SqlUnitOfWork(db_engine) as second, pytest.raises(StorageError) as refused:
                second.assessments.get(assessment.id)
        assert "busy" in refused.value.message and "try again" in refused.value.message
    finally:
        event.remove(db_engine, "connect", impatient)


# ---------------------------------------------------------------- workspace isolation


def test_workspaces_and_platforms_never_see_each_others_assessments(db_engine, start):
    # The same channel id in another workspace, and on another platform, is another channel.
    ours = CHANNEL
    theirs = Conversation("slack", "T-SOUTHSHIRE", ours.channel_id)
    teams = Conversation("teams", ours.workspace, ours.channel_id)
    starters = {ours: SAM, theirs: person("U-SAM", "T-SOUTHSHIRE"), teams: person("U-SAM", platform="teams")}
    made = {}
    for conversation, starter in starters.items():
        made[conversation] = start(conversation, starter=starter, members=[])
        with SqlUnitOfWork(db_engine) as uow:
            uow.assessments.add(made[conversation])
            uow.commit()

    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        for conversation, assessment in made.items():
            assert uow.assessments.active_in(conversation).id == assessment.id
            assert uow.assessments.latest_in(conversation).id == assessment.id
        listed = uow.assessments.list_for_workspace("slack", ours.workspace)
        assert [s.id for s in listed] == [made[ours].id]
        assert listed[0].channel_id == ours.channel_id and listed[0].status is AssessmentStatus.ACTIVE
        assert listed[0].created_at == T0 and listed[0].title == made[ours].title
        assert [s.id for s in uow.assessments.list_for_workspace("slack", "T-SOUTHSHIRE")] == [made[theirs].id]
        assert uow.assessments.list_for_workspace("slack", "T-NOWHERE") == []


# ------------------------------------------------------------------ the unit of work


def test_a_command_that_fails_before_commit_stores_nothing(db_engine, start, stored):
    fresh = start(Conversation("slack", "T-NORTHSHIRE", "C-NEW"))
    with pytest.raises(RuntimeError), SqlUnitOfWork(db_engine) as uow:
        uow.assessments.add(fresh)  # written to the database, inside the transaction
        raise RuntimeError("the platform call after it failed")
    with SqlUnitOfWork(db_engine) as uow, pytest.raises(NotFound):
        uow.assessments.get(fresh.id)

    assessment = stored()
    with pytest.raises(RuntimeError), SqlUnitOfWork(db_engine) as uow:
        loaded = uow.assessments.get(assessment.id, for_update=True)
        loaded.cast_vote(AMIRA, loaded.focus_question_id, 3, 4, at(1))
        uow.assessments.save(loaded)  # sent, but not committed
        raise RuntimeError("rendering the confirmation failed")
    assert load(db_engine, assessment.id) == assessment


def test_commit_writes_changes_even_without_save(db_engine, stored):
    assessment = stored()
    with SqlUnitOfWork(db_engine) as uow:
        loaded = uow.assessments.get(assessment.id, for_update=True)
        loaded.cast_vote(AMIRA, loaded.focus_question_id, 3, 4, at(1))
        uow.commit()
    assert AMIRA in load(db_engine, assessment.id).rounds[0].votes


def test_a_read_only_unit_of_work_refuses_to_commit(db_engine, stored):
    assessment = stored()
    with SqlUnitOfWork(db_engine, read_only=True) as uow, pytest.raises(RuntimeError, match="read-only"):
        uow.assessments.get(assessment.id)
        uow.commit()


def test_only_an_assessment_loaded_in_this_unit_of_work_can_be_saved(db_engine, stored):
    assessment = stored()
    with SqlUnitOfWork(db_engine) as uow, pytest.raises(ValueError, match="not loaded or added"):
        uow.assessments.save(assessment)  # the caller's copy, not one loaded here


def test_what_the_tables_cannot_hold_is_refused_before_anything_is_written(db_engine, stored):
    assessment = stored()
    with SqlUnitOfWork(db_engine) as uow:
        loaded = uow.assessments.get(assessment.id)
        del loaded.members[OLU]  # the engine has no way to do this; storage would lose votes
        with recorded_statements(db_engine) as statements, pytest.raises(ValueError, match="removing members"):
            uow.assessments.save(loaded)
    assert writes(statements) == []


def test_loading_twice_in_one_unit_of_work_gives_the_same_object(db_engine, stored):
    assessment = stored()
    with SqlUnitOfWork(db_engine) as uow:
        first = uow.assessments.get(assessment.id)
        assert uow.assessments.active_in(CHANNEL, for_update=True) is first
        assert uow.assessments.latest_in(CHANNEL) is first
        assert uow.assessments.seen == [first]


# --------------------------------------------------------------------- small writes


def verb_and_table(statement: str) -> str:
    verb, table = re.match(r"\s*(INSERT INTO|UPDATE|DELETE FROM)\s+(\w+)", statement).groups()
    return f"{verb.split()[0]} {table}"


def test_a_vote_is_a_couple_of_small_writes(db_engine, stored):
    assessment = stored()
    question = assessment.focus_question_id

    def command(action) -> list[str]:
        with SqlUnitOfWork(db_engine) as uow:
            loaded = uow.assessments.get(assessment.id, for_update=True)
            action(loaded)
            with recorded_statements(db_engine) as statements:
                uow.assessments.save(loaded)
                uow.commit()
        return writes(statements)

    first = command(lambda a: a.cast_vote(AMIRA, question, 2, 3, at(1)))
    assert len(first) <= 5
    # The vote itself, the assessment's version for the optimistic check, and the audit trail:
    # the vote's entry and the chain's head.
    trail = ["INSERT audit_entry", "UPDATE audit_head"]
    assert sorted(map(verb_and_table, first)) == sorted(["INSERT vote", "UPDATE assessment", *trail])
    changed = command(lambda a: a.cast_vote(AMIRA, question, 3, 3, at(2)))
    assert sorted(map(verb_and_table, changed)) == sorted(["UPDATE assessment", "UPDATE vote", *trail])
    withdrawn = command(lambda a: a.withdraw_vote(AMIRA, question))
    assert sorted(map(verb_and_table, withdrawn)) == sorted(["DELETE vote", "UPDATE assessment", *trail])
    assert command(lambda a: a.progress(a.focus_round)) == []  # looking changes nothing


# ---------------------------------------------------------------------- concurrency


def run_together(*commands) -> list[BaseException]:
    """Start the commands on threads at the same moment; return what they raised."""
    barrier = threading.Barrier(len(commands))
    failures: list[BaseException] = []

    def run(command) -> None:
        barrier.wait()
        try:
            command()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            failures.append(error)

    threads = [threading.Thread(target=run, args=(c,)) for c in commands]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return failures


def test_votes_arriving_at_the_same_moment_all_land(db_engine, stored):
    assessment = stored()
    question = assessment.focus_question_id
    voters = {AMIRA: 2, BEN: 3, CHLOE: 4, SAM: 5}

    def vote(voter, current):
        def command() -> None:
            with SqlUnitOfWork(db_engine) as uow:
                loaded = uow.assessments.get(assessment.id, for_update=True)
                time.sleep(0.05)  # hold the lock a moment, so the others really have to wait
                loaded.cast_vote(voter, question, current, 5, at(1))
                uow.commit()

        return command

    assert run_together(*(vote(v, c) for v, c in voters.items())) == []
    votes = load(db_engine, assessment.id).rounds[0].votes
    assert {voter: v.current for voter, v in votes.items()} == voters


def test_a_vote_submitted_twice_at_once_is_stored_once(db_engine, stored):
    assessment = stored()
    question = assessment.focus_question_id
    outcomes = []

    def submit() -> None:
        with SqlUnitOfWork(db_engine) as uow:
            loaded = uow.assessments.get(assessment.id, for_update=True)
            time.sleep(0.05)
            outcomes.append(loaded.cast_vote(AMIRA, question, 3, 4, at(1)))
            uow.commit()

    assert run_together(submit, submit) == []
    assert sorted(o.changed for o in outcomes) == [False, True]  # the second replaced the first
    with db_engine.connect() as connection:
        assert len(connection.execute(select(VoteRow.id)).all()) == 1
    assert load(db_engine, assessment.id).rounds[0].votes[AMIRA].current == 3
