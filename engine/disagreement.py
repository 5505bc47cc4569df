"""How far apart a team's ratings are, and whether that is worth a conversation.

When a round is revealed, the team sees the anonymous spread of its votes on an ordinal maturity
scale (1-5 by default). This module turns the ratings of one round into a `Disagreement`: the
distribution, a few published measures of agreement, a polarisation flag and a plain-English
verdict saying whether the team should talk before recording its answer.

Everything here is a pure function of the ratings, the scale and the `Thresholds` (which come
from ``app.yaml``). No I/O, no clock, nothing outside the standard library.

Measures and their sources
--------------------------
- Consensus, Tastle, W. J. & Wierman, M. J. (2007) "Consensus and dissention: A measure of
  ordinal dispersion", International Journal of Approximate Reasoning 45(3), 531-545.
  A number from 0 (the team split equally between the two ends of the scale) to 1 (everyone
  gave the same rating). See `_consensus`.
- rwg, James, L. R., Demaree, R. G. & Wolf, G. (1984) "Estimating within-group interrater
  reliability with and without response bias", Journal of Applied Psychology 69(1), 85-98.
  Observed sample variance compared with the variance of random (uniform) answering, truncated
  at 0 as recommended by LeBreton, J. M. & Senter, J. L. (2008) "Answers to 20 questions about
  interrater reliability and interrater agreement", Organizational Research Methods 11(4),
  815-852. See `_rwg`.
- IQR, Q3 - Q1 by linear interpolation between order statistics: Hyndman, R. J. & Fan, Y. (1996)
  "Sample quantiles in statistical packages", The American Statistician 50(4), 361-365, type 7
  (the same as ``statistics.quantiles(method="inclusive")`` and numpy's default). See `_iqr`.
- Average deviation from the median (AD), Burke, M. J., Finkelstein, L. M. & Dusig, M. S. (1999)
  "On average deviation indices for estimating interrater agreement", Organizational Research
  Methods 2(1), 49-68: the mean distance, in points of the scale, of each rating from the
  median rating. See `_deviation`.
- Spread (highest minus lowest rating), mean and median are the everyday definitions.

When a round needs discussion (the flag)
----------------------------------------
A round needs discussion when any of these holds:

1. the team has split into two camps at opposite ends of the scale (`_is_polarised`; always);
2. two ratings are more than ``Thresholds.max_spread`` points apart;
3. the ratings sit, on average, more than c/6 points from the median, where c is the number of
   points on the scale (0.83 on 1-5). This is the published cut-off for acceptable agreement on
   the AD index (Burke, M. J. & Dunlap, W. P. (2002) "Estimating interrater agreement with the
   average deviation index: A user's guide", Organizational Research Methods 5(2), 159-172),
   which LeBreton & Senter (2008) recommend beside rwg.

Why this rule and not "consensus below 0.70": the flag should mean the same in a team of 4 as in
a team of 15. For a team whose votes fall evenly on a value and the points either side of it
(2, 3, 4), the old rule (Tastle-Wierman consensus below 0.70, spread above 2, or two camps)
flagged 47% of questions with 4 voters, 21% with 5 and 23% with 6, 40% with 7: the share
depended on the team's size, not on its views. Such votes sit right on the line of the common
conventions: their rwg is 0.67 against the 0.70 convention (James, Demaree & Wolf 1984;
LeBreton & Senter 2008), and their IQR jumps between 0.5 and 2 with a single vote, against Delphi's
"IQR of 1 or less is consensus" on a 5-point scale (von der Gracht, H. A. (2012) "Consensus
measurement in Delphi studies", Technological Forecasting and Social Change 79(8), 1525-1536).
Neither can give a steady flag: "rwg below 0.70" flags between 56% and 71% of such teams
depending on their size, "IQR above 1" between 21% and 61%. The AD cut-off puts votes one
point either side of a value clearly inside agreement (their AD is 0.67 against 0.83), so such
a team is flagged only when its votes happen to pile up at both ends: between 0% and 12.2% of
questions for every team size from 4 to 15. rwg, IQR and Tastle-Wierman consensus are still
measured and shown; they no longer decide the flag. The table is in docs/reports.md and
tests/unit/test_flag_steadiness.py works it out exactly.

Fewer than two ratings
----------------------
Agreement needs at least two people, so:

- no ratings: every statistic is None, the distribution is all zeros, verdict TOO_FEW;
- one rating: mean and median are that rating, spread 0, IQR 0.0 and deviation 0.0, consensus
  and rwg None (agreement is undefined for one person), verdict TOO_FEW.

Neither case is polarised or needs discussion.
"""

