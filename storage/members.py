"""A person's data across every table: found for an export, pseudonymised or removed to forget them.

The right of access and the right to erasure (UK GDPR, articles 15 and 17) ask what Accord keeps
about one person, and to remove it. A person is an `Identity` (platform, workspace, user id), and
these are every place one is kept:

    member            one row per assessment they take part in: their user id, name and role
    vote              their votes, through the member row (current, ambition, comment, when)
    round             consensus_by_*: who recorded a question's agreed answer
    reminder          how many reminders they were sent per round, through the member row
    person_profile    their time zone and working hours, as their platform told Accord
    outbox            messages addressed to them alone (the message's `audience`); the dedupe key
                      of a reminder or a deadline notice names them too, and is only ever on those
    conversation_reference
                      Teams: a "person" reference (how to open a chat with them), and their
                      account (id and name) in the roster of each "channel" reference
    slack_installation
                      installer_user_id, when they installed Accord in a workspace
    audit_entry       who acted and whom it concerned, with their names and comments: pseudonymised
                      by `storage.audit.AuditLog.pseudonymise`, called from `bot.members`

Nothing else names a person: receipts hold the platform's request ids, posted_message the
platform's message ids, organisation and schedule are the team's.

`PersonalData` is read by `bot.members` inside a unit of work (`storage.unit_of_work`). Forgetting
is split by what fits where. A member's name and their comments are changes to the aggregate,
made by the engine (`engine.erasure`) and written by the assessment repository's change set like
any command's. Their identity is not: the repository keys members and votes by identity, so a new
identity would look like a member removed and another added, which its change set refuses
(`storage.changes`). `pseudonymise` therefore replaces the user id in SQL, before the assessment
is loaded; the database's triggers (migration 0006_assessment_version) move each assessment's
version on, so no process ever uses a copy cached under the old identity, and the repository
then loads the assessment as it now stands, in the same transaction.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlmodel import Session

from engine.assessment import Identity
from storage.scheduler_tables import ReminderRow
from storage.slack_tables import SlackInstallationRow
from storage.tables import (
    AssessmentRow,
    ConversationReferenceRow,
    MemberRow,
    OutboxRow,
    PersonProfileRow,
    RoundRow,
)

_assessment = AssessmentRow.__table__
_member = MemberRow.__table__
_round = RoundRow.__table__
_reminder = ReminderRow.__table__
_outbox = OutboxRow.__table__
_profile = PersonProfileRow.__table__
_reference = ConversationReferenceRow.__table__
_slack = SlackInstallationRow.__table__

PSEUDONYM_PREFIX = "forgotten-"


def new_pseudonym() -> str:
    """A user id that names nobody: random, so it cannot be worked back to the person or made again."""
    return PSEUDONYM_PREFIX + secrets.token_hex(16)


@dataclass(frozen=True)
class Reminded:
    assessment_id: str
    question_id: str
    round_number: int
    sent: int
    last_sent_at: datetime | None
    requested_at: datetime | None


@dataclass(frozen=True)
class StoredMessage:
    id: int
    assessment_id: str | None
    channel_id: str
    created_at: datetime
    sent_at: datetime | None
    failed_at: datetime | None
    message: dict[str, Any]  # engine.views.message_to_dict


@dataclass(frozen=True)
class Reference:
    scope: str  # "person": the whole reference is theirs; "channel": their entry in its roster
    target_id: str
    data: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True)
class Install:
    team_id: str
    team_name: str
    enterprise_id: str
    installed_at: datetime


@dataclass(frozen=True)
class Cleared:
    """What `clear_elsewhere` changed outside the assessments."""

    profile: int = 0
    messages: int = 0  # messages addressed to them alone, deleted
    redacted: int = 0  # delivered copies of messages to others that named them, emptied
    references: int = 0  # Teams person references deleted
    rosters: int = 0  # Teams channel rosters they were taken out of
    installs: int = 0  # Slack installs whose installer_user_id was cleared


class PersonalData:
    """Where one person is named, within a unit of work's session and transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # ---------------------------------------------------------------------- finding

    def assessment_ids(self, person: Identity) -> list[str]:
        """The assessments that name them: as a member, or as who recorded an agreed answer."""
        found = set(self._connection().execute(select(_member.c.assessment_id).where(*_member_is(person))).scalars())
        found.update(self._connection().execute(select(_round.c.assessment_id).where(*_recorded_by(person))).scalars())
        return sorted(found)

    def reminders(self, person: Identity) -> list[Reminded]:
        rows = self._connection().execute(
            select(
                _member.c.assessment_id, _round.c.question_id, _round.c.number, _reminder.c.sent,
                _reminder.c.last_sent_at, _reminder.c.requested_at,
            )
            .select_from(_reminder.join(_member, _member.c.id == _reminder.c.member_id).join(_round, _round.c.id == _reminder.c.round_id))
            .where(*_member_is(person))
            .order_by(_member.c.assessment_id, _round.c.position)
        )
        return [
            Reminded(r.assessment_id, r.question_id, r.number, r.sent, r.last_sent_at, r.requested_at) for r in rows
        ]

    def messages_to(self, person: Identity) -> list[StoredMessage]:
        """Messages still stored that are addressed to them alone, sent or not."""
        rows = self._connection().execute(
            select(
                _outbox.c.id, _outbox.c.assessment_id, _outbox.c.channel_id, _outbox.c.created_at,
                _outbox.c.sent_at, _outbox.c.failed_at, _outbox.c.message,
            )
            .where(*_addressed_to(person))
            .order_by(_outbox.c.id)
        )
        return [
            StoredMessage(r.id, r.assessment_id, r.channel_id, r.created_at, r.sent_at, r.failed_at, r.message)
            for r in rows
        ]

    def references(self, person: Identity) -> list[Reference]:
        """Teams: their person reference, and their entry in every channel roster that lists them."""
        found = []
        for row in self._connection().execute(select(_reference).where(*_in_workspace(_reference, person)).order_by(_reference.c.id)):
            if row.scope == "person" and row.target_id == person.user_id:
                found.append(Reference("person", row.target_id, dict(row.reference), row.updated_at))
            elif row.scope == "channel":
                theirs = [entry for entry in (row.reference or {}).get("members", []) if _is_account_of(entry, person)]
                if theirs:
                    found.append(Reference("channel", row.target_id, {"members": theirs}, row.updated_at))
        return found

    def installs(self, person: Identity) -> list[Install]:
        """Slack installs they made (installer_user_id); the tokens are the workspace's, not theirs."""
        if person.platform != "slack":
            return []
        rows = self._connection().execute(
            select(_slack.c.team_id, _slack.c.team_name, _slack.c.enterprise_id, _slack.c.installed_at)
            .where(*_installed_by(person))
            .order_by(_slack.c.id)
        )
        return [Install(r.team_id, r.team_name, r.enterprise_id, r.installed_at) for r in rows]

    # --------------------------------------------------------------------- forgetting

    def pseudonymise(self, person: Identity, pseudonym: Callable[[], str] = new_pseudonym) -> dict[str, Identity]:
        """Replace their user id with a new pseudonym in each assessment that names them.

        One pseudonym per assessment, the same for their member row and the agreed answers they
        recorded there, so the assessment still reads as it did (their votes are one member's, and
        that member recorded those answers); a different one in each assessment, so their
        assessments cannot be linked to each other through it. Platform and workspace stay: they
        are the team's. The assessments are locked first, in id order, as every batch locks them;
        the rows' triggers move each assessment's version on. Returns the pseudonym of each.
        """
        ids = self.assessment_ids(person)
        if not ids:
            return {}
        connection = self._connection()
        connection.execute(select(_assessment.c.id).where(_assessment.c.id.in_(ids)).order_by(_assessment.c.id).with_for_update()).all()
        given: dict[str, Identity] = {}
        for assessment_id in ids:
            new = Identity(person.platform, person.workspace, pseudonym())
            connection.execute(
                update(_member).where(_member.c.assessment_id == assessment_id, *_member_is(person)).values(user_id=new.user_id)
            )
            connection.execute(
                update(_round)
                .where(_round.c.assessment_id == assessment_id, *_recorded_by(person))
                .values(consensus_by_user_id=new.user_id)
            )
            given[assessment_id] = new
        return given

    def clear_elsewhere(self, person: Identity, *, names: Iterable[str] = (), comments: Iterable[str] = ()) -> Cleared:
        """Remove them from everything outside the assessments (see the module), in this transaction.

        `names` and `comments` are what they were called and wrote (read before they were
        forgotten): a delivered copy of a message to someone else that contains one of them (a
        super-user's "who voted what", a digest naming who has not voted) is emptied, since it
        has reached its platform already. One still waiting to be delivered is left to go.
        """
        connection = self._connection()
        profile = connection.execute(delete(_profile).where(*_in_workspace(_profile, person), _profile.c.user_id == person.user_id))
        messages = connection.execute(delete(_outbox).where(*_addressed_to(person)))
        redacted = self._redact_delivered(person, names, comments)
        references = rosters = 0
        rows = connection.execute(
            select(_reference.c.id, _reference.c.scope, _reference.c.target_id, _reference.c.reference)
            .where(*_in_workspace(_reference, person))
            .order_by(_reference.c.id)
            .with_for_update()
        ).all()
        for row in rows:
            if row.scope == "person" and row.target_id == person.user_id:
                connection.execute(delete(_reference).where(_reference.c.id == row.id))
                references += 1
            elif row.scope == "channel":
                members = list((row.reference or {}).get("members", []))
                kept = [entry for entry in members if not _is_account_of(entry, person)]
                if len(kept) != len(members):
                    connection.execute(update(_reference).where(_reference.c.id == row.id).values(reference={**row.reference, "members": kept}))
                    rosters += 1
        installs = 0
        if person.platform == "slack":
            # The install stays: its token is the workspace's, and Accord never reads who installed it.
            installs = connection.execute(update(_slack).where(*_installed_by(person)).values(installer_user_id="")).rowcount or 0
        return Cleared(profile.rowcount or 0, messages.rowcount or 0, redacted, references, rosters, installs)

    def _redact_delivered(self, person: Identity, names: Iterable[str], comments: Iterable[str]) -> int:
        words = [re.escape(word) for word in sorted({*names, person.user_id}) if word.strip()]
        texts = sorted({comment for comment in comments if comment.strip()})
        if not words and not texts:
            return 0
        pattern = re.compile(r"\b(?:" + "|".join(words) + r")\b") if words else None
        connection = self._connection()
        rows = connection.execute(
            select(_outbox.c.id, _outbox.c.message).where(
                _outbox.c.platform == person.platform,
                _outbox.c.workspace == person.workspace,
                or_(_outbox.c.sent_at.is_not(None), _outbox.c.failed_at.is_not(None)),
            )
        ).all()
        redacted = 0
        for row in rows:
            message = row.message or {}
            seen = json.dumps({k: v for k, v in message.items() if k != "audience"}, ensure_ascii=False)
            if (pattern is not None and pattern.search(seen)) or any(text in seen for text in texts):
                connection.execute(update(_outbox).where(_outbox.c.id == row.id).values(message=_emptied(message)))
                redacted += 1
        return redacted

    def _connection(self):
        return self._session.connection()


