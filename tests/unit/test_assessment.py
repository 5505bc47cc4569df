"""The assessment's rules, as the team meets them: voting, reveal, consensus, reopening, roles."""

from __future__ import annotations

import pytest

from engine.assessment import (
    MAX_COMMENT_LENGTH,
    MAX_NOTE_LENGTH,
    AssessmentStatus,
    Identity,
    Member,
    Proposal,
    Role,
    RoundState,
    Settings,
)
from engine.errors import DomainError, InvalidTransition, NotFound, NotPermitted, RatingOffScale
from tests.unit.conftest import (
    ANA,
    BEN,
    CAI,
    DEE,
    EVE,
    OBI,
    SAM,
    T0,
    VOTERS,
    ZED,
    agree,
    at,
    cast,
    member,
    start,
)

COMPLETE = "This assessment is complete. A super-user can reopen a question, or start a new assessment."
FOUR_VOTES = {ANA: (2, 3), BEN: (2, 3), CAI: (3, 4), DEE: (3, 4)}


def votes_of(round_):
    return {who: (v.current, v.ambition) for who, v in round_.votes.items()}


def refused(error_type, action) -> str:
    with pytest.raises(error_type) as caught:
        action()
    return str(caught.value)


# --- starting ---------------------------------------------------------------------------------


def test_starting_makes_the_starter_super_user_and_opens_question_1_1(tiny):
    # Sam is listed as an observer in the team, yet starting makes him the super-user.
    a = start(tiny, members=[member(ANA), member(SAM, Role.OBSERVER), member(OBI, Role.OBSERVER)])
    assert [m.name for m in a.super_users()] == ["Sam"]
    assert a.members[ANA].role is Role.MEMBER and a.members[OBI].role is Role.OBSERVER
    round_ = a.focus_round
    assert tiny.question(round_.question_id).number == "1.1"
    assert (round_.state, round_.number, round_.opened_at) == (RoundState.OPEN, 1, T0)
    assert a.status is AssessmentStatus.ACTIVE and a.title == "Tiny council check"


# --- voting -------------------------------------------------------------------------------------


def test_a_member_can_change_their_vote_until_the_reveal(assessment):
    first = assessment.cast_vote(ANA, "budget", 2, 3, at(1))
    second = assessment.cast_vote(ANA, "budget", 3, 5, at(2), comment="  on reflection  ")
    assert (first.changed, second.changed) == (False, True)
    vote = assessment.own_vote(ANA, "budget")
    assert (vote.current, vote.ambition, vote.comment, vote.cast_at) == (3, 5, "on reflection", at(2))
    assert assessment.progress(assessment.focus_round).line() == "1 of 6 have voted"


def test_progress_counts_voters_only_never_observers(assessment):
    cast(assessment, "budget", {SAM: (3, 4), ANA: (2, 3), BEN: (3, 3), CAI: (2, 4)})
    assert assessment.progress(assessment.focus_round).line() == "4 of 6 have voted"


def test_observers_cannot_vote(assessment):
    message = refused(NotPermitted, lambda: assessment.cast_vote(OBI, "budget", 3, 4, at(1)))
    assert message == (
        "Observers follow the assessment but do not vote. Ask Sam to make you a member if you should."
    )
    assert assessment.focus_round.votes == {}


def test_a_vote_stops_counting_when_its_voter_becomes_an_observer(assessment):
    cast(assessment, "budget", {ANA: (1, 2), BEN: (4, 5), CAI: (4, 5)})
    assessment.set_role(SAM, ANA, Role.OBSERVER)
    round_ = assessment.focus_round
    assert assessment.progress(round_).line() == "2 of 5 have voted"
    assessment.reveal(SAM, at(5))
    assert round_.measures.current.n == 2
    assert round_.measures.current.distribution == (0, 0, 0, 2, 0)
    assert round_.proposal == Proposal(4, 5)


def test_someone_outside_the_assessment_is_told_whom_to_ask(assessment):
    message = refused(NotPermitted, lambda: assessment.cast_vote(ZED, "budget", 3, 4, at(1)))
    assert "not a member of this assessment" in message
    assert "Sam" in message  # the super-user who can add them
    assert assessment.focus_round.votes == {}


def test_the_same_user_id_in_another_workspace_is_a_different_person(assessment):
    stranger = Identity("slack", "T-other-council", ANA.user_id)
    with pytest.raises(NotPermitted):
        assessment.cast_vote(stranger, "budget", 3, 4, at(1))
    assert assessment.focus_round.votes == {}


