"""The audit trail's events: what the engine records for each change, and `audit` over a fake unit of work.

Storage's hash chain is tested on real databases in tests/audit/; here, that every change the
engine makes leaves an event saying who, what, when, before and after, that a refusal leaves
none, and what a super-user reads with `audit` (and nobody else can).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import commands as grammar
from bot.service import Person, Request
from engine.assessment import Role, Settings
from engine.audit import AuditAction
from engine.errors import NotPermitted
from engine.views import Kind
from tests.unit.conftest import (
    ANA,
    BEN,
    CAI,
    NAMES,
    POLARISED,
    SAM,
    at,
    render,
    start,
)
from tests.unit.test_services import CHANNEL, Team


def actions(assessment) -> list[AuditAction]:
    return [event.action for event in assessment.pending_audit]


def test_starting_records_the_start_every_member_added_and_the_first_question_opening():
    assessment = start()
    events = assessment.pending_audit
    assert events[0].action is AuditAction.STARTED and events[0].actor == SAM.key and events[0].actor_name == "Sam"
    added = [e for e in events if e.action is AuditAction.MEMBER_ADDED]
    assert {e.person_name for e in added} == {"Ana", "Ben", "Cai", "Dee", "Eve", "Obi"}
    assert events[-1].action is AuditAction.NEXT and events[-1].automatic and events[-1].subject == "question 1.1"


def test_a_changed_vote_is_a_new_event_with_before_and_after_and_the_first_is_kept():
    assessment = start()
    assessment.pending_audit.clear()
    assessment.cast_vote(ANA, "budget", 2, 3, at(1), "patchy data")
    assessment.cast_vote(ANA, "budget", 3, 4, at(2), "better than I thought")
    cast, changed = assessment.pending_audit
    assert (cast.action, cast.before, cast.after) == (AuditAction.VOTE_CAST, None, {"round": 1, "current": 2, "ambition": 3})
    assert changed.action is AuditAction.VOTE_CHANGED
    assert changed.before == {"current": 2, "ambition": 3}
    assert changed.after == {"round": 1, "current": 3, "ambition": 4}
    assert changed.comments == {"before": "patchy data", "after": "better than I thought"}
    assert changed.actor == ANA.key and changed.at == at(2) and changed.subject == "question 1.1"
    # Comments name their author's thoughts: they are personal, never in the hashed-in-clear part.
    assert "patchy" not in repr((changed.before, changed.after, changed.note))


def test_a_withdrawn_vote_is_recorded_with_what_it_was():
    assessment = start()
    assessment.cast_vote(ANA, "budget", 2, 3, at(1))
    assessment.pending_audit.clear()
    assessment.withdraw_vote(ANA, "budget", at(2))
    (event,) = assessment.pending_audit
    assert event.action is AuditAction.VOTE_WITHDRAWN and event.before == {"current": 2, "ambition": 3} and event.at == at(2)


def test_a_reveal_names_who_revealed_and_the_proposal_says_how_it_was_worked_out():
    assessment = start()
    for voter, (current, ambition) in POLARISED.items():
        assessment.cast_vote(voter, "budget", current, ambition, at(1))
    assessment.pending_audit.clear()
    assessment.reveal(SAM, at(2))
    revealed, proposed = assessment.pending_audit
    assert revealed.action is AuditAction.REVEALED and revealed.actor_name == "Sam" and not revealed.automatic
    assert revealed.after == {"round": 1, "votes": 4, "verdict": "polarised"}
    assert proposed.action is AuditAction.PROPOSED and proposed.automatic
    assert proposed.after == {"round": 1, "current": 3, "ambition": 5} and "median" in proposed.note


def test_an_automatic_reveal_says_why_it_happened():
    everyone = start(settings=Settings(auto_reveal=True), members=[])
    everyone.set_role(SAM, ANA, Role.MEMBER, "Ana", at(0))
    everyone.cast_vote(SAM, "budget", 2, 3, at(1))
    everyone.cast_vote(ANA, "budget", 3, 3, at(2))
    (reveal,) = [e for e in everyone.pending_audit if e.action is AuditAction.REVEALED]
    assert reveal.automatic and reveal.actor_name == "Accord" and reveal.note == "automatic: everyone has voted"

    overdue = start()
    overdue.set_deadline(SAM, at(10), at(1))
    overdue.cast_vote(ANA, "budget", 2, 3, at(2))
    overdue.cast_vote(BEN, "budget", 4, 4, at(3))
    overdue.reveal_overdue(at(11))
    (reveal,) = [e for e in overdue.pending_audit if e.action is AuditAction.REVEALED]
    assert reveal.automatic and reveal.note == "automatic: the deadline passed" and reveal.at == at(11)
    (deadline,) = [e for e in overdue.pending_audit if e.action is AuditAction.DEADLINE_SET]
    assert deadline.before == {"closes_at": None} and deadline.after["closes_at"] == at(10).isoformat()


def test_finalise_records_the_proposal_it_replaced_the_values_and_the_note():
    assessment = start()
    for voter, (current, ambition) in POLARISED.items():
        assessment.cast_vote(voter, "budget", current, ambition, at(1))
    assessment.reveal(SAM, at(2))
    assessment.pending_audit.clear()
    assessment.finalise(SAM, at(3), 2, 4, "two camps, agreed the lower view")
    finalised, opened = assessment.pending_audit
    assert finalised.action is AuditAction.FINALISED and finalised.actor == SAM.key
    assert finalised.before == {"proposal": {"current": 3, "ambition": 5}}
    assert finalised.after == {"round": 1, "current": 2, "ambition": 4}
    assert finalised.note == "two camps, agreed the lower view"
    assert opened.action is AuditAction.NEXT and opened.automatic and opened.subject == "question 1.2"


def test_skip_reopen_next_close_roles_and_schedule_are_recorded():
    assessment = start(settings=Settings(auto_advance=False))
    assessment.pending_audit.clear()
    assessment.skip(SAM, at(1), "no data yet")
    assessment.next_question(SAM, at(2))
    assessment.reopen(SAM, "1.1", at(3))
    assessment.set_role(SAM, ANA, Role.OBSERVER, now=at(4))
    assessment.change_schedule(SAM, at(5), interval=timedelta(days=2))
    assessment.close(SAM, at(6))
    assert actions(assessment) == [
        AuditAction.SKIPPED, AuditAction.NEXT, AuditAction.REOPENED, AuditAction.ROLE_CHANGED,
        AuditAction.SCHEDULE_CHANGED, AuditAction.CLOSED,
    ]  # fmt: skip
    skipped, _, reopened, role, schedule, _ = assessment.pending_audit
    assert skipped.note == "no data yet" and skipped.subject == "question 1.1"
    assert reopened.before == {"round": 1, "state": "skipped", "assessment": "active"} and reopened.after == {"round": 2}
    assert (role.before, role.after, role.person_name) == ({"role": "member"}, {"role": "observer"}, "Ana")
    assert schedule.before["interval"] is None and schedule.after["interval"] == "2 days, 0:00:00"


def test_a_refused_action_records_nothing():
    assessment = start()
    assessment.pending_audit.clear()
    with pytest.raises(NotPermitted):
        assessment.reveal(ANA, at(1))
    with pytest.raises(NotPermitted):
        assessment.finalise(BEN, at(1))
    assert assessment.pending_audit == []


def test_a_copy_keeps_its_own_events():
    assessment = start()
    twin = assessment.copy()
    twin.cast_vote(ANA, "budget", 2, 3, at(1))
    assert len(twin.pending_audit) == len(assessment.pending_audit) + 1


# ------------------------------------------------------------- the use cases


def say(accord, who, text, minutes=1):
    return accord.handle(Request(Person(who, NAMES[who]), CHANNEL, at(minutes)), grammar.parse(text), Team(SAM, ANA, BEN, CAI))


def test_the_trail_is_committed_with_the_change_and_names_the_platform(accord, store):
    say(accord, SAM, "start")
    say(accord, ANA, "vote 2 3", 2)
    trail = store.audit["assessment-1"]
    assert [r.sequence for r in trail] == list(range(1, len(trail) + 1))
    assert trail[-1].event.action is AuditAction.VOTE_CAST and trail[-1].platform == "slack"
    assert say(accord, BEN, "reveal", 3).ok is False  # refused: nothing recorded
    assert len(store.audit["assessment-1"]) == len(trail)


def test_a_super_user_reads_the_trail_privately_with_audit_or_history(accord, store):
    say(accord, SAM, "start")
    say(accord, ANA, "vote 1 5 patchy", 2)
    say(accord, ANA, "vote 2 4", 3)
    say(accord, BEN, "vote 4 4", 4)
    say(accord, SAM, "reveal", 5)
    say(accord, SAM, "finalise 2 4 two camps, agreed the lower view", 6)
    reply = say(accord, SAM, "audit", 7)
    (shown,) = reply.messages
    assert shown.kind is Kind.AUDIT and shown.audience.person == SAM
    words = render(shown)
    assert "Ana: vote changed, question 1.1: current 1, ambition 5 → current 2, ambition 4" in words
    assert "Sam: revealed, question 1.1" in words
    assert "Accord: proposed, question 1.1: current 3, ambition 4 (the median vote" in words
    assert "Sam: finalised, question 1.1: proposed current 3, ambition 4 → current 2, ambition 4" in words
    assert "Note: two camps, agreed the lower view" in words
    assert "patchy" not in words  # comments stay out of the chat
    history = render(say(accord, SAM, "history 1.1", 8).messages[0])
    assert "question 1.1" in history and "question 1.2" not in history
    # Reading it is itself recorded.
    assert store.trail("assessment-1")[-1].action is AuditAction.AUDIT_READ


def test_only_a_super_user_may_read_the_trail_and_votes_on_an_open_question_stay_hidden(accord, store):
    say(accord, SAM, "start")
    say(accord, ANA, "vote 2 4", 2)
    refused = say(accord, ANA, "audit", 3)
    assert not refused.ok and "Only the super-user can read the audit trail" in render(refused.messages[0])
    words = render(say(accord, SAM, "audit", 4).messages[0])
    assert "Ana: vote cast, question 1.1: scores hidden until the reveal" in words
    assert "current 2" not in words


def test_who_is_recorded_as_individual_votes_shown(accord, store):
    say(accord, SAM, "start")
    say(accord, ANA, "vote 2 4", 2)
    say(accord, SAM, "vote 3 4", 3)
    say(accord, SAM, "who", 4)
    event = store.trail("assessment-1")[-1]
    assert event.action is AuditAction.INDIVIDUAL_VOTES_SHOWN and event.actor == SAM.key and event.subject == "question 1.1"
    before = len(store.audit["assessment-1"])
    assert not say(accord, ANA, "who", 5).ok
    assert len(store.audit["assessment-1"]) == before
