"""Governance of the meeting (#16 items 2-5), through the use cases over a fake unit of work.

Safeguards on the agreed answer, `who` before and after the super-user votes, the facilitator,
pause and resume, `remove`, joining with approval and a scheduled start: each as a team would
meet it, typed through the one grammar (`bot.commands.parse`) where the words matter.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest

from bot import commands as grammar
from bot.catalogue import FrameworkCatalogue
from bot.service import Accord, Person, Reply, Request
from engine.assessment import Conversation, Role, RoundState, Settings
from engine.views import Kind
from tests.unit.conftest import ANA, BEN, CAI, DEE, NAMES, SAM, ZED, at, tiny_framework
from tests.unit.fake_unit_of_work import FakeUnitOfWork, Store

CHANNEL = Conversation("console", "council", "leadership")


class Team:
    """Sam, Ana, Ben, Cai and Dee are in the channel; Zed arrives later. Mentions find them by name."""

    people: ClassVar[list[Person]] = [Person(identity, NAMES[identity]) for identity in (SAM, ANA, BEN, CAI, DEE, ZED)]

    def roster(self, conversation):
        return self.people[:5]

    def find(self, conversation, mention):
        return next((p for p in self.people if p.name.lower() == mention.lstrip("@").lower()), None)


def make(store: Store, settings: Settings | None = None) -> Accord:
    ids = itertools.count(1)
    return Accord(
        lambda read_only=False: FakeUnitOfWork(store, read_only=read_only),
        FrameworkCatalogue({"tiny": tiny_framework()}, "tiny"),
        settings=settings or Settings(),
        new_id=lambda: f"assessment-{next(ids)}",
    )


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def accord(store: Store) -> Accord:
    return make(store)


def say(accord: Accord, who, text: str, minutes: float = 1) -> Reply:
    return accord.handle(Request(Person(who, NAMES[who]), CHANNEL, at(minutes)), grammar.parse(text), Team())


def words(reply: Reply) -> str:
    return "\n".join(" ".join((m.heading, *m.text, *(f"{f.label}: {f.value}" for f in m.fields), m.footer or "")) for m in reply.messages)


def errors(reply: Reply) -> str:
    return "\n".join(" ".join((m.heading, *m.text)) for m in reply.messages if m.kind is Kind.ERROR)


def current(store: Store):
    (assessment,) = store.assessments.values()
    return assessment


def started(accord: Accord, *people_and_roles: tuple) -> None:
    """Sam starts; Ana, Ben, Cai and Dee are members unless given another role."""
    assert say(accord, SAM, "start").ok
    for who, role in people_and_roles:
        assert say(accord, SAM, f"{role} @{NAMES[who]}").ok


def vote_and_reveal(accord: Accord, votes: dict, minutes: float = 2) -> Reply:
    for who, (now, ambition) in votes.items():
        assert say(accord, who, f"vote {now} {ambition}", minutes).ok
    return say(accord, SAM, "reveal", minutes + 1)


TWO_CAMPS = {SAM: (1, 2), ANA: (1, 2), BEN: (5, 5), CAI: (5, 5)}  # currents 1, 1, 5, 5


# --------------------------------------------------------------- safeguards on the agreed answer


def test_a_bare_finalise_on_two_camps_is_refused_with_the_reason_and_the_command_to_use(accord, store):
    started(accord, (DEE, "observer"))
    revealed = vote_and_reveal(accord, TWO_CAMPS)
    reveal = next(m for m in revealed.messages if m.kind is Kind.REVEAL)
    assert not reveal.buttons  # no "Accept proposal" to press on a split
    assert any("the current position rounds down and the ambition rounds up" in t for t in reveal.text)
    commits = store.commits

    refused = say(accord, SAM, "finalise", 5)
    assert "The team is split into two camps on the current position (1, 1, 5, 5)" in errors(refused)
    assert "`finalise <current> <ambition> <note>`" in errors(refused)
    assert store.commits == commits and current(store).focus_round.state is RoundState.REVEALED

    recorded = say(accord, SAM, "finalise 2 4 two camps, agreed the lower view", 6)
    assert recorded.ok, errors(recorded)
    consensus = current(store).consensus_for("budget")
    assert (consensus.current, consensus.ambition, consensus.note) == (2, 4, "two camps, agreed the lower view")


def test_the_accept_proposal_button_goes_through_the_same_refusal(accord, store):
    started(accord, (DEE, "observer"))
    vote_and_reveal(accord, TWO_CAMPS)
    pressed = accord.handle(Request(Person(SAM, "Sam"), CHANNEL, at(5)), grammar.Finalise(), Team())
    assert "split into two camps" in errors(pressed)


def test_an_answer_outside_the_votes_needs_a_note_and_one_inside_does_not(accord, store):
    started(accord, (DEE, "observer"))
    vote_and_reveal(accord, {SAM: (3, 3), ANA: (3, 3), BEN: (3, 3), CAI: (3, 3)})
    refused = say(accord, SAM, "finalise 4 4", 5)
    assert "The current position 4 is outside what the team voted (every vote gave 3): add a note" in errors(refused)
    assert current(store).focus_round.state is RoundState.REVEALED
    assert say(accord, SAM, "finalise 4 4 the new audit shows we are ahead", 6).ok
    assert current(store).consensus_for("budget").current == 4

    vote_and_reveal(accord, {SAM: (2, 3), ANA: (3, 4), BEN: (3, 4), CAI: (4, 5)}, minutes=10)
    assert say(accord, SAM, "finalise 2/5", 12).ok  # inside both ranges: no note needed


@pytest.mark.parametrize("typed", ["finalise abc", "finalise 2/4typo", "finalise 2 4typo", "finalise agreed"])
def test_finalise_with_anything_but_numbers_first_is_refused_and_records_nothing(accord, store, typed):
    started(accord, (DEE, "observer"))
    vote_and_reveal(accord, {SAM: (3, 4), ANA: (3, 4), BEN: (3, 4), CAI: (3, 4)})
    commits = store.commits
    with pytest.raises(grammar.CommandError) as refused:  # the grammar refuses it: no command reaches the door
        grammar.parse(typed)
    assert "Use `finalise 3 4 note`" in refused.value.message
    assert store.commits == commits and current(store).consensus_for("budget") is None


# ------------------------------------------------------------------------------ who, and privacy


def test_who_on_an_open_question_shows_votes_only_once_the_super_user_has_voted(accord, store):
    started(accord, (CAI, "facilitator"))
    say(accord, ANA, "vote 2 4 the budget is fiction")
    before = say(accord, SAM, "who", 2)
    assert "fiction" not in words(before) and "current 2" not in words(before)
    assert "Voted: Ana" in words(before)
    assert "You'll see individual votes and comments on question 1.1 once you have cast your own" in words(before)
    # The facilitator never votes, so sees them at once.
    assert "current 2, ambition 4: “the budget is fiction”" in words(say(accord, CAI, "who", 2))
    say(accord, SAM, "vote 3 4", 3)
    assert "current 2, ambition 4: “the budget is fiction”" in words(say(accord, SAM, "who", 4))
    # `who all` keeps the same rule for the open question.
    say(accord, BEN, "vote 1 1 no", 5)
    assert "no”" in words(say(accord, SAM, "who all", 6))


# ------------------------------------------------------------------------------- the facilitator


def test_a_facilitator_never_changes_the_measures_or_when_everyone_has_voted():
    """The same votes, with and without a facilitator: equal measures, the same moment complete."""
    results = []
    for roles in ((), ((CAI, "facilitator"),)):
        store = Store()
        accord = make(store, Settings(auto_reveal=True))
        started(accord, (DEE, "observer"), *roles)
        if not roles:
            assert say(accord, SAM, "observer @Cai").ok  # Cai not voting either way
        moments = []
        for minute, (who, (now, ambition)) in enumerate({SAM: (1, 2), ANA: (2, 3), BEN: (4, 5)}.items(), start=2):
            reply = say(accord, who, f"vote {now} {ambition}", minute)
            moments.append(any(m.kind is Kind.REVEAL for m in reply.messages))
        round_ = current(store).latest_round("budget")
        results.append((round_.measures, round_.proposal, moments, current(store).progress(round_)))
    assert results[0] == results[1]
    assert results[0][2] == [False, False, True]  # revealed by itself at Ben's vote, with or without Cai


def test_a_facilitator_runs_the_meeting_but_cannot_vote(accord, store):
    started(accord, (CAI, "facilitator"))
    refused = say(accord, CAI, "vote 3 4")
    assert "Facilitators run the meeting without voting" in errors(refused)
    for who in (SAM, ANA, BEN, DEE):
        say(accord, who, "vote 3 4", 2)
    assert say(accord, CAI, "reveal", 3).ok
    assert say(accord, CAI, "finalise", 4).ok
    assessment = current(store)
    assert assessment.consensus_for("budget").recorded_by == CAI
    assert assessment.members[CAI].role is Role.FACILITATOR and CAI not in {m.identity for m in assessment.voters()}


# ----------------------------------------------------------------------------- pause and resume


def test_while_paused_nothing_happens_by_the_clock_and_the_deadline_resumes_where_it_was():
    store = Store()
    accord = make(store, Settings(auto_reveal=True))
    started(accord, (DEE, "observer"))
    assert say(accord, SAM, "deadline 2h", 1).ok
    deadline = current(store).focus_round.closes_at
    assert "Assessment paused" in words(say(accord, SAM, "pause", 10))
    assert "already paused" in errors(say(accord, SAM, "pause", 11))
    assert "Paused since" in words(say(accord, ANA, "status", 11))
    assert "`resume` it first" in errors(say(accord, SAM, "deadline 1d", 11))
    assert "paused, so nobody is reminded" in errors(say(accord, SAM, "remind", 11))
    # Votes are accepted, but the round does not reveal itself, not even at the deadline.
    for who in (SAM, ANA, BEN, CAI):
        assert say(accord, who, "vote 3 4", 20).ok
    assessment = current(store)
    assert assessment.focus_round.state is RoundState.OPEN
    assert assessment.reveal_overdue(deadline + timedelta(hours=1)) is None
    resumed = say(accord, SAM, "resume", 70)  # paused for an hour
    assert "after 1 hour" in words(resumed)
    assert any(m.kind is Kind.REVEAL for m in resumed.messages)  # everyone voted meanwhile
    assert current(store).latest_round("budget").closes_at == deadline + timedelta(hours=1)
    assert "not paused" in errors(say(accord, SAM, "resume", 71))
    assert "Paused since" not in words(say(accord, ANA, "status", 72))


# ------------------------------------------------------------------------------------- remove


def test_remove_withdraws_open_votes_keeps_revealed_ones_and_tells_the_person_privately(accord, store):
    started(accord, (DEE, "observer"))
    vote_and_reveal(accord, {SAM: (3, 4), ANA: (3, 4), BEN: (2, 4), CAI: (3, 4)})
    say(accord, SAM, "finalise", 4)
    say(accord, BEN, "vote 1 2", 5)  # on 1.2, open
    removed = say(accord, SAM, "remove @ben", 6)
    assert removed.ok, errors(removed)
    told = [m for m in removed.messages if m.audience.person == BEN]
    assert told and "You were removed" in told[0].heading
    assessment = current(store)
    assert BEN not in assessment.latest_round("reserves").votes
    assert BEN in assessment.latest_round("budget").votes  # revealed and recorded: kept
    assert assessment.progress(assessment.focus_round).eligible == 3
    assert "you were removed" in errors(say(accord, BEN, "vote 3 4", 7))
    assert "cannot join it again" in errors(say(accord, BEN, "join", 7))
    assert "only super-user" in errors(say(accord, SAM, "remove @sam", 8)) or "cannot remove yourself" in errors(say(accord, SAM, "remove @sam", 8))


# ------------------------------------------------------------------------------ join with approval


def test_with_approval_a_person_who_joins_waits_and_cannot_vote_until_approved():
    store = Store()
    accord = make(store, Settings(join_approval=True))
    started(accord)
    asked = say(accord, ZED, "join", 2)
    assert asked.ok
    assert any(m.audience.person == SAM and "Zed asks to join" in m.heading for m in asked.messages)
    assert "has still to approve you" in errors(say(accord, ZED, "vote 3 4", 3))
    assert current(store).progress(current(store).focus_round).eligible == 5
    assert "Only the super-user can approve members" in errors(say(accord, ANA, "approve @zed", 4))
    assert say(accord, SAM, "approve @zed", 5).ok
    assert say(accord, ZED, "vote 3 4", 6).ok
    assert current(store).members[ZED].role is Role.MEMBER


# ------------------------------------------------------------------------------ a scheduled start


def test_start_at_a_day_and_time_schedules_the_assessment_on_the_organisations_clock(accord, store):
    # at(1) is Wednesday 1 May 2024, 09:01 UTC; Thursday 10:00 in London (BST) is 09:00 UTC.
    scheduled = say(accord, SAM, "start at thursday 10:00", 1)
    assert scheduled.ok, errors(scheduled)
    assessment = current(store)
    assert assessment.is_scheduled and assessment.focus_round is None
    assert assessment.starts_at == datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
    assert "Sam scheduled Tiny council check" in words(scheduled) and "It starts Thu 2 May 10:00" in words(scheduled)
    assert "No question is open" in errors(say(accord, ANA, "vote 3 4", 2))
    assert "Scheduled: it starts Thu 2 May 10:00" in words(say(accord, ANA, "status", 2))
    assert assessment.open_scheduled(assessment.starts_at - timedelta(minutes=1)) is None
    opened = assessment.open_scheduled(assessment.starts_at)
    assert opened is not None and opened.question_id == "budget" and not assessment.is_scheduled
    assert "already passed" in errors(say(make(Store()), SAM, "start at today 08:00", 1))


def test_settings_keep_the_join_rule():
    assert replace(Settings(), join_approval=True).join_approval


def test_the_team_is_counted_by_role_so_a_facilitator_is_never_an_observer(accord, store):
    """The summary and every report name a facilitator as such; someone waiting or removed is in neither count."""
    from bot.export import report_json
    from bot.report.words import team_words
    from engine.presenters.summary import _observer_text

    started(accord, (CAI, "facilitator"), (DEE, "observer"))
    assert say(accord, SAM, "remove @Ben", 2).ok
    assessment = current(store)
    assert _observer_text(assessment) == ", 1 facilitating, 1 observing"
    assert team_words(assessment) == "2 voting members, 1 facilitator and 1 observer"
    assert report_json(assessment)["assessment"]["team"] == {"voting_members": 2, "facilitators": 1, "observers": 1}
