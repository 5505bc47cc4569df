"""Tables of one feature: Microsoft Teams (issue 5).

Teams needs no table of its own: what it keeps between requests fits the shared delivery
tables of migration 0002. This module holds the one piece of storage code Teams needs over
them, the repository of conversation references (`conversation_reference`), so that the Teams
adapter never touches a table itself.

A conversation reference is how the Bot Framework reaches a conversation later, unprompted:
the service URL, the conversation, the bot and tenant. Teams keeps two scopes:

    channel   target_id is the channel the assessment runs in; the row says where to post
              (the last thread the bot was spoken to in) and which people are in the channel
    person    target_id is the person's user id in their Identity; the row has what is needed
              to open or continue a one-to-one chat with them

The reference itself is opaque JSON to storage: the adapter writes and reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from storage.tables import ConversationReferenceRow

SCOPES = ("channel", "person")


@dataclass(frozen=True)
class StoredReference:
    platform: str
    workspace: str
    scope: str
    target_id: str
    reference: dict[str, Any]
    updated_at: datetime


class ConversationReferenceRepository:
    """Read and upsert conversation references inside a unit of work's session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, platform: str, workspace: str, scope: str, target_id: str) -> StoredReference | None:
        row = self._session.exec(
            select(ConversationReferenceRow).where(
                ConversationReferenceRow.platform == platform,
                ConversationReferenceRow.workspace == workspace,
                ConversationReferenceRow.scope == scope,
                ConversationReferenceRow.target_id == target_id,
            )
        ).first()
        return _stored(row) if row else None

    def any_in(self, platform: str, workspace: str) -> StoredReference | None:
        """The most recently updated reference of a workspace (for its service URL and bot)."""
        row = self._session.exec(
            select(ConversationReferenceRow)
            .where(ConversationReferenceRow.platform == platform, ConversationReferenceRow.workspace == workspace)
            .order_by(ConversationReferenceRow.updated_at.desc())
        ).first()
        return _stored(row) if row else None

    def record(self, platform: str, workspace: str, scope: str, target_id: str, reference: dict[str, Any], now: datetime) -> None:
        """Insert or replace one reference; two processes recording the same target never clash."""
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")
        values = {
            "platform": platform,
            "workspace": workspace,
            "scope": scope,
            "target_id": target_id,
            "reference": reference,
            "updated_at": now,
        }
        dialect = self._session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(ConversationReferenceRow).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["platform", "workspace", "scope", "target_id"],
            set_={"reference": statement.excluded.reference, "updated_at": statement.excluded.updated_at},
        )
        self._session.execute(statement)


def _stored(row: ConversationReferenceRow) -> StoredReference:
    return StoredReference(row.platform, row.workspace, row.scope, row.target_id, dict(row.reference), row.updated_at)
