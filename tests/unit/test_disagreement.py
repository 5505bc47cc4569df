"""Unit tests for engine.disagreement.

Expected values are worked out by hand in the comments. Useful constants:
    log2(0.5)  = -1
    log2(0.75) = log2(3) - 2 = 1.5849625007 - 2 = -0.4150374993
    sigma2_EU on a 1-5 scale = (5**2 - 1) / 12 = 24 / 12 = 2
    sigma2_EU on a 1-7 scale = (7**2 - 1) / 12 = 48 / 12 = 4
"""

from __future__ import annotations

import dataclasses
import json
import statistics

import pytest

from engine.disagreement import Disagreement, Thresholds, Verdict, measure
from engine.errors import DomainError, RatingOffScale

LOG2_THREE_QUARTERS = -0.4150374992788438


# --- the published measures on worked examples --------------------------------------------


def test_unanimity_is_full_consensus_and_full_rwg():
    # mu = 4; every |X_i - mu| = 0, log2(1) = 0, so Cns = 1 + 0 = 1.
    # s2 = 0, so rwg = 1 - 0 / 2 = 1.
    d = measure([4, 4, 4, 4], 1, 5)
    assert d.consensus == 1.0
    assert d.rwg == 1.0
    assert d.spread == 0
    assert d.iqr == 0.0
    assert d.mean == 4.0 and d.median == 4.0
    assert d.distribution == (0, 0, 0, 4, 0)
    assert d.verdict is Verdict.AGREED
    assert not d.needs_discussion and not d.polarised


def test_equal_split_between_the_extremes_is_zero_consensus_and_polarised():
    # mu = (3*1 + 3*5) / 6 = 3; |1-3|/4 = |5-3|/4 = 0.5; log2(0.5) = -1.
    # Cns = 1 + 0.5*(-1) + 0.5*(-1) = 0.
    d = measure([1, 1, 1, 5, 5, 5], 1, 5)
    assert d.consensus == 0.0
    assert d.polarised
    assert d.needs_discussion
    assert d.verdict is Verdict.POLARISED


def test_uniform_five_point_consensus_is_about_0_43():
    # mu = 3; 1 - |X_i - 3|/4 for X = 1..5 is 0.5, 0.75, 1, 0.75, 0.5;
    # logs: -1, -0.4150375, 0, -0.4150375, -1; sum = -2.830075; times p = 0.2: -0.566015.
    # Cns = 1 - 0.566015 = 0.433985 (Tastle & Wierman: about 0.43).
    d = measure([1, 2, 3, 4, 5], 1, 5)
    assert d.consensus == pytest.approx(0.433985, abs=1e-6)
    assert d.consensus == pytest.approx(1 + 0.2 * (-2 + 2 * LOG2_THREE_QUARTERS))


def test_typical_mildly_spread_team():
    ratings = [3, 3, 4, 3, 2, 3]
    # mu = 18/6 = 3. p(3) = 4/6 at distance 0; p(2) = p(4) = 1/6 at distance 1, 1 - 1/4 = 0.75.
    # Cns = 1 + (2/6) * log2(0.75) = 1 - 0.4150375/3 = 1 - 0.1383458 = 0.8616542.
    # Sample variance: squared deviations 0,0,1,0,1,0 -> 2; s2 = 2/5 = 0.4; rwg = 1 - 0.4/2 = 0.8.
    # Sorted 2,3,3,3,3,4: Q1 at h = 5*0.25 + 1 = 2.25 -> 3; Q3 at h = 4.75 -> 3; IQR 0.
    d = measure(ratings, 1, 5)
    assert d.n == 6
    assert d.distribution == (0, 1, 4, 1, 0)
    assert d.mean == 3.0
    assert d.median == 3.0
    assert d.consensus == pytest.approx(0.8616542, abs=1e-7)
    assert d.rwg == pytest.approx(0.8)
    assert d.iqr == 0.0
    assert d.spread == 2
    assert not d.polarised
    assert not d.needs_discussion
    assert d.verdict is Verdict.AGREED
    # AD: median 3; distances 0,0,1,0,1,0 -> 2/6 = 0.33, within c/6 = 5/6 = 0.83.
    assert d.deviation == pytest.approx(1 / 3)
    assert d.summary() == "Broad agreement (votes 2 to 4, on average 0.3 points from the median)."
    assert d.reasons == ("views span 2 to 4", "on average 0.33 points from the median, within the 0.83 limit")


