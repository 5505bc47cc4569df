"""storage.changes: what a save writes, worked out from the stored rows' state and the aggregate.

Pure: no database. `written` records a change set the way the repository does after applying it
(new rows get ids), so the next save compares with what was stored.
"""

from __future__ import annotations

import itertools

import pytest

from engine.assessment import Member, Role
from storage.changes import ChangeSet, change_set
from storage.tracking import Stored, Tracked
from tests.unit.conftest import ANA, BEN, SAM, ZED, at, start

IDS = itertools.count(1)


def written(tracked: Tracked, changes: ChangeSet) -> Tracked:
    """The state of the rows once `changes` is applied, as the repository records it."""
    if changes.inserted:
        tracked.version = 1
    tracked.columns = changes.columns
    for key in changes.withdrawn:
        del tracked.votes[key]
    for key in changes.stepped_back:
        del tracked.rounds[key]
    for identity, stored, member, wanted in changes.member_updates:
        tracked.members[identity] = Stored(stored.id, wanted, member)
    for key, stored, shape, wanted in changes.round_updates:
        tracked.rounds[key] = Stored(stored.id, wanted, shape)
    for key, stored, vote, wanted in changes.vote_updates:
        tracked.votes[key] = Stored(None, wanted, vote)
    for identity, member, wanted in changes.new_members:
        tracked.members[identity] = Stored(next(IDS), wanted, member)
    for key, shape, wanted in changes.new_rounds:
        tracked.rounds[key] = Stored(next(IDS), wanted, shape)
    for key, vote, wanted in changes.new_votes:
        tracked.votes[key] = Stored(None, wanted, vote)
    return tracked


@pytest.fixture
def stored() -> Tracked:
    """A started assessment, as the rows store it right after it was first saved."""
    tracked = Tracked(start())
    return written(tracked, change_set(tracked))


def test_a_new_assessment_is_every_row_new():
    tracked = Tracked(start())
    changes = change_set(tracked)
    assert changes.inserted and not changes.empty
    assert {identity for identity, _, _ in changes.new_members} == set(tracked.assessment.members)
    assert [key for key, _, _ in changes.new_rounds] == [(tracked.assessment.focus_round.question_id, 1)]
    assert changes.new_votes == [] and changes.member_updates == []


def test_an_unchanged_assessment_writes_nothing(stored):
    assert change_set(stored).empty


def test_a_vote_is_one_new_vote_row_and_nothing_else(stored):
    question = stored.assessment.focus_round.question_id
    stored.assessment.cast_vote(ANA, question, 2, 4, at(1))
    changes = change_set(stored)
    assert [key for key, _, _ in changes.new_votes] == [(question, 1, ANA)]
    assert (changes.new_members, changes.member_updates, changes.new_rounds, changes.round_updates) == ([], [], [], [])
    assert changes.vote_updates == [] and changes.withdrawn == []


def test_a_changed_vote_updates_its_row_with_only_what_changed(stored):
    question = stored.assessment.focus_round.question_id
    stored.assessment.cast_vote(ANA, question, 2, 4, at(1))
    written(stored, change_set(stored))
    stored.assessment.cast_vote(ANA, question, 3, 4, at(2))
    changes = change_set(stored)
    ((key, before, _, wanted),) = changes.vote_updates
    assert key == (question, 1, ANA) and changes.new_votes == []
    assert {name for name in wanted if wanted[name] != before.columns.get(name)} >= {"current"}


def test_a_withdrawn_vote_is_a_row_that_goes(stored):
    question = stored.assessment.focus_round.question_id
    stored.assessment.cast_vote(BEN, question, 2, 4, at(1))
    written(stored, change_set(stored))
    stored.assessment.withdraw_vote(BEN, question)
    assert change_set(stored).withdrawn == [(question, 1, BEN)]


def test_a_new_role_updates_one_member_row(stored):
    stored.assessment.set_role(SAM, ANA, Role.OBSERVER)
    changes = change_set(stored)
    ((identity, _, member, wanted),) = changes.member_updates
    assert identity == ANA and member.role is Role.OBSERVER
    assert changes.new_members == []


def test_a_reveal_updates_the_round_row(stored):
    question = stored.assessment.focus_round.question_id
    for voter in (ANA, BEN):
        stored.assessment.cast_vote(voter, question, 3, 4, at(1))
    written(stored, change_set(stored))
    stored.assessment.reveal(SAM, at(2))
    changes = change_set(stored)
    assert [key for key, _, _, _ in changes.round_updates] == [(question, 1)]
    assert changes.new_votes == []


def test_someone_joining_is_one_new_member_row(stored):
    stored.assessment.join(Member(ZED, "Zed"))
    assert [identity for identity, _, _ in change_set(stored).new_members] == [ZED]


def test_removing_a_member_is_refused_before_anything_is_written(stored):
    del stored.assessment.members[ANA]
    with pytest.raises(ValueError, match="removing members is not supported"):
        change_set(stored)
