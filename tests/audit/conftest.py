"""A team in a Slack channel over a real database, for the tests of the audit trail.

Sam starts the assessment; Amira votes and changes her vote; Ben, Chloe and Sam vote; Sam reveals
(votes 1, 5, 5, 1: two camps) and records 2 and 4 with a note.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import Engine, text

from bot import commands as grammar
from bot.catalogue import FrameworkCatalogue
from bot.service import Accord, Person, Request
from engine.assessment import Conversation, Identity, Settings
from storage.unit_of_work import SqlUnitOfWork

PLACE = Conversation("slack", "T1", "C1")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SAM, AMIRA, BEN, CHLOE = (Person(Identity("slack", "T1", f"U-{n.upper()}"), n) for n in ("Sam", "Amira", "Ben", "Chloe"))
PEOPLE = [SAM, AMIRA, BEN, CHLOE]


class Channel:
    def roster(self, conversation):
        return PEOPLE

    def find(self, conversation, mention):
        return next((p for p in PEOPLE if p.name.lower() == mention.lstrip("@").lower()), None)


def accord_in(database: Engine, shared=None) -> Accord:
    return Accord(partial(SqlUnitOfWork, database, shared=shared), FrameworkCatalogue.load(), Settings(), queued_platforms=frozenset({"slack"}))


class Team:
    def __init__(self, database: Engine) -> None:
        self.database = database
        self.accord = accord_in(database)
        self.minutes = 0

    def say(self, person: Person, line: str):
        self.minutes += 1
        reply = self.accord.handle(Request(person, PLACE, NOW + timedelta(minutes=self.minutes)), grammar.parse(line), Channel())
        assert reply.ok, [m.text for m in reply.messages]
        return reply

    @property
    def assessment_id(self) -> str:
        with self.database.connect() as connection:
            return connection.execute(text("SELECT id FROM assessment")).scalar_one()

    def rows(self) -> list:
        with self.database.connect() as connection:
            return connection.execute(text("SELECT * FROM audit_entry WHERE chain = :c ORDER BY sequence"), {"c": self.assessment_id}).all()

    def sql(self, statement: str, **values) -> None:
        with self.database.begin() as connection:
            connection.execute(text(statement), values)


@pytest.fixture
def team(db_engine: Engine) -> Team:
    team = Team(db_engine)
    team.say(SAM, "start")
    team.say(AMIRA, "vote 1 3 not sure")
    team.say(AMIRA, "vote 1 4 on reflection")
    team.say(BEN, "vote 5 5")
    team.say(CHLOE, "vote 5 5")
    team.say(SAM, "vote 1 2")
    team.say(SAM, "reveal")
    team.say(SAM, "finalise 2 4 two camps, agreed the lower view")
    return team
