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

The same aggregate serves two places: peers inside one database (`compare`), and the sector
benchmark hub, which gathers councils' signed submissions across installs (`bot.benchmark_hub`)
and serves only `aggregate(...)` of them, never a submission; a council's install then places
itself against the fetched aggregate (`compare_with`). The hub never goes below five
organisations (`HUB_MIN_ORGANISATIONS`), as a hub's answer is public to every contributor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from statistics import quantiles

from babel.dates import format_date

from engine.language import N_, _, babel_locale
from engine.scoring import Scorecard

MIN_PEERS_FLOOR = 3
DEFAULT_MIN_PEERS = 5
HUB_MIN_ORGANISATIONS = 5

#: The kinds of council a benchmark hub knows unless its configuration lists others.
COUNCIL_TYPES = ("district", "county", "unitary", "metropolitan borough", "london borough")

TOP_QUARTER = "top quarter"
MIDDLE_HALF = "middle half"
BOTTOM_QUARTER = "bottom quarter"
# Where a theme stands, as exported (the values above), and as a person reads it: translated where shown.
_POSITIONS = {TOP_QUARTER: N_("top quarter"), MIDDLE_HALF: N_("middle half"), BOTTOM_QUARTER: N_("bottom quarter")}
_IN_POSITION = {
    TOP_QUARTER: N_("{ours}, in the top quarter ({peers})"),
    MIDDLE_HALF: N_("{ours}, in the middle half ({peers})"),
    BOTTOM_QUARTER: N_("{ours}, in the bottom quarter ({peers})"),
}


def effective_min_peers(configured: int | None = None) -> int:
    """The threshold in force: the configured number, never below the floor of three."""
    if configured is None:
        return DEFAULT_MIN_PEERS
    return max(MIN_PEERS_FLOOR, int(configured))


def normal_type(kind: str | None) -> str | None:
    """An organisation type as compared: lower case, single spaces ("London  Borough" is "london borough")."""
    if kind is None:
        return None
    words = " ".join(kind.lower().split())
    return words or None


@dataclass(frozen=True)
class PeerScores:
    """One peer organisation's latest completed assessment, reduced to theme scores, anonymous.

    `current` is (theme id, mean agreed current position) for the themes it scored;
    `questions` is (question id, agreed current position) for the questions it agreed, when known.
    """

    current: tuple[tuple[str, float], ...]
    questions: tuple[tuple[str, float], ...] = ()

    def of(self, theme_id: str) -> float | None:
        return dict(self.current).get(theme_id)


@dataclass(frozen=True)
class Spread:
    """How a group of organisations scored one theme or question: how many, and the quartiles."""

    organisations: int
    lower_quartile: float
    median: float
    upper_quartile: float


@dataclass(frozen=True)
class Aggregate:
    """What may be said about a group of peers: per theme and per question, only figures at least
    `min_peers` of them gave. Empty `themes` and `questions` when the group is too small."""

    min_peers: int
    organisations: int | None  # None below the threshold: not even how many
    themes: Mapping[str, Spread]
    questions: Mapping[str, Spread]

    @property
    def shown(self) -> bool:
        return bool(self.themes or self.questions)


def spread(values: Sequence[float]) -> Spread:
    """The quartiles of at least two values (type 7, as everywhere in Accord)."""
    lower, median, upper = quantiles(sorted(values), n=4, method="inclusive")
    return Spread(len(values), lower, median, upper)


def aggregate(peers: Sequence[PeerScores], *, min_peers: int | None = None) -> Aggregate:
    """The one aggregate of peers' scores: medians and quartiles per theme and per question.

    Nothing at all below the threshold; a theme or question is left out when fewer than the
    threshold scored it. Only quartiles leave: never a value, a minimum or a maximum.
    """
    threshold = effective_min_peers(min_peers)
    if len(peers) < threshold:
        return Aggregate(threshold, None, {}, {})

    def by_key(pairs_of: Sequence[tuple[tuple[str, float], ...]]) -> dict[str, Spread]:
        values: dict[str, list[float]] = {}
        for pairs in pairs_of:
            for key, value in pairs:
                values.setdefault(key, []).append(float(value))
        return {key: spread(found) for key, found in values.items() if len(found) >= threshold}

    themes = by_key([p.current for p in peers])
    questions = by_key([p.questions for p in peers])
    shown = bool(themes or questions)
    return Aggregate(threshold, len(peers) if shown else None, themes, questions)


