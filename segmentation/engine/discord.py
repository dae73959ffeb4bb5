"""Alarm flags from the discord of a segmentation ensemble [1].

Each member of an ensemble (a *candidate*) segments one target class of an exam. The procedure of
[1] §2.1 (L5461–L5491; Figure 1, L5533–L5539), one function per step:

1. Fuse the candidates by equal-weight majority vote (L5511–L5513): :func:`fuse_majority`.
2. Compare each candidate with the fusion by Dice and Hausdorff distance (L5507–L5513):
   :func:`candidate_agreement`.
3. Over a cohort, per candidate and metric, τ = median(s) − α · MAD(s), where s is the metric, or
   its additive inverse −HD for distances (L5476–L5483, L5539): :func:`cohort_thresholds`.
4. Raise an alarm when s < τ, and whenever the value is inf or NaN (L5485–L5488):
   :func:`raise_alarms`.
5. The exam's risk score is its number of alarms (L5490–L5491): :func:`risk_score`.

Where the paper is silent or loose, this module decides:

- MAD is raw, median(|s − median(s)|), unless ``scaled=True`` multiplies it by 1/Φ⁻¹(3/4) ≈
  1.4826 (a normal σ estimate). The paper names the "median absolute deviation" with no factor
  (R-ALM-04).
- α defaults to 0.1, the value the paper uses for every class, component and metric (L5679–L5680)
  and at which it reports r = −0.72 and the thresholds of its Table 3. Its "default" α = 0
  (L5614–L5616) alarms about half of all exams per metric, too many for a worklist; the spec's
  configuration default of 0 (R-ALM-02) is therefore not followed. α may be negative (Table 1).
- Hausdorff is the maximum (HD100), pymia's default percentile; [1] used pymia (L5513). HD95 is
  available. Both are the voxel-surface distances of :mod:`segmentation.engine.metrics` (pymia
  weights surface elements): two empty masks are at 0, one empty mask at inf, so an empty candidate
  beside a non-empty fusion always alarms.
- Fusion is a strict majority: a tie (even number of candidates, exactly half voting) is
  background. BraTS Toolkit's ``mav`` counts votes ≥ n/2, making ties foreground;
  ``ties_to_foreground=True`` reproduces it. For an odd count (the paper's five MR members) the
  two agree.
- Cohort statistics use the finite values only: non-finite values alarm anyway, and a median over
  inf carries no scale.
- Thresholds are reported in the metric's units, as Table 3 does: median − α·MAD for Dice,
  median + α·MAD for distances, where an alarm is HD > threshold (−HD < −threshold).

[1] F. Kofler et al., "Robust, primitive, and unsupervised quality estimation for segmentation
    ensembles", Front. Neurosci., 2021; seed 003_1b1f228b9baf53d4.txt L5380–L5861.
"""

import enum
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from segmentation.engine.metrics import ConfusionCounts, surface_distances

DEFAULT_ALPHA = 0.1  # [1] L5679–L5680


class AgreementMetric(enum.StrEnum):
    """Similarity of a candidate with the fusion; the distances are in mm."""

    DICE = "dice"
    HAUSDORFF = "hausdorff"
    HAUSDORFF95 = "hausdorff95"

    @property
    def is_distance(self) -> bool:
        return self is not AgreementMetric.DICE


PAPER_METRICS = (AgreementMetric.DICE, AgreementMetric.HAUSDORFF)  # [1] L5507–L5509


def fuse_majority(masks: Sequence[np.ndarray], ties_to_foreground: bool = False) -> np.ndarray:
    """Equal-weight majority vote of n binary masks ([1] L5511–L5513).

    F(x) = [Σᵢ mᵢ(x) > n/2], or ≥ n/2 with ``ties_to_foreground`` (BraTS Toolkit).

    >>> fuse_majority([np.array([1, 1, 0]), np.array([1, 0, 0])]).tolist()
    [True, False, False]

    Raises
    ------
    ValueError
        When ``masks`` is empty or the masks differ in shape.
    """
    if not masks:
        raise ValueError("no masks to fuse")
    shapes = {np.shape(mask) for mask in masks}
    if len(shapes) > 1:
        raise ValueError(f"masks differ in shape: {sorted(shapes)}")
    votes = sum(np.asarray(mask) != 0 for mask in masks).astype(np.int64)
    return 2 * votes >= len(masks) if ties_to_foreground else 2 * votes > len(masks)


