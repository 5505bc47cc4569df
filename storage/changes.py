"""What a save must write: the change set, a pure function of the rows as stored and the aggregate.

`change_set(tracked)` compares an `Assessment` with the state of the rows that store it
(`storage.tracking.Tracked`) and says, without touching the database, which rows are new, which
columns changed and which rows go: the repository (`storage.repository`) then only applies it.
Kept apart so the rule of what counts as a change is tested on its own, in milliseconds
(tests/unit/test_change_set.py).

What a command did not touch is still the very value (a member, a vote) or the same attribute
values (a round) it was stored from, so it is passed over without mapping it to columns: a save
costs what changed, not the size of the assessment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.assessment import Member, Vote
from storage import mapping
from storage.tracking import Columns, RoundKey, Stored, Tracked, VoteKey


@dataclass
class ChangeSet:
    columns: Columns  # the assessment row's columns as they should be
    assessment_changes: Columns  # of those, the ones that differ from the row (all, for a new row)
    inserted: bool  # the assessment has no row yet
    new_members: list[tuple[Any, Member, Columns]] = field(default_factory=list)
    member_updates: list[tuple[Any, Stored, Member, Columns]] = field(default_factory=list)
    new_rounds: list[tuple[RoundKey, tuple, Columns]] = field(default_factory=list)
    round_updates: list[tuple[RoundKey, Stored, tuple, Columns]] = field(default_factory=list)
    new_votes: list[tuple[VoteKey, Vote, Columns]] = field(default_factory=list)
    vote_updates: list[tuple[VoteKey, Stored, Vote, Columns]] = field(default_factory=list)
    withdrawn: list[VoteKey] = field(default_factory=list)  # votes whose rows go
    stepped_back: list[RoundKey] = field(default_factory=list)  # an untouched next question, dropped

    @property
    def empty(self) -> bool:
        """Nothing to write: the rows already store this aggregate."""
        return not (
            self.inserted or self.assessment_changes or self.new_members or self.member_updates or self.new_rounds
            or self.round_updates or self.new_votes or self.vote_updates or self.withdrawn or self.stepped_back
        )  # fmt: skip


def change_set(tracked: Tracked) -> ChangeSet:
    """What must be written for the rows to store `tracked.assessment` (see the module)."""
    assessment = tracked.assessment
    _check_members(tracked)
    columns = mapping.assessment_columns(assessment)
    inserted = tracked.version is None
    changes = ChangeSet(columns, dict(columns) if inserted else changed_columns(tracked.columns, columns), inserted)

    for identity, member in assessment.members.items():
        stored = tracked.members.get(identity)
        if stored is not None and stored.source is member:
            continue
        wanted = mapping.member_columns(member)
        if stored is None:
            changes.new_members.append((identity, member, wanted))
        elif stored.columns != wanted:
            changes.member_updates.append((identity, stored, member, wanted))

    votes_still_stored = 0
    for position, round_ in enumerate(assessment.rounds):
        key = (round_.question_id, round_.number)
        shape = mapping.round_shape(round_, position)
        stored = tracked.rounds.get(key)
        if stored is None or stored.source != shape:
            wanted = mapping.round_columns(round_, position)
            if stored is None:
                changes.new_rounds.append((key, shape, wanted))
            elif stored.columns != wanted:
                changes.round_updates.append((key, stored, shape, wanted))
        for voter, vote in round_.votes.items():
            vote_key = (*key, voter)
            stored_vote = tracked.votes.get(vote_key)
            if stored_vote is not None:
                votes_still_stored += 1
                if stored_vote.source is vote:
                    continue
            elif voter not in assessment.members:
                raise ValueError(f"votes by non-members cannot be stored (assessment {assessment.id}: {voter.key})")
            wanted_vote = mapping.vote_columns(vote)
            if stored_vote is None:
                changes.new_votes.append((vote_key, vote, wanted_vote))
            elif stored_vote.columns != wanted_vote:
                changes.vote_updates.append((vote_key, stored_vote, vote, wanted_vote))
    if votes_still_stored < len(tracked.votes):
        wanted_votes = {(r.question_id, r.number, voter) for r in assessment.rounds for voter in r.votes}
        changes.withdrawn = [key for key in tracked.votes if key not in wanted_votes]
    kept = {(round_.question_id, round_.number) for round_ in assessment.rounds}
    changes.stepped_back = [key for key in tracked.rounds if key not in kept]
    if changes.stepped_back and any(key[:2] in changes.stepped_back for key in tracked.votes):
        raise ValueError(f"rounds with votes are history and are never deleted (assessment {assessment.id})")
    return changes


def changed_columns(stored: Columns, wanted: Columns) -> Columns:
    return {name: value for name, value in wanted.items() if stored.get(name) != value}


def _check_members(tracked: Tracked) -> None:
    """Refuse, before anything is written, what the tables cannot hold.

    The engine never removes a member (an observer is a member who does not vote) nor a round
    anyone voted in (rounds are history); the one round it drops is a next question that opened
    by itself and stepped back, untouched, when an earlier one was reopened. A stored vote needs
    its voter's member row. Were that to change, storage would have to change with it: say so
    rather than lose votes. Members are checked here; rounds and votes where they are compared.
    """
    assessment = tracked.assessment
    if len(tracked.members) > len(assessment.members) or any(m not in assessment.members for m in tracked.members):
        dropped = [identity.key for identity in tracked.members if identity not in assessment.members]
        raise ValueError(f"removing members is not supported (assessment {assessment.id}: {', '.join(dropped)})")
