"""Turning an `Assessment` into column values, and rows back into an `Assessment`.

Pure functions, no session: the repository decides which rows to insert, update or delete;
this module only knows which column holds what. A function per row kind gives the columns that
can change over the aggregate's life (what `save` compares); the natural keys (a member's
identity, a round's question and number, a vote's round and voter) are never among them,
because the repository keys its rows by them.

The framework is rebuilt from the snapshot taken when the assessment started, never from the
framework's file, so an edited or deleted YAML file cannot change what a team answered.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from engine.assessment import (
    Assessment,
    AssessmentStatus,
    Consensus,
    Conversation,
    Identity,
    Measures,
    Member,
    Proposal,
    Role,
    Round,
    RoundState,
    Settings,
    Vote,
)
from engine.disagreement import Thresholds
from engine.framework import Framework, parse_framework
from engine.reminders import ScheduleOverrides
from storage.tables import AssessmentRow, MemberRow, RoundRow, VoteRow

# Parsing a framework snapshot (25 questions, 125 descriptors) is a fifth of the cost of a
# command, and most assessments share a framework version, so a parse is reused for any stored
# snapshot equal to one already parsed: comparing two dicts is far cheaper than parsing one. The
# comparison is what makes it safe: a snapshot changed in the database (an edited framework file,
# a repair by hand) is parsed afresh.
_PARSED: OrderedDict[tuple[str, int], list[tuple[dict, Framework]]] = OrderedDict()
_PARSED_LOCK = threading.Lock()
_VERSIONS_KEPT = 64
_VARIANTS_KEPT = 8


def _snapshot(row: AssessmentRow) -> Framework:
    version = (row.framework_id, row.framework_version)
    with _PARSED_LOCK:
        for raw, parsed in _PARSED.get(version, ()):
            if raw == row.framework_snapshot:
                _PARSED.move_to_end(version)
                return parsed
    framework = parse_framework(row.framework_snapshot, source=f"the framework snapshot of assessment {row.id}")
    with _PARSED_LOCK:
        variants = _PARSED.setdefault(version, [])
        variants.insert(0, (row.framework_snapshot, framework))
        del variants[_VARIANTS_KEPT:]
        while len(_PARSED) > _VERSIONS_KEPT:
            _PARSED.popitem(last=False)
    return framework


# ------------------------------------------------------------------- domain -> columns


def assessment_fixed_columns(assessment: Assessment) -> dict[str, Any]:
    """Columns written once, when the assessment is first stored."""
    conversation = assessment.conversation
    return {
        "id": assessment.id,
        "platform": conversation.platform,
        "workspace": conversation.workspace,
        "channel_id": conversation.channel_id,
        "framework_id": assessment.framework.id,
        "framework_version": assessment.framework.version,
        # Through JSON once, so the stored snapshot is exactly what comes back from the database
        # (the scale's integer keys become text on both SQLite and PostgreSQL).
        "framework_snapshot": json.loads(json.dumps(assessment.framework.to_dict())),
        "created_at": assessment.created_at,
    }


def assessment_columns(assessment: Assessment) -> dict[str, Any]:
    return {
        "title": assessment.title,
        "settings": settings_to_json(assessment.settings),
        "status": assessment.status.value,
        "focus_question_id": assessment.focus_question_id,
        "completed_at": assessment.completed_at,
        "paused_at": assessment.paused_at,
        "starts_at": assessment.starts_at,
    }


def member_columns(member: Member) -> dict[str, Any]:
    return {"name": member.name, "role": member.role.value}


def identity_columns(identity: Identity) -> dict[str, Any]:
    return {"platform": identity.platform, "workspace": identity.workspace, "user_id": identity.user_id}


def round_columns(round_: Round, position: int) -> dict[str, Any]:
    proposal, consensus = round_.proposal, round_.consensus
    return {
        "position": position,
        "state": round_.state.value,
        "opened_at": round_.opened_at,
        "revealed_at": round_.revealed_at,
        "closed_at": round_.closed_at,
        "closes_at": round_.closes_at,
        "measures": round_.measures.to_dict() if round_.measures is not None else None,
        "proposal_current": proposal.current if proposal else None,
        "proposal_ambition": proposal.ambition if proposal else None,
        "consensus_current": consensus.current if consensus else None,
        "consensus_ambition": consensus.ambition if consensus else None,
        "consensus_note": consensus.note if consensus else None,
        "consensus_by_platform": consensus.recorded_by.platform if consensus else None,
        "consensus_by_workspace": consensus.recorded_by.workspace if consensus else None,
        "consensus_by_user_id": consensus.recorded_by.user_id if consensus else None,
        "consensus_at": consensus.recorded_at if consensus else None,
        "skip_reason": round_.skip_reason,
    }


def round_shape(round_: Round, position: int) -> tuple:
    """Every value `round_columns` reads, as they are: equal shapes give equal columns.

    Cheap to build and to compare (a round's values are immutable and shared by copies of the
    aggregate), so the repository maps only the rounds whose shape changed.
    """
    return (
        position,
        round_.state,
        round_.opened_at,
        round_.revealed_at,
        round_.closed_at,
        round_.closes_at,
        round_.measures,
        round_.proposal,
        round_.consensus,
        round_.skip_reason,
    )


def vote_columns(vote: Vote) -> dict[str, Any]:
    return {"current": vote.current, "ambition": vote.ambition, "comment": vote.comment, "cast_at": vote.cast_at}


def settings_to_json(settings: Settings) -> dict[str, Any]:
    thresholds = settings.thresholds
    return {
        "auto_reveal": settings.auto_reveal,
        "auto_advance": settings.auto_advance,
        "thresholds": {
            "max_spread": thresholds.max_spread,
            "polarisation_share": thresholds.polarisation_share,
        },
        # Only what the super-user changed; absent means app.yaml's schedule.
        **({"schedule": settings.schedule.to_dict()} if not settings.schedule.is_empty else {}),
        **({"join": "approval"} if settings.join_approval else {}),
    }


def as_loaded(assessment: Assessment) -> None:
    """Make a private copy of an aggregate equal to what loading it back would give.

    The engine keeps the times it is given; the database gives them back in UTC
    (`storage.tables.UtcDateTime`). Every other column comes back as it went in. Only for the
    cache of committed assessments (`storage.tracking`), on a copy nobody else holds; a
    production clock already gives UTC, so this usually changes nothing.
    """
    assessment.created_at = _utc(assessment.created_at)
    assessment.completed_at = _utc(assessment.completed_at)
    assessment.paused_at = _utc(assessment.paused_at)
    assessment.starts_at = _utc(assessment.starts_at)
    for round_ in assessment.rounds:
        round_.opened_at = _utc(round_.opened_at)
        round_.revealed_at = _utc(round_.revealed_at)
        round_.closed_at = _utc(round_.closed_at)
        round_.closes_at = _utc(round_.closes_at)
        if round_.consensus is not None and round_.consensus.recorded_at.tzinfo is not timezone.utc:
            round_.consensus = replace(round_.consensus, recorded_at=_utc(round_.consensus.recorded_at))
        for voter, vote in round_.votes.items():
            if vote.cast_at.tzinfo is not timezone.utc:
                round_.votes[voter] = replace(vote, cast_at=_utc(vote.cast_at))


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is timezone.utc:
        return moment
    return moment.astimezone(timezone.utc)


# ------------------------------------------------------------------- rows -> domain


def settings_from_json(data: dict[str, Any]) -> Settings:
    # A setting added after a row was written takes today's default rather than failing to load.
    defaults = Settings()
    thresholds = data.get("thresholds") or {}
    return Settings(
        auto_reveal=data.get("auto_reveal", defaults.auto_reveal),
        auto_advance=data.get("auto_advance", defaults.auto_advance),
        # A row written before issue 17 also holds "min_consensus", which no longer decides anything.
        thresholds=Thresholds(
            max_spread=thresholds.get("max_spread", defaults.thresholds.max_spread),
            polarisation_share=thresholds.get("polarisation_share", defaults.thresholds.polarisation_share),
        ),
        schedule=ScheduleOverrides.from_dict(data.get("schedule")),
        join_approval=data.get("join") == "approval",
    )


def member_identity(row: MemberRow) -> Identity:
    return Identity(row.platform, row.workspace, row.user_id)


def assessment_from_rows(
    row: AssessmentRow,
    members: Iterable[MemberRow],
    rounds: Iterable[RoundRow],
    votes: Iterable[VoteRow],
) -> Assessment:
    """The aggregate as stored; `members`, `rounds` and `votes` come in the order to keep."""
    framework = _snapshot(row)
    identities: dict[int, Identity] = {}
    people: dict[Identity, Member] = {}
    for member_row in members:
        identity = member_identity(member_row)
        identities[member_row.id] = identity
        people[identity] = Member(identity, member_row.name, Role(member_row.role))
    votes_by_round: dict[int, dict[Identity, Vote]] = {}
    for vote_row in votes:
        voter = identities[vote_row.member_id]
        votes_by_round.setdefault(vote_row.round_id, {})[voter] = Vote(
            voter, vote_row.current, vote_row.ambition, vote_row.comment, vote_row.cast_at
        )
    return Assessment(
        id=row.id,
        title=row.title,
        conversation=Conversation(row.platform, row.workspace, row.channel_id),
        framework=framework,
        settings=settings_from_json(row.settings),
        created_at=row.created_at,
        members=people,
        rounds=[_round(r, votes_by_round.get(r.id, {})) for r in rounds],
        status=AssessmentStatus(row.status),
        completed_at=row.completed_at,
        focus_question_id=row.focus_question_id,
        paused_at=row.paused_at,
        starts_at=row.starts_at,
    )


def _round(row: RoundRow, votes: dict[Identity, Vote]) -> Round:
    proposal = None
    if row.proposal_current is not None and row.proposal_ambition is not None:
        proposal = Proposal(row.proposal_current, row.proposal_ambition)
    consensus = None
    if row.consensus_at is not None:
        consensus = Consensus(
            current=row.consensus_current,
            ambition=row.consensus_ambition,
            note=row.consensus_note or "",
            recorded_by=Identity(row.consensus_by_platform, row.consensus_by_workspace, row.consensus_by_user_id),
            recorded_at=row.consensus_at,
        )
    return Round(
        question_id=row.question_id,
        number=row.number,
        state=RoundState(row.state),
        opened_at=row.opened_at,
        votes=votes,
        revealed_at=row.revealed_at,
        closed_at=row.closed_at,
        closes_at=row.closes_at,
        measures=Measures.from_dict(row.measures) if row.measures is not None else None,
        proposal=proposal,
        consensus=consensus,
        skip_reason=row.skip_reason,
    )
