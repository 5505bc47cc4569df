"""What Accord's reads answer with: a question as one member sees it, and a person's overview.

Plain data over the engine's neutral `Message`, rendered by the adapters (the vote modal, the
refreshed card, the App Home). Kept apart from the use cases so that an adapter rendering them
(and Slack's courier process) loads no more than this.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.views import Message


@dataclass(frozen=True)
class OwnView:
    """A question as one member sees it: the channel's message, plus their own vote only."""

    question: Message  # the channel's question message, as it stands now
    number: str = ""  # the question's number, "2.3"
    current: int | None = None  # the member's own vote, if they have voted in this round
    ambition: int | None = None
    comment: str = ""
    member: bool = True  # False: not (yet) a member of the assessment
    observer: bool = False  # a member who follows without voting
    voting: bool = False  # the round is open for votes
    language: str = "en"  # the member's: what the platform's own words on the form are written in


@dataclass(frozen=True)
class WaitingVote:
    """An open question still waiting for one person's vote."""

    channel_id: str
    assessment_title: str
    question_id: str
    question_heading: str
    prompt: str


@dataclass(frozen=True)
class AssessmentLine:
    """One assessment of a workspace, in a line: where, whether it is under way, and where it stands."""

    title: str
    channel_id: str
    status: str  # "under way" or "complete"
    started: str
    detail: str = ""
