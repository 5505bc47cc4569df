"""Who voted what: for super-users only, privately.

The engine decides who may see it: `Assessment.individual_votes` raises `NotPermitted` for anyone
else, and every message here asks it first. On an open question a super-user who votes sees
individual votes only once they have cast their own (`Assessment.votes_hidden_from`); until then
they see who has voted and who has not. A facilitator, who never votes, sees them at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.assessment import Assessment, Identity, Member, Round, RoundState, Vote
from engine.framework import Question
from engine.language import _
from engine.views import Field, Kind, Message, only


def individual_votes_message(assessment: Assessment, actor: Identity, round_: Round) -> Message:
    """Who voted what, for a super-user only (the engine refuses anyone else)."""
    question = assessment.question(round_.question_id)
    rows = assessment.individual_votes(actor, round_)
    waiting = assessment.waiting_for(actor, round_)
    text = [_("Only you can see this.")]
    if assessment.votes_hidden_from(actor, round_):
        voted = sorted(m.name for m in assessment.has_voted(actor, round_))
        fields = (Field(_("Voted"), ", ".join(voted)),) if voted else ()
        text.append(
            _(
                "You'll see individual votes and comments on question {number} once you have cast your own, "
                "so that what others said cannot shape your vote."
            ).format(number=question.number)
        )
    else:
        fields = tuple(
            Field(member.name, _vote_words(vote)) for member, vote in sorted(rows, key=lambda r: r[0].name)
        )
    if waiting:
        text.append(_("Not voted yet: {names}.").format(names=", ".join(sorted(m.name for m in waiting))))
    return Message(
        kind=Kind.INDIVIDUAL_VOTES,
        audience=only(actor),
        heading=_("Who voted what on question {number} (round {round})").format(number=question.number, round=round_.number),
        text=tuple(text),
        fields=fields or (Field(_("Votes"), _("nobody has voted yet")),),
    )


def _vote_words(vote: Vote) -> str:
    if vote.comment:
        return _("current {current}, ambition {ambition}: “{comment}”").format(
            current=vote.current, ambition=vote.ambition, comment=vote.comment
        )
    return _("current {current}, ambition {ambition}").format(current=vote.current, ambition=vote.ambition)


@dataclass(frozen=True)
class QuestionContributions:
    """Who voted what on one question, in the round whose answer was recorded (or the latest)."""

    question: Question
    round_number: int
    state: RoundState
    votes: tuple[tuple[Member, Vote], ...]
    hidden: bool = False  # an open question the asking super-user has not voted on yet


def individual_contributions(assessment: Assessment, actor: Identity) -> tuple[QuestionContributions, ...]:
    """Everyone's votes and comments, question by question: for super-users only.

    The engine decides: `Assessment.individual_votes` raises `NotPermitted` for anyone else.
    """
    if assessment.rounds:
        assessment.individual_votes(actor, assessment.rounds[0])  # the engine's check, before anything is read
    found = []
    for question in assessment.framework.in_speaking_language().questions():
        round_ = assessment.finalised_round(question.id) or assessment.latest_round(question.id)
        if round_ is None:
            continue
        rows = sorted(assessment.individual_votes(actor, round_), key=lambda row: (row[0].name, row[0].identity))
        hidden = assessment.votes_hidden_from(actor, round_)
        found.append(QuestionContributions(question, round_.number, round_.state, tuple(rows), hidden))
    return tuple(found)


def contributions_message(assessment: Assessment, actor: Identity) -> Message:
    """Every member's contribution to the whole assessment, privately, for a super-user."""
    contributions = individual_contributions(assessment, actor)
    fields = []
    for item in contributions:
        votes = "; ".join(
            f"{member.name} {vote.current}→{vote.ambition}" + (f" “{vote.comment}”" if vote.comment else "")
            for member, vote in item.votes
        )
        if item.hidden:
            votes = _("shown once you have cast your own vote")
        fields.append(
            Field(
                _("{number} (round {round})").format(number=item.question.number, round=item.round_number),
                votes or _("no votes"),
            )
        )
    return Message(
        kind=Kind.INDIVIDUAL_VOTES,
        audience=only(actor),
        heading=_("Who contributed what: {title}").format(title=assessment.shown_title),
        text=(_("Only you can see this: each member's current position → ambition, and their comment."),),
        fields=tuple(fields) or (Field(_("Votes"), _("nobody has voted yet")),),
    )