from __future__ import annotations

import enum
import math
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Self

from engine.errors import RatingOffScale
from engine.language import N_, _

# Differences smaller than this are floating-point noise: a deviation that is "above" its limit
# by less than this counts as equal to it (so exactly at the limit is not above).
_TOLERANCE = 1e-9


# Why a verdict is what it is, by kind. A reason is stored as its kind and figures and worded
# when it is shown, in the language of the person reading it (issue 19).
_REASON_WORDS: Mapping[str, str] = {
    "one_vote": N_("only one vote so far; agreement needs at least two"),
    "no_votes": N_("no votes yet; agreement needs at least two"),
    "unanimous": N_("everyone rated it {rating}"),
    "span": N_("views span {lowest} to {highest}"),
    "deviation_within": N_("on average {deviation} points from the median, within the {limit} limit"),
    "split": N_("the team is split: {lower} at {lower_camp} and {upper} at {upper_camp}"),
    "wide": N_("views span {lowest} to {highest}, more than {max_spread} apart"),
    "deviation_above": N_("on average {deviation} points from the median, above the {limit} limit"),
}


def _pattern(words: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", re.escape(words)) + "$")


# The longest wording first, so "views span 2 to 5, more than 2 apart" is not read as a span.
_REASON_PATTERNS = {
    kind: _pattern(words)
    for kind, words in sorted(_REASON_WORDS.items(), key=lambda item: -len(item[1]))
}


class Reason(str):
    """One reason for a verdict: its kind and figures, which `worded` puts in the reader's language.

    As a string it is the English wording, as before issue 19, so logs and older readers of
    stored measures see what they always saw.
    """

    kind: str
    figures: Mapping[str, str]

    def __new__(cls, kind: str, **figures: object) -> Self:
        shown = {name: str(value) for name, value in figures.items()}
        words = shown["text"] if kind == "text" else _REASON_WORDS[kind].format(**shown)
        reason = super().__new__(cls, words)
        reason.kind = kind
        reason.figures = shown
        return reason

    def __reduce__(self) -> tuple[Any, ...]:
        # copy and pickle rebuild a reason from its kind and figures, not from its English words
        return (Reason.from_dict, (self.to_dict(),))

    def worded(self) -> str:
        if self.kind == "text":
            return self.figures["text"]
        return _(_REASON_WORDS[self.kind]).format(**self.figures)

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, **self.figures}

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> Reason:
        figures = {name: value for name, value in data.items() if name != "kind"}
        if data.get("kind") not in _REASON_WORDS:
            return cls("text", text=str(data))
        return cls(data["kind"], **figures)

    @classmethod
    def from_words(cls, words: str) -> Reason:
        """A reason stored in English before issue 19; words that match no kind are kept as they are."""
        for kind, pattern in _REASON_PATTERNS.items():
            match = pattern.match(words)
            if match:
                return cls(kind, **match.groupdict())
        return cls("text", text=words)


def reason_in_words(reason: str) -> str:
    """A verdict's reason in the language speaking (a plain string is shown as it is)."""
    return reason.worded() if isinstance(reason, Reason) else reason


