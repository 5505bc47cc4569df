"""Builders for the storage tests: a council's leadership team, a clock, a started assessment.

The team is Sam (who starts the assessment and so is its super-user), Amira, Ben and Chloe
(members), and Olu (an observer), all in one Slack workspace. Times are aware UTC datetimes
with microseconds, so a test notices if the database drops either.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, event

from engine.assessment import Assessment, Conversation, Identity, Member, Role, Settings
from engine.framework import Framework
from storage.tracking import cache_for
from storage.unit_of_work import SqlUnitOfWork

T0 = datetime(2025, 3, 3, 9, 30, 15, 123456, tzinfo=timezone.utc)
PLATFORM = "slack"
WORKSPACE = "T-NORTHSHIRE"
CHANNEL = Conversation(PLATFORM, WORKSPACE, "C-LEADERSHIP")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def person(user_id: str, workspace: str = WORKSPACE, platform: str = PLATFORM) -> Identity:
    return Identity(platform, workspace, user_id)


SAM, AMIRA, BEN, CHLOE, OLU, DANA = (person(u) for u in ("U-SAM", "U-AMIRA", "U-BEN", "U-CHLOE", "U-OLU", "U-DANA"))
NAMES = {SAM: "Sam", AMIRA: "Amira", BEN: "Ben", CHLOE: "Chloe", OLU: "Olu", DANA: "Dana"}


def member(identity: Identity, role: Role = Role.MEMBER) -> Member:
    return Member(identity, NAMES.get(identity, identity.user_id), role)


def team() -> list[Member]:
    return [member(AMIRA), member(BEN), member(CHLOE), member(OLU, Role.OBSERVER)]


@pytest.fixture
def start(framework: Framework) -> Callable[..., Assessment]:
    """Start an assessment (in memory only) led by Sam; keywords override the defaults."""

    def make(
        conversation: Conversation = CHANNEL,
        *,
        settings: Settings = Settings(),
        now: datetime = T0,
        starter: Identity = SAM,
        members: list[Member] | None = None,
        framework: Framework = framework,
    ) -> Assessment:
        return Assessment.start(
            assessment_id=uuid.uuid4().hex,
            conversation=conversation,
            framework=framework,
            starter=member(starter),
            members=team() if members is None else members,
            now=now,
            settings=settings,
        )

    return make


@pytest.fixture
def stored(db_engine: Engine, start: Callable[..., Assessment]) -> Callable[..., Assessment]:
    """Start an assessment and store it; returns the in-memory original."""

    def make(*args, **kwargs) -> Assessment:
        assessment = start(*args, **kwargs)
        with SqlUnitOfWork(db_engine) as uow:
            uow.assessments.add(assessment)
            uow.commit()
        return assessment

    return make


def load(engine: Engine, assessment_id: str) -> Assessment:
    with SqlUnitOfWork(engine, read_only=True) as uow:
        return uow.assessments.get(assessment_id)


def load_from_tables(engine: Engine, assessment_id: str) -> Assessment:
    """The assessment read from its tables, not from the process's cache of committed ones."""
    cache_for(engine).clear()
    return load(engine, assessment_id)


@contextmanager
def recorded_statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine sends while the block runs."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")]