def _emptied(message: dict[str, Any]) -> dict[str, Any]:
    """A delivered message with its content gone: still a message (`engine.views.message_from_dict`)."""
    return {
        **message,
        "heading": "(removed: it named someone Accord has since forgotten)",
        "text": [], "fields": [], "inputs": [], "buttons": [], "links": [], "charts": [], "footer": "",
    }


def _member_is(person: Identity) -> tuple:
    return (_member.c.platform == person.platform, _member.c.workspace == person.workspace, _member.c.user_id == person.user_id)


def _recorded_by(person: Identity) -> tuple:
    return (
        _round.c.consensus_by_platform == person.platform,
        _round.c.consensus_by_workspace == person.workspace,
        _round.c.consensus_by_user_id == person.user_id,
    )


def _addressed_to(person: Identity) -> tuple:
    """The outbox rows whose message is for this person alone (`engine.views.message_to_dict`'s audience)."""
    audience = _outbox.c.message
    return (
        _outbox.c.platform == person.platform,
        _outbox.c.workspace == person.workspace,
        audience[("audience", 0)].as_string() == person.platform,
        audience[("audience", 1)].as_string() == person.workspace,
        audience[("audience", 2)].as_string() == person.user_id,
    )


def _in_workspace(table: Any, person: Identity) -> tuple:
    return (table.c.platform == person.platform, table.c.workspace == person.workspace)


def _installed_by(person: Identity) -> tuple:
    return (
        _slack.c.installer_user_id == person.user_id,
        or_(_slack.c.team_id == person.workspace, and_(_slack.c.team_id == "", _slack.c.enterprise_id == person.workspace)),
    )


def _is_account_of(entry: Any, person: Identity) -> bool:
    """A Teams roster entry ({"id", "name", "aadObjectId"}) for this person (`adapters.teams.directory`)."""
    return isinstance(entry, dict) and person.user_id in (entry.get("aadObjectId"), entry.get("id"))

