"""Detection against a reference: the lesion overlap rule, per-reader lesion sensitivity and false
positives per case, patient-level rates, and ROC AUC of readers' confidences.

**Overlap rule.** A reference lesion counts as detected when the fraction of its voxels covered by
the reader's (or model's) marks reaches a threshold. The seeds state it two ways:
:data:`AT_LEAST_40_PERCENT` ("at least 40% of the lesioned pixels", seed 003 L5125–L5127, spec
AT-05) and :data:`MORE_THAN_40_PERCENT` ("greater than 40% of the true lesion", L7503–L7506,
AT-09). The fraction is compared as an exact rational with the decimal threshold, so a lesion with
exactly 40 % of its voxels covered sits on the boundary, not beside it through float rounding.

**Lesion level.** Sensitivity = detected reference lesions / reference lesions, with a Wilson score
interval (statsmodels ``proportion_confint``); false positives per case = reader lesions that match
no reference lesion / cases read. The matching itself happens upstream (colocalisation and
adjudication, S-13/S-14); these functions take its counts.

**Patient level** (seed 003 L7535–L7554, ms-workflows T-17…T-19): from a 2 × 2 table,
TPR = TP/(TP + FN), FNR = FN/(TP + FN), specificity = TN/(TN + FP), FPR = FP/(TN + FP),
PPV = TP/(TP + FP), NPV = TN/(TN + FN), accuracy = (TP + TN)/N, F1 = 2TP/(2TP + FP + FN); a rate
whose denominator is 0 is None.

**ROC AUC** where readers give a confidence per case (grand-challenge users ask for AUC rather than
accuracy): scikit-learn's ``roc_auc_score``, with a seeded stratified percentile bootstrap
(``scipy.stats.bootstrap`` resampling the positive and the negative cases separately, so every
resample has both classes). The resamples are scored, all at once, by the Mann–Whitney
U / (n₁ n₀) of ``scipy.stats.mannwhitneyu``, which is the same AUC (ties count one half).
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction

import numpy as np
from scipy import stats
from sklearn.metrics import roc_auc_score
from statsmodels.stats.proportion import proportion_confint

CONFIDENCE = 0.95
RESAMPLES = 2000
SEED = 0


@dataclass(frozen=True)
class OverlapRule:
    """A reference lesion is detected when covered/total ≥ threshold, or > threshold if strict."""

    threshold: float
    strict: bool = False

    def __post_init__(self):
        if not 0 <= self.threshold <= 1:
            raise ValueError(f"the overlap threshold is a fraction in [0, 1], not {self.threshold}")

    def detects(self, covered_voxels: int, lesion_voxels: int) -> bool:
        if lesion_voxels <= 0 or not 0 <= covered_voxels <= lesion_voxels:
            raise ValueError(f"{covered_voxels} covered of {lesion_voxels} voxels")
        fraction = Fraction(int(covered_voxels), int(lesion_voxels))
        threshold = Fraction(str(self.threshold))  # the decimal as written: 0.4 is exactly 2/5
        return fraction > threshold if self.strict else fraction >= threshold


AT_LEAST_40_PERCENT = OverlapRule(0.40)
MORE_THAN_40_PERCENT = OverlapRule(0.40, strict=True)


def detected_reference_lesions(
    reference_labels: np.ndarray, marked: np.ndarray, rule: OverlapRule = AT_LEAST_40_PERCENT
) -> dict[int, bool]:
    """Whether each reference lesion (label > 0 in ``reference_labels``, one label per lesion) is
    detected by the boolean mask ``marked`` of the same shape."""
    reference_labels = np.asarray(reference_labels)
    marked = np.asarray(marked, dtype=bool)
    if reference_labels.shape != marked.shape:
        raise ValueError(f"shapes differ: {reference_labels.shape} vs {marked.shape}")
    lesions = reference_labels.ravel()
    totals = np.bincount(lesions)
    covered = np.bincount(lesions, weights=marked.ravel(), minlength=totals.size)
    return {
        label: rule.detects(int(covered[label]), int(totals[label]))
        for label in np.flatnonzero(totals)
        if label > 0
    }


@dataclass(frozen=True)
class ReaderDetection:
    detected: int
    reference_lesions: int
    false_positives: int
    cases: int
    sensitivity: float
    ci_low: float
    ci_high: float
    confidence: float
    false_positives_per_case: float

    def to_dict(self) -> dict:
        return asdict(self)


def reader_detection(
    *,
    detected: int,
    reference_lesions: int,
    false_positives: int,
    cases: int,
    confidence: float = CONFIDENCE,
) -> ReaderDetection:
    """One reader's lesion-level sensitivity (Wilson interval) and false positives per case."""
    if reference_lesions <= 0 or cases <= 0:
        raise ValueError("sensitivity needs reference lesions and cases")
    if not 0 <= detected <= reference_lesions or false_positives < 0:
        raise ValueError(f"{detected} detected of {reference_lesions}, {false_positives} FP")
    low, high = proportion_confint(
        detected, reference_lesions, alpha=1 - confidence, method="wilson"
    )
    return ReaderDetection(
        detected=detected,
        reference_lesions=reference_lesions,
        false_positives=false_positives,
        cases=cases,
        sensitivity=detected / reference_lesions,
        ci_low=float(low),
        ci_high=float(high),
        confidence=confidence,
        false_positives_per_case=false_positives / cases,
    )