def test_consensus_of_ratings_off_centre():
    # [4, 5] on 1-5: mu = 4.5; both at distance 0.5, 1 - 0.5/4 = 0.875; log2(0.875) = -0.1926451.
    # Cns = 1 + 0.5*(-0.1926451)*2 = 0.8073549.
    assert measure([4, 5], 1, 5).consensus == pytest.approx(0.8073549, abs=1e-7)


def test_rwg_uses_the_sample_variance():
    # [2,3,3,4,4]: mean 16/5 = 3.2; deviations -1.2,-0.2,-0.2,0.8,0.8;
    # squares 1.44 + 0.04 + 0.04 + 0.64 + 0.64 = 2.8; sample s2 = 2.8/4 = 0.7.
    # rwg = 1 - 0.7/2 = 0.65. (The population variance 2.8/5 = 0.56 would give 0.72.)
    assert measure([2, 3, 3, 4, 4], 1, 5).rwg == pytest.approx(0.65)


def test_rwg_uses_the_null_variance_of_the_scale():
    # 1-7: sigma2_EU = 4. [3,5,4,4]: mean 4, squared deviations 1,1,0,0 -> 2; s2 = 2/3.
    # rwg = 1 - (2/3)/4 = 1 - 1/6 = 0.8333333.
    assert measure([3, 5, 4, 4], 1, 7).rwg == pytest.approx(5 / 6)


def test_rwg_is_truncated_to_zero_for_an_extreme_split():
    # [1,1,5,5]: mean 3, squared deviations 4 each -> 16; s2 = 16/3 = 5.33 > 2.
    # Untruncated rwg = 1 - 5.33/2 = -1.67, reported as 0.
    d = measure([1, 1, 5, 5], 1, 5)
    assert d.rwg == 0.0


def test_rwg_is_zero_when_variance_equals_random_answering():
    # [1,2,3,3,4,5]: mean 3, squared deviations 4+1+0+0+1+4 = 10; s2 = 10/5 = 2 = sigma2_EU.
    assert measure([1, 2, 3, 3, 4, 5], 1, 5).rwg == 0.0


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        # Q1 at h = (n-1)*0.25 + 1, Q3 at h = (n-1)*0.75 + 1 over the sorted ratings.
        ([1, 2, 3, 4], 1.5),  # h = 1.75 -> 1 + 0.75*1 = 1.75; h = 3.25 -> 3.25; 3.25 - 1.75
        ([1, 2, 3, 4, 5], 2.0),  # h = 2 -> 2; h = 4 -> 4
        ([1, 5], 2.0),  # h = 1.25 -> 1 + 0.25*4 = 2; h = 1.75 -> 1 + 0.75*4 = 4
        ([1, 1, 2, 4, 5, 5], 3.5),  # h = 2.25 -> 1 + 0.25*1 = 1.25; h = 4.75 -> 4 + 0.75 = 4.75
        ([2, 2, 2, 2, 2, 5], 0.0),  # h = 2.25 -> 2; h = 4.75 -> 2 + 0.75*0 = 2
        ([5, 1, 3], 2.0),  # sorted 1,3,5: h = 1.5 -> 2; h = 2.5 -> 4
    ],
)
def test_iqr_is_hyndman_fan_type_7(ratings, expected):
    assert measure(ratings, 1, 5).iqr == pytest.approx(expected)


@pytest.mark.parametrize(
    "ratings", [[1, 2], [3, 1, 4, 1, 5], [2, 2, 3, 5, 5, 4, 1], [1, 1, 1, 2, 5, 5, 5, 3, 4]]
)
def test_iqr_matches_statistics_quantiles_inclusive(ratings):
    q1, _, q3 = statistics.quantiles(ratings, n=4, method="inclusive")
    assert measure(ratings, 1, 5).iqr == pytest.approx(q3 - q1)


def test_mean_median_and_spread():
    # [1,2,4,5]: mean 12/4 = 3; median (2+4)/2 = 3; spread 5 - 1 = 4.
    # [2,2,3,5]: mean 12/4 = 3; median (2+3)/2 = 2.5; spread 3.
    d = measure([1, 2, 4, 5], 1, 5)
    assert (d.mean, d.median, d.spread) == (3.0, 3.0, 4)
    d = measure([2, 2, 3, 5], 1, 5)
    assert (d.mean, d.median, d.spread) == (3.0, 2.5, 3)


def test_order_of_ratings_does_not_matter():
    assert measure([5, 1, 3, 3, 2], 1, 5) == measure([1, 2, 3, 3, 5], 1, 5)


