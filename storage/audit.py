"""The audit trail as stored: hash-chained entries, appended with the change they record.

Each assessment has one chain, and the install one more (`engine.audit.INSTALL_CHAIN`) for what
is tied to no assessment (a member's data exported or forgotten). An entry's hash is

    sha256(previous entry's hash + canonical JSON of this entry's content)

where the content is the chain, the sequence, the time, the platform, the action, its subject,
before, after and note, and `personal_digest`. Canonical JSON is sorted keys, no spaces, UTF-8
(RFC 8785 in spirit; our values are strings, integers and null). The first entry's previous
hash is `GENESIS`. `audit_head` keeps each chain's last sequence and hash.

**Erasure.** What names a person (who acted, whom it concerned, their comments) is not hashed as
words: `personal_digest` = sha256(salt + canonical JSON of those fields), with a random salt
kept in the row, so a name cannot be guessed back from the digest. To forget someone
(`pseudonymise`) their fields are replaced by the pseudonym their assessment now uses and
"Former member", their comments cleared and the salt emptied; the digest stays, so the chain
still verifies. The erasure then records itself in the same chain, naming only the pseudonym.
`verify` accepts an emptied salt only on an entry that names a pseudonym whose erasure is
recorded later in the same chain.

**What `verify` detects**: an entry whose content or personal fields were edited (its hash, or
its digest, no longer matches), an entry deleted or inserted in the middle (a gap, or a broken
link), the last entries deleted (the head names an entry that is not there), an entry faked as
erased, and an assessment with no trail at all. **What it cannot**: someone with write access
who rewrites an entry *and* every hash after it *and* the head, or who deletes a whole chain
with its head and its assessment. Against that, copy the heads somewhere out of their reach
(`accord audit verify --heads` prints each chain's head, to compare with a copy kept elsewhere).

Chains are appended under a lock on their head row (SELECT ... FOR UPDATE; on SQLite every
writing transaction is serialised anyway), and a unique (chain, sequence) turns any race into a
refused write rather than a fork.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from engine.audit import AuditAction, AuditEvent, AuditRecord
from storage.audit_tables import AuditEntryRow, AuditHeadRow
from storage.tables import AssessmentRow

GENESIS = "0" * 64

_entry = AuditEntryRow.__table__
_head = AuditHeadRow.__table__
_assessment = AssessmentRow.__table__

_HEAD = select(_head.c.sequence, _head.c.hash).where(_head.c.chain == bindparam("b_chain"))
_HEAD_LOCKED = _HEAD.with_for_update()
_INSERT_ENTRY = insert(_entry)
# A new chain's head, at sequence 0; two transactions starting one chain at once both get past
# this (the second waits for the first), and then take the head's lock in turn.
_START_CHAIN = {
    "postgresql": postgresql.insert(_head).on_conflict_do_nothing(index_elements=["chain"]),
    "sqlite": sqlite.insert(_head).on_conflict_do_nothing(index_elements=["chain"]),
}
_MOVE_HEAD = (
    update(_head)
    .where(_head.c.chain == bindparam("b_chain"))
    .values(sequence=bindparam("b_sequence"), hash=bindparam("b_hash"))
)
_ENTRIES = select(_entry).where(_entry.c.chain == bindparam("b_chain")).order_by(_entry.c.sequence)

# The platform a request came from, in the trail's words.
PLATFORMS = {"msteams": "teams"}
SCHEDULER = "scheduler"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def personal_digest(salt: str, personal: dict[str, Any]) -> str:
    return hashlib.sha256((salt + canonical(personal)).encode("utf-8")).hexdigest()


def content_of(row: Any) -> dict[str, Any]:
    """What an entry's hash covers (see the module), from a row or a dict of its columns."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    names = ("chain", "sequence", "at", "platform", "action", "subject", "before", "after", "note", "personal_digest")
    return {name: get(name) for name in names}


def entry_hash(previous: str, content: dict[str, Any]) -> str:
    return hashlib.sha256((previous + canonical(content)).encode("utf-8")).hexdigest()


