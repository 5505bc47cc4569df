"""Receipts: never applying one request twice, whichever platform sent it.

Slack sends a request again when it thinks the first attempt failed (``X-Slack-Retry-Num``,
https://api.slack.com/apis/events-api#retries), and the Bot Framework redelivers an activity
with the same id; a replayed request looks the same. A command applied twice would finalise two
questions, so every request that changes something leaves a receipt (its idempotency key) in
the same transaction as the change. The key is unique, so when a receipt is already there the
change was made before: the unit of work rolls back and raises `Replayed` instead.

Requests that only look (``status``, ``help``) commit nothing and leave none: answering them
again is harmless.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint, delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel

from storage.tables import UtcDateTime


class Replayed(Exception):
    """This request's change was already stored; nothing was done this time."""


@dataclass(frozen=True)
class Receipt:
    """What identifies one request: its platform and workspace, and the platform's key for it."""

    platform: str
    workspace: str
    key: str
    received_at: datetime


class ReceiptRow(SQLModel, table=True):
    """A request whose change is stored: a retry of it is recognised and not applied again."""

    __tablename__ = "receipt"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "key", name="uq_receipt"),
        Index("ix_receipt_received_at", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str
    workspace: str
    key: str
    received_at: datetime = Field(sa_type=UtcDateTime)


class ReceiptRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def record(self, receipt: Receipt) -> bool:
        """Note a request as applied; False when it already was (a retry, or a replay)."""
        connection = self._session.connection()
        dialect = connection.dialect.name
        values = {"platform": receipt.platform, "workspace": receipt.workspace, "key": receipt.key, "received_at": receipt.received_at}
        # Built once per database kind: one more statement on every change, so it should cost
        # what the vote's own statements cost.
        result = connection.execute(_record_statement(dialect), values)
        return result.first() is not None if dialect == "postgresql" else result.rowcount == 1

    def forget_before(self, moment: datetime) -> int:
        """Drop receipts older than any retry a platform would send (they give up within minutes)."""
        result = self._session.execute(delete(ReceiptRow).where(ReceiptRow.received_at < moment))
        return result.rowcount or 0


def forget_receipts(engine: Any, before: datetime) -> int:
    """Drop every receipt older than `before`, in a transaction of its own."""
    from storage.unit_of_work import SqlUnitOfWork  # the unit of work records receipts itself

    with SqlUnitOfWork(engine) as uow:
        forgotten = ReceiptRepository(uow.session).forget_before(before)
        uow.commit()
    return forgotten


@functools.lru_cache(maxsize=None)
def _record_statement(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING, built once (it runs with every change)."""
    table = ReceiptRow.__table__
    columns = ["platform", "workspace", "key"]
    if dialect == "postgresql":
        # RETURNING rather than rowcount, which psycopg reports as -1 for this statement.
        return postgresql_insert(table).on_conflict_do_nothing(index_elements=columns).returning(table.c.id)
    return sqlite_insert(table).on_conflict_do_nothing(index_elements=columns)