@pytest.mark.parametrize(
    "current, ambition, message",
    [
        (0, 3, "The current position 0 is off the scale: give a whole number from 1 to 5."),
        (3, 6, "The ambition 6 is off the scale: give a whole number from 1 to 5."),
        (3.5, 4, "The current position 3.5 is off the scale: give a whole number from 1 to 5."),
        ("3", 4, "The current position '3' is off the scale: give a whole number from 1 to 5."),
        (True, 3, "The current position True is off the scale: give a whole number from 1 to 5."),
        (3, 4.0, "The ambition 4.0 is off the scale: give a whole number from 1 to 5."),
    ],
)
def test_a_score_off_the_scale_is_refused_and_changes_nothing(assessment, current, ambition, message):
    cast(assessment, "budget", {ANA: (2, 3)})
    before = votes_of(assessment.focus_round)
    assert refused(RatingOffScale, lambda: assessment.cast_vote(ANA, "budget", current, ambition, at(2))) == message
    assert refused(RatingOffScale, lambda: assessment.cast_vote(BEN, "budget", current, ambition, at(2))) == message
    assert votes_of(assessment.focus_round) == before


def test_an_ambition_below_the_current_position_is_refused_and_changes_nothing(assessment):
    cast(assessment, "budget", {ANA: (2, 3)})
    message = refused(DomainError, lambda: assessment.cast_vote(ANA, "budget", 4, 3, at(2)))
    assert message.startswith("The ambition (3) is below the current position (4).")
    assert "at least equal to the current" in message
    assert votes_of(assessment.focus_round) == {ANA: (2, 3)}


def test_a_comment_is_limited_in_length(assessment):
    too_long = "x" * (MAX_COMMENT_LENGTH + 1)
    message = refused(DomainError, lambda: assessment.cast_vote(ANA, "budget", 2, 3, at(1), comment=too_long))
    assert message == "Keep the comment to 1000 characters; it has 1001."
    assert assessment.focus_round.votes == {}
    assessment.cast_vote(ANA, "budget", 2, 3, at(1), comment="x" * MAX_COMMENT_LENGTH)
    assert len(assessment.own_vote(ANA, "budget").comment) == MAX_COMMENT_LENGTH


def test_a_question_that_has_not_opened_takes_no_votes(assessment):
    message = refused(InvalidTransition, lambda: assessment.cast_vote(ANA, "1.2", 3, 4, at(1)))
    assert message == "Question 1.2 is not open for votes yet."


def _reveal(a):
    cast(a, "budget", FOUR_VOTES)
    a.reveal(SAM, at(2))


def _finalise(a):
    _reveal(a)
    a.finalise(SAM, at(3))


def _skip(a):
    cast(a, "budget", FOUR_VOTES)
    a.skip(SAM, at(2))


@pytest.mark.parametrize(
    "close, message",
    [
        (_reveal, "Voting on question 1.1 has closed: the votes have been revealed."),
        (_finalise, "Question 1.1 has been finalised; votes can no longer change."),
        (_skip, "Question 1.1 was skipped."),
    ],
    ids=["revealed", "finalised", "skipped"],
)
def test_votes_are_refused_once_the_round_has_moved_on(assessment, close, message):
    close(assessment)
    round_ = assessment.latest_round("budget")
    before = votes_of(round_)
    assert refused(InvalidTransition, lambda: assessment.cast_vote(ANA, "budget", 5, 5, at(9))) == message
    assert refused(InvalidTransition, lambda: assessment.cast_vote(EVE, "budget", 5, 5, at(9))) == message
    assert votes_of(round_) == before


def test_a_vote_can_be_withdrawn_while_the_round_is_open(assessment):
    cast(assessment, "budget", {ANA: (2, 3), BEN: (3, 3)})
    assessment.withdraw_vote(ANA, "budget")
    assert assessment.progress(assessment.focus_round).line() == "1 of 6 have voted"
    assert refused(NotFound, lambda: assessment.withdraw_vote(ANA, "budget")) == "You have not voted on question 1.1."


def test_joining_from_the_channel_makes_a_voting_member_never_a_super_user(assessment):
    assert assessment.join(Member(ZED, "Zed", Role.SUPER_USER)) is True
    assert assessment.members[ZED].role is Role.MEMBER
    assert assessment.join(Member(ANA, "Ana")) is False
    assert assessment.progress(assessment.focus_round).line() == "0 of 7 have voted"


# --- reveal ---------------------------------------------------------------------------------------


