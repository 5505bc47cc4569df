"""Builders for the report tests: completed assessments of the tiny framework, stored or not.

`completed(...)` plays a whole tiny assessment (two themes of two questions) whose recorded
consensus is given theme by theme, so a test can say "this peer scores 2.5 on money" and know
the arithmetic: a theme's score is the mean of its two agreed answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine

from engine.assessment import Assessment, Conversation, Identity, Member, Role
from engine.framework import Framework
from storage.reports import ReportQueries
from storage.unit_of_work import SqlUnitOfWork
from tests.unit.conftest import tiny_framework

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)
QUESTIONS = {"money": ("budget", "reserves"), "people": ("skills", "culture")}

# Members of the report tests, with names and comments no framework text contains.
CHAIR, MEMBER_B, MEMBER_C, OBSERVER = "U-chair", "U-bravo", "U-charlie", "U-observer"
NAMES = {CHAIR: "Zephyrine Walcott", MEMBER_B: "Quillon Barraclough", MEMBER_C: "Ottoline Pemberton", OBSERVER: "Fenwick Ashdown"}
COMMENT = "CONFIDENTIAL REMARK by {name}"
PERSONAL = (*NAMES.values(), "CONFIDENTIAL REMARK", *NAMES.keys())


def identity(workspace: str, user: str, platform: str = "slack") -> Identity:
    return Identity(platform, workspace, user)


def completed(
    workspace: str = "T-HOME",
    *,
    answers: dict[str, tuple[tuple[int, int], tuple[int, int]]] | None = None,
    started: datetime = T0,
    framework: Framework | None = None,
    assessment_id: str | None = None,
    finish: bool = True,
    platform: str = "slack",
    skipped: frozenset[str] = frozenset(),
) -> Assessment:
    """A tiny assessment whose two themes' questions were agreed as `answers` says.

    `answers` maps a theme to its two questions' (current, ambition); by default every answer is
    (3, 4). The chair and two members vote (with comments); an observer watches. Questions in
    `skipped` are skipped instead of agreed.
    """
    answers = answers or {}
    framework = framework or tiny_framework()
    people = {user: identity(workspace, user, platform) for user in NAMES}
    assessment = Assessment.start(
        assessment_id=assessment_id or f"a-{workspace}-{started:%Y%m%d}",
        conversation=Conversation(platform, workspace, "C-LEADERS"),
        framework=framework,
        starter=Member(people[CHAIR], NAMES[CHAIR]),
        members=[
            Member(people[MEMBER_B], NAMES[MEMBER_B]),
            Member(people[MEMBER_C], NAMES[MEMBER_C]),
            Member(people[OBSERVER], NAMES[OBSERVER], role=Role.OBSERVER),
        ],
        now=started,
        title=f"Leadership check {started:%Y}",
    )
    clock = [started]

    def tick() -> datetime:
        clock[0] += timedelta(minutes=5)
        return clock[0]

    plan = []
    for theme, questions in QUESTIONS.items():
        pairs = answers.get(theme, ((3, 4), (3, 4)))
        plan += list(zip(questions, pairs))
    for index, (question, (current, ambition)) in enumerate(plan):
        if not finish and index == len(plan) - 1:
            break
        if question in skipped:
            assessment.skip(people[CHAIR], tick(), "not this time")
            continue
        votes = {CHAIR: (current, ambition), MEMBER_B: (current, ambition), MEMBER_C: (max(1, current - 1), ambition)}
        for user, (c, a) in votes.items():
            assessment.cast_vote(people[user], question, c, max(c, a), tick(), comment=COMMENT.format(name=NAMES[user]))
        assessment.reveal(people[CHAIR], tick())
        assessment.finalise(people[CHAIR], tick(), current, ambition, "")
    return assessment


def chair(assessment: Assessment) -> Identity:
    return identity(assessment.conversation.workspace, CHAIR, assessment.conversation.platform)


def store(engine: Engine, *assessments: Assessment) -> None:
    with SqlUnitOfWork(engine) as uow:
        for assessment in assessments:
            uow.assessments.add(assessment)
        uow.commit()


def organisation(engine: Engine, workspace: str, type_: str | None, share: bool, platform: str = "slack") -> None:
    with SqlUnitOfWork(engine) as uow:
        ReportQueries(uow.session).record_organisation(
            platform, workspace, name=f"Council {workspace}", type=type_, share_for_comparison=share, now=T0
        )
        uow.commit()


def without_images(html: str) -> str:
    """The HTML with its data URIs cut out: base64 can spell anything by chance."""
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:", html)


RECORDED = re.compile(r'<section id="recorded">.*?</section>', re.DOTALL)


def without_recorders(html: str) -> str:
    """The HTML without its appendix of who recorded each agreed answer (issue 16), which names
    the super-user acting as such; the rest of the report names nobody."""
    return RECORDED.sub("", html)


@pytest.fixture
def stored(db_engine: Engine) -> Callable[..., Assessment]:
    def make(*args, **kwargs) -> Assessment:
        assessment = completed(*args, **kwargs)
        store(db_engine, assessment)
        return assessment

    return make
