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
  When the install takes part in a sector benchmark (``benchmark.hub_url``), the peers are instead
  the aggregate last fetched from the hub (`bot.benchmark`), with the date fetched and how many
  councils it covers; until one has been fetched, the peers inside this database.

Everything is read through `storage.reports.ReportQueries`, which never reads a vote.
"""

from __future__ import annotations

from datetime import datetime

from bot.benchmark_file import BenchmarkError, read_answer
from bot.config import Config, OrganisationConfig
from bot.report import ReportContext
from engine.assessment import Assessment
from engine.comparison import Benchmark, Comparison, compare, compare_with, normal_type
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
    if config.comparison.enabled and organisation_type and config.benchmark.hub_url:
        comparison = _benchmark(queries, card, assessment, organisation_type, config)
    if config.comparison.enabled and organisation_type and comparison is None:
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


def _benchmark(queries: ReportQueries, card, assessment: Assessment, organisation_type: str, config: Config) -> Comparison | None:
    """Against the sector benchmark last fetched from the hub; None when none has been fetched."""
    kind = normal_type(organisation_type)
    fetched = queries.benchmark(assessment.framework.id, kind)
    if fetched is None:
        return None
    try:
        peers, first, last = read_answer(fetched.body)
    except BenchmarkError:
        return None
    source = Benchmark(fetched.fetched_at.astimezone(config.organisation.tzinfo).date(), first, last)
    return compare_with(card, peers, organisation_type=kind, benchmark=source)
