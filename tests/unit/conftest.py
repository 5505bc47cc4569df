"""Shared builders for the engine's unit tests: a tiny framework, a council team, a clock.

The tiny framework has two themes of two questions each, written inline as YAML so a test can
see every word a member would see. Its descriptors name their question and level ("Budget 3:")
so a test can tell them apart in a rendered message.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from engine.assessment import Assessment, Conversation, Identity, Member, Role, Settings
from engine.framework import Framework, parse_framework_yaml
from engine.views import Message

REPO_ROOT = Path(__file__).resolve().parents[2]
SHIPPED_FRAMEWORK = REPO_ROOT / "bot" / "frameworks" / "efficient-councils.yaml"

TINY_YAML = """\
id: tiny
title: Tiny council check
version: 2
description: Two themes, two questions each, for tests.
scale:
  min: 1
  max: 5
  labels:
    1: Emerging
    2: Developing
    3: Established
    4: Advanced
    5: Leading
themes:
  - id: money
    title: Money
    summary: Whether the books balance.
    questions:
      - id: budget
        prompt: "How sound is our budget?"
        guidance: "Look at the last three budgets."
        levels:
          1: "Budget 1: we overspend every year."
          2: "Budget 2: we balance it with one-off money."
          3: "Budget 3: it balances and is realistic."
          4: "Budget 4: it is planned over several years."
          5: "Budget 5: others learn from our planning."
      - id: reserves
        prompt: "How resilient are our reserves?"
        levels:
          1: "Reserves 1: almost none."
          2: "Reserves 2: below what our risks need."
          3: "Reserves 3: adequate for our risks."
          4: "Reserves 4: comfortably adequate and planned."
          5: "Reserves 5: strong and strategically used."
    resources:
      - title: "Case A"
        url: https://example.org/case-a
        kind: case study
        description: "How one council fixed its budget."
      - title: "Case B"
        url: https://example.org/case-b
        kind: case study
      - title: "Tool C"
        url: https://example.org/tool-c
        kind: tool
        description: "A reserves calculator."
      - title: "Guide D"
        url: https://example.org/guide-d
        kind: guidance
  - id: people
    title: People
    questions:
      - id: skills
        prompt: "Do we have the skills we need?"
        levels:
          1: "Skills 1: big gaps everywhere."
          2: "Skills 2: gaps in key roles."
          3: "Skills 3: mostly covered."
          4: "Skills 4: planned and developed."
          5: "Skills 5: a magnet for talent."
      - id: culture
        prompt: "How healthy is our culture?"
        levels:
          1: "Culture 1: blame."
          2: "Culture 2: cautious."
          3: "Culture 3: open."
          4: "Culture 4: learning."
          5: "Culture 5: exemplary."
    resources:
      - title: "Training E"
        url: https://example.org/training-e
        kind: training
      - title: "Peers F"
        url: https://example.org/peers-f
        kind: peer support