def candidate_agreement(
    candidates: Mapping[str, np.ndarray],
    spacing: Sequence[float],
    metrics: Sequence[AgreementMetric | str] = PAPER_METRICS,
    fusion: np.ndarray | None = None,
) -> dict[str, dict[AgreementMetric, float]]:
    """Each candidate's similarity with the fusion (steps 1–2 of [1] §2.1).

    Parameters
    ----------
    candidates
        Binary 3-D masks of one target class of one exam, by ensemble member.
    spacing
        Voxel size in mm along each array axis.
    metrics
        What to compute per candidate.
    fusion
        A fusion made otherwise (SIMPLE, [1] L5576–L5578); the majority vote when omitted.

    Returns
    -------
    dict[str, dict[AgreementMetric, float]]
        candidate → metric → value.

    Raises
    ------
    ValueError
        When there are fewer than two candidates, a metric is unknown, or the masks differ in
        shape, are not 3-D, or ``spacing`` is not three positive numbers.
    """
    if len(candidates) < 2:
        raise ValueError(f"an ensemble needs two or more candidates, got {len(candidates)}")
    wanted = [AgreementMetric(metric) for metric in metrics]
    if fusion is None:
        fusion = fuse_majority(list(candidates.values()))
    agreement = {}
    for name, mask in candidates.items():
        values = {AgreementMetric.DICE: ConfusionCounts.of(mask, fusion).overlap()["dice"]}
        if any(metric.is_distance for metric in wanted):
            distances = surface_distances(mask, fusion, spacing)
            values[AgreementMetric.HAUSDORFF] = distances.hausdorff()
            values[AgreementMetric.HAUSDORFF95] = distances.hausdorff(95.0)
        agreement[name] = {metric: values[metric] for metric in wanted}
    return agreement


@dataclass(frozen=True)
class Threshold:
    """A cohort threshold for one candidate and metric ([1] L5476–L5483)."""

    candidate: str
    metric: AgreementMetric
    median: float  # of the metric's finite cohort values, in its units
    mad: float  # their median absolute deviation, ×1/Φ⁻¹(3/4) when scaled
    alpha: float
    scaled: bool
    cohort_size: int  # finite values the statistics use

    @property
    def score_threshold(self) -> float:
        """τ = median(s) − α · MAD(s) with s = −metric for distances (MAD(−x) = MAD(x))."""
        sign = -1.0 if self.metric.is_distance else 1.0
        return sign * self.median - self.alpha * self.mad

    @property
    def value(self) -> float:
        """τ in the metric's units: median − α·MAD, or median + α·MAD for distances."""
        return -self.score_threshold if self.metric.is_distance else self.score_threshold

    def alarms(self, value: float) -> bool:
        """Whether ``value`` raises an alarm: s < τ, or not finite ([1] L5485–L5488)."""
        if not math.isfinite(value):
            return True
        return (-value if self.metric.is_distance else value) < self.score_threshold


