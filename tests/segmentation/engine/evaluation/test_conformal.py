"""Axis 2, conformalized quantile regression (spec B6, R-B6): the finite-sample correction on a
hand-built calibration set, nominal coverage on held-out synthetic cases, adaptivity to the
noise, and the coverage count."""

import json
import math

import numpy as np
import pytest
from sklearn.dummy import DummyRegressor

from segmentation.engine.evaluation.conformal import Intervals, coverage, fit_cqr

# The coverage of one calibration draw is Beta-distributed around 1 − α with SD
# √(α(1 − α)/n_cal) ≈ 0.009 here, and the test count adds ≈ 0.007: ±0.05 is over four SDs.
COVERAGE_TOLERANCE = 0.05


def volumes(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two features and a volume (mL) whose noise grows with the first feature."""
    x = rng.uniform(0, 10, size=(n, 2))
    noise = rng.normal(0, 0.5 + 0.6 * x[:, 0])
    return x, 5 + 3 * x[:, 0] + np.sin(x[:, 1]) + noise


@pytest.fixture(scope="module")
def synthetic_fit():
    rng = np.random.default_rng(0)
    (x_train, y_train), (x_cal, y_cal), (x_test, y_test) = (
        volumes(n, rng) for n in (1000, 1000, 2000)
    )
    return fit_cqr(x_train, y_train, x_cal, y_cal, alpha=0.1, seed=0), x_test, y_test


def constant(lower: float, upper: float):
    """Quantile regressors that predict ``lower`` below the median level and ``upper`` above."""
    return lambda quantile, seed: DummyRegressor(
        strategy="constant", constant=lower if quantile < 0.5 else upper
    )


def test_the_correction_is_the_kth_smallest_score_with_k_the_finite_sample_rank():
    truths = np.array([5, 12, 30, 18, 21, 0, 15, 25, 19])
    # scores max(10 − y, y − 20): 5, −2, 10, −2, 1, 10, −5, 5, −1; sorted
    # −5 −2 −2 −1 1 5 5 10 10; k = ⌈(9 + 1)(1 − 0.3)⌉ = 7 → 5
    fitted = fit_cqr(
        np.zeros(3), np.zeros(3), np.zeros(9), truths, alpha=0.3, regressor=constant(10, 20)
    )
    assert fitted.correction == 5
    intervals = fitted.intervals(np.zeros(2))
    assert intervals.lower.tolist() == [5, 5]
    assert intervals.upper.tolist() == [25, 25]


def test_the_rank_is_not_raised_by_floating_noise():
    # 20 · (1 − 0.95) is 1.0000000000000009 in floating point: k must be 1, the smallest score
    truths = np.arange(19.0) + 30  # scores y − 20: 10 … 28
    fitted = fit_cqr(
        np.zeros(3), np.zeros(3), np.zeros(19), truths, alpha=0.95, regressor=constant(10, 20)
    )
    assert fitted.correction == 10


def test_too_few_calibration_cases_for_the_level_give_unbounded_intervals():
    # k = ⌈(5 + 1) · 0.9⌉ = 6 > 5
    fitted = fit_cqr(np.zeros(3), np.zeros(3), np.zeros(5), np.arange(5.0), alpha=0.1)
    intervals = fitted.intervals(np.zeros(1))
    assert math.isinf(fitted.correction)
    assert json.loads(json.dumps(intervals.to_dict(), allow_nan=False))["upper"] == [None]


def test_intervals_cover_held_out_synthetic_cases_at_the_nominal_level(synthetic_fit):
    fitted, x_test, y_test = synthetic_fit
    assert coverage(fitted.intervals(x_test), y_test) == pytest.approx(0.9, abs=COVERAGE_TOLERANCE)


def test_intervals_are_wider_where_the_volume_is_noisier(synthetic_fit):
    fitted, x_test, _ = synthetic_fit
    width = fitted.intervals(x_test).width
    quiet, noisy = x_test[:, 0] < 2, x_test[:, 0] > 8
    assert width[noisy].mean() > 2 * width[quiet].mean()


def test_coverage_counts_truths_inside_their_closed_interval():
    intervals = Intervals(np.array([0.0, 2.0, 5.0]), np.array([1.0, 3.0, 6.0]))
    assert coverage(intervals, [1.0, 4.0, 5.0]) == pytest.approx(2 / 3)
