"""What every rendering of the report starts from, worked out once.

`prepare` scores the assessment (`engine.scoring.score`: the consensus the super-user recorded,
nothing recomputed from votes) and picks its charts, giving the `Report` that `bot.report.markdown`
and `bot.report.html` render. `ReportContext` carries what the assessment itself does not know.
`default_renderer` is the one chart renderer a process shares, so each chart is drawn once.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo

from bot.charts import ChartRenderer
from engine.assessment import Assessment
from engine.comparison import Comparison
from engine.framework import Scale
from engine.language import ENGLISH, speaking_language
from engine.presenters import QuestionContributions, contested_charts, long_date, summary_charts
from engine.progress import ProgressReport
from engine.scoring import QuestionResult, Scorecard, score
from engine.views import Chart

_DEFAULT_RENDERER: ChartRenderer | None = None
_DEFAULT_LOCK = threading.Lock()


@dataclass(frozen=True)
class ReportContext:
    """What a report says beyond the assessment itself; every part is optional."""

    organisation: str | None = None
    progress: ProgressReport | None = None
    comparison: Comparison | None = None
    timezone: tzinfo | None = None  # dates are shown in it (default UTC)
    generated_at: datetime | None = None


@dataclass(frozen=True)
class ReportCharts:
    """The charts a report shows: the summary's, then one per most contested question."""

    summary: tuple[Chart, ...]
    contested: tuple[tuple[QuestionResult, Chart], ...]

    @property
    def all(self) -> tuple[Chart, ...]:
        return self.summary + tuple(chart for _, chart in self.contested)


@dataclass(frozen=True)
class Report:
    """Everything one rendering needs, worked out once."""

    assessment: Assessment
    card: Scorecard
    charts: ReportCharts
    context: ReportContext
    contributions: tuple[QuestionContributions, ...] | None
    language: str = ENGLISH  # the language it was prepared in: its framework's words, its charts'

    @property
    def scale(self) -> Scale:
        return self.assessment.framework.scale

    def date(self, moment: datetime) -> str:
        tz = self.context.timezone or timezone.utc
        local = moment.astimezone(tz) if moment.tzinfo else moment
        if self.language == ENGLISH:
            return long_date(local)
        from babel.dates import format_date

        return format_date(local, "d MMMM y", locale=self.language)  # CLDR's month names: 12 Mawrth 2025


def prepare(
    assessment: Assessment, context: ReportContext | None, contributions: Sequence[QuestionContributions] | None
) -> Report:
    """The report in the language speaking: the framework's words in it (English where a translation is missing)."""
    language = speaking_language()
    assessment = in_language(assessment, language)
    card = score(assessment)
    return Report(
        assessment=assessment,
        card=card,
        charts=_charts(assessment, card),
        context=context or ReportContext(),
        contributions=None if contributions is None else tuple(contributions),
        language=language,
    )


def in_language(assessment: Assessment, language: str) -> Assessment:
    """The assessment to read in `language`: the same answers, its framework's words translated.

    A copy for reading only (a report never changes an assessment); the snapshot stays the one stored.
    """
    framework = assessment.framework.in_language(language)
    if framework is assessment.framework:
        return assessment
    reading = copy.copy(assessment)
    reading.framework = framework
    return reading


def report_charts(assessment: Assessment) -> tuple[Chart, ...]:
    """Every chart a report of this assessment shows, in order."""
    card = score(assessment)
    return _charts(assessment, card).all


def _charts(assessment: Assessment, card: Scorecard) -> ReportCharts:
    summary = summary_charts(card) if card.current is not None else ()
    contested = tuple(zip(card.most_contested, contested_charts(assessment, card)))
    return ReportCharts(summary=tuple(summary), contested=contested)


def default_renderer() -> ChartRenderer:
    """One renderer shared by every report in this process, so each chart is drawn once."""
    global _DEFAULT_RENDERER
    with _DEFAULT_LOCK:
        if _DEFAULT_RENDERER is None:
            _DEFAULT_RENDERER = ChartRenderer()
        return _DEFAULT_RENDERER
