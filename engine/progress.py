"""Progress over time: what moved on each theme since the organisation's earlier assessment.

When the same organisation has completed an earlier assessment on the same framework, the summary
says, theme by theme, how the agreed current position and ambition have moved since then. Both
sides are the recorded consensus, scored the same way (`engine.scoring`), so the earlier figures
are the ones that team saw in its own summary.

Themes are matched by their id, so a later version of a framework that renames a theme still
lines up; a theme only one of the two assessments has is listed as new (or as no longer asked).
A change smaller than 0.05 shows as 0.0 at one decimal, so it counts as no change: a board paper
should not report a rise that its own table prints as nothing.

Pure: the caller finds the earlier assessment (`storage.reports`) and passes it in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import fmean

from engine.scoring import Scorecard, ThemeFigures

# Half of the last decimal shown: anything smaller prints as 0.0.
NO_CHANGE = 0.05


@dataclass(frozen=True)
class Baseline:
    """An earlier completed assessment of the same organisation, by its theme scores alone."""

    title: str
    completed_at: datetime
    framework_version: int
    themes: tuple[ThemeFigures, ...]

    @property
    def current(self) -> float | None:
        return _mean([t.current for t in self.themes])

    @property
    def ambition(self) -> float | None:
        return _mean([t.ambition for t in self.themes])


@dataclass(frozen=True)
class ThemeMovement:
    theme_id: str
    title: str
    before: ThemeFigures | None  # None: the theme was not in the earlier assessment
    now: ThemeFigures | None  # None: the theme is no longer in the framework

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
        if self.before.current is None and self.now.current is None:
            return "not scored"
        if self.before.current is None:
            return "not scored last time"
        if self.now.current is None:
            return "not scored this time"
        change = self.current_change
        if abs(change) < NO_CHANGE:
            return "no change"
        return "up" if change > 0 else "down"

    def words(self) -> str:
        """The movement of the current position as a board paper would put it."""
        direction = self.direction
        if direction in ("up", "down"):
            return f"{direction} {abs(self.current_change):.1f}, from {self.before.current:.1f} to {self.now.current:.1f}"
        if direction == "no change":
            return f"no change ({self.now.current:.1f})"
        return direction


@dataclass(frozen=True)
class ProgressReport:
    since: Baseline
    themes: tuple[ThemeMovement, ...]
    current: float | None  # the overall current position now

    @property
    def current_change(self) -> float | None:
        return _difference(self.since.current, self.current)

    @property
    def risen(self) -> tuple[ThemeMovement, ...]:
        """Themes whose current position rose, largest rise first."""
        up = [m for m in self.themes if m.direction == "up"]
        return tuple(sorted(up, key=lambda m: -m.current_change))

    @property
    def fallen(self) -> tuple[ThemeMovement, ...]:
        down = [m for m in self.themes if m.direction == "down"]
        return tuple(sorted(down, key=lambda m: m.current_change))

    def sentence(self) -> str:
        """One paragraph: overall, then the largest rise and fall."""
        parts = []
        before, now = self.since.current, self.current
        if before is not None and now is not None:
            change = now - before
            if abs(change) < NO_CHANGE:
                parts.append(f"The overall position is unchanged at {now:.1f}.")
            else:
                verb = "risen" if change > 0 else "fallen"
                parts.append(f"The overall position has {verb} from {before:.1f} to {now:.1f}.")
        if self.risen:
            parts.append("Up: " + "; ".join(f"{m.title} ({m.current_change:+.1f})" for m in self.risen) + ".")
        if self.fallen:
            parts.append("Down: " + "; ".join(f"{m.title} ({m.current_change:+.1f})" for m in self.fallen) + ".")
        if not self.risen and not self.fallen and before is not None:
            parts.append("No theme moved by 0.1 or more.")
        return " ".join(parts)


def progress_since(card: Scorecard, baseline: Baseline) -> ProgressReport:
    """Theme by theme, from the earlier assessment to this one (this framework's order first)."""
    now = {f.theme_id: f for f in card.figures()}
    before = {f.theme_id: f for f in baseline.themes}
    movements = [ThemeMovement(f.theme_id, f.title, before.get(f.theme_id), f) for f in now.values()]
    movements += [ThemeMovement(f.theme_id, f.title, f, None) for f in baseline.themes if f.theme_id not in now]
    return ProgressReport(since=baseline, themes=tuple(movements), current=card.current)


def _difference(before: float | None, now: float | None) -> float | None:
    if before is None or now is None:
        return None
    return now - before


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return fmean(present) if present else None
