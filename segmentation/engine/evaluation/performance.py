"""Axis 1, diagnostic performance (spec B5, R-B1–R-B3): per-patient and per-region metrics of
binary masks, and per-stratum means with bootstrap intervals.

The voxel counts TP, FP, FN, TN and the overlap metrics are
:class:`segmentation.engine.metrics.ConfusionCounts`, with its empty-mask rule (0/0 = 1). Added
here, after Taha & Hanbury (2015) and the standard definitions of B11 (the paper swaps PPV and
NPV)::

    ppv = TP / (TP + FP)                       (``precision`` of ConfusionCounts)
    npv = TN / (TN + FN)                       the precision of the background class
    balanced_accuracy = (sensitivity + specificity) / 2
    hd95 = max(q95 d(∂P→∂R), q95 d(∂R→∂P))     mm (:func:`metrics.surface_distances`)
    auroc                                      of a probability map against R, when one is given

Voxels outside ``within`` (the skull-stripped brain: "only consider the skull-stripped brain",
B5) take part in no count, no surface and no AUROC. The confusion fractions %TP, %FP, %FN, %TN
(R-B2) are the counts over the voxels inside.

Summaries (R-B3, B7's "95% CIs"): per stratum (tumour group, site, scanner: one label per
patient, chosen by the caller) the mean of each metric over patients, with a 95% **percentile**
bootstrap interval (``scipy.stats.bootstrap``, 9999 resamples, seeded). Percentile, not BCa:
BCa is NaN when every patient scores the same (Dice 1 on a region no one has) and unstable on the
few patients of a stratum. Values that are not finite (HD95 with one mask empty, no AUROC) are
left out of the mean and counted in ``left_out``; a single value has no interval.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats
from sklearn.metrics import roc_auc_score

from segmentation.engine.metrics import ConfusionCounts, surface_distances

METRICS = (
    "dice",
    "jaccard",
    "sensitivity",
    "specificity",
    "ppv",
    "npv",
    "balanced_accuracy",
    "hd95",
    "auroc",
)
CONFIDENCE = 0.95
RESAMPLES = 9999
SEED = 0


@dataclass(frozen=True)
class Performance:
    """The metrics of one prediction against one reference, as defined in the module."""

    tp: int
    fp: int
    fn: int
    tn: int
    dice: float
    jaccard: float
    sensitivity: float
    specificity: float
    ppv: float
    npv: float
    balanced_accuracy: float
    hd95: float  # mm; inf when exactly one mask is empty
    auroc: float | None  # None without probabilities or when R is all one class

    def fractions(self) -> dict[str, float]:
        """%TP, %FP, %FN, %TN of the voxels counted (R-B2): FP against FN shows over- against
        under-segmentation, which Dice hides."""
        total = self.tp + self.fp + self.fn + self.tn
        return {
            f"percent_{name}": 100 * getattr(self, name) / total if total else 0.0
            for name in ("tp", "fp", "fn", "tn")
        }

    def to_dict(self) -> dict:
        """JSON-ready: the fields, the fractions, and None for an infinite HD95."""
        values = {**asdict(self), **self.fractions()}
        return {
            k: None if isinstance(v, float) and not math.isfinite(v) else v
            for k, v in values.items()
        }


def performance(
    prediction: np.ndarray,
    reference: np.ndarray,
    spacing: Sequence[float],
    *,
    within: np.ndarray | None = None,
    probabilities: np.ndarray | None = None,
) -> Performance:
    """The metrics of a 3-D binary ``prediction`` against ``reference``, inside ``within``.

    Parameters
    ----------
    prediction, reference
        3-D masks of one shape (non-zero = foreground).
    spacing
        Voxel size in mm along each array axis, for HD95.
    within
        The voxels to count (the brain mask); every voxel when omitted.
    probabilities
        The model's foreground probability per voxel, for AUROC.
    """
    prediction, reference, inside = _restricted(prediction, reference, within)
    counts = counts_within(prediction, reference, inside)
    overlap = counts.overlap()
    # the background taken as the class: its precision is TN / (TN + FN), with the 0/0 rule
    background = ConfusionCounts(tp=counts.tn, fp=counts.fn, fn=counts.fp, tn=counts.tp)
    return Performance(
        tp=counts.tp,
        fp=counts.fp,
        fn=counts.fn,
        tn=counts.tn,
        dice=overlap["dice"],
        jaccard=overlap["jaccard"],
        sensitivity=overlap["sensitivity"],
        specificity=overlap["specificity"],
        ppv=overlap["precision"],
        npv=background.overlap()["precision"],
        balanced_accuracy=(overlap["sensitivity"] + overlap["specificity"]) / 2,
        hd95=surface_distances(prediction, reference, spacing).hausdorff(95.0),
        auroc=_auroc(reference, probabilities, inside),
    )


def _restricted(prediction, reference, within) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    prediction, reference = np.asarray(prediction) != 0, np.asarray(reference) != 0
    inside = np.ones(reference.shape, bool) if within is None else np.asarray(within) != 0
    return prediction & inside, reference & inside, inside


def counts_within(
    prediction: np.ndarray, reference: np.ndarray, within: np.ndarray | None = None
) -> ConfusionCounts:
    """TP, FP, FN, TN of 3-D masks over the voxels of ``within`` only (all when omitted)."""
    prediction, reference, inside = _restricted(prediction, reference, within)
    counts = ConfusionCounts.of(prediction, reference)
    # ConfusionCounts counts the voxels outside as true negatives
    return ConfusionCounts(counts.tp, counts.fp, counts.fn, counts.tn - int((~inside).sum()))


def _auroc(reference: np.ndarray, probabilities: np.ndarray | None, inside: np.ndarray):
    labels = reference[inside]
    if probabilities is None or labels.all() or not labels.any():
        return None
    return float(roc_auc_score(labels, np.asarray(probabilities)[inside]))


def region_performance(
    predictions: Mapping[str, np.ndarray],
    references: Mapping[str, np.ndarray],
    spacing: Sequence[float],
    *,
    within: np.ndarray | None = None,
    probabilities: Mapping[str, np.ndarray] | None = None,
) -> dict[str, Performance]:
    """:func:`performance` per region (``"WT"``, ``"TC"``, ``"ET"``, …) of one patient; the two
    mappings must name the same regions."""
    if set(predictions) != set(references):
        raise ValueError(f"regions differ: {sorted(predictions)} and {sorted(references)}")
    probabilities = probabilities or {}
    return {
        region: performance(
            predictions[region],
            references[region],
            spacing,
            within=within,
            probabilities=probabilities.get(region),
        )
        for region in predictions
    }


@dataclass(frozen=True)
class MeanInterval:
    """A mean over patients with its bootstrap interval (None where undefined)."""

    n: int  # values in the mean
    left_out: int  # values that were None or not finite
    mean: float | None
    low: float | None
    high: float | None
    confidence: float = CONFIDENCE

    def to_dict(self) -> dict:
        return asdict(self)


def bootstrap_mean(
    values: Sequence[float | None],
    *,
    confidence: float = CONFIDENCE,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> MeanInterval:
    """The mean of the finite ``values`` and its percentile bootstrap interval."""
    array = np.array([np.nan if v is None else v for v in values], dtype=float)
    finite = array[np.isfinite(array)]
    left_out = array.size - finite.size
    if finite.size == 0:
        return MeanInterval(0, left_out, None, None, None, confidence)
    mean = float(finite.mean())
    if finite.size == 1:
        return MeanInterval(1, left_out, mean, None, None, confidence)
    interval = stats.bootstrap(
        (finite,),
        np.mean,
        confidence_level=confidence,
        n_resamples=resamples,
        method="percentile",
        rng=np.random.default_rng(seed),
    ).confidence_interval
    return MeanInterval(
        finite.size, left_out, mean, float(interval.low), float(interval.high), confidence
    )


def summarise_by_stratum(
    cases: Sequence[Mapping[str, float | None]],
    strata: Sequence[str],
    *,
    metrics: Sequence[str] = METRICS,
    confidence: float = CONFIDENCE,
    seed: int = SEED,
) -> dict[str, dict[str, MeanInterval]]:
    """Per stratum label, per metric: :func:`bootstrap_mean` over the stratum's patients.

    Parameters
    ----------
    cases
        One mapping of metric name to value per patient (``Performance.to_dict()`` fits).
    strata
        The stratum of each patient, in the order of ``cases``.
    metrics
        The metrics to summarise; a patient without one counts as a missing value.
    """
    if len(cases) != len(strata):
        raise ValueError(f"{len(cases)} cases but {len(strata)} stratum labels")
    summary: dict[str, dict[str, MeanInterval]] = {}
    for stratum in dict.fromkeys(strata):
        members = [case for case, label in zip(cases, strata, strict=True) if label == stratum]
        summary[stratum] = {
            metric: bootstrap_mean(
                [case.get(metric) for case in members], confidence=confidence, seed=seed
            )
            for metric in metrics
        }
    return summary
