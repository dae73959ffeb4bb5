"""Axis 2, calibration of voxel probabilities (spec B4, R-B5): NLL, Brier, ECE, MCE, reliability
diagrams, and post-hoc temperature and Platt scaling.

For n voxels with foreground probability p_i and reference label y_i ∈ {0, 1}::

    NLL   = −(1/n) Σ [y_i ln p_i + (1 − y_i) ln(1 − p_i)]      p clipped to [1e−15, 1 − 1e−15]
    Brier = (1/n) Σ (p_i − y_i)²
    ECE   = Σ_m (|B_m| / n) · |acc(B_m) − conf(B_m)|
    MCE   = max_m |acc(B_m) − conf(B_m)|                      over the non-empty bins

with M equal-width bins B_m = {i : p_i ∈ [(m − 1)/M, m/M)}, the last one closed at 1,
conf(B_m) the mean p_i and acc(B_m) the mean y_i over B_m. ECE% and MCE% (Table 2 of B4) are
100 × ECE and MCE. M = 15 by default, after Guo et al. (2017); the spec gives no count.

Binary convention: the spec's "|accuracy − confidence|" is read on the foreground (positive-class)
probability, the reliability diagram of binary segmentation (as torchmetrics'
``BinaryCalibrationError`` and scikit-learn's ``calibration_curve``): the bins span [0, 1] and a
bin's "accuracy" is its observed foreground frequency. Guo et al.'s top-label form (confidence
max(p, 1 − p) against correctness) would fold the bins of p and 1 − p together and leave those
below 0.5 empty. The paper computes these per patient over the brain voxels and averages the
patients (:func:`patient_mean`); the caller passes the brain voxels only.

Scaling (B4: Platt scaling, post hoc, on the validation set), on logits z::

    temperature   p = σ(z / T),   T > 0 minimising the NLL (scipy.optimize, bounded, on ln T)
    Platt         p = σ(a z + b), a and b from unpenalised scikit-learn LogisticRegression on z

T > 1 softens an over-confident model. Each fit uses at most :data:`FIT_VOXELS` voxels, drawn
without replacement by a seeded generator when there are more (the same data and seed give the
same draw); the metrics before and after are exact, on every voxel given.

[1] Guo C., Pleiss G., Sun Y., Weinberger K. Q. "On calibration of modern neural networks."
    ICML 2017. [2] Platt J. "Probabilistic outputs for support vector machines." 1999.
"""

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import optimize, special
from sklearn.linear_model import LogisticRegression

BINS = 15
CLIP = 1e-15
FIT_VOXELS = 1_000_000
NAMES = ("nll", "brier", "ece", "mce")
SEED = 0
TEMPERATURE_BOUNDS = (1e-2, 1e2)


@dataclass(frozen=True)
class CalibrationMetrics:
    nll: float
    brier: float
    ece: float  # a fraction; ECE% = 100 · ece
    mce: float
    bins: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ReliabilityBin:
    """One bin of a reliability diagram; ``confidence`` and ``accuracy`` are None when empty."""

    lower: float
    upper: float
    count: int
    confidence: float | None  # mean foreground probability
    accuracy: float | None  # observed foreground frequency


def _as_pairs(probabilities, labels) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(probabilities, dtype=float).ravel()
    y = np.asarray(labels).ravel()
    if p.shape != y.shape:
        raise ValueError(f"{p.size} probabilities but {y.size} labels")
    if p.size == 0:
        raise ValueError("no voxels")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 0 or 1")
    if np.any((p < 0) | (p > 1)) or not np.isfinite(p).all():
        raise ValueError("probabilities must lie in [0, 1]")
    return p, y.astype(float)


def _binned(p: np.ndarray, y: np.ndarray, bins: int) -> tuple[np.ndarray, ...]:
    """Per bin: count, sum of p, sum of y."""
    index = np.minimum((p * bins).astype(int), bins - 1)
    return (
        np.bincount(index, minlength=bins),
        np.bincount(index, weights=p, minlength=bins),
        np.bincount(index, weights=y, minlength=bins),
    )


def calibration_metrics(probabilities, labels, *, bins: int = BINS) -> CalibrationMetrics:
    """NLL, Brier, ECE and MCE of foreground ``probabilities`` against binary ``labels``."""
    p, y = _as_pairs(probabilities, labels)
    clipped = np.clip(p, CLIP, 1 - CLIP)
    nll = -np.mean(y * np.log(clipped) + (1 - y) * np.log1p(-clipped))
    counts, confidence, accuracy = _binned(p, y, bins)
    filled = counts > 0
    gaps = np.abs(accuracy[filled] - confidence[filled]) / counts[filled]
    return CalibrationMetrics(
        nll=float(nll),
        brier=float(np.mean((p - y) ** 2)),
        ece=float(np.sum(counts[filled] / p.size * gaps)),
        mce=float(gaps.max()),
        bins=bins,
    )


