"""What a report says beyond its own assessment: the organisation, progress over time, peers.

`report_context` gathers, for one assessment, the `bot.report.ReportContext` every rendering of
the summary can use (the HTML, CSV, JSON and Markdown exports, and the channel summary), read
through the unit of work's `reports` (`storage.reports.ReportQueries`):

- the organisation's name and type: each from its `organisation` row (`organisation name ...`,
  `organisation type ...`) where set, otherwise from the ``organisation`` section of ``app.yaml``
  (the single-organisation install);
- progress: the organisation's latest earlier completed assessment on the same framework,
  compared theme by theme (`engine.progress`);
- comparison: opted-in organisations of the same type with a completed assessment on the same
  framework, as anonymous aggregates (`engine.comparison`), when ``comparison.enabled`` and the
  organisation has a type. Below ``comparison.min_peers`` peers it says only that there are too few.

Everything is read through `storage.reports.ReportQueries`, which never reads a vote.
"""

from __future__ import annotations

from datetime import datetime

from bot.config import Config, OrganisationConfig
from bot.report import ReportContext
from engine.assessment import Assessment
from engine.comparison import Comparison, compare
from engine.progress import ProgressReport, progress_since
from engine.scoring import score
from storage.reports import ReportQueries

_PLACEHOLDER_NAME = OrganisationConfig().name  # "Your organisation": not worth printing on a report


def report_context(queries: ReportQueries, assessment: Assessment, config: Config, *, now: datetime | None = None) -> ReportContext:
    """The context of a report on `assessment`, read through the caller's unit of work."""
    conversation = assessment.conversation
    organisation = queries.organisation(conversation.platform, conversation.workspace)
    configured = config.organisation.name if config.organisation.name != _PLACEHOLDER_NAME else None
    name = (organisation.name if organisation else None) or configured
    organisation_type = (organisation.type if organisation else None) or config.organisation.type
    card = score(assessment)
    progress: ProgressReport | None = None
    baseline = queries.baseline_for(assessment)
    if baseline is not None:
        progress = progress_since(card, baseline)
    comparison: Comparison | None = None
    if config.comparison.enabled and organisation_type:
        peers = queries.peer_scores(
            framework_id=assessment.framework.id,
            organisation_type=organisation_type,
            exclude=(conversation.platform, conversation.workspace),
        )
        comparison = compare(card, peers, organisation_type=organisation_type, min_peers=config.comparison.min_peers)
    return ReportContext(
        organisation=name,
        progress=progress,
        comparison=comparison,
        timezone=config.organisation.tzinfo,
        generated_at=now,
    )
