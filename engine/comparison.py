"""Comparison with similar organisations, over anonymised aggregates only.

An organisation has a type (district, county, unitary, metropolitan borough, London borough...)
and may opt in to sharing. The summary can then say, theme by theme, where the organisation's
agreed current position stands among the opted-in peers of the same type that have completed an
assessment on the same framework: the peers' median and quartiles, and whether the organisation
is in their top quarter, middle half or bottom quarter.

The rules that keep any single organisation from being picked out:

- Each peer organisation counts once, with its latest completed assessment; the organisation
  looking is never its own peer.
- Nothing is shown unless at least `min_peers` peers have a completed assessment (the
  configured number, default 5, never fewer than `MIN_PEERS_FLOOR` = 3 whatever is configured).
  A theme is shown only when at least `min_peers` of them scored it. Below the threshold the
  comparison says only that there are fewer peers than needed, never how many.
- Only the lower quartile, median and upper quartile are shown, never a minimum, maximum, a
  list of values or which organisation gave which. Peers reach this module as bare numbers.

Quartiles are Hyndman and Fan (1996) type 7, the same as `engine.disagreement` and
``statistics.quantiles(method="inclusive")``. At the floor of three peers the three values could
be worked back from the quartiles (though not whose they are): that is why the default is five.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import quantiles

from engine.scoring import Scorecard

MIN_PEERS_FLOOR = 3
DEFAULT_MIN_PEERS = 5

TOP_QUARTER = "top quarter"
MIDDLE_HALF = "middle half"
BOTTOM_QUARTER = "bottom quarter"


def effective_min_peers(configured: int | None = None) -> int:
    """The threshold in force: the configured number, never below the floor of three."""
    if configured is None:
        return DEFAULT_MIN_PEERS
    return max(MIN_PEERS_FLOOR, int(configured))


@dataclass(frozen=True)
class PeerScores:
    """One peer organisation's latest completed assessment, reduced to theme scores, anonymous.

    `current` is (theme id, mean agreed current position) for the themes it scored.
    """

    current: tuple[tuple[str, float], ...]

    def of(self, theme_id: str) -> float | None:
        return dict(self.current).get(theme_id)


@dataclass(frozen=True)
class PeerTheme:
    theme_id: str
    title: str
    ours: float | None
    peers: int  # how many peers scored this theme
    lower_quartile: float
    median: float
    upper_quartile: float

    @property
    def position(self) -> str | None:
        """Top quarter, middle half or bottom quarter of the peers; None when we did not score it."""
        if self.ours is None:
            return None
        if self.ours > self.upper_quartile + 1e-9:
            return TOP_QUARTER
        if self.ours < self.lower_quartile - 1e-9:
            return BOTTOM_QUARTER
        return MIDDLE_HALF

    def words(self) -> str:
        position = self.position
        middle = f"peers' median {self.median:.1f}, middle half {self.lower_quartile:.1f} to {self.upper_quartile:.1f}"
        if position is None:
            return f"not scored by us ({middle})"
        return f"{self.ours:.1f}, in the {position} ({middle})"


@dataclass(frozen=True)
class Comparison:
    organisation_type: str
    min_peers: int
    peers: int | None  # how many peers, shown only when the threshold is met
    themes: tuple[PeerTheme, ...]

    @property
    def shown(self) -> bool:
        return bool(self.themes)

    def sentence(self) -> str:
        if not self.shown:
            return (
                f"Comparison with similar organisations ({self.organisation_type}) will appear once at least "
                f"{self.min_peers} of them have shared a completed assessment on this framework; "
                f"there are fewer so far, so nothing is shown, to keep every organisation's results private."
            )
        return (
            f"Compared with {self.peers} similar organisations ({self.organisation_type}) that have shared a "
            f"completed assessment on this framework: medians and quartiles only, no organisation is identified."
        )


def compare(
    card: Scorecard,
    peers: Sequence[PeerScores],
    *,
    organisation_type: str,
    min_peers: int | None = None,
) -> Comparison:
    """Where this assessment's theme scores stand among the peers', or nothing when they are too few."""
    threshold = effective_min_peers(min_peers)
    if len(peers) < threshold:
        return Comparison(organisation_type, threshold, None, ())
    themes = []
    for score in card.themes:
        values = sorted(v for v in (p.of(score.theme.id) for p in peers) if v is not None)
        if len(values) < threshold:
            continue
        lower, median, upper = quantiles(values, n=4, method="inclusive")
        themes.append(PeerTheme(score.theme.id, score.theme.title, score.current, len(values), lower, median, upper))
    return Comparison(organisation_type, threshold, len(peers) if themes else None, tuple(themes))
