"""Progress over time: what moved since the organisation's earlier assessment, like for like.

When the same organisation has completed an earlier assessment on the same framework, the summary
says how the agreed current position and ambition have moved since then. Both sides are the
recorded consensus, scored the same way (`engine.scoring.figures_from_consensus`).

Like for like: only the questions agreed in BOTH assessments are compared, and the report says
how many ("On the 3 questions agreed in both, ..."). A theme's figure on each side is the mean
over those questions alone, and the overall figure the mean of those themes, so an earlier
assessment with five agreed questions and a later one with one compare that one question, never
five against one. With no question agreed in both, the report says so instead of a figure.
Questions are matched by id, and grouped into this assessment's themes on both sides, so a later
version of a framework that renames or regroups still lines up. A theme only one of the two
frameworks has is listed as new (or as no longer asked).

A change smaller than 0.05 shows as 0.0 at one decimal, so it counts as no change: a board paper
should not report a rise that its own table prints as nothing.

Pure: the caller finds the earlier assessment (`storage.reports`) and passes it in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from statistics import fmean

from engine.language import N_, _, ngettext
from engine.scoring import Scorecard, ThemeFigures, figures_from_consensus

# Half of the last decimal shown: anything smaller prints as 0.0.
NO_CHANGE = 0.05


@dataclass(frozen=True)
class Baseline:
    """An earlier completed assessment of the same organisation, by its recorded answers.

    `themes` are its theme scores as that team saw them (ids and titles of its framework);
    `answers` maps each question it agreed to the recorded (current, ambition), which is what the
    like-for-like comparison uses.
    """

    title: str
    completed_at: datetime
    framework_version: int
    themes: tuple[ThemeFigures, ...]
    answers: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, card: Scorecard, completed_at: datetime, framework_version: int) -> Baseline:
        """The baseline an assessment's own scorecard gives (for tests and callers that hold one)."""
        return cls(card.title, completed_at, framework_version, card.figures(), agreed_answers(card))


# ThemeMovement.direction's values, marked here and translated where shown.
_DIRECTIONS = {
    "up": N_("up"),
    "down": N_("down"),
    "no change": N_("no change"),
    "no longer assessed": N_("no longer assessed"),
    "new theme": N_("new theme"),
    "no question agreed in both": N_("no question agreed in both"),
}


@dataclass(frozen=True)
class ThemeMovement:
    theme_id: str
    title: str
    before: ThemeFigures | None  # None: the theme was not in the earlier assessment
    now: ThemeFigures | None  # None: the theme is no longer in the framework
    compared: int = 0  # how many of the theme's questions were agreed in both

    @property
    def current_change(self) -> float | None:
        return _difference(self.before and self.before.current, self.now and self.now.current)

    @property
    def ambition_change(self) -> float | None:
        return _difference(self.before and self.before.ambition, self.now and self.now.ambition)

    @property
    def direction(self) -> str:
        """"up", "down", "no change", or why there is nothing to compare."""
        if self.now is None:
            return "no longer assessed"
        if self.before is None:
            return "new theme"
        if not self.compared:
            return "no question agreed in both"
        change = self.current_change
        if abs(change) < NO_CHANGE:
            return "no change"
        return "up" if change > 0 else "down"

    def words(self) -> str:
        """The movement of the current position as a board paper would put it."""
        direction = self.direction
        if direction in ("up", "down"):
            template = _("up {change}, from {before} to {now}") if direction == "up" else _(
                "down {change}, from {before} to {now}"
            )
            return template.format(
                change=f"{abs(self.current_change):.1f}",
                before=f"{self.before.current:.1f}",
                now=f"{self.now.current:.1f}",
            )
        if direction == "no change":
            return _("no change ({now})").format(now=f"{self.now.current:.1f}")
        return self.direction_words()

    def direction_words(self) -> str:
        """`direction` in the language speaking."""
        return _(_DIRECTIONS[self.direction])


