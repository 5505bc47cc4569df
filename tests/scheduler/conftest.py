"""Builders for the scheduler's tests: a council's board, a wall clock in London, the outbox read back.

The board is Sam (super-user, who starts the assessment), Amira, Ben and Chloe (members) and Olu
(an observer), in one Slack workspace. `wall(2026, 3, 2, 9, 0)` is 09:00 on Monday 2 March 2026
on a London clock, as an aware UTC instant: the sweeps are called directly with such times, never
by waiting for a clock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from bot.scheduler import Sweeper
from engine.assessment import Assessment, Conversation, Identity, Member, Role, Settings
from engine.framework import Framework
from engine.reminders import SchedulePolicy
from engine.views import message_from_dict
from storage.tables import OutboxRow
from storage.unit_of_work import SqlUnitOfWork

LONDON = ZoneInfo("Europe/London")
BOARD = Conversation("slack", "T-NORTHSHIRE", "C-BOARD")


def wall(*parts: int, zone: ZoneInfo = LONDON) -> datetime:
    return datetime(*parts, tzinfo=zone).astimezone(timezone.utc)


def person(user_id: str) -> Identity:
    return Identity("slack", "T-NORTHSHIRE", user_id)


SAM, AMIRA, BEN, CHLOE, OLU = (person(u) for u in ("U-SAM", "U-AMIRA", "U-BEN", "U-CHLOE", "U-OLU"))
NAMES = {SAM: "Sam", AMIRA: "Amira", BEN: "Ben", CHLOE: "Chloe", OLU: "Olu"}


def board() -> list[Member]:
    return [Member(AMIRA, "Amira"), Member(BEN, "Ben"), Member(CHLOE, "Chloe"), Member(OLU, "Olu", Role.OBSERVER)]


@dataclass(frozen=True)
class Queued:
    """One outbox row, read back: who it is for (None: the channel) and the message."""

    key: str | None
    to: Identity | None
    heading: str
    message: Any
    next_attempt_at: datetime
    conversation: Conversation


def outbox(engine: Engine) -> list[Queued]:
    with engine.connect() as connection:
        rows = connection.execute(select(OutboxRow).order_by(OutboxRow.id)).all()
    found = []
    for row in rows:
        message = message_from_dict(row.message)
        next_attempt_at = row.next_attempt_at
        if next_attempt_at.tzinfo is None:
            next_attempt_at = next_attempt_at.replace(tzinfo=timezone.utc)
        found.append(
            Queued(row.dedupe_key, message.audience.person, message.heading, message, next_attempt_at.astimezone(timezone.utc),
                   Conversation(row.platform, row.workspace, row.channel_id))
        )
    return found


def reminders(engine: Engine) -> list[tuple[str, int]]:
    """(name, reminder number) of every reminder queued, in order."""
    return [
        (NAMES.get(item.to, item.to.user_id if item.to else "?"), int(item.key.rsplit(":", 1)[1]))
        for item in outbox(engine)
        if item.key and item.key.startswith("reminder:")
    ]


@dataclass
class Board:
    """One stored assessment, changed the way a command changes it: load, act, commit."""

    engine: Engine
    id: str

    def act(self, action) -> Assessment:
        with SqlUnitOfWork(self.engine) as uow:
            assessment = uow.assessments.get(self.id, for_update=True)
            action(assessment)
            uow.commit()
            return assessment

    def vote(self, who: Identity, now: datetime, current: int = 3, ambition: int = 4) -> None:
        self.act(lambda a: a.cast_vote(who, a.focus_question_id, current, ambition, now))

    def load(self) -> Assessment:
        with SqlUnitOfWork(self.engine, read_only=True) as uow:
            return uow.assessments.get(self.id)

    def schedule(self):
        with SqlUnitOfWork(self.engine, read_only=True) as uow:
            return uow.schedule.row(self.id)

    def live_in(self, who: Identity, timezone_name: str, now: datetime) -> None:
        with SqlUnitOfWork(self.engine) as uow:
            uow.profiles.record(who, now, timezone=timezone_name)
            uow.commit()


@pytest.fixture
def start(db_engine: Engine, framework: Framework):
    """Store a new assessment started by Sam at `now`; returns a `Board` to act on it."""

    def make(now: datetime, *, conversation: Conversation = BOARD, settings: Settings = Settings(), members=None) -> Board:
        assessment = Assessment.start(
            assessment_id=uuid.uuid4().hex,
            conversation=conversation,
            framework=framework,
            starter=Member(SAM, "Sam"),
            members=board() if members is None else members,
            now=now,
            settings=settings,
        )
        with SqlUnitOfWork(db_engine) as uow:
            uow.assessments.add(assessment)
            uow.commit()
        return Board(db_engine, assessment.id)

    return make


@pytest.fixture
def sweeper(db_engine: Engine) -> Sweeper:
    """The scheduler's sweeps with app.yaml's default schedule (reminders after a day, daily, at
    most three, quiet 18:00-08:00 and weekends; digests at 09:00 on Mondays, London time)."""
    return Sweeper(db_engine, SchedulePolicy())
