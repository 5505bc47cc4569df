"""The flag for discussion means the same in a team of 4 as in a team of 15 (issue 17 item 5).

"Such votes": every member votes independently and evenly on a value or the point either side of
it (2, 3 or 4 around 3). `share_flagged` works out exactly what share of such rounds
`engine.disagreement.measure` flags, by enumerating every way the votes can fall: each count of
votes at (value - 1, value, value + 1) with its multinomial probability, 3**n equally likely
outcomes in all. No sampling, so the figures are exact and the test is deterministic.
docs/reports.md shows the table this gives.
"""

from __future__ import annotations

from fractions import Fraction
from math import factorial

import pytest

from engine.disagreement import Verdict, measure

TEAM_SIZES = range(4, 16)
STEADY = Fraction(10, 100)  # at most 10 percentage points between team sizes


def share_flagged(team_size: int, value: int = 3, scale: tuple[int, int] = (1, 5)) -> Fraction:
    """The exact share of rounds flagged when `team_size` members vote evenly on value - 1, value, value + 1."""
    flagged = 0
    for below in range(team_size + 1):
        for at in range(team_size + 1 - below):
            above = team_size - below - at
            ratings = [value - 1] * below + [value] * at + [value + 1] * above
            if measure(ratings, *scale).needs_discussion:
                flagged += factorial(team_size) // (factorial(below) * factorial(at) * factorial(above))
    return Fraction(flagged, 3**team_size)


def test_share_flagged_counts_every_outcome_once():
    # Team of 4 around 3: flagged are the two-camp splits 2,2,4,4 (4!/(2!2!) = 6 of 81 orders)...
    assert share_flagged(4) == Fraction(6, 81)
    # ...and nothing else: 2,2,3,4 has AD 0.5 and spread 2.
    assert not measure([2, 2, 3, 4], 1, 5).needs_discussion


@pytest.mark.parametrize("value", [2, 3, 4])
def test_the_share_flagged_varies_by_at_most_ten_points_across_team_sizes(value):
    shares = {n: share_flagged(n, value) for n in TEAM_SIZES}
    assert max(shares.values()) - min(shares.values()) <= STEADY, {n: f"{float(s):.1%}" for n, s in shares.items()}


@pytest.mark.parametrize("team_size", TEAM_SIZES)
def test_a_two_camp_split_is_always_flagged(team_size):
    # Every split between the two ends with at least two people on each side, e.g. 1,1,5,5 or
    # 1,1,1,5,5,5; a split with at least a quarter of the team on each side reads as two camps.
    for low in range(2, team_size - 1):
        d = measure([1] * low + [5] * (team_size - low), 1, 5)
        assert d.needs_discussion, (low, team_size - low)
        if min(low, team_size - low) >= team_size / 4:
            assert d.verdict is Verdict.POLARISED, (low, team_size - low)
