"""Scoring: what the recorded consensus adds up to.

Every number here comes from the consensus the super-user recorded for each question (and
the measures frozen at that round's reveal), never from recomputing individual votes, so the
summary, the export and the digest always agree with what the team agreed.

Per theme: the mean consensus current position and ambition over the theme's finalised
questions, and the gap between them (ambition minus current).

Strengths and priorities: one rule
----------------------------------
Every figure is compared as it is shown (one decimal place), so two themes that print the same
are level, and a tie is named as a tie rather than broken by the order of the framework.

1. A theme is a *strength* candidate when its current position is above the organisation's
   overall position and its gap is no larger than the overall gap (the overall figures as the
   summary prints them: the mean of the scored themes, and ambition minus current). Every
   other scored theme with a gap above zero is a *priority* candidate. The two sets never
   overlap, so no theme is both; a theme the team rates highly but wants to move further than
   the organisation as a whole is a priority (the summary says so); a theme at or below the
   overall position (the least developed among them) is never a strength.
2. Strengths are the candidates with the highest current position; priorities the candidates
   with the largest gap, then the lowest current position. Each list keeps its first three
   (`TOP`) and every theme level with the third on what ranked it (a tie at the cut is kept,
   never dropped by the framework's order), so a theme tied for least developed with the same
   gap as a priority is a priority too.

When every theme is level, none is a strength: nothing stands out.

Each priority says where to start: the theme's agreed question with the largest gap, and the
framework's descriptor of that question's next level up ("To reach 3, Established: ..."), with the
resources for that level and that question (`next_steps`); no link is recommended twice.

How much the team disagreed is the mean of the Tastle-Wierman consensus measured on the current
position at each agreed question's reveal (before discussion): per theme over its questions, and
overall over every agreed question. `agreement_band` puts it in words: high (0.8 or more once
rounded to one decimal), moderate (0.6 or more) or low.

Plain-words readings (`ThemeScore.readings`), given only when at least two themes are scored and
the themes differ on the measure in question (as shown, one decimal):

- "strongest": the highest current position; "least developed": the lowest;
- "biggest ambition gap": the largest gap, when it is above zero;
- "most contested": the lowest agreement, when that is not high (below 0.8 once rounded).

Themes level on a measure share the reading, as "joint strongest" and so on.

`ThemeFigures` is the same per-theme arithmetic for an assessment known only by its recorded
consensus (an earlier assessment, a peer organisation's): `figures_from_consensus` gives exactly
what `score` gives for the same answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from statistics import fmean

from engine.assessment import Assessment, Consensus, Measures, RoundState
from engine.framework import Question, Resource, Scale, Theme
from engine.language import _

TOP = 3
RESOURCES_PER_PRIORITY = 3

# Differences smaller than this are floating-point noise when telling themes apart.
_TOLERANCE = 1e-9

STRONGEST = "strongest"
LEAST_DEVELOPED = "least developed"
BIGGEST_GAP = "biggest ambition gap"
MOST_CONTESTED = "most contested"


class QuestionStatus(str, Enum):
    AGREED = "agreed"
    SKIPPED = "skipped"
    IN_PROGRESS = "in progress"
    NOT_REACHED = "not reached"


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    theme: Theme
    status: QuestionStatus
    consensus: Consensus | None
    measures: Measures | None  # from the round whose consensus was recorded
    rounds: int

    @property
    def gap(self) -> int | None:
        return self.consensus.gap if self.consensus else None


@dataclass(frozen=True)
class ThemeScore:
    theme: Theme
    current: float | None
    ambition: float | None
    answered: int
    total: int
    agreement: float | None  # mean consensus measure over the answered questions' current votes
    readings: tuple[str, ...] = ()  # plain words: "strongest", "biggest ambition gap"...

    @property
    def gap(self) -> float | None:
        if self.current is None or self.ambition is None:
            return None
        return self.ambition - self.current

    @property
    def scored(self) -> bool:
        return self.current is not None

    @property
    def agreement_band(self) -> str | None:
        return agreement_band(self.agreement)


@dataclass(frozen=True)
class NextLevel:
    """Where a priority starts: one agreed question, and what its next level up looks like."""

    question: Question
    current: int  # the agreed current position
    level: int  # the next point of the scale, current + 1
    label: str  # the scale's name for it: "Established"
    descriptor: str  # the framework's descriptor of that level for this question

    def words(self) -> str:
        prompt = self.question.prompt.rstrip("?")
        return _(
            "Start with question {number} ({prompt}?), agreed at {current}. "
            "To reach {level}, {label}: {descriptor}"
        ).format(
            number=self.question.number,
            prompt=prompt,
            current=self.current,
            level=self.level,
            label=self.label,
            descriptor=self.descriptor,
        )


@dataclass(frozen=True)
class Priority:
    score: ThemeScore
    focus: QuestionResult | None  # the theme's question with the largest gap: where to start
    resources: tuple[Resource, ...]
    next_level: NextLevel | None = None  # the focus question's next level, when it has one

    @property
    def next_step(self) -> str:
        """The next level's descriptor for the focus question, in the framework's own words."""
        if self.next_level is not None:
            return self.next_level.words()
        score = self.score
        return _(
            "Agree a plan to move {theme} from {current} towards {ambition} within 18-24 months."
        ).format(
            theme=score.theme.title.lower(),
            current=f"{score.current:.1f}",
            ambition=f"{score.ambition:.1f}",
        )


@dataclass(frozen=True)
class Scorecard:
    title: str
    themes: tuple[ThemeScore, ...]
    questions: tuple[QuestionResult, ...]
    strengths: tuple[ThemeScore, ...]
    priorities: tuple[Priority, ...]
    most_contested: tuple[QuestionResult, ...]
    scale_min: int
    scale_max: int

    @property
    def current(self) -> float | None:
        return _mean([t.current for t in self.themes])

    @property
    def ambition(self) -> float | None:
        return _mean([t.ambition for t in self.themes])

    @property
    def gap(self) -> float | None:
        if self.current is None or self.ambition is None:
            return None
        return self.ambition - self.current

    @property
    def answered(self) -> int:
        return sum(1 for q in self.questions if q.status is QuestionStatus.AGREED)

    @property
    def agreement(self) -> float | None:
        """The mean consensus measure on the current position over every agreed question."""
        return _mean([q.measures.current.consensus for q in self.questions if q.consensus is not None and q.measures])

    @property
    def agreement_band(self) -> str | None:
        return agreement_band(self.agreement)

    def count(self, status: QuestionStatus) -> int:
        return sum(1 for q in self.questions if q.status is status)

    def theme(self, theme_id: str) -> ThemeScore:
        return next(t for t in self.themes if t.theme.id == theme_id)

    def with_reading(self, reading: str) -> tuple[ThemeScore, ...]:
        """The themes given a reading ("strongest"...), joint ones included, in framework order."""
        return tuple(t for t in self.themes if reading in t.readings or f"joint {reading}" in t.readings)

    def figures(self) -> tuple[ThemeFigures, ...]:
        return tuple(
            ThemeFigures(t.theme.id, t.theme.title, t.current, t.ambition, t.answered) for t in self.themes
        )


@dataclass(frozen=True)
class ThemeFigures:
    """A theme's scores without the rest of the assessment: what an earlier or a peer assessment gives."""

    theme_id: str
    title: str
    current: float | None
    ambition: float | None
    answered: int

    @property
    def gap(self) -> float | None:
        if self.current is None or self.ambition is None:
            return None
        return self.ambition - self.current


