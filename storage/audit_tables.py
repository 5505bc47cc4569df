"""Tables of one feature: the tamper-evident audit trail (issue 16, item 1).

    audit_entry   one row per recorded event, in chains: one per assessment (`chain` is its id)
                  and one for the install (`chain` is "install"); `sequence` counts from 1 in
                  each chain, and `hash` = sha256(previous entry's hash + canonical JSON of this
                  entry's content) (`storage.audit`)
    audit_head    per chain, the last sequence and hash: a deleted last entry shows as a head
                  that names an entry no longer there

No foreign key to the assessment: the trail outlives whatever it describes, and deleting an
assessment must not quietly delete the record of it. The time is kept as the ISO text that was
hashed, so no database's idea of a timestamp can change a hash. Created by migration 0007_audit.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class AuditEntryRow(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = (
        UniqueConstraint("chain", "sequence", name="uq_audit_entry_sequence"),
        Index("ix_audit_entry_actor", "actor"),  # erasure finds a person's entries by these two
        Index("ix_audit_entry_person", "person"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chain: str
    sequence: int
    at: str  # ISO 8601, UTC, as hashed
    platform: str  # slack | teams | console | scheduler
    action: str
    subject: str = ""
    before: str = Field(default="null", sa_column=Column(Text, nullable=False))  # canonical JSON
    after: str = Field(default="null", sa_column=Column(Text, nullable=False))
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    # What names a person: replaced on erasure; hashed only through `personal_digest`.
    actor: str = ""
    actor_name: str = ""
    person: str = ""
    person_name: str = ""
    comments: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # canonical JSON
    salt: str = ""  # empty once erased: the personal fields can no longer be checked
    personal_digest: str
    previous_hash: str
    hash: str


class AuditHeadRow(SQLModel, table=True):
    __tablename__ = "audit_head"

    chain: str = Field(primary_key=True)
    sequence: int
    hash: str

