"""A team talking to Accord, through the console adapter and a real database.

These read like the conversation they test: someone says a line, and we look at what the
channel and that person were shown, and at what was (or was not) stored. They run on SQLite
and, when ACCORD_TEST_DATABASE_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from functools import partial

import pytest
from sqlalchemy import Engine, text

from adapters.console.render import ConsoleRenderer
from adapters.console.session import ConsoleSession, ConsoleTeam, console_person
from bot.catalogue import FrameworkCatalogue
from bot.door import Door
from bot.service import Accord, Reply
from engine.assessment import Conversation, RoundState, Settings
from engine.views import Kind
from storage.unit_of_work import SqlUnitOfWork

NAMES = ["Sam", "Amira", "Bea", "Chidi", "Dev", "Erin"]
PLACE = Conversation("console", "test-council", "leadership")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=30)
        return self.now


class Team:
    """Six people in a console channel; `say` returns what each of them was shown."""

    def __init__(self, database: Engine, *, queued: bool = False, language: str = "en") -> None:
        self.database = database
        self.accord = Accord(
            partial(SqlUnitOfWork, database),
            FrameworkCatalogue.load(),
            Settings(),
            queued_platforms=frozenset({"console"}) if queued else frozenset(),
            language=language,  # organisation.language
        )
        self.people = {name.lower(): console_person(name, "test-council") for name in NAMES}
        door = Door(self.accord, database)
        self.session = ConsoleSession(door, ConsoleTeam(list(self.people.values())), PLACE, Clock())
        self.last: Reply | None = None

    def say(self, line: str) -> Reply:
        self.last = self.session.say(line)
        return self.last

    def channel(self, reply: Reply | None = None) -> str:
        reply = reply or self.last
        return "\n".join(_text(m) for m in reply.messages if m.audience.is_channel)

    def private(self, name: str, reply: Reply | None = None) -> str:
        reply = reply or self.last
        who = self.people[name].identity
        return "\n".join(_text(m) for m in reply.messages if m.audience.person == who)

    def stored(self) -> dict:
        """Everything the database holds about assessments, to show a refusal changed nothing."""
        with self.database.connect() as connection:
            return {
                table: connection.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
                for table in ("assessment", "member", "round", "vote", "outbox")
            }

    def everyone_votes(self, current: int = 3, ambition: int = 4) -> None:
        for name in self.people:
            assert self.say(f"@{name} vote {current} {ambition}").ok, self.last.messages


def _names_in(text_seen: str) -> set[str]:
    words = set(re.findall(r"[A-Za-z]+", text_seen))
    return {name for name in NAMES if name in words}


def _text(message) -> str:
    return ConsoleRenderer(width=200).render(message)


@pytest.fixture
def team(db_engine: Engine) -> Team:
    team = Team(db_engine)
    assert team.say("@sam start").ok
    return team


def test_starting_shows_the_first_question_to_the_channel(db_engine):
    team = Team(db_engine)
    reply = team.say("@sam start")
    channel = team.channel(reply)
    assert "Sam started Efficient and intelligent councils" in channel
    assert "25 questions in 5 themes" in channel
    assert "Question 1.1 (1 of 25)" in channel
    assert "0 of 6 have voted" in channel
    assert "1 Emerging" in channel and "5 Leading" in channel


def test_a_vote_is_confirmed_privately_and_the_channel_sees_only_the_count(team):
    reply = team.say("@amira vote 2 4 ask the marmalade team")
    assert "We recorded your vote on question 1.1" in team.private("amira", reply)
    assert "Current position 2 (Developing), ambition 4 (Advanced)" in team.private("amira", reply)
    channel = team.channel(reply)
    assert "1 of 6 have voted" in channel
    assert not _names_in(channel) and "marmalade" not in channel
    assert "Current position 2" not in channel


def test_changing_a_vote_before_the_reveal_keeps_one_vote(team):
    team.say("@amira vote 2 4")
    reply = team.say("@amira vote 3 4")
    assert "We changed your vote" in team.private("amira", reply)
    assert "1 of 6 have voted" in team.channel(reply)
    assert len(team.stored()["vote"]) == 1


def test_status_names_who_is_waiting_only_to_the_super_user(team):
    team.say("@amira vote 2 4")
    team.say("@bea vote 3 4")
    assert "Not voted yet (only you see names): Chidi, Dev, Erin, Sam." in team.private("sam", team.say("@sam status"))
    member_view = team.private("chidi", team.say("@chidi status"))
    assert "2 of 6 have voted" in member_view
    assert "You have not voted on it yet." in member_view
    assert _names_in(member_view) == {"Sam"}  # only as the person to ask: "Super-user  Sam"
    assert "Not voted yet" not in member_view


def test_the_reveal_shows_the_anonymous_spread_and_a_proposal(team):
    for name, current in zip(["sam", "amira", "bea", "chidi", "dev", "erin"], [1, 1, 2, 4, 5, 5]):
        team.say(f"@{name} vote {current} 5")
    channel = team.channel(team.say("@sam reveal"))
    assert "Votes revealed: question 1.1 · split into two camps: discuss before agreeing" in channel
    assert "Current: distribution       1: 2  2: 1  3: 0  4: 1  5: 2" in channel
    assert "Ask someone from each camp" in channel
    assert "Proposed consensus          current 3 (Established), ambition 5 (Leading)" in channel
    assert not _names_in(channel)


def test_only_the_super_user_sees_who_voted_what(team):
    team.say("@amira vote 2 4 the data is old")
    team.say("@bea vote 3 4")
    refused = team.say("@bea who")
    assert "Only the super-user can see who voted what; ask Sam." in team.private("bea", refused)
    early = team.private("sam", team.say("@sam who"))  # Sam votes too, and has not yet
    assert "the data is old" not in early and "current 2" not in early
    assert "once you have cast your own" in early and "Voted  Amira, Bea" in early
    team.say("@sam vote 3 3")
    seen = team.private("sam", team.say("@sam who"))
    assert "Amira  current 2, ambition 4: “the data is old”" in seen
    assert "Not voted yet: Chidi, Dev, Erin." in seen
    assert team.channel() == ""


def test_on_two_camps_a_bare_finalise_is_refused_and_the_agreed_answer_needs_numbers_first(team):
    """#16, in the console: votes 1, 1, 5, 5 (two people watch), reveal, a bare finalise is
    refused with the reason; `finalise 2 4 two camps, agreed the lower view` is recorded."""
    team.say("@sam observer @dev")
    team.say("@sam observer @erin")
    for line in ("@sam vote 1 2", "@amira vote 1 3", "@bea vote 5 5", "@chidi vote 5 5"):
        team.say(line)
    assert "the current position rounds down and the ambition rounds up" in team.channel(team.say("@sam reveal"))
    refused = team.say("@sam finalise")
    assert "The team is split into two camps on the current position (1, 1, 5, 5)" in team.private("sam", refused)
    refused = team.say("@sam finalise abc")
    assert "Give the numbers first, not 'abc'" in team.private("sam", refused)
    reply = team.say("@sam finalise 2 4 two camps, agreed the lower view")
    assert "Note: two camps, agreed the lower view" in team.channel(reply)
    with team.database.connect() as connection:
        row = connection.execute(
            text("SELECT consensus_current, consensus_ambition, consensus_note FROM round WHERE consensus_at IS NOT NULL")
        ).one()
    assert tuple(row) == (2, 4, "two camps, agreed the lower view")


def test_a_bare_finalise_records_the_proposal_and_opens_the_next_question(team):
    team.everyone_votes(3, 4)
    team.say("@sam reveal")
    reply = team.say("@sam finalise")
    channel = team.channel(reply)
    assert "Consensus recorded: question 1.1" in channel
    assert "Agreed: current position 3 (Established), ambition 4 (Advanced)." in channel
    assert "Question 1.2 (2 of 25)" in channel
    with team.database.connect() as connection:
        row = connection.execute(
            text("SELECT consensus_current, consensus_ambition, state FROM round WHERE question_id = 'evidence-and-insight'")
        ).one()
    assert tuple(row) == (3, 4, "finalised")


def test_finalise_with_numbers_and_a_note(team):
    team.everyone_votes(2, 3)
    team.say("@sam reveal")
    channel = team.channel(team.say("@sam finalise 3 5 agreed after discussion"))
    assert "Agreed: current position 3 (Established), ambition 5 (Leading)." in channel
    assert "Note: agreed after discussion" in channel


@pytest.mark.parametrize(
    ("line", "person", "expected"),
    [
        ("@amira fnialise 3 4", "amira", "Did you mean `finalise`?"),
        ("@amira dance", "amira", "I don't know the command 'dance'."),
        ("@bea vote 7 4", "bea", "The current position 7 is off the scale: give a whole number from 1 to 5."),
        ("@bea vote 0 4", "bea", "off the scale"),
        ("@bea vote 4 2", "bea", "The ambition (2) is below the current position (4)."),
        ("@bea vote three 4", "bea", "The current position should be a whole number, not 'three'"),
        ("@chidi reveal", "chidi", "Only the super-user can reveal the votes; ask Sam."),
        ("@chidi finalise 3 4", "chidi", "Only the super-user can record the consensus; ask Sam."),
        ("@sam finalise 3 4", "sam", "Reveal question 1.1 first"),
        ("@sam reveal", "sam", "Only 1 vote on question 1.1 so far"),
        ("@sam reopen 4.2", "sam", "Question 4.2 has not been opened yet"),
        ("@sam start", "sam", "already running in this channel"),
    ],
)
def test_bad_input_gets_a_clear_private_answer_and_changes_nothing(team, line, person, expected):
    team.say("@amira vote 2 4")
    before = team.stored()
    reply = team.say(line)
    assert not reply.ok
    assert expected in team.private(person, reply)
    assert team.channel(reply) == ""
    assert team.stored() == before


def test_a_vote_on_a_finalised_question_is_refused_and_the_record_stands(team):
    team.everyone_votes(3, 4)
    team.say("@sam reveal")
    team.say("@sam finalise")
    before = team.stored()
    reply = team.say("@amira vote 1.1 1 2")
    assert "Question 1.1 has been finalised; votes can no longer change." in team.private("amira", reply)
    assert team.stored() == before


def test_reopening_a_question_keeps_every_other_consensus(team):
    team.everyone_votes(3, 4)
    team.say("@sam reveal")
    team.say("@sam finalise")  # 1.1 agreed at 3/4; 1.2 opens
    team.everyone_votes(2, 4)
    team.say("@sam reveal")
    team.say("@sam finalise 2 3 aim lower this year")  # 1.2 agreed at 2/3 (below every vote: a note); 1.3 opens
    reply = team.say("@sam reopen 1.1")
    assert "Question 1.1 reopened" in team.channel(reply)
    assert "Round 2: the question was reopened, so everyone votes again." in team.channel(reply)
    team.everyone_votes(4, 5)
    team.say("@sam reveal")
    team.say("@sam finalise")
    with team.database.connect() as connection:
        rows = connection.execute(
            text("SELECT question_id, number, consensus_current, consensus_ambition FROM round ORDER BY position")
        ).all()
    agreed = {(q, n): (c, a) for q, n, c, a in rows if c is not None}
    assert agreed[("evidence-and-insight", 1)] == (3, 4)  # round 1 of 1.1 still on record
    assert agreed[("evidence-and-insight", 2)] == (4, 5)
    assert (2, 3) in agreed.values()  # 1.2 untouched


def test_observers_do_not_count(team):
    reply = team.say("@sam observer @erin")
    assert "Erin is now an observer" in team.channel(reply)
    reply = team.say("@amira vote 3 4")
    assert "1 of 5 have voted" in team.channel(reply)
    refused = team.say("@erin vote 3 4")
    assert "Observers follow the assessment but do not vote." in team.private("erin", refused)


def test_the_assessment_survives_a_restart(team, db_engine):
    team.say("@amira vote 2 4")
    team.say("@bea vote 3 4")
    restarted = Team(db_engine)  # a new service over the same database: a new process
    view = restarted.private("sam", restarted.say("@sam status"))
    assert "Now: question 1.1 is open." in view
    assert "2 of 6 have voted." in view


def test_closing_early_gives_the_summary_of_what_was_agreed(team):
    team.everyone_votes(3, 4)
    team.say("@sam reveal")
    team.say("@sam finalise")
    channel = team.channel(team.say("@sam close"))
    assert "Assessment closed" in channel
    assert "Summary: Efficient and intelligent councils" in channel
    assert "from 1 agreed question." in channel


def test_queued_platforms_write_what_others_see_in_the_same_transaction(db_engine):
    team = Team(db_engine, queued=True)
    team.say("@sam start")
    team.say("@amira vote 2 4")
    queued = [row for row in team.stored()["outbox"]]
    messages = [row.message if isinstance(row.message, dict) else json.loads(row.message) for row in queued]
    kinds = [message["kind"] for message in messages]
    # The start notice, then the first question with its new progress line: nothing was sent
    # yet, so the vote's version took the place of the question's first one in the outbox.
    # Amira's private confirmation is answered directly, never queued for the channel.
    assert kinds == [Kind.NOTICE.value, Kind.QUESTION.value]
    assert messages[1]["footer"] == "1 of 6 have voted."
    before = team.stored()
    team.say("@amira reveal")  # refused: nothing queued, nothing changed
    assert team.stored() == before


def test_a_round_that_stepped_back_is_forgotten_cleanly(team):
    team.everyone_votes(3, 4)
    team.say("@sam reveal")
    team.say("@sam finalise")  # 1.2 opens by itself
    team.say("@sam reopen 1.1")  # 1.2 steps back: nobody had voted on it
    with team.database.connect() as connection:
        states = connection.execute(text("SELECT question_id, number, state FROM round ORDER BY position")).all()
    assert [tuple(s) for s in states] == [
        ("evidence-and-insight", 1, RoundState.FINALISED.value),
        ("evidence-and-insight", 2, RoundState.OPEN.value),
    ]


def test_the_organisation_is_set_by_a_super_user_and_shown_to_anyone(team):
    assert "Not set yet." in team.private("bea", team.say("@bea organisation"))
    before = team.stored()
    refused = team.say("@bea organisation type unitary share")
    assert "Only the super-user can change the organisation's details; ask Sam." in team.private("bea", refused)
    assert team.stored() == before
    changed = team.channel(team.say("@sam organisation type unitary share"))
    assert "Organisation: a unitary council" in changed
    assert "Shares anonymised theme scores with similar councils" in changed
    assert "Organisation: a unitary council" in team.private("dev", team.say("@dev organisation"))
    kept = team.channel(team.say("@sam organisation private"))
    assert "Organisation: a unitary council" in kept and "Does not share results" in kept


def test_the_organisation_is_named_before_the_first_assessment_and_keeps_its_name_and_type_apart(db_engine):
    team = Team(db_engine)
    named = team.channel(team.say("@bea organisation name Northshire District Council"))
    assert "Organisation: Northshire District Council, type not set" in named
    assert team.say("@sam start").ok
    assert "Organisation: Northshire District Council, a district council" in team.channel(team.say("@sam organisation type district"))
    with db_engine.connect() as connection:
        row = connection.execute(text("SELECT name, type FROM organisation")).one()
    assert tuple(row) == ("Northshire District Council", "district")  # never the assessment's title
    refused = team.say("@bea organisation name Bea's Council")  # Sam is the super-user now
    assert "Only the super-user can change the organisation's details; ask Sam." in team.private("bea", refused)


def test_the_super_user_alone_sees_every_contribution_to_the_assessment(team):
    team.everyone_votes(3, 4)
    team.say("@amira vote 2 4 the data is old")  # changed before the reveal
    team.say("@sam reveal")
    team.say("@sam finalise")
    refused = team.say("@amira who all")
    assert "Only the super-user" in team.private("amira", refused)
    seen = team.private("sam", team.say("@sam who all"))
    assert "1.1 (round 1)  Amira 2→4 “the data is old”; Bea 3→4" in seen
    assert team.channel() == ""