def test_only_the_super_user_reveals(assessment):
    cast(assessment, "budget", FOUR_VOTES)
    assert refused(NotPermitted, lambda: assessment.reveal(ANA, at(2))) == (
        "Only the super-user can reveal the votes; ask Sam."
    )
    assert assessment.focus_round.state is RoundState.OPEN


def test_a_single_vote_is_never_revealed(assessment):
    cast(assessment, "budget", {ANA: (2, 3)})
    assert refused(InvalidTransition, lambda: assessment.reveal(SAM, at(2))) == (
        "Only 1 vote on question 1.1 so far: revealing now would show whose vote it is. "
        "Wait for at least two, or skip the question."
    )
    round_ = assessment.focus_round
    assert (round_.state, round_.measures, round_.proposal) == (RoundState.OPEN, None, None)


def test_the_reveal_freezes_the_measures_and_proposes_the_median(assessment):
    cast(assessment, "budget", FOUR_VOTES)
    round_ = assessment.reveal(SAM, at(2))
    assert round_.state is RoundState.REVEALED and round_.revealed_at == at(2)
    assert round_.measures.current.distribution == (0, 2, 2, 0, 0)
    assert round_.measures.ambition.distribution == (0, 0, 2, 2, 0)
    assert round_.proposal == Proposal(current=2, ambition=4)  # median 2.5 rounds down, 3.5 up
    frozen = round_.measures
    assessment.set_role(SAM, ANA, Role.OBSERVER)  # roles may change; what was shown may not
    assert round_.measures == frozen and round_.proposal == Proposal(2, 4)


@pytest.mark.parametrize(
    "votes, proposal",
    [
        ({ANA: (1, 1), BEN: (2, 2)}, (1, 2)),
        ({ANA: (1, 5), BEN: (5, 5), CAI: (1, 5)}, (1, 5)),
        ({ANA: (2, 2), BEN: (4, 4), CAI: (4, 5), DEE: (5, 5)}, (4, 5)),
        ({ANA: (2, 3), BEN: (3, 3), CAI: (3, 4), DEE: (4, 4)}, (3, 4)),
        ({ANA: (2, 3), BEN: (3, 4)}, (2, 4)),
    ],
)
def test_the_proposal_is_the_median_cautious_now_and_bold_for_the_ambition(assessment, votes, proposal):
    cast(assessment, "budget", votes)
    round_ = assessment.reveal(SAM, at(2))
    assert (round_.proposal.current, round_.proposal.ambition) == proposal
    assert round_.proposal.ambition >= round_.proposal.current


def test_auto_reveal_happens_when_the_last_voter_votes(tiny):
    a = start(tiny, settings=Settings(auto_reveal=True))
    outcomes = [a.cast_vote(v, "budget", 3, 4, at(1)) for v in VOTERS]
    assert [o.revealed for o in outcomes] == [False] * 5 + [True]
    assert a.focus_round.state is RoundState.REVEALED
    assert a.focus_round.measures.current.n == 6


# --- finalise, skip, next -----------------------------------------------------------------------------


def test_finalise_is_refused_before_the_reveal(assessment):
    cast(assessment, "budget", FOUR_VOTES)
    assert refused(InvalidTransition, lambda: assessment.finalise(SAM, at(2), 3, 4)) == (
        "Reveal question 1.1 first, so the team sees where it stands before agreeing."
    )
    assert assessment.focus_round.consensus is None


def test_only_the_super_user_records_the_consensus(assessment):
    _reveal(assessment)
    assert refused(NotPermitted, lambda: assessment.finalise(ANA, at(3))) == (
        "Only the super-user can record the consensus; ask Sam."
    )
    assert assessment.focus_round.state is RoundState.REVEALED


def test_a_bare_finalise_accepts_the_proposal_and_the_next_question_opens(assessment):
    _reveal(assessment)
    round_ = assessment.finalise(SAM, at(3))
    consensus = assessment.consensus_for("budget")
    assert (consensus.current, consensus.ambition, consensus.gap) == (2, 4, 2)  # the proposal: median 2.5 rounds down, 3.5 up
    assert (consensus.recorded_by, consensus.recorded_at, consensus.note) == (SAM, at(3), "")
    assert round_.state is RoundState.FINALISED and round_.closed_at == at(3)
    nxt = assessment.focus_round
    assert (nxt.question_id, nxt.state, nxt.number, nxt.opened_at) == ("reserves", RoundState.OPEN, 1, at(3))


