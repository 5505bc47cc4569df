"""Command text from anyone: the grammar answers or explains, and the door refuses without changing anything.

`bot.commands.parse` turns typed text into a command or raises `CommandError`, never anything
else. Through the one door (`bot.door.Door`, over the migrated database of `db_engine`) the
same text, said by the super-user, a member, an observer or someone outside the assessment,
comes back as a `Reply`: the grammar's and the engine's refusals are answers, not exceptions;
and when the reply is a refusal, not one row of the assessment, its members, rounds, votes or
outbox changed.
"""

from __future__ import annotations

import itertools
from functools import partial

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot import commands
from bot.catalogue import FrameworkCatalogue
from bot.door import Door
from bot.service import HANDLERS, Accord, Person, Request
from engine.assessment import Identity
from storage.unit_of_work import SqlUnitOfWork
from tests.fuzz.conftest import budget
from tests.integration.test_authorisation_walk import CHANNEL, Channel, dump
from tests.unit.conftest import ANA, NAMES, OBI, SAM, ZED, at, tiny_framework

WORDS = sorted({u.name for u in commands.USAGES} | set(commands._ALIASES) | {"/accord", "/finalise", "organization", "org"})
ARGUMENTS = [
    "2", "4", "-1", "0", "99", "1.1", "2.1", "q1.2", "#3", "all", "@ana", "@obi", "@nobody", "<@U-sam>", "2d", "4h", "30m",
    "17:00", "25:61", "2026-12-01", "2026-02-30", "off", "on", "share", "private", "type", "unitary", "html", "csv", "json",
    "pdf", "interval", "first", "max", "quiet", "19:00-07:30", "weekends", "digest", "digests", "reset", "0", "9", "*", "mon",
    "\u202e", "\x00", "a" * 300,
]  # fmt: skip

# Text shaped like commands (a command word, then words it may or may not expect), and text of
# any kind at all.
command_like = st.builds(
    lambda slash, word, args: ("/" if slash else "") + " ".join([word, *args]),
    st.booleans(),
    st.one_of(st.sampled_from(WORDS), st.text(max_size=10)),
    st.lists(st.one_of(st.sampled_from(ARGUMENTS), st.text(max_size=12), st.integers(-5, 10).map(str)), max_size=6),
)
typed = st.one_of(command_like, st.text(max_size=300))


@settings(max_examples=budget(800))
@given(typed)
@example("a" * 10_000)
@example("vote 99999999999999999999999999 4")
@example("deadline 2026-02-30")
@example("deadline 99999999d")
@example("schedule interval 99999999999w")
@example("schedule max 99999999999999999999")
def test_the_grammar_answers_every_text_with_a_command_or_an_explanation(text):
    try:
        command = commands.parse(text)
    except commands.CommandError as wrong:
        assert wrong.message.strip()
        assert len(wrong.message) < 600  # what was typed is quoted, never echoed whole
        return
    # Every command the grammar gives has a use case behind the door (and is in the type).
    assert type(command) in HANDLERS and type(command) in commands.Command.__args__


PEOPLE: list[Identity] = [SAM, ANA, OBI, ZED]


@pytest.fixture
def door(db_engine) -> Door:
    """The one door over a real database; an assessment under way, Obi observing, two votes in."""
    ids = itertools.count(1)
    accord = Accord(
        partial(SqlUnitOfWork, db_engine),
        FrameworkCatalogue({"tiny": tiny_framework()}, "tiny"),
        new_id=lambda: f"assessment-{next(ids)}",
        queued_platforms=frozenset({"slack"}),
    )
    door = Door(accord, db_engine)
    for who, text in ((SAM, "start"), (SAM, "observer @obi"), (SAM, "vote 3 4"), (ANA, "vote 2 4")):
        assert door.handle_text(Request(Person(who, NAMES[who]), CHANNEL, at(1)), text, Channel()).ok
    return door


MINUTES = itertools.count(2)


@settings(max_examples=budget(300))
@given(who=st.sampled_from(PEOPLE), text=typed)
@example(who=SAM, text="deadline 99999999d")
@example(who=SAM, text="deadline 9999-12-31 23:59")
@example(who=SAM, text="deadline 0001-01-01 00:00")
@example(who=SAM, text="schedule interval 99999999d")
@example(who=SAM, text="schedule first 99999999d")
@example(who=SAM, text="schedule digest 99 99 99 99 99")
@example(who=ANA, text="reveal")
@example(who=OBI, text="vote 2 4")
@example(who=ZED, text="superuser @zed")
@example(who=SAM, text="skip " + "x" * 5000)
def test_through_the_door_any_text_is_answered_and_a_refusal_changes_nothing(door, db_engine, who, text):
    before = dump(db_engine)
    # Each example a little later than the last, as people's messages are; a fresh key each time.
    request = Request(Person(who, NAMES[who]), CHANNEL, at(next(MINUTES)), key=f"fuzz-{next(MINUTES)}")
    reply = door.handle_text(request, text, Channel())  # any exception fails the test
    if not reply.ok:
        assert dump(db_engine) == before, f"{NAMES[who]}'s refused {text!r} changed the database"
