"""The audit trail's events: what happened to an assessment, who did it, when, before and after.

Auditors and scrutiny committees ask who decided what, when, and on what evidence. So every
change the engine makes to an assessment records a small immutable `AuditEvent` on the aggregate
(`Assessment.pending_audit`), and the unit of work writes them in the same transaction as the
change (`storage.audit`), chained by hashes so an edit afterwards shows. A changed vote is a new
event with its before and after: the earlier value is never lost, even though the vote row
itself is overwritten.

What names a person (who acted, whom it was done to, the comments they wrote) is kept apart from
the rest (`personal`), because erasure must be able to replace it while the chain still
verifies: storage hashes a salted digest of it rather than the words themselves.

The functions at the end are how `Assessment` records its events: one call per change, so the
aggregate's methods stay about the method and the trail's wording lives here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the assessment records its own events through these functions
    from engine.assessment import (
        Assessment,
        Consensus,
        Identity,
        Member,
        Proposal,
        Round,
        Vote,
    )


class AuditAction(str, Enum):
    STARTED = "started"
    MEMBER_ADDED = "member added"
    MEMBER_JOINED = "member joined"
    ROLE_CHANGED = "role changed"
    VOTE_CAST = "vote cast"
    VOTE_CHANGED = "vote changed"
    VOTE_WITHDRAWN = "vote withdrawn"
    REVEALED = "revealed"
    PROPOSED = "proposed"
    FINALISED = "finalised"
    SKIPPED = "skipped"
    REOPENED = "reopened"
    NEXT = "next question"
    CLOSED = "closed"
    DEADLINE_SET = "deadline set"
    SCHEDULE_CHANGED = "schedule changed"
    ORGANISATION_CHANGED = "organisation changed"
    INDIVIDUAL_VOTES_SHOWN = "individual votes shown"
    AUDIT_READ = "audit trail read"
    MEMBER_EXPORTED = "member data exported"
    MEMBER_FORGOTTEN = "member forgotten"
    PAUSED = "paused"
    RESUMED = "resumed"


# Who an automatic event is by: Accord itself (a deadline passing, everyone having voted).
ACCORD = "Accord"


@dataclass(frozen=True)
class AuditEvent:
    """One change, as the engine saw it. Time is passed in, like everywhere in the engine.

    `actor` is the person's identity key (platform:workspace:user), or "" for Accord itself;
    `subject` what it concerns in words ("question 1.3", "Amira"); `before` and `after` plain,
    JSON-ready values with no personal words in them; `person` the identity key of whom it was
    done to, if anyone; `comments` the personal words (a vote's comment before and after).
    """

    action: AuditAction
    at: datetime
    actor: str = ""
    actor_name: str = ACCORD
    subject: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    note: str = ""
    person: str = ""
    person_name: str = ""
    comments: dict[str, str] = field(default_factory=dict)

    @property
    def automatic(self) -> bool:
        return not self.actor

    def personal(self) -> dict[str, Any]:
        """What names a person: replaced on erasure, and hashed only through a salted digest."""
        return {
            "actor": self.actor,
            "actor_name": self.actor_name,
            "person": self.person,
            "person_name": self.person_name,
            "comments": dict(self.comments),
        }


@dataclass(frozen=True)
class AuditRecord:
    """An event as stored: its place in its chain, the platform it came from, and its hash."""

    chain: str  # the assessment's id, or `INSTALL_CHAIN`
    sequence: int
    platform: str  # slack | teams | console | scheduler
    event: AuditEvent
    hash: str = ""


INSTALL_CHAIN = "install"  # the chain of events tied to no assessment (member export and erasure)


# ------------------------------------------------------- recording, for `Assessment`


def record(
    assessment: Assessment,
    action: AuditAction,
    actor: Identity | None,
    now: datetime,
    round_: Round | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
    person: Member | None = None,
    comments: dict[str, str] | None = None,
) -> None:
    """Add one event to the assessment's pending events; `actor` None is Accord itself."""
    by = assessment.members.get(actor) if actor is not None else None
    subject = ""
    if round_ is not None:
        subject = f"question {assessment.question(round_.question_id).number}"
        after = {"round": round_.number, **(after or {})}
    assessment.pending_audit.append(
        AuditEvent(
            action,
            now,
            actor=actor.key if actor is not None else "",
            actor_name=by.name if by is not None else ("" if actor is not None else ACCORD),
            subject=subject,
            before=before,
            after=after,
            note=note,
            person=person.identity.key if person is not None else "",
            person_name=person.name if person is not None else "",
            comments=comments or {},
        )
    )


def record_start(assessment: Assessment, starter: Identity, now: datetime) -> None:
    framework = assessment.framework
    after = {"title": assessment.title, "framework": framework.title, "questions": len(framework.question_ids)}
    record(assessment, AuditAction.STARTED, starter, now, None, after=after)
    for member in sorted(assessment.members.values(), key=lambda m: m.identity):
        if member.identity != starter:
            record_member(assessment, AuditAction.MEMBER_ADDED, starter, member, now)
    if assessment.focus_round is not None:  # a scheduled start opens its first question later
        record(assessment, AuditAction.NEXT, None, now, assessment.focus_round, note="automatic: the first question")
    else:
        record(assessment, AuditAction.SCHEDULE_CHANGED, starter, now, None, after={"starts_at": _iso(assessment.starts_at)})


def record_member(assessment: Assessment, action: AuditAction, actor: Identity, member: Member, now: datetime | None) -> None:
    record(assessment, action, actor, now or latest_moment(assessment), None, after={"role": member.role.value}, person=member)


def record_role(assessment: Assessment, actor: Identity, before: Member | None, after: Member, now: datetime | None) -> None:
    record(
        assessment, AuditAction.ROLE_CHANGED, actor, now or latest_moment(assessment), None,
        before={"role": before.role.value if before else None}, after={"role": after.role.value}, person=after,
    )  # fmt: skip


def record_vote(assessment: Assessment, round_: Round, earlier: Vote | None, vote: Vote | None, now: datetime) -> None:
    """A vote cast, changed (a new event: the earlier scores are its "before") or withdrawn."""
    voter = (vote or earlier).voter
    if vote is None:
        action = AuditAction.VOTE_WITHDRAWN
    else:
        action = AuditAction.VOTE_CHANGED if earlier is not None else AuditAction.VOTE_CAST
    said = {"before": earlier.comment if earlier else "", "after": vote.comment if vote else ""}
    record(
        assessment, action, voter, now, round_,
        before=scores(earlier), after=scores(vote), comments={k: v for k, v in said.items() if v},
    )  # fmt: skip


def record_reveal(assessment: Assessment, round_: Round, actor: Identity | None, now: datetime, how: str = "") -> None:
    """The reveal (by the actor, or automatic and why), and the proposal it made."""
    measures = round_.measures
    after = {"votes": assessment.progress(round_).voted, "verdict": measures.verdict.value if measures else None}
    record(assessment, AuditAction.REVEALED, actor, now, round_, after=after, note=how)
    if round_.proposal is not None:
        record(
            assessment, AuditAction.PROPOSED, None, now, round_, after=scores(round_.proposal),
            note="the median vote: halves rounded down for the current position, up for the ambition",
        )  # fmt: skip


def record_finalise(assessment: Assessment, round_: Round, proposal: Proposal | None, actor: Identity, now: datetime) -> None:
    consensus = round_.consensus
    before = {"proposal": scores(proposal)} if proposal else None
    record(assessment, AuditAction.FINALISED, actor, now, round_, before=before, after=scores(consensus), note=consensus.note)


def record_deadline(assessment: Assessment, round_: Round, before: datetime | None, actor: Identity, now: datetime) -> None:
    after = round_.closes_at
    record(
        assessment, AuditAction.DEADLINE_SET, actor, now, round_,
        before={"closes_at": _iso(before)}, after={"closes_at": _iso(after)},
    )  # fmt: skip


def scores(value: Vote | Proposal | Consensus | None) -> dict[str, int] | None:
    return None if value is None else {"current": value.current, "ambition": value.ambition}


def plain(value: Any) -> dict[str, Any]:
    """A settings dataclass as JSON-ready values (durations and times as their text)."""
    return {key: item if isinstance(item, (int, float, str, bool, type(None))) else str(item) for key, item in asdict(value).items()}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def latest_moment(assessment: Assessment) -> datetime:
    # Callers that predate the trail pass no time; the latest moment the assessment knows stands
    # in (the trail's order is its sequence, not its clock).
    rounds = assessment.rounds
    return max([assessment.created_at, *(r.opened_at for r in rounds), *(r.closed_at for r in rounds if r.closed_at)])