def test_explicit_numbers_and_a_note_are_recorded(assessment):
    _reveal(assessment)
    assessment.finalise(SAM, at(3), 2, 5, note="  We were   generous before.  ")
    consensus = assessment.consensus_for("budget")
    assert (consensus.current, consensus.ambition, consensus.note) == (2, 5, "We were generous before.")


@pytest.mark.parametrize("current, ambition", [(5, 5), (2, 4)])
def test_a_current_alone_keeps_the_proposed_ambition_unless_it_would_fall_below(assessment, current, ambition):
    _reveal(assessment)  # proposal: 3, 4
    assessment.finalise(SAM, at(3), current, note="" if current <= 3 else "the evidence is stronger than the votes")
    consensus = assessment.consensus_for("budget")
    assert (consensus.current, consensus.ambition) == (current, ambition)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"current": 0, "ambition": 3}, RatingOffScale),
        ({"current": 4, "ambition": 2}, DomainError),
        ({"note": "n" * (MAX_NOTE_LENGTH + 1)}, DomainError),
    ],
    ids=["off the scale", "ambition below current", "note too long"],
)
def test_a_refused_finalise_leaves_the_round_revealed(assessment, kwargs, error):
    _reveal(assessment)
    with pytest.raises(error):
        assessment.finalise(SAM, at(3), **kwargs)
    round_ = assessment.latest_round("budget")
    assert (round_.state, round_.consensus) == (RoundState.REVEALED, None)
    assert assessment.focus_question_id == "budget"


def test_the_note_limit_is_stated(assessment):
    _reveal(assessment)
    message = refused(DomainError, lambda: assessment.finalise(SAM, at(3), note="n" * 2001))
    assert message == "Keep the note to 2000 characters; it has 2001."


def test_skipping_records_the_reason_and_moves_on(assessment):
    cast(assessment, "budget", {ANA: (2, 3)})
    assert refused(NotPermitted, lambda: assessment.skip(ANA, at(2))) == "Only the super-user can skip a question; ask Sam."
    round_ = assessment.skip(SAM, at(2), reason="  No finance   director today ")
    assert (round_.state, round_.skip_reason, round_.closed_at) == (RoundState.SKIPPED, "No finance director today", at(2))
    assert assessment.consensus_for("budget") is None
    assert assessment.focus_question_id == "reserves"


def test_without_auto_advance_the_super_user_moves_on_once_the_round_is_closed(tiny):
    a = start(tiny, settings=Settings(auto_advance=False))
    agree(a, "budget", FOUR_VOTES)
    assert a.focus_question_id == "budget"  # stays on the agreed question
    opened = a.next_question(SAM, at(5))
    assert (opened.question_id, opened.state) == ("reserves", RoundState.OPEN)
    assert refused(InvalidTransition, lambda: a.next_question(SAM, at(6))) == (
        "Question 1.2 is still open: finalise it or skip it first."
    )
    assert refused(NotPermitted, lambda: a.next_question(ANA, at(6))) == (
        "Only the super-user can move to the next question; ask Sam."
    )


# --- reopening ----------------------------------------------------------------------------------------


def _two_agreed(tiny):
    a = start(tiny, settings=Settings(auto_advance=False))
    agree(a, "budget", FOUR_VOTES, 3, 4, note="first view")
    a.next_question(SAM, at(5))
    agree(a, "reserves", FOUR_VOTES, 2, 2, minute=6)
    return a


def test_reopening_starts_round_2_and_leaves_every_recorded_consensus_as_it_was(tiny):
    a = _two_agreed(tiny)
    first = a.latest_round("budget")
    recorded_first, recorded_reserves = first.consensus, a.consensus_for("reserves")

    second = a.reopen(SAM, "1.1", at(10))
    assert (second.question_id, second.number, second.state) == ("budget", 2, RoundState.OPEN)
    assert a.own_vote(ANA, "budget") is None  # everyone votes again
    assert first.consensus is recorded_first and first.state is RoundState.FINALISED
    assert a.consensus_for("budget") is recorded_first  # until round 2 is finalised
    assert a.consensus_for("reserves") is recorded_reserves

    agree(a, "budget", {ANA: (4, 5), BEN: (4, 4)}, minute=11)
    assert (a.consensus_for("budget").current, a.consensus_for("budget").ambition) == (4, 5)
    assert [r.consensus.current for r in a.rounds_of("budget")] == [3, 4]
    assert first.consensus.note == "first view"
    assert a.consensus_for("reserves") is recorded_reserves


