"""The tables an assessment is stored in (sqlmodel), on SQLite and PostgreSQL alike.

One `engine.assessment.Assessment` aggregate spreads over four tables:

    assessment   one row: where it runs, its framework snapshot, settings, status, version
    member       one row per person, unique per assessment and platform identity
    round        one row per pass over a question, unique per (assessment, question, number)
    vote         one row per member per round: a UNIQUE constraint, not a check in Python

The rows are plain records; `storage.mapping` turns them into the domain and back, and
`storage.repository` decides which rows to write. Every constraint and index is named here, so
`storage/migrations` can create exactly the same schema (a test compares the two).

Enumerations (status, state, role) are stored as their text values with CHECK constraints,
rather than as native PostgreSQL enums, so adding a value is a one-line migration on both
databases.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKeyConstraint,
    Index,
    Integer,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator
from sqlmodel import Column, Field, SQLModel


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime, whatever the database keeps.

    PostgreSQL stores ``timestamptz`` and psycopg hands it back in the session's time zone;
    SQLite has no date type at all and keeps text without an offset. Either way the domain
    gets back what it gave: an aware datetime, normalised to UTC. A naive datetime is refused
    rather than guessed at, because the engine never makes one (time is passed in, aware).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"refusing to store the naive datetime {value.isoformat()}: give it a time zone")
        value = value.astimezone(timezone.utc)
        # SQLite's DATETIME drops the offset when it writes text, so write plain UTC.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# SQL NULL, not the JSON text 'null', for a round that has no measures yet.
NullableJSON = JSON(none_as_null=True)

# The assessment row's version column, declared once so the mapper can use it for its
# optimistic check: every save of a changed aggregate runs
# UPDATE assessment SET version = n + 1 WHERE id = ? AND version = n.
_version = Column("version", Integer, nullable=False)


class AssessmentRow(SQLModel, table=True):
    __tablename__ = "assessment"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'completed')", name="ck_assessment_status"),
        Index("ix_assessment_conversation", "platform", "workspace", "channel_id", "created_at"),
        # One conversation runs at most one active assessment; completed ones pile up freely.
        Index(
            "uq_assessment_active_conversation",
            "platform",
            "workspace",
            "channel_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )
    # The application sets the new version itself (see `_version`), so the ORM only checks it.
    __mapper_args__ = {"version_id_col": _version, "version_id_generator": False}

    id: str = Field(primary_key=True)  # a uuid hex, chosen by the caller
    title: str
    platform: str
    workspace: str
    channel_id: str
    framework_id: str
    framework_version: int
    framework_snapshot: dict[str, Any] = Field(sa_type=JSON)  # Framework.to_dict()
    settings: dict[str, Any] = Field(sa_type=JSON)
    status: str
    focus_question_id: str | None = None
    created_at: datetime = Field(sa_type=UtcDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    paused_at: datetime | None = Field(default=None, sa_type=UtcDateTime)  # migration 0007_meeting
    starts_at: datetime | None = Field(default=None, sa_type=UtcDateTime)  # a scheduled start
    version: int = Field(default=1, sa_column=_version)


class MemberRow(SQLModel, table=True):
    __tablename__ = "member"
    __table_args__ = (
        ForeignKeyConstraint(
            ["assessment_id"], ["assessment.id"], name="fk_member_assessment", ondelete="CASCADE"
        ),
        UniqueConstraint("assessment_id", "platform", "workspace", "user_id", name="uq_member_identity"),
        CheckConstraint(
            "role IN ('super-user', 'facilitator', 'member', 'observer', 'waiting', 'removed')", name="ck_member_role"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: str
    platform: str
    workspace: str
    user_id: str
    name: str
    role: str


class RoundRow(SQLModel, table=True):
    __tablename__ = "round"
    __table_args__ = (
        ForeignKeyConstraint(
            ["assessment_id"], ["assessment.id"], name="fk_round_assessment", ondelete="CASCADE"
        ),
        UniqueConstraint("assessment_id", "question_id", "number", name="uq_round_question_number"),
        CheckConstraint("state IN ('open', 'revealed', 'finalised', 'skipped', 'superseded')", name="ck_round_state"),
        # The scheduler's sweep for rounds past their deadline reads this index.
        Index("ix_round_closes_at", "closes_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: str
    position: int  # index in Assessment.rounds, which keeps the order rounds were opened in
    question_id: str
    number: int
    state: str
    opened_at: datetime = Field(sa_type=UtcDateTime)
    revealed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    closes_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    measures: dict[str, Any] | None = Field(default=None, sa_type=NullableJSON)  # Measures.to_dict()
    proposal_current: int | None = None
    proposal_ambition: int | None = None
    consensus_current: int | None = None
    consensus_ambition: int | None = None
    consensus_note: str | None = None
    # Who recorded the consensus, as a platform identity: the record stands even if that
    # person's membership changes later.
    consensus_by_platform: str | None = None
    consensus_by_workspace: str | None = None
    consensus_by_user_id: str | None = None
    consensus_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    skip_reason: str = ""


class VoteRow(SQLModel, table=True):
    __tablename__ = "vote"
    __table_args__ = (
        ForeignKeyConstraint(["round_id"], ["round.id"], name="fk_vote_round", ondelete="CASCADE"),
        ForeignKeyConstraint(["member_id"], ["member.id"], name="fk_vote_member", ondelete="CASCADE"),
        # One vote per member per question per round, whatever two processes try at once.
        UniqueConstraint("round_id", "member_id", name="uq_vote_round_member"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int
    member_id: int
    current: int
    ambition: int
    comment: str = ""
    cast_at: datetime = Field(sa_type=UtcDateTime)


# ---------------------------------------------------------------------- delivery
# What leaves Accord for a platform, and what a platform told us back. Shared by every adapter
# and by the scheduler; created by migration 0002.


class OutboxRow(SQLModel, table=True):
    """A message waiting to be delivered, written in the same transaction as the change it reports.

    A platform outage or a rate limit delays it (`next_attempt_at`) but never loses it; a
    dispatcher claims a batch with a short lease (`claimed_until`), renewed while it sends, so
    two live processes never send one message at once, and a dead one's claim passes on within
    seconds (what a resend may double is in docs/slack.md). `dedupe_key` is for messages that must exist at most once whoever decides to
    send them (a reminder for one member, round and slot; a digest for one week).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
        Index("ix_outbox_due", "next_attempt_at", sqlite_where=text("sent_at IS NULL AND failed_at IS NULL"),
              postgresql_where=text("sent_at IS NULL AND failed_at IS NULL")),
        # Finds a conversation's newest waiting message (`storage.outbox`, on every keyed message
        # queued) without walking the rows already sent there.
        Index("ix_outbox_conversation_unsent", "platform", "workspace", "channel_id", "id",
              sqlite_where=text("sent_at IS NULL AND failed_at IS NULL"),
              postgresql_where=text("sent_at IS NULL AND failed_at IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str | None = None
    platform: str
    workspace: str
    channel_id: str
    assessment_id: str | None = None
    message: dict[str, Any] = Field(sa_type=JSON)  # engine.views.message_to_dict
    created_at: datetime = Field(sa_type=UtcDateTime)
    next_attempt_at: datetime = Field(sa_type=UtcDateTime)
    claimed_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    attempts: int = 0
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    failed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_error: str = ""
    # What part of the message reached the platform before the rest was refused for now (the
    # platform's own note, `bot.delivery.RetryLater.done`), handed back on the retry (0004).
    delivered: dict[str, Any] | None = Field(default=None, sa_type=NullableJSON)


class PostedMessageRow(SQLModel, table=True):
    """Where a keyed channel message was posted (Slack's ts, Teams' activity id), to update it in place."""

    __tablename__ = "posted_message"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "channel_id", "key", name="uq_posted_message_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str
    workspace: str
    channel_id: str
    key: str
    ref: dict[str, Any] = Field(sa_type=JSON)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class ConversationReferenceRow(SQLModel, table=True):
    """How to reach a channel or a person later, unprompted (Teams' conversation reference)."""

    __tablename__ = "conversation_reference"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "scope", "target_id", name="uq_conversation_reference_target"),
        CheckConstraint("scope IN ('channel', 'person')", name="ck_conversation_reference_scope"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str
    workspace: str
    scope: str  # "channel" or "person"
    target_id: str  # the channel id, or the person's user id
    reference: dict[str, Any] = Field(sa_type=JSON)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class PersonProfileRow(SQLModel, table=True):
    """What a platform tells us about a person that reminders need: time zone and working hours."""

    __tablename__ = "person_profile"
    __table_args__ = (UniqueConstraint("platform", "workspace", "user_id", name="uq_person_profile_identity"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str
    workspace: str
    user_id: str
    timezone: str | None = None  # an IANA name
    working_hours: dict[str, Any] | None = Field(default=None, sa_type=NullableJSON)
    updated_at: datetime = Field(sa_type=UtcDateTime)
    # Issue 19 (migration 0008_language): the language the person chose (`language cy`), and the
    # locale their platform gave (Slack's user locale, Teams' activity locale), e.g. "cy-GB".
    language: str | None = None
    locale: str | None = None


class OrganisationRow(SQLModel, table=True):
    """The organisation behind a workspace or tenant: its type, and whether it shares aggregates."""

    __tablename__ = "organisation"
    __table_args__ = (UniqueConstraint("platform", "workspace", name="uq_organisation_workspace"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str
    workspace: str
    name: str
    type: str | None = None
    share_for_comparison: bool = False
    updated_at: datetime = Field(sa_type=UtcDateTime)


# Each feature keeps its tables in its own module (and its own migration, branching from 0002);
# importing them here puts every table in one metadata, which the migration test compares.
from storage import audit_tables, benchmark_tables, receipts, report_tables, scheduler_tables, slack_tables, teams_tables  # noqa: E402,F401