def cohort_thresholds(
    cohort: Iterable[Mapping[str, Mapping[str, float]]],
    alpha: float = DEFAULT_ALPHA,
    scaled: bool = False,
    alpha_overrides: Mapping[tuple[str, str], float] | None = None,
) -> dict[tuple[str, AgreementMetric], Threshold]:
    """Thresholds per (candidate, metric) over a cohort of exams (step 3 of [1] §2.1).

    Parameters
    ----------
    cohort
        One :func:`candidate_agreement` result per exam, all of one target class.
    alpha
        α for every (candidate, metric) not in ``alpha_overrides``.
    scaled
        Multiply the MAD by 1/Φ⁻¹(3/4) ≈ 1.4826.
    alpha_overrides
        α per (candidate, metric) ([1] L5623–L5626).

    Raises
    ------
    ValueError
        When the cohort is empty, a metric is unknown, an α is not finite or names a (candidate,
        metric) the cohort lacks, or a (candidate, metric) has no finite value in the cohort.
    """
    values: dict[tuple[str, AgreementMetric], list[float]] = defaultdict(list)
    for agreement in cohort:
        for candidate, by_metric in agreement.items():
            for metric, value in by_metric.items():
                values[candidate, AgreementMetric(metric)].append(float(value))
    if not values:
        raise ValueError("the cohort is empty")
    overrides = {(c, AgreementMetric(m)): a for (c, m), a in (alpha_overrides or {}).items()}
    if unknown := set(overrides) - set(values):
        raise ValueError(f"α given for (candidate, metric) not in the cohort: {sorted(unknown)}")
    alphas = {**dict.fromkeys(values, alpha), **overrides}
    thresholds = {}
    for (candidate, metric), found in values.items():
        finite = [value for value in found if math.isfinite(value)]
        if not finite:
            raise ValueError(f"{candidate}: no finite {metric} value in the cohort")
        if not math.isfinite(alphas[candidate, metric]):
            raise ValueError(f"{candidate}, {metric}: α must be finite")
        thresholds[candidate, metric] = Threshold(
            candidate=candidate,
            metric=metric,
            median=float(np.median(finite)),
            mad=float(stats.median_abs_deviation(finite, scale="normal" if scaled else 1.0)),
            alpha=float(alphas[candidate, metric]),
            scaled=scaled,
            cohort_size=len(finite),
        )
    return thresholds


@dataclass(frozen=True)
class DiscordFlag:
    """One flag of ensemble discord: a candidate's metric beyond its cohort threshold, with the
    evidence."""

    target: str
    candidate: str
    metric: AgreementMetric
    value: float
    threshold: float
    alpha: float
    reason: str


def _reason(threshold: Threshold, value: float) -> str:
    metric, unit = threshold.metric, " mm" if threshold.metric.is_distance else ""
    if math.isnan(value):
        return f"{metric} of {threshold.candidate} against the fusion is not a number"
    if math.isinf(value):
        return f"{metric} is infinite: exactly one of {threshold.candidate} and the fusion is empty"
    side, sign = ("above", "+") if metric.is_distance else ("below", "−")
    return (
        f"{metric} {value:.4g}{unit} {side} the threshold {threshold.value:.4g}{unit} = median "
        f"{threshold.median:.4g} {sign} α·MAD (α = {threshold.alpha:g}, MAD = {threshold.mad:.4g})"
    )


def raise_alarms(
    agreement: Mapping[str, Mapping[str, float]],
    thresholds: Mapping[tuple[str, AgreementMetric], Threshold],
    target: str = "",
) -> list[DiscordFlag]:
    """The alarms of one exam and target class (step 4 of [1] §2.1).

    Parameters
    ----------
    agreement
        The exam's :func:`candidate_agreement` for ``target``.
    thresholds
        :func:`cohort_thresholds` of the same target class.
    target
        The target class, recorded with each alarm.

    Raises
    ------
    ValueError
        When a (candidate, metric) of ``agreement`` has no threshold.
    """
    alarms = []
    for candidate, by_metric in agreement.items():
        for metric, value in by_metric.items():
            threshold = thresholds.get((candidate, AgreementMetric(metric)))
            if threshold is None:
                raise ValueError(f"no cohort threshold for {candidate}, {metric}")
            if threshold.alarms(value):
                alarms.append(
                    DiscordFlag(
                        target=target,
                        candidate=candidate,
                        metric=threshold.metric,
                        value=float(value),
                        threshold=threshold.value,
                        alpha=threshold.alpha,
                        reason=_reason(threshold, value),
                    )
                )
    return alarms


def risk_score(alarms: Iterable[DiscordFlag]) -> int:
    """The number of alarms: 0 … classes × candidates × metrics ([1] L5490–L5491)."""
    return sum(1 for _ in alarms)