def platform_of(event: AuditEvent, platform: str | None) -> str:
    """The platform the request came from; else the actor's; else the scheduler's sweep."""
    named = platform or (event.actor.split(":", 1)[0] if event.actor else SCHEDULER)
    return PLATFORMS.get(named, named)


@dataclass(frozen=True)
class Problem:
    chain: str
    sequence: int | None
    what: str

    def line(self) -> str:
        where = f"entry {self.sequence}" if self.sequence is not None else "its head"
        return f"audit trail of {self.chain}: {where}: {self.what}"


@dataclass(frozen=True)
class Verification:
    entries: int
    chains: int
    problem: Problem | None
    heads: dict[str, str]  # chain -> last hash, to compare with a copy kept elsewhere

    @property
    def intact(self) -> bool:
        return self.problem is None

    def line(self) -> str:
        if self.problem is not None:
            return self.problem.line()
        return f"{self.entries} entries, chain intact"


class AuditLog:
    """The audit trail in one transaction: append, read, verify, pseudonymise."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def _connection(self) -> Connection:
        return self._session.connection()

    # ----------------------------------------------------------------------- writing

    def append(self, chain: str, events: Iterable[AuditEvent], platform: str | None = None) -> list[AuditRecord]:
        """Add events to the end of `chain`, in order, in the current transaction."""
        events = list(events)
        if not events:
            return []
        connection = self._connection()
        head = connection.execute(_HEAD_LOCKED, {"b_chain": chain}).first()
        if head is None:
            connection.execute(_START_CHAIN[connection.dialect.name], {"chain": chain, "sequence": 0, "hash": GENESIS})
            head = connection.execute(_HEAD_LOCKED, {"b_chain": chain}).one()
        sequence, previous = head.sequence, head.hash
        rows: list[dict[str, Any]] = []
        records: list[AuditRecord] = []
        for event in events:
            sequence += 1
            salt = secrets.token_hex(16)
            row = {
                "chain": chain,
                "sequence": sequence,
                "at": event.at.isoformat(),
                "platform": platform_of(event, platform),
                "action": event.action.value,
                "subject": event.subject,
                "before": canonical(event.before),
                "after": canonical(event.after),
                "note": event.note,
                "actor": event.actor,
                "actor_name": event.actor_name,
                "person": event.person,
                "person_name": event.person_name,
                "comments": canonical(event.comments),
                "salt": salt,
                "personal_digest": personal_digest(salt, event.personal()),
                "previous_hash": previous,
            }
            row["hash"] = previous = entry_hash(previous, content_of(row))
            rows.append(row)
            records.append(AuditRecord(chain, sequence, row["platform"], event, row["hash"]))
        connection.execute(_INSERT_ENTRY, rows)
        connection.execute(_MOVE_HEAD, {"b_chain": chain, "b_sequence": sequence, "b_hash": previous})
        return records

    # ----------------------------------------------------------------------- reading

    def entries(self, chain: str, *, subject: str | None = None) -> list[AuditRecord]:
        """A chain's entries in order; `subject` keeps only those about it ("question 1.3")."""
        rows = self._connection().execute(_ENTRIES, {"b_chain": chain}).all()
        return [_record(row) for row in rows if subject is None or row.subject == subject]

    # -------------------------------------------------------------------- verifying

    def verify(self, chain: str | None = None) -> Verification:
        """Walk one chain, or every chain and every assessment; the first problem found, if any."""
        connection = self._connection()
        heads = {row.chain: (row.sequence, row.hash) for row in connection.execute(select(_head))}
        if chain is not None:
            chains = [chain]
            if chain not in heads and not connection.execute(_ENTRIES.limit(1), {"b_chain": chain}).first():
                exists = connection.execute(select(_assessment.c.id).where(_assessment.c.id == chain)).first()
                problem = Problem(chain, None, "this assessment has no audit trail" if exists else "no such audit trail")
                return Verification(0, 0, problem, {})
        else:
            written = {c for (c,) in connection.execute(select(_entry.c.chain).distinct())}
            assessments = {a for (a,) in connection.execute(select(_assessment.c.id))}
            missing = sorted(assessments - set(heads) - written)
            if missing:
                return Verification(0, 0, Problem(missing[0], None, "this assessment has no audit trail: it was deleted"), {})
            chains = sorted(set(heads) | written)
        total = 0
        for name in chains:
            rows = connection.execute(_ENTRIES, {"b_chain": name}).all()
            problem = _check_chain(name, rows, heads.get(name))
            if problem is not None:
                return Verification(total, len(chains), problem, {})
            total += len(rows)
        return Verification(total, len(chains), None, {name: heads[name][1] for name in chains if name in heads})

    # -------------------------------------------------------------------- erasure

    def pseudonymise(self, chain: str, person: str, pseudonym: str, name: str) -> int:
        """Name `pseudonym` and `name` instead of `person` in a chain's entries; how many changed.

        The salt is emptied, so the personal digest can no longer be checked against the words
        (see the module); the caller records the erasure in the chain afterwards.
        """
        connection = self._connection()
        acted = connection.execute(
            update(_entry)
            .where(_entry.c.chain == chain, _entry.c.actor == person)
            .values(actor=pseudonym, actor_name=name, comments="{}", salt="")
        ).rowcount
        concerned = connection.execute(
            update(_entry)
            .where(_entry.c.chain == chain, _entry.c.person == person)
            .values(person=pseudonym, person_name=name, salt="")
        ).rowcount
        return acted + concerned

    def naming(self, person: str) -> list[AuditRecord]:
        """Every entry that names `person` as actor or as whom it concerned (for their export)."""
        rows = self._connection().execute(
            select(_entry).where((_entry.c.actor == person) | (_entry.c.person == person)).order_by(_entry.c.chain, _entry.c.sequence)
        )
        return [_record(row) for row in rows]

    def chains_naming(self, person: str) -> list[str]:
        """Every chain with an entry that names `person` as actor or as whom it concerned."""
        found = self._connection().execute(
            select(_entry.c.chain).where((_entry.c.actor == person) | (_entry.c.person == person)).distinct()
        )
        return sorted(chain for (chain,) in found)