def figures_from_consensus(
    themes: Sequence[tuple[str, str, Sequence[str]]],
    consensus: Mapping[str, tuple[int, int]],
) -> tuple[ThemeFigures, ...]:
    """Theme scores from the recorded consensus alone, exactly as `score` computes them.

    `themes` is (theme id, title, question ids) in framework order; `consensus` maps each agreed
    question's id to its recorded (current, ambition). Questions not in a theme are ignored.
    """
    figures = []
    for theme_id, title, question_ids in themes:
        agreed = [consensus[q] for q in question_ids if q in consensus]
        figures.append(
            ThemeFigures(
                theme_id=theme_id,
                title=title,
                current=_mean([c for c, _ in agreed]),
                ambition=_mean([a for _, a in agreed]),
                answered=len(agreed),
            )
        )
    return tuple(figures)


def agreement_band(agreement: float | None) -> str | None:
    """A mean consensus measure in words, judged on the figure as shown (one decimal)."""
    if agreement is None:
        return None
    shown = round(agreement, 1)
    if shown >= 0.8:
        return "high"
    if shown >= 0.6:
        return "moderate"
    return "low"


def score(assessment: Assessment) -> Scorecard:
    framework = assessment.framework.in_speaking_language()
    questions = tuple(_question_result(assessment, theme, q) for theme in framework.themes for q in theme.questions)
    themes = _with_readings(
        tuple(_theme_score(theme, [r for r in questions if r.theme.id == theme.id]) for theme in framework.themes)
    )
    scored = [t for t in themes if t.scored]

    priorities = next_steps(_priority_scores(scored), questions, framework.scale)
    strengths = _strengths(scored)
    position = {question_id: index for index, question_id in enumerate(framework.question_ids)}
    contested = sorted(
        (q for q in questions if q.measures is not None and q.measures.current.consensus is not None),
        key=lambda q: (q.measures.current.consensus, position[q.question.id]),
    )
    most_contested = tuple(q for q in contested if q.measures.needs_discussion)[:TOP]
    return Scorecard(
        title=assessment.shown_title,
        themes=themes,
        questions=questions,
        strengths=strengths,
        priorities=priorities,
        most_contested=most_contested,
        scale_min=framework.scale.minimum,
        scale_max=framework.scale.maximum,
    )


