"""Forgetting a member while the team's answers stay (the right to erasure, UK GDPR article 17).

A forgotten member keeps their place in the assessment: their role, and every vote they cast
with its scores and time, so what the team saw and agreed stays as it was (the counts, the
measures frozen at each reveal, the consensus, the scores). What named them goes: their name
becomes `FORMER_MEMBER`, and every comment they wrote is cleared. Their identity is replaced by
a pseudonym before this is called (`storage.members.PersonalData.pseudonymise`): the aggregate
keys members and votes by identity, so this works on the member as the pseudonym names them.

No permission is checked: erasure is asked of whoever runs Accord (`accord member forget`), not
of a role in the assessment.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from engine.assessment import Assessment, Identity
from engine.errors import NotFound
from engine.language import _

FORMER_MEMBER = "Former member"


@dataclass(frozen=True)
class Erased:
    name: str  # the name they had
    votes: int  # their votes, kept with their scores
    comments: tuple[str, ...]  # the comments cleared (to find copies elsewhere)


def forget_member(assessment: Assessment, who: Identity, *, placeholder: str = FORMER_MEMBER) -> Erased:
    """Give the member a neutral name and clear their comments; their votes and role stay."""
    member = assessment.members.get(who)
    if member is None:
        raise NotFound(_("That person is not a member of this assessment."))
    assessment.members[who] = replace(member, name=placeholder)
    votes = 0
    comments: list[str] = []
    for round_ in assessment.rounds:
        vote = round_.votes.get(who)
        if vote is None:
            continue
        votes += 1
        if vote.comment:
            comments.append(vote.comment)
            round_.votes[who] = replace(vote, comment="")
    return Erased(member.name, votes, tuple(comments))
