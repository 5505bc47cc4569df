"""The right of access and the right to erasure: `accord member export` and `accord member forget`.

A team runs two questions through the real use cases (the console adapter, the door, a real
database); then one member asks for everything stored about them, and to be forgotten. Their
export holds their votes, comments and profile and nothing of anyone else's; forgetting removes
their name, comments, profile and messages while the team's counts, measures and agreed answers
stay exactly as they were. On SQLite and, with ACCORD_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import io
import json
import stat
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from adapters.console.session import ConsoleSession, ConsoleTeam, console_person
from bot.catalogue import FrameworkCatalogue
from bot.cli import main
from bot.door import Door
from bot.export import report_json
from bot.members import UnknownPerson, export_person, forget_person
from bot.service import Accord
from engine.assessment import Conversation, Identity, Settings
from engine.erasure import FORMER_MEMBER
from engine.views import CHANNEL, Kind, Message, only
from storage.members import PSEUDONYM_PREFIX
from storage.outbox import OutboxRepository
from storage.teams_tables import ConversationReferenceRepository
from storage.unit_of_work import SqlUnitOfWork

REPO = Path(__file__).resolve().parents[2]
APP_YAML = str(REPO / "app.yaml")
NAMES = ["Sam", "Amira", "Bea", "Chidi"]
PLACE = Conversation("console", "test-council", "leadership")
AMIRA = Identity("console", "test-council", "amira")
BEA = Identity("console", "test-council", "bea")
SAM = Identity("console", "test-council", "sam")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=30)
        return self.now


class Team:
    def __init__(self, database: Engine) -> None:
        self.accord = Accord(partial(SqlUnitOfWork, database), FrameworkCatalogue.load(), Settings())
        people = [console_person(name, "test-council") for name in NAMES]
        self.session = ConsoleSession(Door(self.accord, database), ConsoleTeam(people), PLACE, Clock())

    def say(self, line: str) -> None:
        reply = self.session.say(line)
        assert reply.ok, reply.messages


@pytest.fixture
def council(db_engine: Engine) -> Engine:
    """Two questions agreed, one open; Amira commented on each; her profile, messages and references stored."""
    team = Team(db_engine)
    team.say("@sam start")
    team.say("@amira vote 2 4 ask the marmalade team")
    team.say("@bea vote 3 4 bea's own thoughts")
    team.say("@chidi vote 3 5")
    team.say("@sam vote 4 4")
    team.say("@sam reveal")
    team.say("@sam finalise 3 4 agreed after discussion")
    team.say("@amira vote 1 3 the quince question")
    team.say("@bea vote 2 3")
    team.say("@chidi vote 2 4")
    team.say("@sam vote 2 3")
    team.say("@sam reveal")
    team.say("@sam finalise 2 3")
    team.say("@amira vote 3 3 still thinking")  # question 1.3, open
    with SqlUnitOfWork(db_engine) as uow:
        uow.profiles.record(AMIRA, NOW, timezone="Europe/London", working_hours={"start": "09:00", "end": "17:30"})
        uow.profiles.record(BEA, NOW, timezone="Europe/Paris")
        outbox = OutboxRepository(uow.session)
        outbox.add(PLACE, _message("Reminder for Amira", only(AMIRA)), NOW, dedupe_key="reminder:x:1.3:1:console:test-council:amira:1")
        outbox.add(PLACE, _message("Reminder for Bea", only(BEA)), NOW, dedupe_key="reminder:x:1.3:1:console:test-council:bea:1")
        outbox.add(PLACE, _message("Who voted what: Amira said 'ask the marmalade team'", only(SAM)), NOW, dedupe_key="sam-only")
        outbox.add(PLACE, _message("3 of 4 have voted", CHANNEL), NOW)
        references = ConversationReferenceRepository(uow.session)
        references.record("console", "test-council", "person", "amira", {"account": {"id": "amira", "name": "Amira"}}, NOW)
        references.record("console", "test-council", "person", "bea", {"account": {"id": "bea", "name": "Bea"}}, NOW)
        roster = {"conversation": {"id": "c"}, "members": [{"id": "amira", "name": "Amira"}, {"id": "bea", "name": "Bea"}]}
        references.record("console", "test-council", "channel", "leadership", roster, NOW)
        uow.commit()
    with db_engine.begin() as connection:  # the message to Sam was delivered
        connection.execute(text("UPDATE outbox SET sent_at = created_at WHERE dedupe_key = 'sam-only'"))
    return db_engine


def _message(heading: str, audience) -> Message:
    return Message(Kind.NOTICE, audience, heading)


def _assessment(database: Engine):
    with SqlUnitOfWork(database, read_only=True) as uow:
        (summary,) = uow.assessments.list_for_workspace("console", "test-council")
        return uow.assessments.get(summary.id)


def _what_the_team_has(assessment) -> dict:
    """Everything counted and agreed, without names or comments: forgetting leaves it as it was."""
    return {
        "report": report_json(assessment),
        "voters": len(assessment.voters()),
        "rounds": [
            (
                r.question_id, r.number, r.state, r.measures, r.proposal,
                None if r.consensus is None else (r.consensus.current, r.consensus.ambition, r.consensus.note, r.consensus.recorded_at),
                sorted((v.current, v.ambition, v.cast_at) for v in r.votes.values()),
                assessment.progress(r),
            )
            for r in assessment.rounds
        ],
    }


def _dump(database: Engine) -> str:
    with database.connect() as connection:
        rows = {
            table: [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))]
            for table in ("member", "round", "vote", "outbox", "person_profile", "conversation_reference", "reminder")
        }
    return repr(rows)


# ------------------------------------------------------------------------------ export


def test_the_export_holds_everything_about_them_and_nothing_of_anyone_else(council):
    export = export_person(council, AMIRA, NOW)
    (assessment,) = export["assessments"]
    assert assessment["name"] == "Amira" and assessment["role"] == "member" and assessment["channel"] == "leadership"
    votes = {(v["question"], v["round"]): (v["current"], v["ambition"], v["comment"]) for v in assessment["votes"]}
    assert votes == {
        ("1.1", 1): (2, 4, "ask the marmalade team"),
        ("1.2", 1): (1, 3, "the quince question"),
        ("1.3", 1): (3, 3, "still thinking"),
    }
    assert all(v["cast_at"] for v in assessment["votes"])
    assert assessment["consensus_recorded"] == []  # Sam recorded them
    assert export["profile"]["timezone"] == "Europe/London"
    assert export["profile"]["working_hours"] == {"start": "09:00", "end": "17:30"}
    assert export["profile"]["updated_at"] == "2026-11-23T12:00:00+00:00"
    assert all(v["cast_at"].endswith("+00:00") for v in assessment["votes"])
    assert [m["message"]["heading"] for m in export["messages_to_them"]] == ["Reminder for Amira"]
    assert {(r["scope"], r["target"]) for r in export["teams_references"]} == {("person", "amira"), ("channel", "leadership")}
    roster = next(r for r in export["teams_references"] if r["scope"] == "channel")
    assert roster["reference"] == {"members": [{"id": "amira", "name": "Amira"}]}
    assert "Receipts" in export["not_included"]
    written = json.dumps(export)
    for someone_else in ("bea's own thoughts", "Bea", "Europe/Paris", "Reminder for Bea", "Who voted what"):
        assert someone_else not in written


def test_the_export_names_the_agreed_answers_they_recorded(council):
    (assessment,) = export_person(council, SAM, NOW)["assessments"]
    assert assessment["role"] == "super-user"
    recorded = [(c["question"], c["current"], c["ambition"], c["note"]) for c in assessment["consensus_recorded"]]
    assert recorded == [("1.1", 3, 4, "agreed after discussion"), ("1.2", 2, 3, "")]


# ----------------------------------------------------------------------------- forget


def test_forgetting_removes_the_name_comments_and_profile_and_keeps_what_the_team_agreed(council):
    before = _assessment(council)
    kept = _what_the_team_has(before)
    bea_before = [r.votes[BEA] for r in before.rounds if BEA in r.votes]

    forgotten = forget_person(council, AMIRA)

    assert (forgotten.assessments, forgotten.votes, forgotten.comments) == (1, 3, 3)
    assert (forgotten.profile, forgotten.messages, forgotten.redacted) == (1, 1, 1)
    assert (forgotten.references, forgotten.rosters) == (1, 1)
    after = _assessment(council)
    assert _what_the_team_has(after) == kept
    assert AMIRA not in after.members
    (former,) = [m for m in after.members.values() if m.name == FORMER_MEMBER]
    assert former.identity.user_id.startswith(PREFIX := PSEUDONYM_PREFIX) and len(former.identity.user_id) > len(PREFIX) + 16
    assert former.identity.platform == "console" and former.identity.workspace == "test-council"
    assert [r.votes[former.identity].comment for r in after.rounds if former.identity in r.votes] == ["", "", ""]
    # Nobody else's data moved.
    assert [r.votes[BEA] for r in after.rounds if BEA in r.votes] == bea_before
    assert after.members[BEA].name == "Bea" and after.members[SAM].name == "Sam"
    with SqlUnitOfWork(council, read_only=True) as uow:
        assert uow.profiles.get(AMIRA) is None
        assert uow.profiles.get(BEA).timezone == "Europe/Paris"
        assert ConversationReferenceRepository(uow.session).get("console", "test-council", "person", "bea") is not None
        roster = ConversationReferenceRepository(uow.session).get("console", "test-council", "channel", "leadership")
        assert roster.reference["members"] == [{"id": "bea", "name": "Bea"}]
    stored = _dump(council)
    for trace in ("Amira", "'amira'", "console:test-council:amira", "marmalade", "quince", "still thinking", "Europe/London"):
        assert trace not in stored, trace
    assert "bea's own thoughts" in stored and "Reminder for Bea" in stored and "3 of 4 have voted" in stored
    # Asked again, nothing is stored about them.
    with pytest.raises(UnknownPerson):
        export_person(council, AMIRA, NOW)
    with pytest.raises(UnknownPerson):
        forget_person(council, AMIRA)


def test_forgetting_who_recorded_the_answers_keeps_the_answers(council):
    kept = _what_the_team_has(_assessment(council))
    forgotten = forget_person(council, SAM)
    assert forgotten.consensus == 2 and forgotten.still_active == ["Efficient and intelligent councils"]
    after = _assessment(council)
    assert _what_the_team_has(after) == kept
    (former,) = [m for m in after.members.values() if m.name == FORMER_MEMBER]
    assert former.role.value == "super-user"
    recorders = {r.consensus.recorded_by for r in after.rounds if r.consensus is not None}
    assert recorders == {former.identity}
    with council.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM round WHERE consensus_by_user_id = 'sam'")).scalar() == 0


def test_the_team_carries_on_after_someone_is_forgotten(council):
    """The open question still counts the former member's vote, and the process's cached copy is not used."""
    team = Team(council)
    team.say("@bea vote 3 4")  # loads the assessment (and caches it) before the forget
    forget_person(council, AMIRA)
    team.say("@chidi vote 3 4")
    team.say("@sam vote 3 4")
    team.say("@sam reveal")
    after = _assessment(council)
    assert after.focus_round.votes and len(after.focus_round.votes) == 4
    assert after.focus_round.measures is not None


def test_pseudonyms_differ_from_one_assessment_to_the_next(council):
    team = Team(council)
    team.say("@sam close")
    team.say("@sam start")
    team.say("@amira vote 4 5")
    assert len(export_person(council, AMIRA, NOW)["assessments"]) == 2
    forget_person(council, AMIRA)
    with council.connect() as connection:
        pseudonyms = connection.execute(text("SELECT user_id FROM member WHERE name = :n"), {"n": FORMER_MEMBER}).scalars().all()
    assert len(pseudonyms) == 2 and len(set(pseudonyms)) == 2


# -------------------------------------------------------------------------------- CLI


def _cli(db_url: str, *args: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    status = main(["--config", APP_YAML, "member", *args, "--database", db_url], stdin=io.StringIO(stdin), stdout=out)
    return status, out.getvalue()


def test_the_cli_exports_as_json_and_to_a_file_only_its_owner_reads(council, db_url, tmp_path):
    status, printed = _cli(db_url, "export", "console:test-council:amira")
    assert status == 0
    assert json.loads(printed)["assessments"][0]["name"] == "Amira"
    target = tmp_path / "amira.json"
    status, printed = _cli(db_url, "export", "console:test-council:amira", "--output", str(target))
    assert status == 0 and printed == f"Wrote everything stored about console:test-council:amira to {target}: keep it confidential.\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text(encoding="utf-8"))["profile"]["timezone"] == "Europe/London"


def test_the_cli_forgets_after_confirmation_and_says_what_it_changed(council, db_url):
    status, printed = _cli(db_url, "forget", "console:test-council:amira", stdin="no\n")
    assert status == 1 and "This forgets console:test-council:amira for good" in printed
    assert "as Amira (member), 3 votes, 3 comments" in printed and printed.endswith("Nothing was changed.\n")
    assert export_person(council, AMIRA, NOW)["assessments"][0]["name"] == "Amira"

    status, printed = _cli(db_url, "forget", "console:test-council:amira", "--yes")
    assert status == 0
    (line,) = printed.splitlines()
    assert line.startswith("Forgot console:test-council:amira: 1 assessment now name them 'Former member'")
    assert "3 votes kept without a name, 3 comments cleared, their profile deleted, 1 message to them deleted" in line
    assert "1 delivered message naming them emptied, 2 Teams references cleared." in line


def test_the_cli_refuses_an_unknown_person_in_one_line(council, db_url, capsys):
    before = _dump(council)
    for action in ("export", "forget"):
        status, printed = _cli(db_url, action, "console:test-council:nobody", "--yes") if action == "forget" else _cli(
            db_url, action, "console:test-council:nobody"
        )
        error = capsys.readouterr().err
        assert status == 2 and printed == ""
        assert error == (
            "accord: nothing is stored about console:test-council:nobody: no assessment, vote, profile, message or "
            "reference names them (check the platform, workspace and user id).\n"
        )
    status, _ = _cli(db_url, "forget", "amira", "--yes")
    assert status == 2
    assert capsys.readouterr().err == "accord: PERSON is PLATFORM:WORKSPACE:USER, e.g. slack:T0123:U0456, not 'amira'.\n"
    assert _dump(council) == before
