"""Axis 2, prediction intervals on region volumes by conformalized quantile regression (CQR,
spec B6, R-B6; Romano, Patterson, Candès 2019).

With miscoverage α, features x (e.g. summaries of a patient's logits) and a target y (a region
volume, or the calibrated prediction the paper uses as target):

1. On the training split, fit quantile regressors q̂_lo at level α/2 and q̂_hi at 1 − α/2
   (scikit-learn ``GradientBoostingRegressor(loss="quantile")`` by default).
2. On the calibration split (n cases), the conformity scores
   E_i = max(q̂_lo(x_i) − y_i, y_i − q̂_hi(x_i)).
3. Q = the k-th smallest E_i with k = ⌈(n + 1)(1 − α)⌉, the finite-sample correction; Q = ∞ when
   k > n (too few calibration cases for the level).
4. For a new x: C(x) = [q̂_lo(x) − Q, q̂_hi(x) + Q].

When the cases are exchangeable, P(y ∈ C(x)) ≥ 1 − α (Romano et al., Theorem 1). The width of
C(x) is the per-patient "prediction interval" the paper averages (its API).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.ensemble import GradientBoostingRegressor

ALPHA = 0.1
SEED = 0


def gradient_boosting(quantile: float, seed: int) -> RegressorMixin:
    """The default quantile regressor: scikit-learn's gradient boosting with the pinball loss."""
    return GradientBoostingRegressor(loss="quantile", alpha=quantile, random_state=seed)


@dataclass(frozen=True)
class Intervals:
    lower: np.ndarray
    upper: np.ndarray

    @property
    def width(self) -> np.ndarray:
        return self.upper - self.lower

    def to_dict(self) -> dict:
        """JSON-ready lists; an infinite bound (too few calibration cases) becomes None."""
        return {
            name: [v if math.isfinite(v) else None for v in getattr(self, name).tolist()]
            for name in ("lower", "upper", "width")
        }


@dataclass(frozen=True)
class ConformalQuantileRegressor:
    """Fitted CQR: the two quantile regressors and the conformal correction Q."""

    alpha: float
    lower_model: RegressorMixin
    upper_model: RegressorMixin
    correction: float  # Q of the module docstring
    calibration_cases: int

    def intervals(self, features) -> Intervals:
        """C(x) for each row of ``features``."""
        x = _as_features(features)
        low, high = _quantiles(self.lower_model, self.upper_model, x)
        return Intervals(low - self.correction, high + self.correction)


def _quantiles(lower, upper, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """q̂_lo(x) and q̂_hi(x), crossing estimates put in order (rearrangement). Calibration and
    prediction both see the ordered pair, so the coverage guarantee holds for it."""
    low, high = lower.predict(x), upper.predict(x)
    return np.minimum(low, high), np.maximum(low, high)


def _as_features(features) -> np.ndarray:
    x = np.asarray(features, dtype=float)
    return x[:, None] if x.ndim == 1 else x


def fit_cqr(
    train_features,
    train_targets,
    calibration_features,
    calibration_targets,
    *,
    alpha: float = ALPHA,
    regressor: Callable[[float, int], RegressorMixin] = gradient_boosting,
    seed: int = SEED,
) -> ConformalQuantileRegressor:
    """Fit CQR (steps 1–3 of the module) on disjoint training and calibration splits.

    Parameters
    ----------
    train_features, calibration_features
        (n, d) arrays, or (n,) for one feature.
    train_targets, calibration_targets
        (n,) targets, e.g. region volumes in mL.
    alpha
        Miscoverage: the intervals aim at coverage 1 − α.
    regressor
        ``regressor(quantile, seed)`` builds an unfitted scikit-learn quantile regressor.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    x_train, x_cal = _as_features(train_features), _as_features(calibration_features)
    y_train = np.asarray(train_targets, dtype=float)
    y_cal = np.asarray(calibration_targets, dtype=float)
    if len(y_cal) == 0:
        raise ValueError("no calibration cases")
    lower = regressor(alpha / 2, seed).fit(x_train, y_train)
    upper = regressor(1 - alpha / 2, seed).fit(x_train, y_train)
    low, high = _quantiles(lower, upper, x_cal)
    scores = np.maximum(low - y_cal, y_cal - high)
    # rounded first: floating noise (20 · (1 − 0.95) = 1.0000000000000009) must not add a case
    k = math.ceil(round((len(scores) + 1) * (1 - alpha), 9))
    correction = float(np.sort(scores)[k - 1]) if k <= len(scores) else math.inf
    return ConformalQuantileRegressor(alpha, lower, upper, correction, len(scores))


def coverage(intervals: Intervals, truths) -> float:
    """The fraction of ``truths`` inside their closed interval."""
    y = np.asarray(truths, dtype=float)
    if y.shape != intervals.lower.shape:
        raise ValueError(f"{y.size} truths for {intervals.lower.size} intervals")
    return float(np.mean((intervals.lower <= y) & (y <= intervals.upper)))
