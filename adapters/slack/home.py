"""The App Home tab: what is waiting for one member, and the workspace's assessments.

Read in one read-only unit of work (it never waits behind a vote): the workspace's assessments
from `list_for_workspace`, and for each one under way whether its open question still waits for
this person's vote. Only the person's own state and counts are shown, never anyone's vote.
"""

from __future__ import annotations

from sqlalchemy import Engine

from adapters.slack.blocks import AssessmentLine, WaitingVote, home_view
from engine import presenters as p
from engine.assessment import AssessmentStatus, Identity, RoundState
from storage.unit_of_work import SqlUnitOfWork

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def home_for(database: Engine, person: Identity) -> dict:
    waiting: list[WaitingVote] = []
    lines: list[AssessmentLine] = []
    with SqlUnitOfWork(database, read_only=True) as uow:
        for summary in uow.assessments.list_for_workspace(person.platform, person.workspace):
            started = f"{summary.created_at.day} {MONTHS[summary.created_at.month - 1]} {summary.created_at.year}"
            if summary.status is not AssessmentStatus.ACTIVE:
                lines.append(AssessmentLine(summary.title, summary.channel_id, "complete", started))
                continue
            assessment = uow.assessments.get(summary.id)
            round_ = assessment.focus_round
            detail = ""
            if round_ is not None:
                question = assessment.question(round_.question_id)
                detail = f"Question {question.number} is {round_.state.value}"
                if round_.state is RoundState.OPEN:
                    detail += f": {assessment.progress(round_).line()}"
                    member = assessment.members.get(person)
                    if member is not None and member.votes and person not in round_.votes:
                        waiting.append(
                            WaitingVote(
                                summary.channel_id,
                                assessment.title,
                                question.id,
                                p.question_label(assessment, question),
                                question.prompt,
                            )
                        )
            lines.append(AssessmentLine(summary.title, summary.channel_id, "under way", started, detail + "." if detail else ""))
    return home_view(waiting, lines)
