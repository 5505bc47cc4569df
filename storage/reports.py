"""Queries for reports: organisations, earlier assessments and peers, as aggregates only.

A report looks beyond its own assessment twice: at the organisation's earlier completed
assessment on the same framework (progress over time) and at similar organisations that opted in
to sharing (comparison). Both only ever need theme scores, so this module reads only what makes
them: the assessment row (which framework, when completed) and the recorded consensus of each
round. It never reads the `vote` or `member` tables, and what it returns for peers carries no id,
name, workspace or date: a list of anonymous theme scores, sorted so even their order says nothing.

Theme scores are worked out by `engine.scoring.figures_from_consensus` from each assessment's own
framework snapshot (one snapshot read per framework version), so they are the figures that
organisation saw in its own summary.

No table of its own: `organisation` (migration 0002) holds the type and the opt-in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import tuple_
from sqlmodel import Session, select

from engine.assessment import Assessment, AssessmentStatus
from engine.comparison import PeerScores, normal_type
from engine.progress import Baseline
from engine.scoring import ThemeFigures, figures_from_consensus
from storage.benchmark import BenchmarkStore, Fetched
from storage.tables import AssessmentRow, OrganisationRow, RoundRow


@dataclass(frozen=True)
class Organisation:
    platform: str
    workspace: str
    name: str | None  # None until someone says it: never an assessment's title
    type: str | None
    share_for_comparison: bool


@dataclass(frozen=True)
class AssessmentListing:
    """One line of `accord export --list`."""

    id: str
    title: str
    platform: str
    workspace: str
    channel_id: str
    framework_id: str
    status: AssessmentStatus
    created_at: datetime
    completed_at: datetime | None


def same_type(a: str | None, b: str | None) -> bool:
    """Organisation types match ignoring case and spacing: "London borough" is "london  Borough"."""
    return normal_type(a) is not None and normal_type(a) == normal_type(b)


class ReportQueries:
    def __init__(self, session: Session) -> None:
        self._session = session

    # ------------------------------------------------------------------ organisations

    def organisation(self, platform: str, workspace: str) -> Organisation | None:
        row = self._organisation_row(platform, workspace)
        return _organisation(row) if row else None

    def record_organisation(
        self,
        platform: str,
        workspace: str,
        *,
        name: str | None,
        type: str | None,
        share_for_comparison: bool,
        now: datetime,
    ) -> Organisation:
        """Create or update the organisation behind a workspace (the caller commits).

        The column is NOT NULL (migration 0002), so a name not given yet is stored as "".
        """
        row = self._organisation_row(platform, workspace) or OrganisationRow(
            platform=platform, workspace=workspace, name="", updated_at=now
        )
        row.name = " ".join(name.split()) if name else ""
        row.type = " ".join(type.split()) if type else None
        row.share_for_comparison = share_for_comparison
        row.updated_at = now
        self._session.add(row)
        self._session.flush()
        return _organisation(row)

    # ------------------------------------------------------------------ progress

    def baseline_for(self, assessment: Assessment) -> Baseline | None:
        """The organisation's latest completed assessment on the same framework, started before this one."""
        conversation = assessment.conversation
        row = self._session.exec(
            select(AssessmentRow.id, AssessmentRow.title, AssessmentRow.completed_at, AssessmentRow.framework_version)
            .where(
                AssessmentRow.platform == conversation.platform,
                AssessmentRow.workspace == conversation.workspace,
                AssessmentRow.framework_id == assessment.framework.id,
                AssessmentRow.status == AssessmentStatus.COMPLETED.value,
                AssessmentRow.created_at < assessment.created_at,
                AssessmentRow.id != assessment.id,
                AssessmentRow.completed_at.is_not(None),
            )
            .order_by(AssessmentRow.completed_at.desc(), AssessmentRow.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        figures = self._figures([row.id])[row.id]
        return Baseline(
            title=row.title,
            completed_at=row.completed_at,
            framework_version=row.framework_version,
            themes=figures,
            answers=self._answers([row.id])[row.id],
        )

    # ------------------------------------------------------------------ peers

    def peer_scores(self, *, framework_id: str, organisation_type: str, exclude: tuple[str, str]) -> list[PeerScores]:
        """Each opted-in organisation of the type (but `exclude`, the one asking): its latest
        completed assessment on the framework, as anonymous theme scores."""
        organisations = [
            (row.platform, row.workspace)
            for row in self._session.exec(select(OrganisationRow).where(OrganisationRow.share_for_comparison.is_(True)))
            if same_type(row.type, organisation_type) and (row.platform, row.workspace) != exclude
        ]
        if not organisations:
            return []
        latest: dict[tuple[str, str], tuple[datetime, str]] = {}
        for chunk in _chunks(organisations, 400):
            rows = self._session.exec(
                select(AssessmentRow.id, AssessmentRow.platform, AssessmentRow.workspace, AssessmentRow.completed_at).where(
                    tuple_(AssessmentRow.platform, AssessmentRow.workspace).in_(chunk),
                    AssessmentRow.framework_id == framework_id,
                    AssessmentRow.status == AssessmentStatus.COMPLETED.value,
                    AssessmentRow.completed_at.is_not(None),
                )
            )
            for row in rows:
                key = (row.platform, row.workspace)
                if key not in latest or (row.completed_at, row.id) > latest[key]:
                    latest[key] = (row.completed_at, row.id)
        figures = self._figures([assessment_id for _, assessment_id in latest.values()])
        peers = [
            PeerScores(tuple((f.theme_id, f.current) for f in themes if f.current is not None))
            for themes in figures.values()
        ]
        peers = [p for p in peers if p.current]
        return sorted(peers, key=lambda p: p.current)

    def benchmark(self, framework_id: str, organisation_type: str) -> Fetched | None:
        """The sector benchmark last fetched from the hub for this framework and type (`storage.benchmark`)."""
        return BenchmarkStore(self._session).fetched(framework_id, organisation_type)

    # ------------------------------------------------------------------ listing

    def list_assessments(self, platform: str | None = None, workspace: str | None = None) -> list[AssessmentListing]:
        statement = select(
            AssessmentRow.id,
            AssessmentRow.title,
            AssessmentRow.platform,
            AssessmentRow.workspace,
            AssessmentRow.channel_id,
            AssessmentRow.framework_id,
            AssessmentRow.status,
            AssessmentRow.created_at,
            AssessmentRow.completed_at,
        ).order_by(AssessmentRow.created_at.desc(), AssessmentRow.id.desc())
        if platform is not None:
            statement = statement.where(AssessmentRow.platform == platform)
        if workspace is not None:
            statement = statement.where(AssessmentRow.workspace == workspace)
        return [
            AssessmentListing(
                r.id, r.title, r.platform, r.workspace, r.channel_id, r.framework_id, AssessmentStatus(r.status), r.created_at, r.completed_at
            )
            for r in self._session.exec(statement)
        ]

    # ------------------------------------------------------------------ internals

    def _organisation_row(self, platform: str, workspace: str) -> OrganisationRow | None:
        return self._session.exec(
            select(OrganisationRow).where(OrganisationRow.platform == platform, OrganisationRow.workspace == workspace)
        ).first()

    def _figures(self, assessment_ids: list[str]) -> dict[str, tuple[ThemeFigures, ...]]:
        """Theme scores of each assessment, from its recorded consensus and its framework snapshot."""
        if not assessment_ids:
            return {}
        versions: dict[str, tuple[str, int]] = {}
        for chunk in _chunks(assessment_ids, 500):
            for row in self._session.exec(
                select(AssessmentRow.id, AssessmentRow.framework_id, AssessmentRow.framework_version).where(
                    AssessmentRow.id.in_(chunk)
                )
            ):
                versions[row.id] = (row.framework_id, row.framework_version)
        answers = self._answers(assessment_ids)
        themes_of = {version: self._themes(version, assessment_id) for assessment_id, version in _first_of_each(versions)}
        return {
            assessment_id: figures_from_consensus(themes_of[versions[assessment_id]], answers[assessment_id])
            for assessment_id in assessment_ids
            if assessment_id in versions
        }

    def _answers(self, assessment_ids: list[str]) -> dict[str, dict[str, tuple[int, int]]]:
        """Each assessment's recorded (current, ambition) by question: its latest finalised round's."""
        consensus: dict[str, dict[str, tuple[int, int, int]]] = {a: {} for a in assessment_ids}
        for chunk in _chunks(assessment_ids, 500):
            for row in self._session.exec(
                select(
                    RoundRow.assessment_id,
                    RoundRow.question_id,
                    RoundRow.number,
                    RoundRow.consensus_current,
                    RoundRow.consensus_ambition,
                ).where(RoundRow.assessment_id.in_(chunk), RoundRow.consensus_at.is_not(None))
            ):
                # A question's answer is that of its most recently finalised round.
                held = consensus[row.assessment_id].get(row.question_id)
                if held is None or row.number > held[0]:
                    consensus[row.assessment_id][row.question_id] = (row.number, row.consensus_current, row.consensus_ambition)
        return {
            assessment_id: {question: (current, ambition) for question, (_, current, ambition) in answers.items()}
            for assessment_id, answers in consensus.items()
        }

    def _themes(self, version: tuple[str, int], assessment_id: str) -> list[tuple[str, str, list[str]]]:
        """(theme id, title, question ids) from one snapshot of this framework version."""
        snapshot: dict[str, Any] = self._session.exec(
            select(AssessmentRow.framework_snapshot).where(AssessmentRow.id == assessment_id)
        ).one()
        return [
            (theme["id"], theme["title"], [question["id"] for question in theme["questions"]])
            for theme in snapshot.get("themes", [])
        ]


def _first_of_each(versions: dict[str, tuple[str, int]]) -> Iterable[tuple[str, tuple[str, int]]]:
    seen: set[tuple[str, int]] = set()
    for assessment_id, version in versions.items():
        if version not in seen:
            seen.add(version)
            yield assessment_id, version


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _organisation(row: OrganisationRow) -> Organisation:
    return Organisation(row.platform, row.workspace, row.name or None, row.type, row.share_for_comparison)
