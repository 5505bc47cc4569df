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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


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