def test_reopening_steps_back_from_a_next_question_nobody_has_voted_on(assessment):
    agree(assessment, "budget", FOUR_VOTES)  # auto-advance opens 1.2, untouched so far
    reopened = assessment.reopen(SAM, "1.1", at(5))
    assert (reopened.question_id, reopened.number, reopened.state) == ("budget", 2, RoundState.OPEN)
    assert assessment.rounds_of("budget")[0].consensus is not None  # round 1 stays on record
    assert assessment.latest_round(assessment.question("1.2").id) is None  # 1.2 opens again in its turn
    agree(assessment, "budget", FOUR_VOTES, minute=6)
    assert assessment.focus_round.question_id == assessment.question("1.2").id


def test_reopening_is_refused_while_another_question_has_votes(assessment):
    agree(assessment, "budget", FOUR_VOTES)  # auto-advance opens 1.2
    second = assessment.question("1.2").id
    cast(assessment, second, {ANA: (2, 3)}, minute=6)
    assert refused(InvalidTransition, lambda: assessment.reopen(SAM, "1.1", at(7))) == (
        "Question 1.2 is still open: finalise it or skip it before reopening another."
    )
    assert refused(InvalidTransition, lambda: assessment.reopen(SAM, "2.1", at(7))) == (
        "Question 2.1 has not been opened yet, so there is nothing to reopen."
    )
    assert refused(InvalidTransition, lambda: assessment.reopen(SAM, "1.2", at(7))) == (
        "Question 1.2 is already open for votes."
    )
    assert refused(NotPermitted, lambda: assessment.reopen(ANA, "1.1", at(7))) == (
        "Only the super-user can reopen a question; ask Sam."
    )
    assert len(assessment.rounds_of("budget")) == 1
    assert assessment.latest_round(second).votes  # nothing about 1.2 changed


# --- completing and closing ---------------------------------------------------------------------------


def test_the_assessment_completes_after_the_last_question(assessment):
    for minute, question in enumerate(["budget", "reserves", "skills"]):
        agree(assessment, question, FOUR_VOTES, minute=10 * minute)
    assert assessment.is_active
    assessment.skip(SAM, at(40))
    assert assessment.status is AssessmentStatus.COMPLETED and assessment.completed_at == at(40)
    assert len(assessment.rounds) == 4  # no round opened beyond the last question


def test_closing_skips_the_open_question_and_completes(assessment):
    agree(assessment, "budget", FOUR_VOTES)
    cast(assessment, "reserves", {ANA: (2, 3)}, minute=5)
    assessment.close(SAM, at(6))
    reserves = assessment.latest_round("reserves")
    assert (reserves.state, reserves.skip_reason) == (RoundState.SKIPPED, "the assessment was closed")
    assert assessment.status is AssessmentStatus.COMPLETED
    assert [q.number for q in assessment.unstarted_questions()] == ["2.1", "2.2"]


def test_reopening_a_completed_assessment_makes_it_active_until_that_question_is_agreed(assessment):
    for minute, question in enumerate(["budget", "reserves", "skills", "culture"]):
        agree(assessment, question, FOUR_VOTES, minute=10 * minute)
    assert assessment.status is AssessmentStatus.COMPLETED
    assessment.reopen(SAM, "2.2", at(50))
    assert assessment.is_active and assessment.completed_at is None
    agree(assessment, "culture", FOUR_VOTES, 1, 2, minute=51)
    assert assessment.status is AssessmentStatus.COMPLETED and assessment.completed_at == at(53)
    assert (assessment.consensus_for("culture").current, len(assessment.rounds)) == (1, 5)


def _completed(a):
    cast(a, "budget", {ANA: (2, 3), BEN: (3, 3)})
    a.reveal(SAM, at(2))
    a.close(SAM, at(3))
    return a


@pytest.mark.parametrize(
    "action",
    [
        lambda a: a.cast_vote(ANA, "budget", 3, 4, at(9)),
        lambda a: a.reveal(SAM, at(9)),
        lambda a: a.finalise(SAM, at(9), 3, 4),
        lambda a: a.skip(SAM, at(9)),
        lambda a: a.next_question(SAM, at(9)),
        lambda a: a.close(SAM, at(9)),
        lambda a: a.set_deadline(SAM, at(99), at(9)),
        lambda a: a.add_member(SAM, Member(ZED, "Zed")),
        lambda a: a.join(Member(ZED, "Zed")),
    ],
    ids=["vote", "reveal", "finalise", "skip", "next", "close", "deadline", "add member", "join"],
)
def test_a_completed_assessment_refuses_further_actions(assessment, action):
    _completed(assessment)
    rounds = [(r.question_id, r.state) for r in assessment.rounds]
    assert refused(InvalidTransition, lambda: action(assessment)) == COMPLETE
    assert [(r.question_id, r.state) for r in assessment.rounds] == rounds
    assert ZED not in assessment.members