def test_other_scales():
    # 0-10: d = 10. [0, 10]: mu = 5, distance 5/10 = 0.5, log2(0.5) = -1 -> Cns = 0.
    d = measure([0, 10], 0, 10)
    assert len(d.distribution) == 11
    assert d.distribution[0] == 1 and d.distribution[10] == 1
    assert d.consensus == 0.0
    # 1-2: [1, 2]: mu = 1.5, distance 0.5/1, log2(0.5) = -1 -> Cns = 0; sigma2_EU = 3/12 = 0.25,
    # s2 = 0.5, rwg = 1 - 2 -> truncated to 0.
    d = measure([1, 2], 1, 2)
    assert d.consensus == 0.0 and d.rwg == 0.0


# --- polarisation ---------------------------------------------------------------------------


def test_two_camps_at_opposite_ends_are_polarised():
    # Camps on 1-5: {1,2} holds 3 (1,1,2), {4,5} holds 3 (4,5,5), middle {3} holds 0.
    # Shares 0.5 >= 0.25 each; middle 0 < 3.
    d = measure([1, 1, 2, 4, 5, 5], 1, 5)
    assert d.polarised
    assert d.verdict is Verdict.POLARISED
    assert "the team is split: 3 at 1–2 and 3 at 4–5" in d.reasons
    assert d.summary() == "Split into two camps: 3 rate it 1–2, 3 rate it 4–5. Worth discussing."


def test_a_full_middle_is_not_polarised():
    # [1,2,3,3,4,5]: camps 2 and 2 (shares 1/3), middle 2, which is not fewer than 2.
    # Consensus: mu = 3; p = 1/6 at distance 2 (log -1) twice and 1/6 at distance 1 twice:
    # Cns = 1 + (2/6)(-1) + (2/6)(-0.4150375) = 1 - 0.3333333 - 0.1383458 = 0.5283208.
    d = measure([1, 2, 3, 3, 4, 5], 1, 5)
    assert not d.polarised
    assert d.consensus == pytest.approx(0.5283208, abs=1e-7)
    assert d.needs_discussion
    assert d.verdict is Verdict.SPREAD
    # AD: median 3; distances 2,1,0,0,1,2 -> 6/6 = 1.0 > 0.83.
    assert d.reasons == (
        "views span 1 to 5, more than 2 apart",
        "on average 1.00 points from the median, above the 0.83 limit",
    )
    assert d.summary() == (
        "Views are spread out (votes 1 to 5, on average 1.0 point from the median). Worth discussing."
    )


def test_a_lone_dissenter_is_not_polarised():
    # [2,2,2,2,2,5]: upper camp 1/6 = 0.17 < 0.25. Spread 3 > 2, so still worth discussing.
    # rwg: mean 2.5, squared deviations 5*0.25 + 6.25 = 7.5, s2 = 7.5/5 = 1.5, 1 - 1.5/2 = 0.25.
    d = measure([2, 2, 2, 2, 2, 5], 1, 5)
    assert not d.polarised
    assert d.rwg == pytest.approx(0.25)
    assert d.verdict is Verdict.SPREAD


def test_middle_must_hold_fewer_than_half_the_smaller_camp():
    # [1,1,1,3,5,5,5]: camps 3 and 3, middle 1; 2*1 < 3 -> polarised (and named in the summary).
    d = measure([1, 1, 1, 3, 5, 5, 5], 1, 5)
    assert d.polarised
    assert d.summary() == (
        "Split into two camps: 3 rate it 1–2, 3 rate it 4–5, 1 in between. Worth discussing."
    )
    # [1,1,3,5,5]: camps 2 and 2, middle 1; 2*1 is not fewer than 2 -> spread, not two camps.
    assert not measure([1, 1, 3, 5, 5], 1, 5).polarised
    # An even spread over the whole scale is spread out, not split.
    uniform = measure([1, 2, 3, 4, 5], 1, 5)
    assert not uniform.polarised
    assert uniform.verdict is Verdict.SPREAD


def test_camp_share_boundary():
    # [1,2,4,4,4,5,5,5]: lower camp 2/8 = 0.25, exactly the default share -> polarised.
    ratings = [1, 2, 4, 4, 4, 5, 5, 5]
    assert measure(ratings, 1, 5).polarised
    assert not measure(ratings, 1, 5, Thresholds(polarisation_share=0.3)).polarised


