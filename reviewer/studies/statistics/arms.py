"""Unaided against AI-aided arms, paired per case or per reader (spec S-15; MUSIC compares the mean
lesions per patient and the reading times of its two phases with a paired Student t-test,
ms-workflows §2.9).

The difference is always aided − unaided, so a positive mean difference means more (lesions,
seconds) with AI. Its confidence interval is the paired t interval, mean ± t(n − 1)·SD/√n, from
``scipy.stats.ttest_rel``; ``scipy.stats.wilcoxon`` gives the signed-rank test that does not
assume normal differences (reading times are skewed). Wilcoxon drops zero differences (Wilcoxon's
own rule); with no non-zero difference left it is not defined and its fields are None.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


@dataclass(frozen=True)
class ArmComparison:
    pairs: int
    mean_unaided: float
    mean_aided: float
    mean_difference: float  # aided − unaided
    sd_difference: float
    ci_low: float
    ci_high: float
    confidence: float
    t_statistic: float
    t_p: float
    wilcoxon_statistic: float | None
    wilcoxon_p: float | None

    def to_dict(self) -> dict:
        return asdict(self)


def compare_arms(
    unaided: Sequence[float], aided: Sequence[float], *, confidence: float = CONFIDENCE
) -> ArmComparison:
    """Paired comparison of two arms; ``unaided[i]`` and ``aided[i]`` belong to the same case (or
    reader). Two-sided tests."""
    unaided = np.asarray(unaided, dtype=float)
    aided = np.asarray(aided, dtype=float)
    if unaided.shape != aided.shape or unaided.ndim != 1:
        raise ValueError(f"the arms must be paired: {unaided.shape} vs {aided.shape}")
    if unaided.size < 2:
        raise ValueError("a paired comparison needs at least two pairs")
    if np.isnan(unaided).any() or np.isnan(aided).any():
        raise ValueError("every pair needs both arms")
    differences = aided - unaided
    t_test = stats.ttest_rel(aided, unaided)
    interval = t_test.confidence_interval(confidence_level=confidence)
    wilcoxon_statistic = wilcoxon_p = None
    if np.any(differences != 0):
        wilcoxon = stats.wilcoxon(aided, unaided)
        wilcoxon_statistic, wilcoxon_p = float(wilcoxon.statistic), float(wilcoxon.pvalue)
    return ArmComparison(
        pairs=int(unaided.size),
        mean_unaided=float(unaided.mean()),
        mean_aided=float(aided.mean()),
        mean_difference=float(differences.mean()),
        sd_difference=float(differences.std(ddof=1)),
        ci_low=float(interval.low),
        ci_high=float(interval.high),
        confidence=confidence,
        t_statistic=float(t_test.statistic),
        t_p=float(t_test.pvalue),
        wilcoxon_statistic=wilcoxon_statistic,
        wilcoxon_p=wilcoxon_p,
    )