def next_steps(themes: Sequence[ThemeScore], questions: Sequence[QuestionResult], scale: Scale) -> tuple[Priority, ...]:
    """A priority for each theme, in order: where to start, the next level up, and what helps.

    The start is the theme's agreed question with the largest gap (`_largest_gap`); the step is
    its next level's descriptor; the resources are that level's and that question's own (the
    theme's only when the question has none). A page already recommended for an earlier priority
    is not repeated, so a report never lists the same link twice.
    """
    given: set[str] = set()
    priorities = []
    for theme in themes:
        focus = _largest_gap([q for q in questions if q.theme.id == theme.theme.id])
        step = _next_level(focus, scale)
        if step is not None:
            offered = step.question.resources_for(step.level)
        else:
            offered = focus.question.resources if focus is not None else ()
        fresh = [r for r in (offered or theme.theme.resources) if r.url not in given]
        resources = recommend(fresh)
        given.update(r.url for r in resources)
        priorities.append(Priority(score=theme, focus=focus, resources=resources, next_level=step))
    return tuple(priorities)


def recommend(resources: Sequence[Resource], limit: int = RESOURCES_PER_PRIORITY) -> tuple[Resource, ...]:
    """Up to `limit` of `resources`, in their order but preferring different kinds (a case study, a tool...)."""
    picked: list[Resource] = []
    kinds: set[str] = set()
    for resource in resources:
        if resource.kind not in kinds and len(picked) < limit:
            picked.append(resource)
            kinds.add(resource.kind)
    for resource in resources:
        if resource not in picked and len(picked) < limit:
            picked.append(resource)
    return tuple(picked)


def _next_level(focus: QuestionResult | None, scale: Scale) -> NextLevel | None:
    if focus is None or focus.consensus is None or focus.consensus.current >= scale.maximum:
        return None
    level = focus.consensus.current + 1
    question = focus.question
    return NextLevel(question, focus.consensus.current, level, scale.label(level), question.descriptor(level))


def _question_result(assessment: Assessment, theme: Theme, question: Question) -> QuestionResult:
    rounds = assessment.rounds_of(question.id)
    finalised = assessment.finalised_round(question.id)
    latest = rounds[-1] if rounds else None
    if finalised is not None:
        status = QuestionStatus.AGREED
    elif latest is None:
        status = QuestionStatus.NOT_REACHED
    elif latest.state is RoundState.SKIPPED:
        status = QuestionStatus.SKIPPED
    else:
        status = QuestionStatus.IN_PROGRESS
    return QuestionResult(
        question=question,
        theme=theme,
        status=status,
        consensus=finalised.consensus if finalised else None,
        measures=finalised.measures if finalised else None,
        rounds=len(rounds),
    )


def _theme_score(theme: Theme, results: list[QuestionResult]) -> ThemeScore:
    agreed = [r for r in results if r.consensus is not None]
    agreement = [r.measures.current.consensus for r in agreed if r.measures and r.measures.current.consensus is not None]
    return ThemeScore(
        theme=theme,
        current=_mean([r.consensus.current for r in agreed]),
        ambition=_mean([r.consensus.ambition for r in agreed]),
        answered=len(agreed),
        total=len(results),
        agreement=_mean(agreement),
    )