def test_camps_follow_the_scale():
    # 1-7: d = 6, d/3 = 2 -> camps {1,2,3} and {5,6,7}, middle {4}.
    d = measure([2, 2, 6, 6], 1, 7)
    assert d.polarised
    assert d.summary() == "Split into two camps: 2 rate it 1–3, 2 rate it 5–7. Worth discussing."
    # 3 and 5 are in opposite camps but only 2 of 6 points apart: less than half the scale.
    assert not measure([3, 3, 5, 5], 1, 7).polarised
    # The same ratings on 1-5 have nobody in the lower camp {1,2}.
    assert not measure([3, 3, 5, 5], 1, 5).polarised
    # 1-3: d/3 = 0.67 -> camps {1} and {3}.
    d = measure([1, 1, 3, 3], 1, 3)
    assert d.polarised
    assert "the team is split: 2 at 1 and 2 at 3" in d.reasons
    # 1-4: camps {1,2} and {3,4}; neighbours 2 and 3 are not a split, 1 and 4 are.
    assert not measure([2, 2, 3, 3], 1, 4).polarised
    assert measure([1, 1, 4, 4], 1, 4).polarised


def test_one_person_is_a_lone_dissenter_not_a_camp():
    # [1,4,5,5]: lower camp 1 of 4 = 0.25, but a camp needs two people. Spread 4 still flags it.
    d = measure([1, 4, 5, 5], 1, 5)
    assert not d.polarised
    assert d.verdict is Verdict.SPREAD
    # [2,2,2,4] is not "two camps" either: one person at 4. AD: median 2, 2/4 = 0.5: agreed.
    assert measure([2, 2, 2, 4], 1, 5).verdict is Verdict.AGREED
    # Two people make a camp: [1,1,4,5,5,5,5,5] has 2 of 8 (0.25) at 1-2.
    assert measure([1, 1, 4, 5, 5, 5, 5, 5], 1, 5).polarised


# --- thresholds -----------------------------------------------------------------------------


def test_a_deviation_exactly_at_the_limit_is_not_above_it():
    # [2,2,3,4,4,4]: median 3.5; distances 1.5,1.5,0.5,0.5,0.5,0.5 -> 5/6 exactly. Spread 2, no camp: agreed.
    d = measure([2, 2, 3, 4, 4, 4], 1, 5)
    assert d.deviation == pytest.approx(5 / 6)
    assert d.verdict is Verdict.AGREED
    assert d.reasons[1] == "on average 0.83 points from the median, within the 0.83 limit"
    # [1,1,3,3]: median 2, every vote 1 away: 1.0 > 0.83, though only 2 apart and no camp.
    d = measure([1, 1, 3, 3], 1, 5)
    assert d.deviation == 1.0 and not d.polarised
    assert d.verdict is Verdict.SPREAD
    assert d.reasons == ("on average 1.00 points from the median, above the 0.83 limit",)


def test_the_deviation_limit_follows_the_scale():
    # c/6: 5 points -> 0.83, 7 -> 1.17, 3 -> 0.5 (Burke & Dunlap 2002: 0.8, 1.2 for 5 and 7 points).
    # [3,3,5,5] on 1-7: median 4, AD 1.0, within 7/6; on 1-5 the same votes are above 5/6.
    assert measure([3, 3, 5, 5], 1, 7).verdict is Verdict.AGREED
    assert measure([3, 3, 5, 5], 1, 5).verdict is Verdict.SPREAD
    # 3 points: limit 0.5. [1,1,2,2]: median 1.5, AD 0.5, at the limit, not above it.
    assert measure([1, 1, 2, 2], 1, 3).reasons[1] == "on average 0.50 points from the median, within the 0.50 limit"
def test_spread_exactly_at_max_spread_is_not_above_it():
    # [2,3,4]: spread 2. Cns: mu = 3, (2/3)*log2(0.75) = -0.2766917 -> 0.7233083 >= 0.70.
    d = measure([2, 3, 4], 1, 5)
    assert d.consensus == pytest.approx(0.7233083, abs=1e-7)
    assert d.verdict is Verdict.AGREED
    d = measure([2, 3, 4], 1, 5, Thresholds(max_spread=1))
    assert d.verdict is Verdict.SPREAD
    assert d.reasons == ("views span 2 to 4, more than 1 apart",)


def test_reasons_list_every_trigger_in_order():
    d = measure([1, 1, 5, 5], 1, 5)
    assert d.reasons == (
        "the team is split: 2 at 1–2 and 2 at 4–5",
        "views span 1 to 5, more than 2 apart",
        "on average 2.00 points from the median, above the 0.83 limit",
    )