@dataclass(frozen=True)
class PatientRates:
    tp: int
    fp: int
    tn: int
    fn: int
    sensitivity: float | None  # TPR
    specificity: float | None
    fpr: float | None
    fnr: float | None
    ppv: float | None
    npv: float | None
    accuracy: float | None
    f1: float | None

    def to_dict(self) -> dict:
        return asdict(self)


def patient_rates(*, tp: int, fp: int, tn: int, fn: int) -> PatientRates:
    """Patient-level rates from the 2 × 2 table of reader (or model) call against the reference."""
    if min(tp, fp, tn, fn) < 0:
        raise ValueError("counts cannot be negative")
    return PatientRates(
        tp=tp,
        fp=fp,
        tn=tn,
        fn=fn,
        sensitivity=_ratio(tp, tp + fn),
        specificity=_ratio(tn, tn + fp),
        fpr=_ratio(fp, tn + fp),
        fnr=_ratio(fn, tp + fn),
        ppv=_ratio(tp, tp + fp),
        npv=_ratio(tn, tn + fn),
        accuracy=_ratio(tp + tn, tp + fp + tn + fn),
        f1=_ratio(2 * tp, 2 * tp + fp + fn),
    )


def macro_average(rates: Sequence[float]) -> float:
    """The unweighted mean of per-data-set rates, each data set counting once whatever its size.
    The WMH paper's size-stratified detection rates are this mean of its three data sets (spec
    AT-06), not the rate pooled over all lesions."""
    if len(rates) == 0:
        raise ValueError("no rates")
    return float(np.mean(rates))


@dataclass(frozen=True)
class Auc:
    auc: float
    ci_low: float
    ci_high: float
    confidence: float
    positives: int
    negatives: int

    def to_dict(self) -> dict:
        return asdict(self)


def reader_auc(
    truth: Sequence[int],
    confidence_scores: Sequence[float],
    *,
    confidence: float = CONFIDENCE,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> Auc:
    """ROC AUC of one reader's confidences against the binary reference (1 = disease present)."""
    truth = np.asarray(truth)
    scores = np.asarray(confidence_scores, dtype=float)
    if truth.shape != scores.shape or truth.ndim != 1:
        raise ValueError(f"one confidence per case: {truth.shape} vs {scores.shape}")
    if not np.isin(truth, (0, 1)).all():
        raise ValueError("the reference must be 0 or 1 per case")
    positives, negatives = scores[truth == 1], scores[truth == 0]
    if positives.size == 0 or negatives.size == 0:
        raise ValueError("AUC needs at least one positive and one negative case")

    def resampled_auc(positive: np.ndarray, negative: np.ndarray, axis: int) -> np.ndarray:
        u = stats.mannwhitneyu(positive, negative, axis=axis, method="asymptotic").statistic
        return u / (positives.size * negatives.size)

    interval = stats.bootstrap(
        (positives, negatives),
        resampled_auc,
        vectorized=True,
        n_resamples=resamples,
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    ).confidence_interval
    return Auc(
        auc=float(roc_auc_score(truth, scores)),
        ci_low=float(interval.low),
        ci_high=float(interval.high),
        confidence=confidence,
        positives=int(positives.size),
        negatives=int(negatives.size),
    )


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None
