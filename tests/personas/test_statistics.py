"""Every figure of calibration and exercises against hand-worked fixtures, and against scipy and numpy."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from personas import statistics

# Hand-worked: taste (5, 4, 2, 1, 3, 5), predicted (5, 4, 3, 2, 3, 4), observed (3, 3, 3, 3, 3, 2).
# Signed errors predicted - observed: (2, 1, 0, -1, 0, 2): mean 4/6 = 0.667; absolute (2, 1, 0, 1, 0, 2): mean 1.
# Taste mean 10/3, error mean 2/3. Deviations: taste (5/3, 2/3, -4/3, -7/3, -1/3, 5/3),
# error (4/3, 1/3, -2/3, -5/3, -2/3, 4/3). Sum of products = (20 + 2 + 8 + 35 + 2 + 20)/9 = 87/9;
# sum of squares: taste (25 + 4 + 16 + 49 + 1 + 25)/9 = 120/9, error (16 + 1 + 4 + 25 + 4 + 16)/9 = 66/9.
# r = 87 / sqrt(120 * 66) = 87 / 88.994... = 0.97759.
TASTE, PREDICTED, OBSERVED = [5, 4, 2, 1, 3, 5], [5, 4, 3, 2, 3, 4], [3, 3, 3, 3, 3, 2]


def test_calibration_by_hand():
    record = statistics.calibration(TASTE, PREDICTED, OBSERVED)
    assert record.n == 6 and record.enough_data
    assert record.mean_signed_error == pytest.approx(4 / 6)
    assert record.mean_absolute_error == pytest.approx(1.0)
    assert record.projection_index == pytest.approx(87 / np.sqrt(120 * 66))
    low, high = record.projection_interval
    assert low <= record.projection_index <= high <= 1


def test_calibration_agrees_with_scipy():
    error = np.array(PREDICTED) - np.array(OBSERVED)
    record = statistics.calibration(TASTE, PREDICTED, OBSERVED)
    assert record.projection_index == pytest.approx(scipy_stats.pearsonr(TASTE, error).statistic)
    assert record.mean_absolute_error == pytest.approx(np.mean(np.abs(error)))


def test_below_five_points_no_figures():
    record = statistics.calibration(TASTE[:4], PREDICTED[:4], OBSERVED[:4])
    assert record.as_dict() == {"n": 4, "mean_signed_error": None, "mean_absolute_error": None, "projection_index": None,
                                "projection_interval": None, "enough_data": False}
    assert record.needed == 1
    assert statistics.calibration(TASTE[:5], PREDICTED[:5], OBSERVED[:5]).enough_data


def test_no_spread_in_taste_gives_no_index_rather_than_zero():
    record = statistics.calibration([3] * 6, PREDICTED, OBSERVED)
    assert record.mean_signed_error == pytest.approx(4 / 6)
    assert record.projection_index is None and record.projection_interval is None


def test_the_interval_is_reproducible_and_changes_with_the_data():
    first = statistics.calibration(TASTE, PREDICTED, OBSERVED).projection_interval
    assert statistics.calibration(TASTE, PREDICTED, OBSERVED).projection_interval == first
    other = statistics.calibration(TASTE, [5, 4, 3, 2, 3, 3], OBSERVED).projection_interval
    assert other != first


def test_the_interval_agrees_with_scipys_percentile_bootstrap():
    rng = np.random.default_rng(7)
    taste = rng.integers(1, 6, 60)
    observed = rng.integers(1, 6, 60)
    predicted = np.clip(observed + (taste - 3) // 2 + rng.integers(-1, 2, 60), 1, 5)
    record = statistics.calibration(taste, predicted, observed)
    error = predicted - observed
    reference = scipy_stats.bootstrap((taste, error), lambda x, y, axis=-1: scipy_stats.pearsonr(x, y, axis=-1).statistic,
                                      paired=True, vectorized=True, confidence_level=0.9, method="percentile",
                                      n_resamples=4000, rng=np.random.default_rng(1)).confidence_interval
    assert record.projection_interval[0] == pytest.approx(reference.low, abs=0.05)
    assert record.projection_interval[1] == pytest.approx(reference.high, abs=0.05)


# Partial correlation, by hand: own (1, 2, 3, 4, 5, 6), prediction (2, 2, 4, 5, 5, 7), truth (1, 3, 2, 5, 4, 6).
# partial = (r_op - r_ot r_pt) / sqrt((1 - r_ot^2)(1 - r_pt^2)).
OWN, PREDICTION, TRUTH = [1, 2, 3, 4, 5, 6], [2, 2, 4, 5, 5, 7], [1, 3, 2, 5, 4, 6]


def _r(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    dx, dy = x - x.mean(), y - y.mean()
    return (dx * dy).sum() / np.sqrt((dx * dx).sum() * (dy * dy).sum())


def test_partial_correlation_by_the_textbook_formula():
    r_op, r_ot, r_pt = _r(OWN, PREDICTION), _r(OWN, TRUTH), _r(PREDICTION, TRUTH)
    expected = (r_op - r_ot * r_pt) / np.sqrt((1 - r_ot ** 2) * (1 - r_pt ** 2))
    assert statistics.partial_correlation(OWN, PREDICTION, TRUTH) == pytest.approx(expected)
    # Own answers are 1..6 and truth is a shuffle of them with squared rank differences summing to 4:
    # r(own, truth) = 1 - 6 * 4 / (6 * 35) = 31/35 exactly.
    assert r_ot == pytest.approx(31 / 35)


def test_partial_correlation_agrees_with_regression_residuals_in_numpy():
    design = np.column_stack([np.ones(6), TRUTH])
    residual_own = OWN - design @ np.linalg.lstsq(design, OWN, rcond=None)[0]
    residual_prediction = PREDICTION - design @ np.linalg.lstsq(design, PREDICTION, rcond=None)[0]
    expected = scipy_stats.pearsonr(residual_own, residual_prediction).statistic
    score = statistics.egocentric(OWN, PREDICTION, TRUTH)
    assert score.projection_index == pytest.approx(expected)
    assert score.mean_signed_error == pytest.approx(np.mean(np.subtract(PREDICTION, TRUTH)))
    assert score.mean_absolute_error == pytest.approx(np.mean(np.abs(np.subtract(PREDICTION, TRUTH))))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5)), min_size=5, max_size=40))
def test_pearson_matches_numpy_on_any_data(rows):
    taste, predicted, observed = (np.array(c) for c in zip(*rows, strict=True))
    error = predicted - observed
    record = statistics.calibration(taste, predicted, observed)
    if np.std(taste) == 0 or np.std(error) == 0:
        assert record.projection_index is None
    else:
        assert record.projection_index == pytest.approx(np.corrcoef(taste, error)[0, 1], abs=1e-9)


def test_comparison_of_two_groups():
    comparison = statistics.compare_absolute_errors([1, -2, 1, 2, -1], [0, 1, 0, -1, 0, 1])
    assert comparison.mae_a == pytest.approx(7 / 5) and comparison.mae_b == pytest.approx(3 / 6)
    assert comparison.difference == pytest.approx(7 / 5 - 1 / 2)
    low, high = comparison.interval
    assert low < comparison.difference < high
    short = statistics.compare_absolute_errors([1, 2], [1, 2, 3, 4, 5])
    assert short.difference is None and short.needed == 3
