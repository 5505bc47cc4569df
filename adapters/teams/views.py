"""One member's own view of a question card, for a Universal Actions refresh.

When a member looks at a question card, Teams asks the bot (verb "refresh") for that member's
view: the question as it stands now, with their own vote selected. That is a read, not a
command, so it does not go through `Accord.handle`; it reads the channel's assessment in a
read-only unit of work and lets the engine's presenter build the message, so the privacy rules
stay the engine's: the member gets the channel's question message plus their *own* vote only.

This belongs in `bot/service.py` as a query use case (`Accord.own_view`); it lives here until
that exists, and keeps the same shape so moving it is a one-line change in `bot.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from engine import presenters as p
from engine.assessment import Conversation, Identity
from engine.views import Message
from storage.unit_of_work import SqlUnitOfWork


@dataclass(frozen=True)
class OwnView:
    question: Message  # the channel's question message, as it stands now
    current: int | None = None  # the member's own vote, if they have voted in this round
    ambition: int | None = None
    comment: str = ""
    member: bool = True  # False: not (yet) a member of the assessment
    voting: bool = False  # the round is open for votes


def own_view(database: Engine, conversation: Conversation, actor: Identity, question_ref: str | None) -> OwnView | None:
    """The question card as `actor` sees it, or None when there is no such question here."""
    with SqlUnitOfWork(database, read_only=True) as uow:
        assessment = uow.assessments.active_in(conversation) or uow.assessments.latest_in(conversation)
        if assessment is None:
            return None
        try:
            question_id = assessment.question(question_ref).id if question_ref else assessment.focus_question_id
        except Exception:  # noqa: BLE001 - an unknown question id on a forged or stale card
            return None
        round_ = assessment.latest_round(question_id) if question_id else None
        if round_ is None:
            return None
        message = p.question_message(assessment, round_)
        vote = round_.votes.get(actor)
        return OwnView(
            question=message,
            current=vote.current if vote else None,
            ambition=vote.ambition if vote else None,
            comment=vote.comment if vote else "",
            member=actor in assessment.members,
            voting=bool(message.inputs),
        )