def shown(value: float) -> str:
    """A figure as the summary and the report print it: one decimal place."""
    return f"{value:.1f}"


def _strength_candidates(scored: list[ThemeScore]) -> set[str]:
    """The ids of the themes that may be strengths: step 1 of the rule in the module docstring.

    Compared with the overall figures exactly as the summary prints them ("at 2.6 now ... a gap
    of 1.6"), so a reader can check the rule against the page.
    """
    if not scored:
        return set()
    current = _mean([t.current for t in scored])
    overall, overall_gap = float(shown(current)), float(shown(_mean([t.ambition for t in scored]) - current))
    return {
        t.theme.id
        for t in scored
        if float(shown(t.current)) > overall + _TOLERANCE and float(shown(t.gap)) <= overall_gap + _TOLERANCE
    }


def _strengths(scored: list[ThemeScore]) -> tuple[ThemeScore, ...]:
    """Step 2 of the rule in the module docstring, for strengths: the highest current positions."""
    candidates = [t for t in scored if t.theme.id in _strength_candidates(scored)]
    return _top(candidates, lambda t: (-float(shown(t.current)),))


def _priority_scores(scored: list[ThemeScore]) -> tuple[ThemeScore, ...]:
    """Step 2 of the rule in the module docstring, for priorities: the largest gaps, then the lowest now."""
    strengths = _strength_candidates(scored)
    candidates = [t for t in scored if t.theme.id not in strengths and float(shown(t.gap)) > 0]
    return _top(candidates, lambda t: (-float(shown(t.gap)), float(shown(t.current))))


def _top(themes: list[ThemeScore], rank) -> tuple[ThemeScore, ...]:
    """The first `TOP` by `rank` (framework order among equals), and every theme level with the last."""
    ordered = sorted(themes, key=lambda t: (rank(t), t.theme.number))
    if len(ordered) <= TOP:
        return tuple(ordered)
    cut = rank(ordered[TOP - 1])
    return tuple(t for t in ordered if rank(t) <= cut)


def ranks(themes: Sequence[ThemeScore], figures) -> tuple[tuple[int, bool], ...]:
    """Each theme's place in a list ranked by `figures` (a theme's shown figures), and whether it is joint.

    Themes with the same figures share a place ("1, 2, 2"), as a board paper numbers a tie.
    """
    keys = [figures(t) for t in themes]
    return tuple((keys.index(key) + 1, keys.count(key) > 1) for key in keys)


def _with_readings(themes: tuple[ThemeScore, ...]) -> tuple[ThemeScore, ...]:
    scored = [t for t in themes if t.scored]
    readings: dict[str, list[str]] = {t.theme.id: [] for t in themes}
    if len(scored) >= 2:
        _mark(readings, scored, lambda t: t.current, max, STRONGEST)
        _mark(readings, scored, lambda t: t.current, min, LEAST_DEVELOPED)
        _mark(readings, scored, lambda t: t.gap, max, BIGGEST_GAP, only_if=lambda v: v > 0)
        measured = [t for t in scored if t.agreement is not None]
        if len(measured) >= 2:
            # Only a theme whose agreement is not high anyway: "most contested" at 0.9 would mislead.
            _mark(readings, measured, lambda t: t.agreement, min, MOST_CONTESTED, only_if=lambda v: agreement_band(v) != "high")
    return tuple(replace(t, readings=tuple(readings[t.theme.id])) for t in themes)


def _mark(readings, themes, value, pick, word, only_if=lambda v: True) -> None:
    # Judged on the figures as shown, so two themes that print the same share the reading.
    values = [float(shown(value(t))) for t in themes]
    if max(values) == min(values):
        return  # every theme is level on this measure: no theme stands out
    best = pick(values)
    if not only_if(best):
        return
    chosen = [t for t, v in zip(themes, values) if v == best]
    for t in chosen:
        readings[t.theme.id].append(word if len(chosen) == 1 else f"joint {word}")


def _largest_gap(results: list[QuestionResult]) -> QuestionResult | None:
    agreed = [r for r in results if r.consensus is not None]
    if not agreed:
        return None
    return min(agreed, key=lambda r: (-r.consensus.gap, r.consensus.current, r.question.number))


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return fmean(present) if present else None
