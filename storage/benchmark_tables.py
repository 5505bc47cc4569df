"""Tables of one feature: the sector benchmark across installs (issue 17, item 4).

Created by migration 0007_benchmark, which branches from 0006_assessment_version.

On a council's install:

    benchmark_identity   one row: the install's pseudonymous organisation id (random), its
                         Ed25519 signing key (encrypted with `database.secret_keys`, as Slack's
                         tokens are) and public key, and the last assessment it submitted
    benchmark_fetched    the aggregates last fetched from the hub, per framework and type

On a hub:

    benchmark_token      a bearer token per council, kept only as its SHA-256; bound to the
                         first organisation id that uses it
    benchmark_submission the latest submission of each organisation id: its type, framework,
                         completion date, public key and agreed scores (no names, notes or votes)
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables import UtcDateTime


class BenchmarkIdentityRow(SQLModel, table=True):
    __tablename__ = "benchmark_identity"

    id: int = Field(default=1, primary_key=True)
    organisation_id: str
    signing_key: str  # "fernet:..." (storage.secrets)
    public_key: str  # base64 of the raw 32 bytes
    created_at: datetime = Field(sa_type=UtcDateTime)
    submitted_assessment_id: str | None = None
    submitted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class BenchmarkFetchedRow(SQLModel, table=True):
    __tablename__ = "benchmark_fetched"
    __table_args__ = (UniqueConstraint("framework_id", "organisation_type", name="uq_benchmark_fetched"),)

    id: int | None = Field(default=None, primary_key=True)
    framework_id: str
    organisation_type: str
    fetched_at: datetime = Field(sa_type=UtcDateTime)
    body: dict[str, Any] = Field(sa_type=JSON)  # the hub's answer, as it came


class BenchmarkTokenRow(SQLModel, table=True):
    __tablename__ = "benchmark_token"
    __table_args__ = (
        UniqueConstraint("label", name="uq_benchmark_token_label"),
        UniqueConstraint("token_hash", name="uq_benchmark_token_hash"),
    )

    id: int | None = Field(default=None, primary_key=True)
    label: str
    token_hash: str
    organisation_id: str | None = None
    created_at: datetime = Field(sa_type=UtcDateTime)


class BenchmarkSubmissionRow(SQLModel, table=True):
    __tablename__ = "benchmark_submission"
    __table_args__ = (Index("ix_benchmark_submission_type", "organisation_type", "framework_id"),)

    organisation_id: str = Field(primary_key=True)
    organisation_type: str
    framework_id: str
    framework_version: int
    completed_on: date = Field(sa_type=Date)
    received_at: datetime = Field(sa_type=UtcDateTime)
    public_key: str
    token_label: str | None = None
    themes: dict[str, Any] = Field(sa_type=JSON)  # theme id -> {"current", "ambition", "answered"}
    questions: dict[str, Any] = Field(sa_type=JSON)  # question id -> {"current", "ambition"}
