"""The outbox: messages waiting for a platform, kept in the same transaction as the change.

A use case writes the channel messages it produces here before it commits, so a message exists
exactly when the change it reports does. A dispatcher (`bot.delivery`) claims what is due,
delivers it, and records the outcome; a platform outage or a rate limit moves
`next_attempt_at` on, never loses the message.

Order matters in a channel (the consensus on question 1.1 before question 1.2 opens), so a
conversation's messages are claimed oldest first and only as an unbroken run: while its oldest
unsent message waits for a retry, nothing after it in that conversation is sent.

A dispatcher claims what it sends until `claimed_until`, and renews the claim while it is still
sending (`renew`, whose condition on the claim's end keeps a dispatcher from renewing a claim
another has taken since). Every outcome clears `claimed_until`, so a message claimed while it is
still set, with its end past, is a takeover: the dispatcher before died mid-send, and its attempt
may have reached the platform (`OutboxItem.taken_over`).

Every vote queues a new version of its question's progress line. When the newest message a
channel has waiting is an unclaimed older version of that line, the new version takes its place
rather than queueing behind it: only the tail of a channel's queue changes, and only into a newer
version of itself, so the order holds, while a stream of votes leaves one row to claim, decode
and settle instead of hundreds. A version queued while an older one is being delivered (claimed)
still gets a row of its own; the dispatcher settles whatever older versions it claims unsent.

Votes that share one transaction (`storage.group_commit`) would each write a version only for
the next to replace it. There each version waits in `HeldVersions` and only the last version of
each line is written, once, just before the shared commit. That moves a progress line's row
after messages the same group queued for its channel; it is a line updated in place, so only
its newest version matters, and posts keep their order.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, or_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from engine.assessment import Conversation
from engine.views import Message, message_from_dict, message_to_dict
from storage.statements import update_where, values
from storage.tables import OutboxRow, PostedMessageRow

# How many unsent messages one claim looks at. The cost of a claim grows with the backlog of
# unsent messages, never with the number of assessments.
SCAN_LIMIT = 500

_outbox = OutboxRow.__table__
_UNSENT = (
    select(
        _outbox.c.id, _outbox.c.platform, _outbox.c.workspace, _outbox.c.channel_id, _outbox.c.next_attempt_at,
        _outbox.c.claimed_until, _outbox.c.dedupe_key,
    )
    .where(_outbox.c.sent_at.is_(None), _outbox.c.failed_at.is_(None))
    .order_by(_outbox.c.id)
    .limit(SCAN_LIMIT)
)
# The message comes back from the claim, not from the scan: an unclaimed row may be given a newer
# version (`_REPLACE_TAIL`) between the two, and the claim returns the row as it claimed it. It
# also leaves the JSON of rows looked at but not claimed undecoded.
# The claim says again that the row is unsent: on PostgreSQL a claim that waited for another
# dispatcher's lock re-reads only the rows it names, against this condition, so without it a row
# the other settled meanwhile (an older version of a line, superseded and so never delivered)
# would be claimed again, and its old words sent after the newest.
_CLAIM = (
    update(_outbox)
    .where(
        _outbox.c.id.in_(bindparam("ids", expanding=True)),
        _outbox.c.sent_at.is_(None),
        _outbox.c.failed_at.is_(None),
        or_(_outbox.c.claimed_until.is_(None), _outbox.c.claimed_until <= bindparam("now")),
    )
    .values(claimed_until=bindparam("until"), attempts=_outbox.c.attempts + 1)
    .returning(
        _outbox.c.id, _outbox.c.attempts, _outbox.c.assessment_id, _outbox.c.message, _outbox.c.delivered, _outbox.c.created_at
    )
)
# A live dispatcher keeps its claim while it is still sending (a slow platform). The claim's end
# is also its token: a row taken over by another process since has another end, and is left to it.
_RENEW = (
    update(_outbox)
    .where(
        _outbox.c.id.in_(bindparam("ids", expanding=True)),
        _outbox.c.claimed_until == bindparam("held"),
        _outbox.c.sent_at.is_(None),
        _outbox.c.failed_at.is_(None),
    )
    .values(claimed_until=bindparam("until"))
)
# Of the messages a dispatcher held, those another one claims now.
_TAKEN = select(_outbox.c.id).where(
    _outbox.c.id.in_(bindparam("ids", expanding=True)),
    _outbox.c.claimed_until.is_not(None),
    _outbox.c.claimed_until != bindparam("until"),
    _outbox.c.sent_at.is_(None),
    _outbox.c.failed_at.is_(None),
)
# The newest unsent message of one conversation (an index scan on ix_outbox_conversation_unsent).
_TAIL = (
    select(func.max(_outbox.c.id))
    .where(
        _outbox.c.platform == bindparam("k_platform"),
        _outbox.c.workspace == bindparam("k_workspace"),
        _outbox.c.channel_id == bindparam("k_channel_id"),
        _outbox.c.sent_at.is_(None),
        _outbox.c.failed_at.is_(None),
    )
    .scalar_subquery()
)
# A row being delivered is never changed (claimed_until is set, even once its lease has run out);
# one waiting for a retry keeps its next_attempt_at and attempts and goes out as the newest version.
# Unsent is said again for the same reason as in the claim: the tail is found before the row is
# locked, and a row settled in between must not take the new version with it.
_REPLACE_TAIL = (
    update(_outbox)
    .where(
        _outbox.c.id == _TAIL,
        _outbox.c.sent_at.is_(None),
        _outbox.c.failed_at.is_(None),
        _outbox.c.claimed_until.is_(None),
        _outbox.c.message["key"].as_string() == bindparam("k_key"),
    )
    .values(message=bindparam("v_message"), assessment_id=bindparam("v_assessment_id"))
)
_SETTLE = (
    update(_outbox)
    .where(_outbox.c.id.in_(bindparam("ids", expanding=True)))
    .values(sent_at=bindparam("now"), claimed_until=None, last_error="")
)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    conversation: Conversation
    stored: dict[str, Any]  # the message as stored (engine.views.message_to_dict)
    attempts: int
    assessment_id: str | None
    dedupe_key: str | None
    delivered: dict[str, Any] | None = None  # what an earlier attempt already delivered (RetryLater.done)
    created_at: datetime | None = None  # when it was queued: it cannot have reached a platform before
    # Claimed from a dispatcher whose lease ran out before it recorded what became of the message
    # (its process was killed, or stalled): that attempt may have reached the platform.
    taken_over: bool = False

    @property
    def key(self) -> str | None:
        """The key of a message that is updated in place (a question's progress line), if any."""
        return self.stored.get("key")

    @functools.cached_property
    def message(self) -> Message:
        # Built when first asked for: of many versions of one progress line only the newest is.
        return message_from_dict(self.stored)


@dataclass(frozen=True)
class _Held:
    conversation: Conversation
    message: Message
    now: datetime
    assessment_id: str | None


class HeldVersions:
    """The newest version of each keyed message queued in a shared transaction, not yet written.

    Each command's unit of work holds its own, and hands them to the shared transaction's when
    its savepoint is released (`take`): a command rolled back leaves nothing behind.
    """

    def __init__(self) -> None:
        self._held: dict[tuple[Conversation, str], _Held] = {}

    def hold(self, conversation: Conversation, message: Message, now: datetime, assessment_id: str | None) -> None:
        assert message.key is not None
        self._held[(conversation, message.key)] = _Held(conversation, message, now, assessment_id)

    def take(self, other: HeldVersions) -> None:
        self._held.update(other._held)
        other._held.clear()

    def write(self, session: Session) -> None:
        """Queue the versions held, each once (the shared transaction is about to commit)."""
        outbox = OutboxRepository(session)
        for held in self._held.values():
            outbox.add(held.conversation, held.message, held.now, assessment_id=held.assessment_id)
        self._held.clear()

    def __len__(self) -> int:
        return len(self._held)


@dataclass(frozen=True)
class Outgoing:
    """A message for the outbox, sent at most once under its dedupe key."""

    conversation: Conversation
    message: Message
    dedupe_key: str
    assessment_id: str | None = None
    not_before: datetime | None = None



class OutboxRepository:
    def __init__(self, session: Session, held: HeldVersions | None = None) -> None:
        self._session = session
        self._held = held  # in a shared transaction: where keyed versions wait (see the module)
        # After `claim_due`: when the first claim held elsewhere runs out, so that a message whose
        # sender died is taken over as soon as it can be, not at the dispatcher's next round.
        self.claims_end: datetime | None = None

    def add_once(self, items: Sequence[Outgoing], now: datetime) -> set[str]:
        """Put messages in the outbox in one statement, each at most once; the dedupe keys added.

        A key already there means that message was decided before (by this process before a
        restart, or by another one): it is not added again. Reminders and digests go this way.
        """
        if not items:
            return set()
        rows = [
            {
                "dedupe_key": item.dedupe_key,
                "platform": item.conversation.platform,
                "workspace": item.conversation.workspace,
                "channel_id": item.conversation.channel_id,
                "assessment_id": item.assessment_id,
                "message": message_to_dict(item.message),
                "created_at": now,
                "next_attempt_at": item.not_before or now,
                "attempts": 0,
                "last_error": "",
            }
            for item in items
        ]
        dialect = self._session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        table = OutboxRow.__table__
        statement = insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.dedupe_key)
        return {row[0] for row in self._session.execute(statement, rows)}

    def add(
        self,
        conversation: Conversation,
        message: Message,
        now: datetime,
        *,
        assessment_id: str | None = None,
        dedupe_key: str | None = None,
        not_before: datetime | None = None,
    ) -> bool:
        """Queue a message; False when a message with the same `dedupe_key` already exists.

        A keyed message replaces the conversation's newest waiting message when that is an
        unclaimed version of the same key (see the module's docstring); it is queued all the same.
        """
        if message.key is not None and dedupe_key is None and not_before is None and self._held is not None:
            self._held.hold(conversation, message, now, assessment_id)
            return True
        stored = message_to_dict(message)
        connection = self._session.connection()
        if message.key is not None and dedupe_key is None and not_before is None:
            replaced = connection.execute(
                _REPLACE_TAIL,
                {
                    "k_platform": conversation.platform,
                    "k_workspace": conversation.workspace,
                    "k_channel_id": conversation.channel_id,
                    "k_key": message.key,
                    "v_message": stored,
                    "v_assessment_id": assessment_id,
                },
            )
            if replaced.rowcount:
                return True
        row: dict[str, Any] = {
            "dedupe_key": dedupe_key,
            "platform": conversation.platform,
            "workspace": conversation.workspace,
            "channel_id": conversation.channel_id,
            "assessment_id": assessment_id,
            "message": stored,
            "created_at": now,
            "next_attempt_at": not_before or now,
            "attempts": 0,
            "last_error": "",
        }
        statement = _insert_statement(connection.dialect.name, dedupe_key is not None)
        return connection.execute(statement, row).scalar() is not None

    def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[OutboxItem]:
        """Take up to `limit` due messages for this dispatcher until `now + lease`, in each channel's order.

        A message whose earlier claim ran out without an outcome is taken over (`OutboxItem.taken_over`).
        """
        connection = self._session.connection()
        blocked: set[tuple[str, str, str]] = set()
        claimable = []
        for row in connection.execute(_UNSENT):
            where = (row.platform, row.workspace, row.channel_id)
            if where in blocked:
                continue
            free = row.claimed_until is None or row.claimed_until <= now
            if not free and (self.claims_end is None or row.claimed_until < self.claims_end):
                self.claims_end = row.claimed_until
            if row.next_attempt_at > now or not free:
                blocked.add(where)  # keep the channel's order: nothing after a waiting message
                continue
            claimable.append(row)
            if len(claimable) >= limit:
                break
        if not claimable:
            return []
        # One statement for the batch; its condition makes the claim atomic: of two dispatchers
        # claiming the same message, one updates the row and sees its id come back.
        claimed = {
            row.id: row
            for row in connection.execute(
                _CLAIM, {"ids": [row.id for row in claimable], "now": now, "until": now + lease}
            )
        }
        return [
            OutboxItem(
                id=row.id,
                conversation=Conversation(row.platform, row.workspace, row.channel_id),
                stored=claimed[row.id].message,
                attempts=claimed[row.id].attempts,
                assessment_id=claimed[row.id].assessment_id,
                dedupe_key=row.dedupe_key,
                delivered=claimed[row.id].delivered,
                created_at=claimed[row.id].created_at,
                # Every outcome clears claimed_until, so one still set means the last claim ended
                # without one. (Read in the scan: a claim made and settled between the scan and
                # this one only costs the platform a needless look.)
                taken_over=row.claimed_until is not None,
            )
            for row in claimable
            if row.id in claimed
        ]

    def renew(self, item_ids: Sequence[int], held: datetime, until: datetime) -> set[int]:
        """Extend this dispatcher's claim on messages it holds (claimed until `held`) to `until`.

        Returns the ids another dispatcher claimed after this one's lease ran out: they are its
        now. (A message settled meanwhile is neither renewed nor taken.)
        """
        if not item_ids:
            return set()
        connection = self._session.connection()
        connection.execute(_RENEW, {"ids": list(item_ids), "held": held, "until": until})
        return {row.id for row in connection.execute(_TAKEN, {"ids": list(item_ids), "until": until})}

    def mark_sent(self, item_id: int, now: datetime) -> None:
        self._set(item_id, sent_at=now, claimed_until=None, last_error="")

    def mark_all_sent(self, item_ids: list[int], now: datetime) -> None:
        """Settle several claimed messages at once (older versions of a message sent since)."""
        if item_ids:
            self._session.connection().execute(_SETTLE, {"ids": item_ids, "now": now})

    def retry_later(self, item_id: int, at: datetime, error: str, delivered: dict[str, Any] | None = None) -> None:
        """Try again at `at`; `delivered`: what of it reached the platform, for the next attempt.

        Without `delivered` what an earlier attempt noted stays: a failure that says nothing of
        what was delivered does not undo what was.
        """
        progress = {} if delivered is None else {"delivered": delivered}
        self._set(item_id, next_attempt_at=at, claimed_until=None, last_error=error[:1000], **progress)

    def release(self, item_id: int) -> None:
        """Hand a claimed message back unsent and uncounted (it waits behind an earlier one)."""
        self._set(item_id, claimed_until=None, attempts=OutboxRow.attempts - 1)

    def give_up(self, item_id: int, now: datetime, error: str) -> None:
        self._set(item_id, failed_at=now, claimed_until=None, last_error=error[:1000])

    def pending(self, conversation: Conversation | None = None) -> int:
        statement = select(OutboxRow.id).where(OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None))
        if conversation is not None:
            statement = statement.where(*_in(OutboxRow, conversation))
        return len(self._session.exec(statement).all())

    # ----------------------------------------------------------- posted messages

    def posted_ref(self, conversation: Conversation, key: str) -> dict[str, Any] | None:
        row = self._session.exec(select(PostedMessageRow).where(*_in(PostedMessageRow, conversation), PostedMessageRow.key == key)).first()
        return dict(row.ref) if row else None

    def remember_ref(self, conversation: Conversation, key: str, ref: dict[str, Any], now: datetime) -> None:
        row = self._session.exec(select(PostedMessageRow).where(*_in(PostedMessageRow, conversation), PostedMessageRow.key == key)).first()
        if row is None:
            row = PostedMessageRow(
                platform=conversation.platform,
                workspace=conversation.workspace,
                channel_id=conversation.channel_id,
                key=key,
                ref=ref,
                updated_at=now,
            )
        else:
            row.ref = ref
            row.updated_at = now
        self._session.add(row)

    def _set(self, item_id: int, **changes: Any) -> None:
        if "attempts" in changes:  # an expression, not a value: built each time (rare)
            self._session.execute(
                update(OutboxRow).where(OutboxRow.id == item_id).values(**changes).execution_options(synchronize_session=False)
            )
            return
        self._session.connection().execute(
            update_where("outbox", tuple(changes), ("id",)), {**values(changes), "k_id": item_id}
        )


@functools.lru_cache(maxsize=None)
def _insert_statement(dialect: str, deduplicated: bool) -> Any:
    """INSERT ... RETURNING id, built once per database kind; bound with each message's values."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(OutboxRow.__table__)
    if deduplicated:
        # A second process deciding to send the same reminder finds the row already there.
        statement = statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
    return statement.returning(OutboxRow.__table__.c.id)


def _in(table: type, conversation: Conversation) -> tuple:
    return (
        table.platform == conversation.platform,
        table.workspace == conversation.workspace,
        table.channel_id == conversation.channel_id,
    )