# --- roles and privacy ------------------------------------------------------------------------------------


def test_the_last_super_user_cannot_step_down(assessment):
    assert refused(InvalidTransition, lambda: assessment.set_role(SAM, SAM, Role.MEMBER)) == (
        "Sam is the only super-user: make someone else super-user first."
    )
    assessment.set_role(SAM, ANA, Role.SUPER_USER)
    assessment.set_role(ANA, SAM, Role.MEMBER)
    assert [m.name for m in assessment.super_users()] == ["Ana"]
    assert refused(NotPermitted, lambda: assessment.set_role(SAM, BEN, Role.SUPER_USER)) == (
        "Only the super-user can change roles; ask Ana."
    )


def test_only_super_users_learn_who_has_not_voted_or_who_voted_what(assessment):
    cast(assessment, "budget", {ANA: (2, 3), BEN: (4, 5)})
    round_ = assessment.focus_round
    assert refused(NotPermitted, lambda: assessment.waiting_for(ANA, round_)) == (
        "Only the super-user can see who has not voted yet; ask Sam."
    )
    assert refused(NotPermitted, lambda: assessment.individual_votes(ANA, round_)) == (
        "Only the super-user can see who voted what; ask Sam."
    )
    with pytest.raises(NotPermitted):
        assessment.individual_votes(OBI, round_)
    assert sorted(m.name for m in assessment.waiting_for(SAM, round_)) == ["Cai", "Dee", "Eve", "Sam"]
    # Sam votes too: until he has, he learns who has voted, not what (tests/unit/test_meeting.py).
    assert assessment.individual_votes(SAM, round_) == []
    assert sorted(m.name for m in assessment.has_voted(SAM, round_)) == ["Ana", "Ben"]
    assessment.cast_vote(SAM, "budget", 3, 3, at(2))
    assert sorted((m.name, v.current) for m, v in assessment.individual_votes(SAM, round_)) == [("Ana", 2), ("Ben", 4), ("Sam", 3)]


# --- deadlines ------------------------------------------------------------------------------------------


def test_a_deadline_must_be_in_the_future_and_set_by_the_super_user(assessment):
    assert refused(DomainError, lambda: assessment.set_deadline(SAM, at(5), at(5))) == "The deadline has to be in the future."
    assert refused(NotPermitted, lambda: assessment.set_deadline(ANA, at(60), at(5))) == (
        "Only the super-user can set a deadline; ask Sam."
    )
    assert assessment.focus_round.closes_at is None
    assessment.set_deadline(SAM, at(60), at(5))
    assert assessment.focus_round.closes_at == at(60)
    _reveal(assessment)
    assert refused(InvalidTransition, lambda: assessment.set_deadline(SAM, at(90), at(6))) == (
        "Only an open question can have a deadline."
    )


def test_an_overdue_round_reveals_itself_at_its_deadline(assessment):
    assessment.set_deadline(SAM, at(60), at(0))
    cast(assessment, "budget", {ANA: (2, 3), BEN: (3, 4), CAI: (3, 4)})
    assert assessment.reveal_overdue(at(59)) is None
    assert assessment.focus_round.state is RoundState.OPEN
    round_ = assessment.reveal_overdue(at(60))
    assert round_.state is RoundState.REVEALED and round_.revealed_at == at(60)
    assert round_.proposal == Proposal(3, 4)
    assert assessment.reveal_overdue(at(61)) is None  # once only


def test_a_round_without_a_deadline_is_never_overdue(assessment):
    cast(assessment, "budget", FOUR_VOTES)
    assert assessment.reveal_overdue(at(10_000)) is None
    assert assessment.focus_round.state is RoundState.OPEN


def test_an_overdue_round_with_a_single_vote_is_not_revealed(assessment):
    assessment.set_deadline(SAM, at(60), at(0))
    cast(assessment, "budget", {ANA: (1, 1)})
    assessment.reveal_overdue(at(61))
    assert assessment.latest_round("budget").state is not RoundState.REVEALED
    assert assessment.latest_round("budget").measures is None