def _check_chain(chain: str, rows: list[Any], head: tuple[int, str] | None) -> Problem | None:
    previous = GENESIS
    forgotten: dict[str, int] = {}  # pseudonym -> the sequence of the last entry recording its erasure
    for row in rows:
        if row.action == AuditAction.MEMBER_FORGOTTEN.value and row.person:
            forgotten[row.person] = row.sequence
    for expected, row in enumerate(rows, start=1):
        if row.sequence != expected:
            return Problem(chain, expected, f"is missing (the next entry is {row.sequence})")
        if row.previous_hash != previous:
            return Problem(chain, row.sequence, "does not follow the entry before it (its previous hash differs)")
        if entry_hash(previous, content_of(row)) != row.hash:
            return Problem(chain, row.sequence, "was altered: its content no longer matches its hash")
        if row.salt:
            personal = {
                "actor": row.actor,
                "actor_name": row.actor_name,
                "person": row.person,
                "person_name": row.person_name,
                "comments": json.loads(row.comments),
            }
            if personal_digest(row.salt, personal) != row.personal_digest:
                return Problem(chain, row.sequence, "was altered: who acted, whom it concerned, or a comment changed")
        elif not any(forgotten.get(named, 0) > row.sequence for named in (row.actor, row.person) if named):
            return Problem(chain, row.sequence, "names someone as forgotten, but no erasure of them is recorded after it")
        previous = row.hash
    count = len(rows)
    if head is None:
        return Problem(chain, None, "has entries but no head: the head was deleted") if rows else None
    if head[0] > count:
        return Problem(chain, count + 1, f"is missing: the head says the trail has {head[0]} entries, {count} are left")
    if head[0] != count or head[1] != previous:
        return Problem(chain, None, "does not match the last entry: the head was altered")
    return None


def _record(row: Any) -> AuditRecord:
    event = AuditEvent(
        AuditAction(row.action),
        datetime.fromisoformat(row.at),
        actor=row.actor,
        actor_name=row.actor_name,
        subject=row.subject,
        before=json.loads(row.before),
        after=json.loads(row.after),
        note=row.note,
        person=row.person,
        person_name=row.person_name,
        comments=json.loads(row.comments),
    )
    return AuditRecord(row.chain, row.sequence, row.platform, event, row.hash)