@dataclass(frozen=True)
class Benchmark:
    """Where a comparison's peers come from when it is a sector benchmark fetched from a hub."""

    fetched_on: date
    first: date | None = None  # the earliest and latest completion among the contributions
    last: date | None = None


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

    def position_words(self) -> str | None:
        """`position` in the language speaking."""
        return None if self.position is None else _(_POSITIONS[self.position])

    def words(self) -> str:
        middle = _("peers' median {median}, middle half {lower} to {upper}").format(
            median=f"{self.median:.1f}", lower=f"{self.lower_quartile:.1f}", upper=f"{self.upper_quartile:.1f}"
        )
        if self.position is None:
            return _("not scored by us ({peers})").format(peers=middle)
        # One sentence per position: Welsh's article before each ("y chwarter", "yr hanner") differs.
        return _(_IN_POSITION[self.position]).format(ours=f"{self.ours:.1f}", peers=middle)


@dataclass(frozen=True)
class Comparison:
    organisation_type: str
    min_peers: int
    peers: int | None  # how many peers, shown only when the threshold is met
    themes: tuple[PeerTheme, ...]
    benchmark: Benchmark | None = None  # set when the peers are a hub's benchmark across installs

    @property
    def shown(self) -> bool:
        return bool(self.themes)

    def sentence(self) -> str:
        if self.benchmark is not None:
            return self._benchmark_sentence()
        if not self.shown:
            return _(
                "Comparison with similar organisations ({type}) will appear once at least "
                "{min_peers} of them have shared a completed assessment on this framework; "
                "there are fewer so far, so nothing is shown, to keep every organisation's results private."
            ).format(type=self.organisation_type, min_peers=self.min_peers)
        return _(
            "Compared with {peers} similar organisations ({type}) that have shared a "
            "completed assessment on this framework: medians and quartiles only, no organisation is identified."
        ).format(peers=self.peers, type=self.organisation_type)


    def _benchmark_sentence(self) -> str:
        kind = _("{type} councils").format(type=self.organisation_type)
        of = _long_date(self.benchmark.fetched_on)
        if not self.shown:
            return _(
                "Comparison with {kind} across Accord installs (benchmark of {date}) will appear once at least "
                "{min_peers} of them have contributed to the sector benchmark; there are fewer so far, "
                "so the hub shows no figures, to keep every council's results private."
            ).format(kind=kind, date=of, min_peers=self.min_peers)
        first, last = self.benchmark.first, self.benchmark.last
        if first and last and first != last:
            contributed = _(", assessments completed {first} to {last}").format(
                first=_long_date(first), last=_long_date(last)
            )
        elif first and last:
            contributed = _(", assessments completed {date}").format(date=_long_date(first))
        else:
            contributed = ""
        return _(
            "Among {peers} {kind} (benchmark of {date}{contributed}): medians and the middle half only, "
            "our own submission included; no council is identified."
        ).format(peers=self.peers, kind=kind, date=of, contributed=contributed)


def compare(
    card: Scorecard,
    peers: Sequence[PeerScores],
    *,
    organisation_type: str,
    min_peers: int | None = None,
) -> Comparison:
    """Where this assessment's theme scores stand among the peers', or nothing when they are too few."""
    return compare_with(card, aggregate(peers, min_peers=min_peers), organisation_type=organisation_type)


def compare_with(
    card: Scorecard, peers: Aggregate, *, organisation_type: str, benchmark: Benchmark | None = None
) -> Comparison:
    """Where this assessment's theme scores stand against an aggregate (local peers' or a hub's)."""
    themes = tuple(
        PeerTheme(s.theme.id, s.theme.title, s.current, found.organisations, found.lower_quartile, found.median, found.upper_quartile)
        for s in card.themes
        if (found := peers.themes.get(s.theme.id)) is not None
    )
    return Comparison(organisation_type, peers.min_peers, peers.organisations if themes else None, themes, benchmark)


def _long_date(day: date) -> str:
    """2 December 2026 (2 Rhagfyr 2026): as a board paper writes a date, in the language speaking."""
    return format_date(day, "d MMMM y", locale=babel_locale())