class Verdict(str, enum.Enum):
    """What the team should do with a revealed round."""

    AGREED = "agreed"  # broad agreement
    SPREAD = "spread"  # views spread out: needs discussion
    POLARISED = "polarised"  # two camps at opposite ends: needs discussion
    TOO_FEW = "too few votes"  # fewer than two ratings: nothing to measure


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Thresholds:
    """What a team may set about the flag (configured in ``app.yaml``).

    - ``max_spread``: a spread (highest minus lowest rating) above this needs discussion.
    - ``polarisation_share``: to count as polarised, each end camp must hold at least this share
      of the ratings (more than 0, at most 0.5).

    The third trigger, an average deviation from the median above c/6 of a point, is the
    published convention (see the module docstring) and follows the scale, so it is not a setting.
    """

    max_spread: int = 2
    polarisation_share: float = 0.25

    def __post_init__(self) -> None:
        if not (_is_whole(self.max_spread) and self.max_spread >= 0):
            raise ValueError(
                f"max_spread must be a whole number of 0 or more, got {self.max_spread!r}"
            )
        if not (_is_number(self.polarisation_share) and 0 < self.polarisation_share <= 0.5):
            raise ValueError(
                "polarisation_share must be a number above 0 and at most 0.5, "
                f"got {self.polarisation_share!r}"
            )


def deviation_limit(scale_min: int, scale_max: int) -> float:
    """Burke & Dunlap's (2002) cut-off for the AD index: c/6, c the number of points on the scale."""
    return (scale_max - scale_min + 1) / 6


# --- camps ---------------------------------------------------------------------------------


def _camp_limits(scale_min: int, scale_max: int) -> tuple[int, int]:
    """The top level of the lower camp and the bottom level of the upper camp.

    The lower camp is the ratings <= scale_min + d/3 and the upper camp the ratings
    >= scale_max - d/3, where d = scale_max - scale_min. Ratings are whole numbers, so that is
    d // 3 levels in from each end: on 1-5 the camps are {1, 2} and {4, 5} with {3} between;
    on 1-7, {1, 2, 3} and {5, 6, 7}; on 1-3, {1} and {3}.
    """
    reach = (scale_max - scale_min) // 3
    return scale_min + reach, scale_max - reach


