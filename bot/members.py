"""A person's rights over what Accord keeps about them: access (export) and erasure (forget).

    accord member export PLATFORM:WORKSPACE:USER [--output FILE]
    accord member forget PLATFORM:WORKSPACE:USER [--yes]

`export_person` gathers everything stored about one person (`storage.members` lists where that
is) as JSON-ready data. `forget_person` removes it in one transaction, while every assessment's
counts, measures and agreed answers stay as they were:

- in each assessment that names them, their user id becomes a new random pseudonym (one per
  assessment: see `storage.members.PersonalData.pseudonymise`), on their member row and on the
  agreed answers they recorded; then, through the domain (`engine.erasure.forget_member`) and the
  repository's change set, their name becomes "Former member" and their comments are cleared.
  Their role and their votes' scores stay, so nothing the team counted changes;
- their profile (time zone, working hours) is deleted, and so is every message addressed to them
  alone (sent or not: one not sent yet would go to nobody now); delivered copies of messages to
  others that named them or quoted their comments are emptied;
- Teams: their person reference is deleted and they are taken out of channel rosters; Slack: an
  install they made keeps working, without their user id as its installer;
- the audit trail: every entry that names them names their assessment's pseudonym instead (a
  new one in the install's chain), "Former member", and no comment; each chain then records the
  erasure, naming only the pseudonym, so it still verifies (`storage.audit`).

An export is recorded in the install's audit chain, and so is every erasure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.audit import record_install_event
from engine.assessment import Assessment, Identity
from engine.audit import INSTALL_CHAIN, AuditAction, AuditEvent
from engine.erasure import FORMER_MEMBER, forget_member
from engine.errors import DomainError
from engine.language import _, ngettext
from storage.members import PersonalData, new_pseudonym
from storage.unit_of_work import SqlUnitOfWork

NOT_INCLUDED = (
    "Receipts (the platforms' request ids, kept minutes to apply a retried request once) and the ids of "
    "messages posted in channels are not about anyone and are not included. Channel messages show counts, "
    "never who voted what; what Slack or Teams keep of messages already delivered is kept by them."
)


class UnknownPerson(DomainError):
    """Nothing stored names this person."""


def parse_person(text: str) -> Identity:
    """PLATFORM:WORKSPACE:USER, as `accord export --as` takes it."""
    from bot.export import identity_from_text

    try:
        return identity_from_text(text)
    except DomainError:
        raise DomainError(
            _("PERSON is PLATFORM:WORKSPACE:USER, e.g. slack:T0123:U0456, not {text}.").format(text=repr(text))
        ) from None


def unknown(person: Identity) -> UnknownPerson:
    return UnknownPerson(
        f"nothing is stored about {person.key}: no assessment, vote, profile, message or reference names them "
        "(check the platform, workspace and user id)."
    )


# ------------------------------------------------------------------------------ access


OPERATOR = "The operator"  # who runs `accord member`: known to the machine, not to Accord


def export_person(database: Any, person: Identity, now: datetime, *, record: bool = False) -> dict[str, Any]:
    """Everything stored about `person`, as JSON-ready data; `UnknownPerson` when there is nothing.

    `record`: this export is handed out (not only read to describe an erasure), so the install's
    audit chain records it.
    """
    with SqlUnitOfWork(database, read_only=True) as uow:
        data = PersonalData(uow.session)
        reminders: dict[str, list] = {}
        for reminded in data.reminders(person):
            reminders.setdefault(reminded.assessment_id, []).append(reminded)
        assessments = [
            _assessment_of(uow.assessments.get(assessment_id), person, reminders.get(assessment_id, []))
            for assessment_id in data.assessment_ids(person)
        ]
        profile = uow.profiles.get(person)
        trail = uow.audit.naming(person.key)
        messages = data.messages_to(person)
        references = data.references(person)
        installs = data.installs(person)
    if not (assessments or profile or messages or references or installs):
        raise unknown(person)
    if record:
        with SqlUnitOfWork(database) as uow:
            event = AuditEvent(
                AuditAction.MEMBER_EXPORTED, now, actor_name=OPERATOR, person=person.key,
                after={"assessments": len(assessments)}, note="accord member export",
            )  # fmt: skip
            record_install_event(uow, event)
            uow.commit()
    return {
        "person": {"platform": person.platform, "workspace": person.workspace, "user_id": person.user_id},
        "exported_at": _iso(now),
        "assessments": assessments,
        "profile": None
        if profile is None
        else {"timezone": profile.timezone, "working_hours": profile.working_hours, "updated_at": _iso(profile.updated_at)},
        "messages_to_them": [
            {
                "id": m.id,
                "assessment_id": m.assessment_id,
                "channel": m.channel_id,
                "queued_at": _iso(m.created_at),
                "sent_at": _iso(m.sent_at),
                "failed_at": _iso(m.failed_at),
                "message": m.message,
            }
            for m in messages
        ],
        "teams_references": [
            {"scope": r.scope, "target": r.target_id, "reference": r.data, "updated_at": _iso(r.updated_at)} for r in references
        ],
        "audit_entries": [
            {
                "chain": r.chain,
                "sequence": r.sequence,
                "at": _iso(r.event.at),
                "platform": r.platform,
                "action": r.event.action.value,
                "by_them": r.event.actor == person.key,
                "subject": r.event.subject,
                "before": r.event.before,
                "after": r.event.after,
                "note": r.event.note,
                "comments": r.event.comments if r.event.actor == person.key else {},
            }
            for r in trail
        ],
        "slack_installs": [
            {"team_id": i.team_id, "team_name": i.team_name, "enterprise_id": i.enterprise_id, "installed_at": _iso(i.installed_at)}
            for i in installs
        ],
        "not_included": NOT_INCLUDED,
    }


def _assessment_of(assessment: Assessment, person: Identity, reminders: list) -> dict[str, Any]:
    member = assessment.members.get(person)
    votes, recorded = [], []
    for round_ in assessment.rounds:
        question = assessment.question(round_.question_id)
        vote = round_.votes.get(person)
        if vote is not None:
            votes.append(
                {
                    "question": question.number,
                    "question_id": question.id,
                    "prompt": question.prompt,
                    "round": round_.number,
                    "round_state": round_.state.value,
                    "current": vote.current,
                    "ambition": vote.ambition,
                    "comment": vote.comment,
                    "cast_at": _iso(vote.cast_at),
                }
            )
        consensus = round_.consensus
        if consensus is not None and consensus.recorded_by == person:
            recorded.append(
                {
                    "question": question.number,
                    "question_id": question.id,
                    "round": round_.number,
                    "current": consensus.current,
                    "ambition": consensus.ambition,
                    "note": consensus.note,
                    "recorded_at": _iso(consensus.recorded_at),
                }
            )
    return {
        "id": assessment.id,
        "title": assessment.title,
        "platform": assessment.conversation.platform,
        "workspace": assessment.conversation.workspace,
        "channel": assessment.conversation.channel_id,
        "status": assessment.status.value,
        "started_at": _iso(assessment.created_at),
        "completed_at": _iso(assessment.completed_at),
        "member": member is not None,
        "role": member.role.value if member else None,
        "name": member.name if member else None,
        "votes": votes,
        "consensus_recorded": recorded,
        "reminders": [
            {
                "question": assessment.question(r.question_id).number,
                "round": r.round_number,
                "sent": r.sent,
                "last_sent_at": _iso(r.last_sent_at),
                "requested_at": _iso(r.requested_at),
            }
            for r in reminders
        ],
    }


# ----------------------------------------------------------------------------- erasure


@dataclass
class Forgotten:
    """What `forget_person` changed."""

    person: Identity
    assessments: int = 0
    still_active: list[str] = field(default_factory=list)  # titles of assessments under way
    votes: int = 0  # kept, with their scores, under the pseudonym
    comments: int = 0
    consensus: int = 0  # agreed answers whose recorder is now the pseudonym
    profile: int = 0
    messages: int = 0
    redacted: int = 0
    references: int = 0
    rosters: int = 0
    installs: int = 0

    def line(self) -> str:
        former = repr(FORMER_MEMBER)  # the name the records now hold, as stored
        references = self.references + self.rosters
        changed = [
            ngettext(
                "{count} assessment now name them {former} under a new pseudonym each",
                "{count} assessments now name them {former} under a new pseudonym each",
                self.assessments,
            ).format(count=self.assessments, former=former),
            ngettext("{count} vote kept without a name", "{count} votes kept without a name", self.votes).format(count=self.votes),
            ngettext("{count} comment cleared", "{count} comments cleared", self.comments).format(count=self.comments),
        ]
        optional = [
            (
                self.consensus,
                lambda: ngettext(
                    "{count} agreed answer they recorded kept under the pseudonym",
                    "{count} agreed answers they recorded kept under the pseudonym",
                    self.consensus,
                ).format(count=self.consensus),
            ),
            (self.profile, lambda: _("their profile deleted")),
            (
                self.messages,
                lambda: ngettext("{count} message to them deleted", "{count} messages to them deleted", self.messages).format(
                    count=self.messages
                ),
            ),
            (
                self.redacted,
                lambda: ngettext(
                    "{count} delivered message naming them emptied", "{count} delivered messages naming them emptied", self.redacted
                ).format(count=self.redacted),
            ),
            (
                references,
                lambda: ngettext("{count} Teams reference cleared", "{count} Teams references cleared", references).format(
                    count=references
                ),
            ),
            (
                self.installs,
                lambda: ngettext(
                    "{count} Slack install no longer naming them", "{count} Slack installs no longer naming them", self.installs
                ).format(count=self.installs),
            ),
        ]
        changed += [words() for n, words in optional if n]
        line = _("Forgot {person}: {changes}.").format(person=self.person.key, changes=", ".join(changed))
        if self.still_active:
            active = len(self.still_active)
            line += " " + ngettext(
                "{count} assessment still under way count {former} among the voters: a super-user can reveal without them.",
                "{count} assessments still under way count {former} among the voters: a super-user can reveal without them.",
                active,
            ).format(count=active, former=former)
        return line


def forget_person(database: Any, person: Identity, now: datetime | None = None) -> Forgotten:
    """Forget `person` in one transaction (see the module); `UnknownPerson` when nothing names them."""
    now = now or datetime.now(UTC)
    forgotten = Forgotten(person)
    with SqlUnitOfWork(database) as uow:
        data = PersonalData(uow.session)
        known = data.assessment_ids(person) or uow.profiles.get(person) or data.messages_to(person)
        if not (known or data.references(person) or data.installs(person)):
            raise unknown(person)
        names: set[str] = set()
        comments: list[str] = []
        pseudonyms = data.pseudonymise(person)
        for assessment_id, pseudonym in pseudonyms.items():
            # Loaded after the identity changed (the version moved on), so the repository holds
            # the rows as they are now, and saves the rest as a change like any other.
            assessment = uow.assessments.get(assessment_id, for_update=True)
            forgotten.assessments += 1
            if assessment.is_active:
                forgotten.still_active.append(assessment.title)
            forgotten.consensus += sum(
                1 for r in assessment.rounds if r.consensus is not None and r.consensus.recorded_by == pseudonym
            )
            if pseudonym in assessment.members:
                erased = forget_member(assessment, pseudonym)
                names.add(erased.name)
                comments.extend(erased.comments)
                forgotten.votes += erased.votes
                forgotten.comments += len(erased.comments)
        cleared = data.clear_elsewhere(person, names=names, comments=comments)
        _forget_in_trail(uow, person, {chain: p.key for chain, p in pseudonyms.items()}, now)
        uow.commit()
    forgotten.profile, forgotten.messages, forgotten.redacted = cleared.profile, cleared.messages, cleared.redacted
    forgotten.references, forgotten.rosters, forgotten.installs = cleared.references, cleared.rosters, cleared.installs
    return forgotten


def _forget_in_trail(uow: SqlUnitOfWork, person: Identity, pseudonyms: dict[str, str], now: datetime) -> None:
    """Name the pseudonym in every audit entry that named them, and record the erasure in each chain.

    An assessment's chain takes the pseudonym its member rows now carry, so its trail and its
    votes still belong together; any other chain (the install's) a new one. The install's chain
    records every erasure, even when it named them nowhere.
    """
    chains = set(uow.audit.chains_naming(person.key)) | {INSTALL_CHAIN}
    for chain in sorted(chains):
        pseudonym = pseudonyms.get(chain) or Identity(person.platform, person.workspace, new_pseudonym()).key
        changed = uow.audit.pseudonymise(chain, person.key, pseudonym, FORMER_MEMBER)
        event = AuditEvent(
            AuditAction.MEMBER_FORGOTTEN, now, actor_name=OPERATOR, person=pseudonym, person_name=FORMER_MEMBER,
            after={"entries": changed}, note="accord member forget: name, user id and comments erased; votes kept",
        )  # fmt: skip
        uow.audit.append(chain, [event], "console")


def describe(export: dict[str, Any]) -> str:
    """What forgetting would change, from the person's export: for the confirmation question."""
    lines = []
    for item in export["assessments"]:
        who = (
            _("as {name} ({role})").format(name=item["name"], role=item["role"]) if item["member"] else _("recorded agreed answers")
        )
        votes = len(item["votes"])
        comments = sum(1 for v in item["votes"] if v["comment"])
        lines.append(
            "  "
            + _("{title} ({id}, channel {channel}, {status}): {who}, {votes}, {comments}").format(
                title=item["title"],
                id=item["id"],
                channel=item["channel"],
                status=item["status"],
                who=who,
                votes=ngettext("{count} vote", "{count} votes", votes).format(count=votes),
                comments=ngettext("{count} comment", "{count} comments", comments).format(count=comments),
            )
        )
    if export["profile"] is not None:
        lines.append("  " + _("their profile (time zone, working hours)"))
    if export["messages_to_them"]:
        messages = len(export["messages_to_them"])
        lines.append("  " + ngettext("{count} message to them", "{count} messages to them", messages).format(count=messages))
    if export["teams_references"] or export["slack_installs"]:
        records = len(export["teams_references"]) + len(export["slack_installs"])
        lines.append(
            "  " + ngettext("{count} platform record naming them", "{count} platform records naming them", records).format(count=records)
        )
    return "\n".join(lines)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
