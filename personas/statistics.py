"""The figures of calibration and of the exercises, as pure functions of numbers (no database).

Signed error is predicted - observed (positive: the writer expected more than customers gave).
The projection index is Pearson's r between the writer's own taste and that signed error: positive
means they overpredict what they themselves like. The exercises' egocentric bias is the partial
correlation between a person's own answers and their predictions, controlling for the true values
(Hattula et al., JMR 2015). Intervals are percentile bootstraps, seeded from the data so the same
data always gives the same interval.
"""

import hashlib
from dataclasses import dataclass

import numpy as np

# Below this many data points no figure is shown: an r from four points says nothing.
MIN_POINTS = 5
CONFIDENCE = 0.90
BOOTSTRAP_SAMPLES = 2000


@dataclass(frozen=True)
class Record:
    n: int
    mean_signed_error: float | None
    mean_absolute_error: float | None
    projection_index: float | None
    projection_interval: tuple[float, float] | None

    @property
    def enough_data(self) -> bool:
        return self.n >= MIN_POINTS

    @property
    def needed(self) -> int:
        """How many more data points before figures are shown."""
        return max(0, MIN_POINTS - self.n)

    def as_dict(self, digits: int = 3) -> dict:
        def rounded(value):
            return None if value is None else round(float(value), digits)

        interval = self.projection_interval
        return {
            "n": self.n,
            "mean_signed_error": rounded(self.mean_signed_error),
            "mean_absolute_error": rounded(self.mean_absolute_error),
            "projection_index": rounded(self.projection_index),
            "projection_interval": [rounded(interval[0]), rounded(interval[1])] if interval else None,
            "enough_data": self.enough_data,
        }


def _seed(*columns) -> int:
    """Deterministic given the data (and its order): the same record always shows the same interval."""
    digest = hashlib.sha256(b"".join(np.asarray(c, dtype=float).tobytes() for c in columns)).digest()
    return int.from_bytes(digest[:8], "big")


def _pearson_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson r of each row of x with the same row of y; NaN where either row has no spread."""
    xm = x - x.mean(axis=-1, keepdims=True)
    ym = y - y.mean(axis=-1, keepdims=True)
    denominator = np.sqrt((xm * xm).sum(axis=-1) * (ym * ym).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (xm * ym).sum(axis=-1) / denominator
    return np.where(denominator > 1e-12, np.clip(r, -1.0, 1.0), np.nan)


def _residuals(v: np.ndarray, z: np.ndarray) -> np.ndarray:
    """v minus its least-squares fit on z (with an intercept), row by row; a z without spread explains nothing."""
    vm = v - v.mean(axis=-1, keepdims=True)
    zm = z - z.mean(axis=-1, keepdims=True)
    spread = (zm * zm).sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(spread > 1e-12, (vm * zm).sum(axis=-1, keepdims=True) / spread, 0.0)
    return vm - slope * zm


def _partial_rows(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    return _pearson_rows(_residuals(x, z), _residuals(y, z))


def _finite(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def pearson(x, y) -> float | None:
    """Pearson's r; None when either variable has no spread (r is undefined, not zero)."""
    return _finite(_pearson_rows(np.asarray(x, dtype=float), np.asarray(y, dtype=float)))


def partial_correlation(x, y, z) -> float | None:
    """r between x and y once z's linear part is taken out of both; None when undefined."""
    return _finite(_partial_rows(*(np.asarray(c, dtype=float) for c in (x, y, z))))


def _bootstrap(statistic, columns: list[np.ndarray]) -> tuple[float, float] | None:
    """Percentile interval of `statistic` over resamples of the rows (pairs kept together)."""
    n = len(columns[0])
    rng = np.random.default_rng(_seed(*columns))
    picks = rng.integers(0, n, size=(BOOTSTRAP_SAMPLES, n))
    values = statistic(*(c[picks] for c in columns))
    values = values[np.isfinite(values)]
    if len(values) < BOOTSTRAP_SAMPLES // 2:
        return None  # most resamples had no spread: no honest interval
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def calibration(own_taste, predicted, observed) -> Record:
    """A writer's (or a team's) record from outcomes: one entry per outcome, in a fixed order."""
    taste, predicted, observed = (np.asarray(c, dtype=float) for c in (own_taste, predicted, observed))
    n = len(taste)
    if n < MIN_POINTS:
        return Record(n, None, None, None, None)
    error = predicted - observed
    return Record(
        n=n, mean_signed_error=float(error.mean()), mean_absolute_error=float(np.abs(error).mean()),
        projection_index=pearson(taste, error), projection_interval=_bootstrap(_pearson_rows, [taste, error]),
    )


def egocentric(own, prediction, truth) -> Record:
    """A person's exercise score from answered items (0-100 scale): errors of prediction against the truth,
    and the partial correlation of own answers with predictions controlling for the truth."""
    own, prediction, truth = (np.asarray(c, dtype=float) for c in (own, prediction, truth))
    n = len(own)
    if n < MIN_POINTS:
        return Record(n, None, None, None, None)
    error = prediction - truth
    return Record(
        n=n, mean_signed_error=float(error.mean()), mean_absolute_error=float(np.abs(error).mean()),
        projection_index=partial_correlation(own, prediction, truth),
        projection_interval=_bootstrap(_partial_rows, [own, prediction, truth]),
    )


@dataclass(frozen=True)
class Comparison:
    """Mean absolute error of two groups, the difference (a - b) and its bootstrap interval."""

    n_a: int
    n_b: int
    mae_a: float | None
    mae_b: float | None
    difference: float | None
    interval: tuple[float, float] | None

    @property
    def enough_data(self) -> bool:
        return self.n_a >= MIN_POINTS and self.n_b >= MIN_POINTS

    @property
    def needed(self) -> int:
        return max(0, MIN_POINTS - self.n_a) + max(0, MIN_POINTS - self.n_b)


def compare_absolute_errors(errors_a, errors_b) -> Comparison:
    """Two independent groups (checks with and without the instruction), each resampled on its own."""
    a, b = np.abs(np.asarray(errors_a, dtype=float)), np.abs(np.asarray(errors_b, dtype=float))
    if len(a) < MIN_POINTS or len(b) < MIN_POINTS:
        return Comparison(len(a), len(b), None, None, None, None)
    rng = np.random.default_rng(_seed(a, b))
    means_a = a[rng.integers(0, len(a), size=(BOOTSTRAP_SAMPLES, len(a)))].mean(axis=1)
    means_b = b[rng.integers(0, len(b), size=(BOOTSTRAP_SAMPLES, len(b)))].mean(axis=1)
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(means_a - means_b, [tail, 100 - tail])
    return Comparison(len(a), len(b), float(a.mean()), float(b.mean()), float(a.mean() - b.mean()), (float(low), float(high)))