def test_unanimous_reasons_and_summary():
    d = measure([3, 3, 3], 1, 5)
    assert d.reasons == ("everyone rated it 3",)
    assert d.summary() == "Full agreement: all 3 rate it 3."
    assert d.figures() == "every vote 3"


# --- fewer than two ratings -----------------------------------------------------------------


def test_no_ratings():
    d = measure([], 1, 5)
    assert d == Disagreement(
        n=0,
        scale_min=1,
        scale_max=5,
        distribution=(0, 0, 0, 0, 0),
        mean=None,
        median=None,
        consensus=None,
        rwg=None,
        iqr=None,
        spread=None,
        deviation=None,
        polarised=False,
        needs_discussion=False,
        verdict=Verdict.TOO_FEW,
        reasons=("no votes yet; agreement needs at least two",),
    )
    assert d.summary() == "No votes yet: too few to measure agreement."


def test_one_rating():
    d = measure([4], 1, 5)
    assert d.n == 1
    assert d.distribution == (0, 0, 0, 1, 0)
    assert d.mean == 4.0 and d.median == 4.0
    assert d.spread == 0
    assert d.iqr == 0.0 and d.deviation == 0.0
    assert d.consensus is None and d.rwg is None
    assert not d.polarised and not d.needs_discussion
    assert d.verdict is Verdict.TOO_FEW
    assert d.summary() == "Only one vote so far: too few to measure agreement."


# --- validation -----------------------------------------------------------------------------


def test_off_scale_rating_is_refused_in_words():
    with pytest.raises(RatingOffScale) as caught:
        measure([3, 7], 1, 5)
    assert caught.value.message == "7 is off the 1–5 scale: give a whole number from 1 to 5"
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, DomainError)
    with pytest.raises(RatingOffScale, match="^0 is off the 1–5 scale"):
        measure([0], 1, 5)


def test_float_rating_is_refused_even_when_whole():
    with pytest.raises(RatingOffScale) as caught:
        measure([3, 3.0], 1, 5)
    assert str(caught.value) == (
        "3.0 is not a whole number on the 1–5 scale: give a whole number from 1 to 5"
    )


@pytest.mark.parametrize("bad", [True, False, "3", None])
def test_non_number_ratings_are_refused(bad):
    with pytest.raises(RatingOffScale, match="is not a rating on the 1–5 scale: give a whole"):
        measure([3, bad], 1, 5)


@pytest.mark.parametrize(("low", "high"), [(5, 1), (3, 3), (1.0, 5), (1, 5.0), (True, 5), ("1", 5)])
def test_invalid_scale_is_refused(low, high):
    with pytest.raises(ValueError, match="scale"):
        measure([], low, high)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_spread", -1),
        ("max_spread", 1.5),
        ("max_spread", True),
        ("polarisation_share", 0),
        ("polarisation_share", 0.51),
        ("polarisation_share", -0.25),
    ],
)
def test_invalid_thresholds_are_refused(field, value):
    with pytest.raises(ValueError, match=field):
        Thresholds(**{field: value})


def test_threshold_limits_are_allowed():
    Thresholds(max_spread=0, polarisation_share=0.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        Thresholds().max_spread = 3  # type: ignore[misc]


# --- serialisation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ratings", [[], [2], [3, 3, 4, 3, 2, 3], [1, 1, 2, 4, 5, 5], [2, 2, 2, 2, 2, 5]]
)
def test_round_trip_through_json(ratings):
    d = measure(ratings, 1, 5)
    data = json.loads(json.dumps(d.to_dict()))
    assert Disagreement.from_dict(data) == d


def test_to_dict_uses_plain_json_values():
    data = measure([1, 1, 2, 4, 5, 5], 1, 5).to_dict()
    assert data["verdict"] == "polarised"
    assert data["distribution"] == [2, 1, 0, 1, 2]
    assert data["reasons"][0] == "the team is split: 3 at 1–2 and 3 at 4–5"
    assert measure([], 1, 5).to_dict()["verdict"] == "too few votes"


def test_measures_frozen_before_the_deviation_existed_still_load():
    # Rows stored before issue 17 have no "deviation": it follows from their distribution.
    d = measure([1, 2, 4, 5], 1, 5)
    data = d.to_dict()
    del data["deviation"]
    assert Disagreement.from_dict(data) == d  # median 3, distances 2,1,1,2 -> 1.5
    assert d.deviation == 1.5


def test_from_dict_names_missing_keys():
    data = measure([3, 4], 1, 5).to_dict()
    del data["rwg"]
    with pytest.raises(ValueError, match="rwg"):
        Disagreement.from_dict(data)
