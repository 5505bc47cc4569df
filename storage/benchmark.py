"""The sector benchmark's rows: an install's identity and fetched aggregates; a hub's tokens and
submissions (`storage.benchmark_tables`). The caller's unit of work commits.

What a hub keeps of a council is what its signed file said (`bot.benchmark`): a random
organisation id, a type, a framework, a completion date and agreed scores. It reads submissions
back only to aggregate them (`engine.comparison.aggregate`); nothing here answers with one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from storage.benchmark_tables import (
    BenchmarkFetchedRow,
    BenchmarkIdentityRow,
    BenchmarkSubmissionRow,
    BenchmarkTokenRow,
)


@dataclass(frozen=True)
class Identity:
    organisation_id: str
    signing_key: str  # encrypted, as stored
    public_key: str
    submitted_assessment_id: str | None


@dataclass(frozen=True)
class Fetched:
    fetched_at: datetime
    body: dict[str, Any]


@dataclass(frozen=True)
class Token:
    label: str
    organisation_id: str | None


@dataclass(frozen=True)
class Submission:
    organisation_id: str
    organisation_type: str
    framework_id: str
    framework_version: int
    completed_on: date
    public_key: str
    themes: dict[str, Any]
    questions: dict[str, Any]


class BenchmarkStore:
    def __init__(self, session: Session) -> None:
        self._session = session

    # ------------------------------------------------------------------ a council's install

    def identity(self) -> Identity | None:
        row = self._session.get(BenchmarkIdentityRow, 1)
        if row is None:
            return None
        return Identity(row.organisation_id, row.signing_key, row.public_key, row.submitted_assessment_id)

    def create_identity(self, organisation_id: str, signing_key: str, public_key: str, now: datetime) -> Identity:
        self._session.add(
            BenchmarkIdentityRow(id=1, organisation_id=organisation_id, signing_key=signing_key, public_key=public_key, created_at=now)
        )
        self._session.flush()
        return self.identity()

    def reencrypt_identity(self, reencrypt) -> bool:
        """The signing key encrypted again (`accord secrets rotate`); False when there is none."""
        row = self._session.get(BenchmarkIdentityRow, 1)
        if row is None:
            return False
        row.signing_key = reencrypt(row.signing_key)
        self._session.add(row)
        return True

    def mark_submitted(self, assessment_id: str, now: datetime) -> None:
        row = self._session.get(BenchmarkIdentityRow, 1)
        row.submitted_assessment_id = assessment_id
        row.submitted_at = now
        self._session.add(row)

    def save_fetched(self, framework_id: str, organisation_type: str, body: dict[str, Any], now: datetime) -> None:
        row = self._fetched_row(framework_id, organisation_type) or BenchmarkFetchedRow(
            framework_id=framework_id, organisation_type=organisation_type, fetched_at=now, body=body
        )
        row.fetched_at, row.body = now, body
        self._session.add(row)

    def fetched(self, framework_id: str, organisation_type: str) -> Fetched | None:
        row = self._fetched_row(framework_id, organisation_type)
        return Fetched(row.fetched_at, row.body) if row else None

    def _fetched_row(self, framework_id: str, organisation_type: str) -> BenchmarkFetchedRow | None:
        return self._session.exec(
            select(BenchmarkFetchedRow).where(
                BenchmarkFetchedRow.framework_id == framework_id, BenchmarkFetchedRow.organisation_type == organisation_type
            )
        ).first()

    # ------------------------------------------------------------------ a hub

    def token_label_taken(self, label: str) -> bool:
        return self._session.exec(select(BenchmarkTokenRow.id).where(BenchmarkTokenRow.label == label)).first() is not None

    def add_token(self, label: str, token_hash: str, now: datetime) -> None:
        self._session.add(BenchmarkTokenRow(label=label, token_hash=token_hash, created_at=now))
        self._session.flush()

    def token(self, token_hash: str) -> Token | None:
        row = self._token_row(token_hash)
        return Token(row.label, row.organisation_id) if row else None

    def bind_token(self, token_hash: str, organisation_id: str) -> None:
        row = self._token_row(token_hash)
        row.organisation_id = organisation_id
        self._session.add(row)

    def _token_row(self, token_hash: str) -> BenchmarkTokenRow | None:
        return self._session.exec(select(BenchmarkTokenRow).where(BenchmarkTokenRow.token_hash == token_hash)).first()

    def submission(self, organisation_id: str) -> Submission | None:
        row = self._session.get(BenchmarkSubmissionRow, organisation_id)
        return _submission(row) if row else None

    def keep_submission(self, submission: Submission, token_label: str | None, now: datetime) -> None:
        """The organisation's latest submission replaces its earlier one."""
        row = self._session.get(BenchmarkSubmissionRow, submission.organisation_id) or BenchmarkSubmissionRow(
            organisation_id=submission.organisation_id
        )
        row.organisation_type = submission.organisation_type
        row.framework_id = submission.framework_id
        row.framework_version = submission.framework_version
        row.completed_on = submission.completed_on
        row.public_key = submission.public_key
        row.themes = submission.themes
        row.questions = submission.questions
        row.received_at = now
        row.token_label = token_label
        self._session.add(row)

    def submissions(self, organisation_type: str, framework_id: str) -> list[Submission]:
        rows = self._session.exec(
            select(BenchmarkSubmissionRow).where(
                BenchmarkSubmissionRow.organisation_type == organisation_type, BenchmarkSubmissionRow.framework_id == framework_id
            )
        )
        return [_submission(row) for row in rows]


def _submission(row: BenchmarkSubmissionRow) -> Submission:
    return Submission(
        row.organisation_id,
        row.organisation_type,
        row.framework_id,
        row.framework_version,
        row.completed_on,
        row.public_key,
        dict(row.themes),
        dict(row.questions),
    )