def _camp_label(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"


def _camp_counts(
    distribution: Sequence[int], scale_min: int, scale_max: int
) -> tuple[int, int, int]:
    """How many ratings fall in the lower camp, the middle and the upper camp."""
    lower_top, upper_bottom = _camp_limits(scale_min, scale_max)
    lower = middle = upper = 0
    for level, count in enumerate(distribution, start=scale_min):
        if level <= lower_top:
            lower += count
        elif level >= upper_bottom:
            upper += count
        else:
            middle += count
    return lower, middle, upper


def _is_polarised(
    distribution: Sequence[int], scale_min: int, scale_max: int, share: float
) -> bool:
    """Whether the team has split into two camps at opposite ends of the scale.

    Polarised when there are at least two ratings and
    - each camp (see `_camp_limits`) holds at least ``share`` of them and at least two people:
      one person is a lone dissenter, not a camp, however small the team;
    - the middle holds fewer than half as many as the smaller camp, so an even spread over the
      whole scale (1, 2, 3, 4, 5) reads as "spread", not as two camps;
    - the camps stand at least half the scale apart (closest members), so on a short scale two
      neighbouring ratings such as 2 and 3 on 1-4 are not called a split.
    """
    n = sum(distribution)
    if n < 2:
        return False
    lower, middle, upper = _camp_counts(distribution, scale_min, scale_max)
    if min(lower, upper) < 2:
        return False
    if not (lower / n >= share and upper / n >= share and 2 * middle < min(lower, upper)):
        return False
    levels = [level for level, count in enumerate(distribution, start=scale_min) if count]
    lower_top, upper_bottom = _camp_limits(scale_min, scale_max)
    closest_low = max(level for level in levels if level <= lower_top)
    closest_high = min(level for level in levels if level >= upper_bottom)
    return 2 * (closest_high - closest_low) >= scale_max - scale_min


# --- measures ------------------------------------------------------------------------------


def _consensus(distribution: Sequence[int], scale_min: int, scale_max: int) -> float:
    """Tastle & Wierman (2007) consensus of at least one rating.

        Cns(X) = 1 + sum_i p_i * log2(1 - |X_i - mu| / d_X)

    summing over the scale's levels X_i with p_i > 0, where p_i is the share of ratings at X_i,
    mu = sum_i p_i * X_i is the mean rating and d_X = scale_max - scale_min is the width of the
    scale. 1 when everyone gives the same rating; 0 when the ratings are split equally between
    the two ends. The log argument is never 0: a level at distance d_X from the mean would need
    every rating at the opposite end, where p_i = 0. The result is clamped into [0, 1] to absorb
    floating-point excursions.
    """
    n = sum(distribution)
    levels = [(level, count / n) for level, count in enumerate(distribution, start=scale_min)]
    mu = sum(level * count for level, count in enumerate(distribution, start=scale_min)) / n
    width = scale_max - scale_min
    total = math.fsum(
        p * math.log2(1 - abs(level - mu) / width) for level, p in levels if p > 0
    )
    return min(1.0, max(0.0, 1 + total))


def _rwg(ratings: Sequence[int], scale_min: int, scale_max: int) -> float:
    """James, Demaree & Wolf (1984) single-item within-group agreement, of two or more ratings.

        rwg = 1 - s2_x / sigma2_EU,    sigma2_EU = (A**2 - 1) / 12

    where s2_x is the observed SAMPLE variance (denominator n - 1, ``statistics.variance``) and
    sigma2_EU is the variance of the uniform ("rectangular") null distribution, that is of
    random answering, over the A = scale_max - scale_min + 1 options (2 on a 1-5 scale).

    When the ratings vary more than random answering would (s2_x > sigma2_EU), the formula goes
    negative; following common practice (LeBreton & Senter 2008) the value is truncated to 0,
    meaning "no agreement". It is 1 when everyone gives the same rating.
    """
    options = scale_max - scale_min + 1
    null_variance = (options**2 - 1) / 12
    return max(0.0, 1 - statistics.variance(ratings) / null_variance)


def _iqr(ratings: Sequence[int]) -> float:
    """Interquartile range Q3 - Q1 by Hyndman & Fan (1996) type 7.

    For sorted ratings x_1 <= ... <= x_n, the quantile at probability q sits at position
    h = (n - 1) * q + 1 and is x_floor(h) + (h - floor(h)) * (x_floor(h)+1 - x_floor(h)),
    interpolating linearly between neighbouring order statistics. The same as
    ``statistics.quantiles(data, n=4, method="inclusive")`` and numpy's default. 0.0 for one
    rating.
    """
    ordered = sorted(ratings)
    return _quantile(ordered, 0.75) - _quantile(ordered, 0.25)


def _deviation(ratings: Sequence[int]) -> float:
    """Burke, Finkelstein & Dusig (1999) average deviation from the median, AD_Md.

        AD = sum_i |x_i - Md| / n

    in points of the scale, where Md is the median rating (the mean of the middle two for an
    even number). 0 when everyone gives the same rating.
    """
    middle = statistics.median(ratings)
    return math.fsum(abs(rating - middle) for rating in ratings) / len(ratings)


def _quantile(ordered: Sequence[int], q: float) -> float:
    position = (len(ordered) - 1) * q  # zero-based form of h - 1
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    fraction = position - below
    return ordered[below] + fraction * (ordered[above] - ordered[below])


# --- the result ----------------------------------------------------------------------------


def _rates(count: int) -> str:
    return f"{count} rates it" if count == 1 else f"{count} rate it"


def _above(value: float, limit: float) -> bool:
    return value > limit + _TOLERANCE


def _format_pair(value: float, limit: float) -> tuple[str, str]:
    """Two decimals, or more when two decimals would make different numbers look equal."""
    for places in (2, 3, 4):
        shown, shown_limit = f"{value:.{places}f}", f"{limit:.{places}f}"
        if shown != shown_limit or abs(value - limit) <= _TOLERANCE:
            break
    return shown, shown_limit


@dataclass(frozen=True)
class Disagreement:
    """The agreement of one round's ratings and what the team should do about it.

    ``distribution`` counts the ratings at each level from ``scale_min`` to ``scale_max``.
    ``reasons`` explain the verdict in words a leadership team would use: for a round that needs
    discussion, each thing that triggered it; for an agreed round, why it counts as agreed; for
    too few votes, how many there are. See the module docstring for the measures and for what
    happens with fewer than two ratings.
    """

    n: int
    scale_min: int
    scale_max: int
    distribution: tuple[int, ...]
    mean: float | None
    median: float | None
    consensus: float | None
    rwg: float | None
    iqr: float | None
    spread: int | None
    deviation: float | None  # average distance from the median, in points (AD_Md)
    polarised: bool
    needs_discussion: bool
    verdict: Verdict
    reasons: tuple[str, ...]  # each a Reason when measured here

    def _lowest_and_highest(self) -> tuple[int, int]:
        levels = [
            level
            for level, count in enumerate(self.distribution, start=self.scale_min)
            if count
        ]
        return levels[0], levels[-1]

    def _camps_in_words(self) -> str:
        lower, middle, upper = _camp_counts(self.distribution, self.scale_min, self.scale_max)
        lower_top, upper_bottom = _camp_limits(self.scale_min, self.scale_max)
        words = (
            f"{_rates(lower)} {_camp_label(self.scale_min, lower_top)}, "
            f"{_rates(upper)} {_camp_label(upper_bottom, self.scale_max)}"
        )
        return f"{words}, {middle} in between" if middle else words

    @property
    def deviation_limit(self) -> float:
        return deviation_limit(self.scale_min, self.scale_max)

    def figures(self) -> str:
        """The figures the verdict rests on, in words: the camps, or the span and the deviation."""
        if self.verdict is Verdict.TOO_FEW:
            return "one vote" if self.n == 1 else "no votes"
        if self.polarised:
            return f"split, {self._camps_in_words()}"
        lowest, highest = self._lowest_and_highest()
        if lowest == highest:
            return f"every vote {lowest}"
        return f"votes {lowest} to {highest}, on average {_points(self.deviation)} from the median"

    def summary(self) -> str:
        """One plain-English sentence for the channel, with the figures it rests on."""
        if self.verdict is Verdict.TOO_FEW:
            if self.n == 0:
                return "No votes yet: too few to measure agreement."
            return "Only one vote so far: too few to measure agreement."
        if self.verdict is Verdict.POLARISED:
            return f"Split into two camps: {self._camps_in_words()}. Worth discussing."
        lowest, highest = self._lowest_and_highest()
        if self.verdict is Verdict.SPREAD:
            return f"Views are spread out ({self.figures()}). Worth discussing."
        if lowest == highest:
            return f"Full agreement: all {self.n} rate it {lowest}."
        return f"Broad agreement ({self.figures()})."

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict; `from_dict` turns it back into an equal `Disagreement`."""
        return {
            "n": self.n,
            "scale_min": self.scale_min,
            "scale_max": self.scale_max,
            "distribution": list(self.distribution),
            "mean": self.mean,
            "median": self.median,
            "consensus": self.consensus,
            "rwg": self.rwg,
            "iqr": self.iqr,
            "spread": self.spread,
            "deviation": self.deviation,
            "polarised": self.polarised,
            "needs_discussion": self.needs_discussion,
            "verdict": self.verdict.value,
            "reasons": list(self.reasons),  # in English, as read before issue 19
            "reason_figures": [_as_reason(reason).to_dict() for reason in self.reasons],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Disagreement:
        """The inverse of `to_dict`. Raises ValueError naming any missing keys."""
        missing = [key for key in _DICT_KEYS if key not in data]
        if missing:
            raise ValueError(f"disagreement data is missing {', '.join(missing)}")
        return cls(
            n=data["n"],
            scale_min=data["scale_min"],
            scale_max=data["scale_max"],
            distribution=tuple(data["distribution"]),
            mean=_optional_float(data["mean"]),
            median=_optional_float(data["median"]),
            consensus=_optional_float(data["consensus"]),
            rwg=_optional_float(data["rwg"]),
            iqr=_optional_float(data["iqr"]),
            spread=data["spread"],
            # Measures frozen before the deviation was measured: it follows from the distribution.
            deviation=_optional_float(data["deviation"]) if "deviation" in data else _deviation_of(data),
            polarised=data["polarised"],
            needs_discussion=data["needs_discussion"],
            verdict=Verdict(data["verdict"]),
            reasons=(
                tuple(Reason.from_dict(reason) for reason in data["reason_figures"])
                if "reason_figures" in data
                # Measures frozen before issue 19 kept their reasons in English words only.
                else tuple(Reason.from_words(words) for words in data["reasons"])
            ),
        )


_DICT_KEYS = (
    "n", "scale_min", "scale_max", "distribution", "mean", "median", "consensus", "rwg",
    "iqr", "spread", "polarised", "needs_discussion", "verdict", "reasons",
)  # fmt: skip


def _as_reason(reason: str) -> Reason:
    return reason if isinstance(reason, Reason) else Reason.from_words(reason)


def _optional_float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _deviation_of(data: dict[str, Any]) -> float | None:
    ratings = [
        level
        for level, count in enumerate(data["distribution"], start=data["scale_min"])
        for _ in range(count)
    ]
    return _deviation(ratings) if ratings else None


def _points(value: float) -> str:
    return f"{value:.1f} point" + ("" if f"{value:.1f}" == "1.0" else "s")


# --- measuring -----------------------------------------------------------------------------


def _check_scale(scale_min: int, scale_max: int) -> None:
    if not (_is_whole(scale_min) and _is_whole(scale_max)):
        raise ValueError(
            f"a scale needs whole-number ends, got {scale_min!r} to {scale_max!r}"
        )
    if scale_min >= scale_max:
        raise ValueError(
            f"a scale must run from a lower to a higher number, got {scale_min} to {scale_max}"
        )


def _check_rating(rating: object, scale_min: int, scale_max: int) -> None:
    if isinstance(rating, float):
        raise RatingOffScale(
            _("{rating} is not a whole number on the {low}–{high} scale: give a whole number from {low} to {high}").format(
                rating=repr(rating), low=scale_min, high=scale_max
            )
        )
    if not _is_whole(rating):
        raise RatingOffScale(
            _("{rating} is not a rating on the {low}–{high} scale: give a whole number from {low} to {high}").format(
                rating=repr(rating), low=scale_min, high=scale_max
            )
        )
    if not scale_min <= rating <= scale_max:
        raise RatingOffScale(
            _("{rating} is off the {low}–{high} scale: give a whole number from {low} to {high}").format(
                rating=rating, low=scale_min, high=scale_max
            )
        )


def measure(
    ratings: Sequence[int],
    scale_min: int,
    scale_max: int,
    thresholds: Thresholds = Thresholds(),
) -> Disagreement:
    """Measure how far apart ``ratings`` are on the scale ``scale_min``..``scale_max``.

    Raises ValueError for a scale whose ends are not whole numbers in increasing order, and
    RatingOffScale (a ValueError with a message fit to show a person) for a rating that is not
    a whole number on the scale: floats (even 3.0) and booleans are refused.

    A round needs discussion (only with two or more ratings) when it is polarised, or its
    spread is above ``thresholds.max_spread``, or its average deviation from the median is above
    c/6 (see the module docstring). The verdict is TOO_FEW with fewer than two ratings, else
    POLARISED when polarised, else SPREAD when it needs discussion, else AGREED.
    """
    _check_scale(scale_min, scale_max)
    ratings = tuple(ratings)
    for rating in ratings:
        _check_rating(rating, scale_min, scale_max)

    distribution = tuple(ratings.count(level) for level in range(scale_min, scale_max + 1))
    n = len(ratings)
    if n < 2:
        return _too_few(ratings, scale_min, scale_max, distribution)

    consensus = _consensus(distribution, scale_min, scale_max)
    spread = max(ratings) - min(ratings)
    deviation = _deviation(ratings)
    polarised = _is_polarised(distribution, scale_min, scale_max, thresholds.polarisation_share)
    scattered = _above(deviation, deviation_limit(scale_min, scale_max))
    wide = spread > thresholds.max_spread
    needs_discussion = polarised or scattered or wide
    if polarised:
        verdict = Verdict.POLARISED
    elif needs_discussion:
        verdict = Verdict.SPREAD
    else:
        verdict = Verdict.AGREED

    result = Disagreement(
        n=n,
        scale_min=scale_min,
        scale_max=scale_max,
        distribution=distribution,
        mean=statistics.fmean(ratings),
        median=float(statistics.median(ratings)),
        consensus=consensus,
        rwg=_rwg(ratings, scale_min, scale_max),
        iqr=_iqr(ratings),
        spread=spread,
        deviation=deviation,
        polarised=polarised,
        needs_discussion=needs_discussion,
        verdict=verdict,
        reasons=(),
    )
    reasons = _reasons(result, thresholds, scattered=scattered, wide=wide)
    return replace(result, reasons=reasons)


def _too_few(
    ratings: tuple[int, ...], scale_min: int, scale_max: int, distribution: tuple[int, ...]
) -> Disagreement:
    """The result for no rating or one rating (see the module docstring)."""
    only = float(ratings[0]) if ratings else None
    return Disagreement(
        n=len(ratings),
        scale_min=scale_min,
        scale_max=scale_max,
        distribution=distribution,
        mean=only,
        median=only,
        consensus=None,
        rwg=None,
        iqr=0.0 if ratings else None,
        spread=0 if ratings else None,
        deviation=0.0 if ratings else None,
        polarised=False,
        needs_discussion=False,
        verdict=Verdict.TOO_FEW,
        reasons=(Reason("one_vote"),) if ratings else (Reason("no_votes"),),
    )


def _reasons(
    result: Disagreement, thresholds: Thresholds, *, scattered: bool, wide: bool
) -> tuple[str, ...]:
    """Why the verdict of two or more ratings is what it is, in the team's words, with its figures."""
    lowest, highest = result._lowest_and_highest()
    deviation, limit = _format_pair(result.deviation, result.deviation_limit)
    if not result.needs_discussion:
        if lowest == highest:
            return (Reason("unanimous", rating=lowest),)
        return (
            Reason("span", lowest=lowest, highest=highest),
            Reason("deviation_within", deviation=deviation, limit=limit),
        )
    reasons = []
    if result.polarised:
        lower, _middle, upper = _camp_counts(result.distribution, result.scale_min, result.scale_max)
        lower_top, upper_bottom = _camp_limits(result.scale_min, result.scale_max)
        reasons.append(
            Reason(
                "split",
                lower=lower,
                lower_camp=_camp_label(result.scale_min, lower_top),
                upper=upper,
                upper_camp=_camp_label(upper_bottom, result.scale_max),
            )
        )
    if wide:
        reasons.append(
            Reason("wide", lowest=lowest, highest=highest, max_spread=thresholds.max_spread)
        )
    if scattered:
        reasons.append(Reason("deviation_above", deviation=deviation, limit=limit))
    return tuple(reasons)
