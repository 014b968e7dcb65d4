"""Agreement figures: worked out by hand on small fixtures, and equal to the reference packages (to 1e-9)."""

import math
import random
import warnings

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from interviews.agreement import agreement, cohen_kappa, figures, krippendorff_alpha_nominal, percent_agreement

# Two coders, ten units. Agree on 8 (four 1/1, four 0/0), differ on units 3 and 7; each applies the tag 5 times.
ANN = [1, 1, 1, 1, 0, 0, 0, 0, 1, 0]
BEN = [1, 1, 1, 0, 0, 0, 0, 1, 1, 0]
TWO_CODER_UNITS = [{"ann": a, "ben": b} for a, b in zip(ANN, BEN, strict=True)]

# Three coders, one unit with a missing value:
#   u1 = 1,1,1   u2 = 0,0,0   u3 = 1,0,-   u4 = 1,1,0
THREE_CODER_UNITS = [
    {"ann": 1, "ben": 1, "cat": 1},
    {"ann": 0, "ben": 0, "cat": 0},
    {"ann": 1, "ben": 0},
    {"ann": 1, "ben": 1, "cat": 0},
]


def reference_alpha(coders, units):
    data = np.array([[unit.get(coder, np.nan) for unit in units] for coder in coders], dtype=float)
    return krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")


def test_two_coders_by_hand():
    # p_o = 8/10; p_e = .5*.5 + .5*.5 = .5; kappa = (.8 - .5) / (1 - .5) = .6
    assert cohen_kappa(ANN, BEN) == pytest.approx(0.6, abs=1e-12)
    # Coincidences: o11 = 8, o00 = 8, o01 = o10 = 2; n1 = n0 = 10, n = 20.
    # D_o = 4/20 = .2; D_e = 2*10*10 / (20*19) = 200/380; alpha = 1 - .2 * 380/200 = .62
    assert krippendorff_alpha_nominal(TWO_CODER_UNITS) == pytest.approx(0.62, abs=1e-12)
    assert percent_agreement(TWO_CODER_UNITS) == pytest.approx(0.8, abs=1e-12)
    assert figures(["ann", "ben"], TWO_CODER_UNITS) == pytest.approx(
        {"kappa": 0.6, "alpha": 0.62, "percent_agreement": 0.8, "units": 10}, abs=1e-12
    )


def test_two_coders_equal_the_references():
    assert cohen_kappa(ANN, BEN) == pytest.approx(cohen_kappa_score(ANN, BEN), abs=1e-9)
    assert krippendorff_alpha_nominal(TWO_CODER_UNITS) == pytest.approx(
        reference_alpha(["ann", "ben"], TWO_CODER_UNITS), abs=1e-9
    )


def test_three_coders_with_a_missing_value_by_hand():
    # Each unit adds 1/(m-1) per ordered pair of its values:
    #   u1: o11 += 3   u2: o00 += 3   u3: o10 += 1, o01 += 1   u4: o11 += 1, o10 += 1, o01 += 1
    # o11 = 4, o00 = 3, o10 = o01 = 2; n1 = 6, n0 = 5, n = 11.
    # D_o = 4/11; D_e = 2*6*5 / (11*10) = 6/11; alpha = 1 - (4/11) / (6/11) = 1/3
    assert krippendorff_alpha_nominal(THREE_CODER_UNITS) == pytest.approx(1 / 3, abs=1e-12)
    assert reference_alpha(["ann", "ben", "cat"], THREE_CODER_UNITS) == pytest.approx(1 / 3, abs=1e-9)
    result = figures(["ann", "ben", "cat"], THREE_CODER_UNITS)
    # Kappa is for exactly two coders only; agreement on u1 and u2 of four units.
    assert result == pytest.approx({"kappa": None, "alpha": 1 / 3, "percent_agreement": 0.5, "units": 4}, abs=1e-12)


def test_units_rated_by_one_coder_are_not_pairable():
    units = [{"ann": 1, "ben": 1}, {"ann": 0}, {"ben": 1}, {"ann": 0, "ben": 1}]
    result = figures(["ann", "ben"], units)
    assert result["units"] == 2 and result["percent_agreement"] == 0.5
    # Kappa on the two units both rated: p_o = .5, ann (1,0) ben (1,1): p_e = .5*1 + .5*0 = .5 -> 0
    assert result["kappa"] == pytest.approx(cohen_kappa_score([1, 0], [1, 1]), abs=1e-9)
    assert result["alpha"] == pytest.approx(reference_alpha(["ann", "ben"], units), abs=1e-9)


def test_undefined_figures_are_null():
    # Nobody ever varies: p_e = 1 and D_e = 0.
    same = [{"ann": 0, "ben": 0}] * 5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert math.isnan(cohen_kappa_score([0] * 5, [0] * 5))
    with pytest.raises(ValueError):
        reference_alpha(["ann", "ben"], same)  # the reference refuses one value in the domain
    assert figures(["ann", "ben"], same) == {"kappa": None, "alpha": None, "percent_agreement": 1.0, "units": 5}
    assert figures(["ann", "ben"], []) == {"kappa": None, "alpha": None, "percent_agreement": None, "units": 0}
    assert figures(["ann"], [{"ann": 1}]) == {"kappa": None, "alpha": None, "percent_agreement": None, "units": 0}


def test_overall_pools_every_tags_units():
    # t2: the three-coder fixture's first units without "cat", so both tags are two-coder tags.
    pooled = TWO_CODER_UNITS + [{k: v for k, v in u.items() if k != "cat"} for u in THREE_CODER_UNITS[:3]]
    report = agreement(["ann", "ben"], {"t1": TWO_CODER_UNITS, "t2": pooled[10:]})
    assert report["coders"] == ["ann", "ben"]
    assert [row["tag"] for row in report["tags"]] == ["t1", "t2"]
    assert report["overall"]["units"] == 13
    first = [u["ann"] for u in pooled]
    second = [u["ben"] for u in pooled]
    assert report["overall"]["kappa"] == pytest.approx(cohen_kappa_score(first, second), abs=1e-9)
    assert report["overall"]["alpha"] == pytest.approx(reference_alpha(["ann", "ben"], pooled), abs=1e-9)
    assert report["tags"][0]["kappa"] == pytest.approx(0.6, abs=1e-12)


@pytest.mark.parametrize("seed", range(40))
def test_random_codings_equal_the_references(seed):
    rng = random.Random(seed)
    coders = [f"c{index}" for index in range(rng.choice([2, 2, 3, 4]))]
    units = []
    for _ in range(rng.randint(3, 60)):
        unit = {coder: rng.choice([0, 1, 1]) for coder in coders if rng.random() > 0.1}
        units.append(unit)
    try:
        expected_alpha = reference_alpha(coders, units)
    except ValueError:  # one value in the domain, or nothing pairable: undefined
        expected_alpha = None
    result = figures(coders, units)
    if expected_alpha is None:
        assert result["alpha"] is None
    else:
        assert result["alpha"] == pytest.approx(expected_alpha, abs=1e-9)
    if len(coders) == 2:
        both = [unit for unit in units if len(unit) == 2]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected_kappa = cohen_kappa_score([u["c0"] for u in both], [u["c1"] for u in both]) if both else math.nan
        if math.isnan(expected_kappa):
            assert result["kappa"] is None
        else:
            assert result["kappa"] == pytest.approx(expected_kappa, abs=1e-9)
    else:
        assert result["kappa"] is None
