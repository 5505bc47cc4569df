"""The audit trail on a real database (SQLite, and PostgreSQL when ACCORD_TEST_DATABASE_URL is set).

Entries are written in the transaction of the change they record and rolled back with it; the
hash chain verifies, and fails, naming the entry, once a row is edited or deleted by hand; a
lawful erasure keeps it verifiable; grouped votes get their entries in order.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from sqlalchemy import Engine, text

from bot import commands as grammar
from bot.audit import export_trail, trail, verify
from bot.cli import main
from bot.members import export_person, forget_person
from bot.service import Request
from engine.audit import INSTALL_CHAIN, AuditAction
from engine.erasure import FORMER_MEMBER
from storage.database_work import DatabaseWork
from storage.unit_of_work import SqlUnitOfWork
from tests.audit.conftest import (
    AMIRA,
    BEN,
    NOW,
    PEOPLE,
    PLACE,
    SAM,
    Channel,
    Person,
    Team,
    accord_in,
)


def cli(db_url: str, *args: str) -> int:
    return main(["audit", *args, "--database", db_url])


def test_every_change_is_in_the_trail_with_who_and_before_and_after(team: Team):
    records = trail(team.database, team.assessment_id)
    assert [r.sequence for r in records] == list(range(1, len(records) + 1))
    changed = next(r for r in records if r.event.action is AuditAction.VOTE_CHANGED)
    assert changed.event.actor_name == "Amira" and changed.platform == "slack"
    assert (changed.event.before, changed.event.after) == ({"current": 1, "ambition": 3}, {"round": 1, "current": 1, "ambition": 4})
    assert changed.event.comments == {"before": "not sure", "after": "on reflection"}
    revealed = next(r for r in records if r.event.action is AuditAction.REVEALED)
    assert revealed.event.actor_name == "Sam"
    finalised = next(r for r in records if r.event.action is AuditAction.FINALISED)
    assert finalised.event.note == "two camps, agreed the lower view" and finalised.event.after["current"] == 2


def test_verify_passes_and_names_the_entry_edited_by_hand(team: Team, db_url: str, capsys):
    checked = verify(team.database)
    assert checked.intact and checked.line() == f"{checked.entries} entries, chain intact" and checked.entries == len(team.rows())
    assert cli(db_url, "verify", "--heads") == 0
    out = capsys.readouterr().out
    assert "chain intact" in out and f"{team.assessment_id} {team.rows()[-1].hash}" in out
    finalised = next(r for r in team.rows() if r.action == "finalised")
    team.sql("UPDATE audit_entry SET after = :a WHERE id = :i", a='{"ambition":5,"current":3,"round":1}', i=finalised.id)
    checked = verify(team.database, team.assessment_id)
    assert not checked.intact
    assert (checked.problem.chain, checked.problem.sequence) == (team.assessment_id, finalised.sequence)
    assert "altered" in checked.problem.what
    assert cli(db_url, "verify", team.assessment_id) == 1
    assert f"entry {finalised.sequence}: was altered" in capsys.readouterr().err


def test_an_edited_name_or_comment_is_found_too(team: Team):
    changed = next(r for r in team.rows() if r.action == "vote changed")
    team.sql("UPDATE audit_entry SET actor_name = 'Ben' WHERE id = :i", i=changed.id)
    problem = verify(team.database).problem
    assert problem.sequence == changed.sequence and "who acted" in problem.what


def test_a_deleted_entry_is_found_in_the_middle_and_at_the_end(team: Team):
    rows = team.rows()
    team.sql("DELETE FROM audit_entry WHERE id = :i", i=rows[-1].id)
    problem = verify(team.database).problem
    assert problem.sequence == rows[-1].sequence and "missing" in problem.what
    team.sql("DELETE FROM audit_entry WHERE id = :i", i=rows[3].id)
    assert verify(team.database).problem.sequence == rows[3].sequence


def test_an_assessment_whose_trail_was_deleted_is_found(team: Team):
    team.sql("DELETE FROM audit_entry")
    team.sql("DELETE FROM audit_head")
    problem = verify(team.database).problem
    assert problem.chain == team.assessment_id and "no audit trail" in problem.what


def test_entries_are_written_with_the_change_and_rolled_back_with_it(team: Team):
    before = len(team.rows())
    with SqlUnitOfWork(team.database) as uow:
        assessment = uow.assessments.get(team.assessment_id, for_update=True)
        assessment.cast_vote(AMIRA.identity, assessment.focus_question_id, 3, 4, NOW + timedelta(hours=1))
        uow.commit()
    assert len(team.rows()) == before + 1
    with SqlUnitOfWork(team.database) as uow:
        assessment = uow.assessments.get(team.assessment_id, for_update=True)
        assessment.cast_vote(BEN.identity, assessment.focus_question_id, 3, 4, NOW + timedelta(hours=1))
        uow.assessments.save(assessment)
        uow.audit.append(assessment.id, assessment.pending_audit)  # written, then the transaction is abandoned
        # no commit: leaving the block rolls back the vote and its entry together
    assert len(team.rows()) == before + 1
    assert verify(team.database).intact


def test_a_lawful_erasure_keeps_the_chain_verifiable_and_records_itself(team: Team, db_url: str):
    assert main(["member", "export", AMIRA.identity.key, "--database", db_url]) == 0
    exported = export_person(team.database, AMIRA.identity, NOW)["audit_entries"]
    changed = next(e for e in exported if e["action"] == "vote changed")
    assert changed["by_them"] and changed["comments"] == {"before": "not sure", "after": "on reflection"}
    assert "Sam" not in json.dumps(exported)  # their entries, not who else acted
    forget_person(team.database, AMIRA.identity, NOW + timedelta(days=30))
    checked = verify(team.database)
    assert checked.intact, checked.line()
    rows = team.rows()
    assert not any(AMIRA.identity.key in (r.actor, r.person) or "reflection" in r.comments for r in rows)
    forgotten = rows[-1]
    assert forgotten.action == "member forgotten" and forgotten.person_name == FORMER_MEMBER
    with team.database.connect() as connection:
        pseudonym = connection.execute(text("SELECT user_id FROM member WHERE name = :n"), {"n": FORMER_MEMBER}).scalar_one()
    assert forgotten.person.endswith(pseudonym)  # the same pseudonym as the member row: votes and trail still belong together
    assert any(r.actor == forgotten.person and r.action == "vote changed" for r in rows)
    install = trail(team.database, INSTALL_CHAIN)
    assert [r.event.action for r in install] == [AuditAction.MEMBER_EXPORTED, AuditAction.MEMBER_FORGOTTEN]
    assert AMIRA.identity.key not in json.dumps([r.event.personal() for r in install])


def test_an_erasure_faked_by_hand_is_found(team: Team):
    cast = next(r for r in team.rows() if r.action == "vote cast" and r.actor == BEN.identity.key)
    team.sql("UPDATE audit_entry SET actor = 'slack:T1:forgotten-x', actor_name = :n, salt = '' WHERE id = :i", n=FORMER_MEMBER, i=cast.id)
    problem = verify(team.database).problem
    assert problem.sequence == cast.sequence and "no erasure" in problem.what


def test_votes_grouped_in_one_commit_get_their_entries_in_order(db_engine: Engine):
    Team(db_engine).say(SAM, "start")

    def vote(person: Person, current: int):
        def command(shared):
            request = Request(person, PLACE, NOW + timedelta(minutes=current))
            return accord_in(db_engine, shared).handle(request, grammar.Vote(current, 5), Channel())

        return command

    async def together():
        return await asyncio.gather(*(work.command(vote(p, n + 1), PLACE) for n, p in enumerate(PEOPLE)))

    work = DatabaseWork(db_engine)
    try:
        replies = asyncio.run(together())
    finally:
        work.close()
    assert all(r.ok for r in replies)
    votes = [r for r in trail(db_engine, Team(db_engine).assessment_id) if r.event.action is AuditAction.VOTE_CAST]
    assert [(r.event.actor_name, r.event.after["current"]) for r in votes] == [(p.name, n + 1) for n, p in enumerate(PEOPLE)]
    assert verify(db_engine).intact


def test_the_trail_exports_as_csv_and_json(team: Team, db_url: str, tmp_path, capsys):
    records = trail(team.database, team.assessment_id)
    data = json.loads(export_trail(records, "json"))["entries"]
    assert [e["sequence"] for e in data] == [r.sequence for r in records]
    assert any(e["action"] == "finalised" and e["note"] == "two camps, agreed the lower view" for e in data)
    target = tmp_path / "trail.csv"
    assert cli(db_url, "export", team.assessment_id, "--format", "csv", "--output", str(target)) == 0
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("sequence,at,platform,action,actor") and len(lines) == len(records) + 1
    assert target.stat().st_mode & 0o077 == 0
    assert cli(db_url, "export", "no-such-assessment") == 2


def test_a_reveal_at_the_deadline_is_recorded_as_the_schedulers(db_engine: Engine):
    from bot.scheduler import Sweeper
    from engine.reminders import SchedulePolicy

    team = Team(db_engine)
    team.say(SAM, "start")
    team.say(SAM, "deadline 1h")
    team.say(AMIRA, "vote 2 3")
    team.say(BEN, "vote 4 4")
    Sweeper(db_engine, SchedulePolicy()).sweep_deadlines(NOW + timedelta(hours=3))
    revealed = next(r for r in trail(db_engine, team.assessment_id) if r.event.action is AuditAction.REVEALED)
    assert revealed.platform == "scheduler" and revealed.event.automatic
    assert revealed.event.note == "automatic: the deadline passed"
    assert verify(db_engine).intact


def test_two_transactions_starting_one_chain_at_once_both_land_in_order(db_engine: Engine):
    import threading

    from engine.audit import AuditEvent

    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def export(n: int) -> None:
        try:
            with SqlUnitOfWork(db_engine) as uow:
                barrier.wait(5)
                uow.audit.append(INSTALL_CHAIN, [AuditEvent(AuditAction.MEMBER_EXPORTED, NOW, person=f"slack:T1:U{n}")], "console")
                uow.commit()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            failures.append(error)

    threads = [threading.Thread(target=export, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert failures == []
    assert [r.sequence for r in trail(db_engine, INSTALL_CHAIN)] == [1, 2]
    assert verify(db_engine).intact