"""

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)


def at(minutes: float) -> datetime:
    """A moment `minutes` after the assessment started (the engine never reads a clock)."""
    return T0 + timedelta(minutes=minutes)


def person(user_id: str) -> Identity:
    return Identity("slack", "T-council", user_id)


SAM = person("U-sam")  # starts the assessment: the super-user
ANA = person("U-ana")
BEN = person("U-ben")
CAI = person("U-cai")
DEE = person("U-dee")
EVE = person("U-eve")
OBI = person("U-obi")  # observer
ZED = person("U-zed")  # in the channel, not in the assessment

NAMES = {SAM: "Sam", ANA: "Ana", BEN: "Ben", CAI: "Cai", DEE: "Dee", EVE: "Eve", OBI: "Obi", ZED: "Zed"}
VOTERS = (SAM, ANA, BEN, CAI, DEE, EVE)  # six people vote; Obi watches
# Votes (current, ambition) that give each verdict at the reveal, with the default thresholds.
POLARISED = {ANA: (1, 5), BEN: (5, 5), CAI: (1, 5), DEE: (5, 5)}  # currents 1 5 1 5: consensus 0
AGREED = {ANA: (3, 5), BEN: (3, 5), CAI: (3, 5), DEE: (4, 5)}  # currents 3 3 3 4: consensus 0.86
SPREAD = {ANA: (2, 4), BEN: (3, 4), CAI: (4, 4), DEE: (5, 5)}  # currents 2 3 4 5: consensus 0.56
UNANIMOUS = {ANA: (3, 3), BEN: (3, 3), CAI: (3, 3)}
CONVERSATION = Conversation("slack", "T-council", "C-leadership")


def member(identity: Identity, role: Role = Role.MEMBER) -> Member:
    return Member(identity, NAMES[identity], role)


def team() -> list[Member]:
    return [member(i) for i in VOTERS[1:]] + [member(OBI, Role.OBSERVER)]


def tiny_framework() -> Framework:
    return parse_framework_yaml(TINY_YAML, "tiny.yaml")


def start(framework: Framework | None = None, settings: Settings = Settings(), members: list[Member] | None = None) -> Assessment:
    return Assessment.start(
        assessment_id="a-1",
        conversation=CONVERSATION,
        framework=framework or tiny_framework(),
        starter=Member(SAM, "Sam"),
        members=team() if members is None else members,
        now=T0,
        settings=settings,
    )


def cast(assessment: Assessment, question_id: str, votes: dict[Identity, tuple[int, int]], minute: float = 1) -> None:
    for voter, (current, ambition) in votes.items():
        assessment.cast_vote(voter, question_id, current, ambition, at(minute))


def agree(
    assessment: Assessment,
    question_id: str,
    votes: dict[Identity, tuple[int, int]],
    current: int | None = None,
    ambition: int | None = None,
    note: str = "",
    minute: float = 1,
):
    """Vote, reveal and record the consensus on the open question; returns the round.

    Numbers chosen by hand come with a note, as a real team's must when they fall outside the votes.
    """
    cast(assessment, question_id, votes, minute)
    assessment.reveal(SAM, at(minute + 1))
    if current is not None and not note:
        note = "agreed after discussion"
    return assessment.finalise(SAM, at(minute + 2), current, ambition, note)


def worked(framework: Framework | None = None) -> Assessment:
    """The whole tiny framework agreed, worked out by hand:

    question          votes (current)   agreed now, ambition   gap
    1.1 budget        2 3 4 5 spread    2, 4                   2
    1.2 reserves      3 3 3 4 agreed    3, 5                   2
    2.1 skills        1 5 1 5 split     4, 4                   0
    2.2 culture       3 3 3   agreed    3, 3                   0

    Money: now (2+3)/2 = 2.5, ambition (4+5)/2 = 4.5, gap 2.0
    People: now (4+3)/2 = 3.5, ambition (4+3)/2 = 3.5, gap 0.0
    Overall: now (2.5+3.5)/2 = 3.0, ambition (4.5+3.5)/2 = 4.0, gap 1.0
    Needed discussion: 2.1 (consensus 0) and 1.1 (consensus 1 + log2(0.625 * 0.875) / 2 = 0.56)
    """
    a = start(framework)
    agree(a, "budget", SPREAD, 2, 4, minute=0)
    agree(a, "reserves", AGREED, 3, 5, minute=10)
    agree(a, "skills", POLARISED, 4, 4, minute=20)
    agree(a, "culture", UNANIMOUS, 3, 3, minute=30)
    return a


def render(message: Message) -> str:
    """Every word a message shows, whatever the platform: what a person could read in it."""
    parts = [message.heading, *message.text, message.footer]
    for f in message.fields:
        parts += [f.label, f.value]
    for i in message.inputs:
        parts.append(i.label)
        parts += [f"{o.label} {o.description}" for o in getattr(i, "options", ())]
    parts += [f"{b.label} {b.value}" for b in message.buttons]
    parts += [f"{link.title} {link.url} {link.kind} {link.description}" for link in message.links]
    for chart in message.charts:
        parts += [chart.title, chart.alt_text, *chart.categories, *(s.name for s in chart.series)]
    return "\n".join(parts)


@pytest.fixture
def tiny() -> Framework:
    return tiny_framework()


@pytest.fixture(scope="session")
def shipped() -> Framework:
    return parse_framework_yaml(SHIPPED_FRAMEWORK.read_text(encoding="utf-8"), str(SHIPPED_FRAMEWORK))


@pytest.fixture
def assessment(tiny) -> Assessment:
    return start(tiny)


# The use cases over the fake unit of work (tests/unit/fake_unit_of_work.py), for the service tests.


@pytest.fixture
def store():
    from tests.unit.fake_unit_of_work import Store

    return Store()


@pytest.fixture
def accord(store):
    import itertools

    from bot.catalogue import FrameworkCatalogue
    from bot.service import Accord
    from tests.unit.fake_unit_of_work import FakeUnitOfWork

    ids = itertools.count(1)
    return Accord(
        lambda read_only=False: FakeUnitOfWork(store, read_only=read_only),
        FrameworkCatalogue({"tiny": tiny_framework()}, "tiny"),
        new_id=lambda: f"assessment-{next(ids)}",
        queued_platforms=frozenset({"slack"}),
    )