@dataclass(frozen=True)
class ProgressReport:
    since: Baseline
    themes: tuple[ThemeMovement, ...]
    compared: int  # questions agreed in both assessments
    before: float | None  # the overall current position then, over those questions
    current: float | None  # the overall current position now, over the same questions

    @property
    def current_change(self) -> float | None:
        return _difference(self.before, self.current)

    @property
    def risen(self) -> tuple[ThemeMovement, ...]:
        """Themes whose current position rose, largest rise first."""
        up = [m for m in self.themes if m.direction == "up"]
        return tuple(sorted(up, key=lambda m: -m.current_change))

    @property
    def fallen(self) -> tuple[ThemeMovement, ...]:
        down = [m for m in self.themes if m.direction == "down"]
        return tuple(sorted(down, key=lambda m: m.current_change))

    def basis(self) -> str:
        """What the comparison rests on: "On the 3 questions agreed in both"."""
        if self.compared == 0:
            return _("No question was agreed in both assessments")
        return ngettext(
            "On the {count} question agreed in both", "On the {count} questions agreed in both", self.compared
        ).format(count=self.compared)

    def sentence(self) -> str:
        """One paragraph: what it rests on, overall, then the rises and falls."""
        if self.compared == 0:
            return _("No question was agreed in both assessments, so there is nothing to compare like for like.")
        before, now = self.before, self.current
        change = now - before
        figures = {"count": self.compared, "before": f"{before:.1f}", "now": f"{now:.1f}"}
        # Whole sentences, one per case, so a translation can order its words as its grammar needs.
        if abs(change) < NO_CHANGE:
            overall = ngettext(
                "On the {count} question agreed in both, the overall position is unchanged at {now}.",
                "On the {count} questions agreed in both, the overall position is unchanged at {now}.",
                self.compared,
            )
        elif change > 0:
            overall = ngettext(
                "On the {count} question agreed in both, the overall position has risen from {before} to {now}.",
                "On the {count} questions agreed in both, the overall position has risen from {before} to {now}.",
                self.compared,
            )
        else:
            overall = ngettext(
                "On the {count} question agreed in both, the overall position has fallen from {before} to {now}.",
                "On the {count} questions agreed in both, the overall position has fallen from {before} to {now}.",
                self.compared,
            )
        parts = [overall.format(**figures)]
        if self.risen:
            parts.append(_("Up: {themes}.").format(themes=_movements(self.risen)))
        if self.fallen:
            parts.append(_("Down: {themes}.").format(themes=_movements(self.fallen)))
        if not self.risen and not self.fallen:
            parts.append(_("No theme moved by 0.1 or more."))
        return " ".join(parts)


def _movements(themes: tuple[ThemeMovement, ...]) -> str:
    return "; ".join(f"{m.title} ({m.current_change:+.1f})" for m in themes)


def agreed_answers(card: Scorecard) -> dict[str, tuple[int, int]]:
    """Each agreed question's recorded (current, ambition), by question id."""
    return {
        q.question.id: (q.consensus.current, q.consensus.ambition) for q in card.questions if q.consensus is not None
    }


def progress_since(card: Scorecard, baseline: Baseline) -> ProgressReport:
    """Theme by theme, over the questions agreed in both (this framework's order first)."""
    now_answers = agreed_answers(card)
    common = [qid for qid in now_answers if qid in baseline.answers]
    layout = tuple(
        (t.theme.id, t.theme.title, [q.question.id for q in card.questions if q.theme.id == t.theme.id and q.question.id in common])
        for t in card.themes
    )
    now = figures_from_consensus(layout, now_answers)
    then = figures_from_consensus(layout, {qid: baseline.answers[qid] for qid in common})
    earlier_ids = {f.theme_id for f in baseline.themes}
    movements = [
        ThemeMovement(n.theme_id, n.title, b if n.theme_id in earlier_ids else None, n, compared=n.answered)
        for n, b in zip(now, then)
    ]
    current_ids = {t.theme.id for t in card.themes}
    movements += [ThemeMovement(f.theme_id, f.title, f, None) for f in baseline.themes if f.theme_id not in current_ids]
    return ProgressReport(
        since=baseline,
        themes=tuple(movements),
        compared=len(common),
        before=_mean([b.current for b in then]),
        current=_mean([n.current for n in now]),
    )


def _difference(before: float | None, now: float | None) -> float | None:
    if before is None or now is None:
        return None
    return now - before


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return fmean(present) if present else None