def reliability_diagram(probabilities, labels, *, bins: int = BINS) -> list[ReliabilityBin]:
    """The M bins of the module's definition, with their count, confidence and accuracy."""
    p, y = _as_pairs(probabilities, labels)
    counts, confidence, accuracy = _binned(p, y, bins)
    return [
        ReliabilityBin(
            lower=m / bins,
            upper=(m + 1) / bins,
            count=int(count),
            confidence=float(confidence[m] / count) if count else None,
            accuracy=float(accuracy[m] / count) if count else None,
        )
        for m, count in enumerate(counts)
    ]


def patient_mean(
    patients: Sequence[tuple[np.ndarray, np.ndarray]], *, bins: int = BINS
) -> CalibrationMetrics:
    """The paper's aggregate (B4): the metrics of each (probabilities, labels) patient, averaged."""
    if not patients:
        raise ValueError("no patients")
    each = [calibration_metrics(p, y, bins=bins) for p, y in patients]
    return CalibrationMetrics(
        **{name: float(np.mean([getattr(m, name) for m in each])) for name in NAMES},
        bins=bins,
    )


@dataclass(frozen=True)
class ScalingFit:
    """A fitted scaling p = σ(slope · z + intercept), with the metrics before and after it on the
    voxels it was fitted to."""

    method: str  # "temperature" or "platt"
    slope: float
    intercept: float
    voxels: int  # voxels the fit used (at most FIT_VOXELS)
    before: CalibrationMetrics
    after: CalibrationMetrics

    @property
    def parameters(self) -> dict[str, float]:
        if self.method == "temperature":
            return {"temperature": 1 / self.slope}
        return {"slope": self.slope, "intercept": self.intercept}

    def apply(self, logits) -> np.ndarray:
        """Calibrated foreground probabilities of ``logits``."""
        return _scaled(logits, self.slope, self.intercept)

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "parameters": self.parameters,
            "voxels": self.voxels,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
        }


def _fit_sample(logits, labels, cap: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    z = np.asarray(logits, dtype=float).ravel()
    y = np.asarray(labels).ravel().astype(float)
    if z.shape != y.shape:
        raise ValueError(f"{z.size} logits but {y.size} labels")
    if not np.isfinite(z).all():
        raise ValueError("logits must be finite")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 0 or 1")
    if y.min() == y.max():
        raise ValueError("a scaling needs voxels of both classes")
    if z.size > cap:
        chosen = np.random.default_rng(seed).choice(z.size, size=cap, replace=False)
        z, y = z[chosen], y[chosen]
    return z, y


def _logit_nll(z: np.ndarray, y: np.ndarray) -> float:
    """Mean binary cross-entropy from logits, −[y ln σ(z) + (1 − y) ln(1 − σ(z))], stably."""
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def _scaled(logits, slope: float, intercept: float) -> np.ndarray:
    return special.expit(slope * np.asarray(logits, dtype=float) + intercept)


def _result(method, slope, intercept, voxels, logits, labels, bins) -> ScalingFit:
    return ScalingFit(
        method,
        float(slope),
        float(intercept),
        voxels,
        before=calibration_metrics(_scaled(logits, 1.0, 0.0), labels, bins=bins),
        after=calibration_metrics(_scaled(logits, slope, intercept), labels, bins=bins),
    )


def fit_temperature(
    logits, labels, *, bins: int = BINS, cap: int = FIT_VOXELS, seed: int = SEED
) -> ScalingFit:
    """Temperature scaling [1]: the T in :data:`TEMPERATURE_BOUNDS` minimising the NLL of
    σ(z / T), found on ln T (the NLL is unimodal in it)."""
    z, y = _fit_sample(logits, labels, cap, seed)
    low, high = (math.log(t) for t in TEMPERATURE_BOUNDS)
    found = optimize.minimize_scalar(
        lambda log_t: _logit_nll(z * math.exp(-log_t), y),
        bounds=(low, high),
        method="bounded",
        options={"xatol": 1e-6},
    )
    return _result("temperature", math.exp(-found.x), 0.0, z.size, logits, labels, bins)


def fit_platt(
    logits, labels, *, bins: int = BINS, cap: int = FIT_VOXELS, seed: int = SEED
) -> ScalingFit:
    """Platt scaling [2]: unpenalised logistic regression of the labels on the logit."""
    z, y = _fit_sample(logits, labels, cap, seed)
    model = LogisticRegression(C=np.inf).fit(z[:, None], y)
    slope, intercept = model.coef_[0, 0], model.intercept_[0]
    return _result("platt", slope, intercept, z.size, logits, labels, bins)
