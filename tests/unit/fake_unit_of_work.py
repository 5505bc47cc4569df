"""A unit of work in memory, for service tests that need no database (cosmicpython's FakeUnitOfWork).

It keeps what `bot.service.Accord` reads and writes through a unit of work: assessments, the
outbox, people's profiles, the organisation of a workspace. Committing keeps a copy of every
assessment, and leaving without a commit throws away whatever changed, as a transaction does; so
a test can check that a refused command changed nothing.

The audit trail is kept too (`Store.audit`, by chain): committing moves the events each
assessment recorded there, with the platform the use case named, as `SqlUnitOfWork` does; the
hashing is storage's business and is tested there.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.assessment import Assessment, AssessmentStatus, Conversation, Identity
from engine.audit import AuditEvent, AuditRecord
from engine.errors import NotFound
from engine.views import Message
from storage.audit import platform_of


@dataclass(frozen=True)
class Summary:
    id: str
    title: str
    status: AssessmentStatus
    created_at: datetime
    channel_id: str


@dataclass(frozen=True)
class Queued:
    conversation: Conversation
    message: Message
    assessment_id: str | None


@dataclass
class Store:
    """What is committed: the 'database' every unit of work of one test shares."""

    assessments: dict[str, Assessment] = field(default_factory=dict)
    outbox: list[Queued] = field(default_factory=list)
    organisations: dict[tuple[str, str], Any] = field(default_factory=dict)
    audit: dict[str, list[AuditRecord]] = field(default_factory=dict)  # by chain, in order
    languages: dict[Identity, str | None] = field(default_factory=dict)  # chosen with `language cy`
    commits: int = 0

    def trail(self, chain: str) -> list[AuditEvent]:
        return [record.event for record in self.audit.get(chain, [])]


class FakeAssessments:
    def __init__(self, store: Store) -> None:
        self._store = store
        self.working: dict[str, Assessment] = {}

    def _all(self) -> list[Assessment]:
        return [self.working.get(i) or self._load(i) for i in self._store.assessments]

    def _load(self, assessment_id: str) -> Assessment:
        self.working[assessment_id] = copy.deepcopy(self._store.assessments[assessment_id])
        return self.working[assessment_id]

    def add(self, assessment: Assessment) -> None:
        self.working[assessment.id] = assessment

    def get(self, assessment_id: str, *, for_update: bool = False) -> Assessment:
        if assessment_id in self.working:
            return self.working[assessment_id]
        if assessment_id not in self._store.assessments:
            raise NotFound("That assessment no longer exists.")
        return self._load(assessment_id)

    def active_in(self, conversation: Conversation, *, for_update: bool = False) -> Assessment | None:
        found = [a for a in self._all() if a.conversation == conversation and a.is_active]
        return found[0] if found else None

    def latest_in(self, conversation: Conversation) -> Assessment | None:
        found = sorted((a for a in self._all() if a.conversation == conversation), key=lambda a: a.created_at)
        return found[-1] if found else None

    def list_for_workspace(self, platform: str, workspace: str) -> list[Summary]:
        return [
            Summary(a.id, a.title, a.status, a.created_at, a.conversation.channel_id)
            for a in sorted(self._all(), key=lambda a: a.created_at, reverse=True)
            if (a.conversation.platform, a.conversation.workspace) == (platform, workspace)
        ]


class FakeOutbox:
    def __init__(self) -> None:
        self.added: list[Queued] = []

    def add(self, conversation: Conversation, message: Message, now: datetime, *, assessment_id: str | None = None, **_: Any) -> None:
        self.added.append(Queued(conversation, message, assessment_id))

    def add_once(self, items: Any, now: datetime) -> set[str]:
        for item in items:
            self.added.append(Queued(item.conversation, item.message, item.assessment_id))
        return {item.dedupe_key for item in items}


class FakeSchedule:
    """The scheduler's rows, as far as `remind` and `schedule` use them: nothing sent before."""

    def reminders_of(self, assessment_id: str, question_id: str, number: int) -> tuple[None, dict]:
        return None, {}

    def record_sent(self, records: Any) -> None:
        list(records)

    def plan_digest(self, assessment_id: str, now: datetime) -> None:
        pass


class FakeProfiles:
    """People's languages (`language cy`), kept in the store; no clocks (the organisation's)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, identity: Identity) -> Any:
        from types import SimpleNamespace

        language = self._store.languages.get(identity)
        return SimpleNamespace(timezone=None, working_hours=None, language=language, locale=None) if language else None

    def get_many(self, identities: list[Identity]) -> dict:
        return {identity: self.get(identity) for identity in identities if self.get(identity) is not None}

    def choose_language(self, identity: Identity, language: str | None, now: datetime) -> None:
        self._store.languages[identity] = language  # kept at once: the fake has one user at a time


class FakeReports:
    """The organisation of a workspace, kept in the store when the unit of work commits."""

    def __init__(self, store: Store) -> None:
        self.organisations: dict[tuple[str, str], Any] = dict(store.organisations)

    def organisation(self, platform: str, workspace: str) -> Any:
        return self.organisations.get((platform, workspace))

    def record_organisation(self, platform: str, workspace: str, **details: Any) -> Any:
        from types import SimpleNamespace

        details.pop("now", None)
        self.organisations[(platform, workspace)] = SimpleNamespace(**details)
        return self.organisations[(platform, workspace)]


class FakeAudit:
    """The trail as `storage.audit.AuditLog` offers it to use cases: append and read."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.added: list[tuple[str, AuditEvent, str | None]] = []

    def append(self, chain: str, events: Any, platform: str | None = None) -> None:
        self.added.extend((chain, event, platform) for event in events)

    def entries(self, chain: str, *, subject: str | None = None) -> list[AuditRecord]:
        records = self._store.audit.get(chain, [])
        return [r for r in records if subject is None or r.event.subject == subject]

    def keep(self) -> None:
        for chain, event, platform in self.added:
            records = self._store.audit.setdefault(chain, [])
            records.append(AuditRecord(chain, len(records) + 1, platform_of(event, platform), event))
        self.added = []


class FakeUnitOfWork:
    def __init__(self, store: Store, *, read_only: bool = False) -> None:
        self._store = store
        self.read_only = read_only
        self.platform: str | None = None

    def __enter__(self) -> FakeUnitOfWork:
        self.assessments = FakeAssessments(self._store)
        self.outbox = FakeOutbox()
        self.profiles = FakeProfiles(self._store)
        self.reports = FakeReports(self._store)
        self.schedule = FakeSchedule()
        self.audit = FakeAudit(self._store)
        return self

    def __exit__(self, *exc: object) -> None:
        self.assessments.working.clear()  # uncommitted changes are gone, as on rollback

    def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("this unit of work was opened read-only")
        for assessment_id, assessment in self.assessments.working.items():
            self.audit.append(assessment_id, assessment.pending_audit, self.platform)
            assessment.pending_audit.clear()
            self._store.assessments[assessment_id] = copy.deepcopy(assessment)
        self.audit.keep()
        self._store.outbox.extend(self.outbox.added)
        self.outbox.added = []
        self._store.organisations.update(self.reports.organisations)
        self._store.commits += 1
