"""The audit trail as a super-user reads it in the chat (`audit [question]`, or `history`).

Privately, to a super-user only: the service asks the engine first (`Action.READ_AUDIT`). Each
entry says who did what, when, from which platform, and what it was before and after. The
scores of votes on a question still open for votes are left out, as they are everywhere before
the reveal; comments are left out too (they are in `accord audit export`, for auditors).
A chat message has room for the latest `SHOWN` entries; the rest are named, not lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from engine.assessment import Assessment, Identity, RoundState
from engine.audit import AuditAction, AuditRecord
from engine.language import NC_, _, pgettext
from engine.views import Field, Kind, Message, only

SHOWN = 40  # Slack allows 50 blocks in a message; Teams cards grow long well before that


def audit_message(assessment: Assessment, actor: Identity, records: Sequence[AuditRecord], question: str | None = None) -> Message:
    number = assessment.question(question).number if question else None
    shown = list(records)[-SHOWN:]
    hidden = _open_round(assessment)
    text = [
        _("Only you can see this. Every change on question {number}, oldest first: who, when (UTC), from where, before and after.").format(
            number=number
        )
        if number
        else _("Only you can see this. Every change, oldest first: who, when (UTC), from where, before and after."),
    ]
    if len(records) > len(shown):
        text.append(
            _(
                "The latest {shown} of {total} entries. Say `audit <question>` for one question; "
                "`accord audit export` gives them all."
            ).format(shown=len(shown), total=len(records))
        )
    if hidden is not None:
        text.append(_("Votes on the question still open show no scores until the reveal."))
    fields = tuple(Field(_label(record), _line(record, hidden)) for record in shown)
    return Message(
        kind=Kind.AUDIT,
        audience=only(actor),
        heading=_("Audit trail of {title} on question {number}").format(title=assessment.shown_title, number=number)
        if number
        else _("Audit trail of {title}").format(title=assessment.shown_title),
        text=tuple(text),
        fields=fields or (Field(_("Entries"), _("nothing recorded yet")),),
    )


# What happened, in words; the trail itself keeps the action's English value.
ACTION_WORDS = {
    AuditAction.STARTED: NC_("audit trail", "started"),
    AuditAction.MEMBER_ADDED: NC_("audit trail", "member added"),
    AuditAction.MEMBER_JOINED: NC_("audit trail", "member joined"),
    AuditAction.ROLE_CHANGED: NC_("audit trail", "role changed"),
    AuditAction.VOTE_CAST: NC_("audit trail", "vote cast"),
    AuditAction.VOTE_CHANGED: NC_("audit trail", "vote changed"),
    AuditAction.VOTE_WITHDRAWN: NC_("audit trail", "vote withdrawn"),
    AuditAction.REVEALED: NC_("audit trail", "revealed"),
    AuditAction.PROPOSED: NC_("audit trail", "proposed"),
    AuditAction.FINALISED: NC_("audit trail", "finalised"),
    AuditAction.SKIPPED: NC_("audit trail", "skipped"),
    AuditAction.REOPENED: NC_("audit trail", "reopened"),
    AuditAction.NEXT: NC_("audit trail", "next question"),
    AuditAction.CLOSED: NC_("audit trail", "closed"),
    AuditAction.DEADLINE_SET: NC_("audit trail", "deadline set"),
    AuditAction.SCHEDULE_CHANGED: NC_("audit trail", "schedule changed"),
    AuditAction.ORGANISATION_CHANGED: NC_("audit trail", "organisation changed"),
    AuditAction.INDIVIDUAL_VOTES_SHOWN: NC_("audit trail", "individual votes shown"),
    AuditAction.AUDIT_READ: NC_("audit trail", "audit trail read"),
    AuditAction.MEMBER_EXPORTED: NC_("audit trail", "member data exported"),
    AuditAction.MEMBER_FORGOTTEN: NC_("audit trail", "member forgotten"),
    AuditAction.PAUSED: NC_("audit trail", "paused"),
    AuditAction.RESUMED: NC_("audit trail", "resumed"),
}


def _subject(subject: str) -> str:
    """The trail records "question 1.3" (its own words, kept as written); shown in the reader's."""
    if subject.startswith("question "):
        return _("question {number}").format(number=subject.removeprefix("question "))
    return subject


def describe(record: AuditRecord, *, hide_scores: bool = False) -> str:
    """One entry in words: "Sam finalised question 1.3: proposal 2/3 → 2/4. Note: …"."""
    event = record.event
    who = event.actor_name or "Accord"
    what = pgettext(*ACTION_WORDS[event.action]) if event.action in ACTION_WORDS else event.action.value
    line = f"{who}: {what}"
    if event.subject:
        line += f", {_subject(event.subject)}"
    if event.person_name and event.person != event.actor:
        line += f", {event.person_name}"
    round_number = (event.after or {}).get("round")
    if round_number and round_number != 1:
        line += " " + _("(round {round})").format(round=round_number)
    if not hide_scores:
        change = _change(event.before, event.after)
        if change:
            line += f": {change}"
    else:
        line += ": " + _("scores hidden until the reveal")
    if event.note and event.automatic:
        line += f" ({event.note})"
    elif event.note:
        reason = _("Reason: {note}") if event.action is AuditAction.SKIPPED else _("Note: {note}")
        line += ". " + reason.format(note=event.note)
    return line


def _label(record: AuditRecord) -> str:
    moment = record.event.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    return f"#{record.sequence} {moment} · {record.platform}"


def _line(record: AuditRecord, hidden: tuple[str, int] | None) -> str:
    event = record.event
    is_vote = event.action in (AuditAction.VOTE_CAST, AuditAction.VOTE_CHANGED, AuditAction.VOTE_WITHDRAWN)
    secret = is_vote and hidden is not None and (event.subject, (event.after or {}).get("round")) == hidden
    return describe(record, hide_scores=secret)


def _open_round(assessment: Assessment) -> tuple[str, int] | None:
    """The (subject, round) whose votes are still secret, if a question is open for votes."""
    round_ = assessment.focus_round
    if round_ is None or round_.state is not RoundState.OPEN:
        return None
    return f"question {assessment.question(round_.question_id).number}", round_.number


def _change(before: dict | None, after: dict | None) -> str:
    before = {k: v for k, v in (before or {}).items() if k != "round"}
    after = {k: v for k, v in (after or {}).items() if k != "round"}
    if not before and not after:
        return ""
    if not before:
        return _values(after)
    if not after:
        return _("was {values}").format(values=_values(before))
    return f"{_values(before)} → {_values(after)}"


def _values(values: dict) -> str:
    if set(values) == {"current", "ambition"}:
        return _("current {current}, ambition {ambition}").format(current=values["current"], ambition=values["ambition"])
    if set(values) == {"proposal"} and isinstance(values["proposal"], dict):
        return _("proposed {values}").format(values=_values(values["proposal"]))
    return ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in sorted(values.items()) if value is not None) or _("none")
