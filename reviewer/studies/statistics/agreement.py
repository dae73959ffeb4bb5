"""Agreement between readers (spec R-WMH-07, R-CMB-06, S-15): Cohen's κ and weighted κ, Fleiss' κ,
Krippendorff's α, and the intraclass correlation of continuous measurements such as lesion volumes.

Every coefficient is the library's own, not recomputed here:

- Cohen's κ, unweighted or with linear or quadratic weights: scikit-learn's ``cohen_kappa_score``.
  Its confidence interval is κ ± z·SE with the asymptotic standard error of Fleiss, Cohen and
  Everitt (1969) that statsmodels' ``cohens_kappa`` reports for the same confusion matrix, cut
  to κ's range [−1, 1].
- Fleiss' κ: statsmodels' ``fleiss_kappa`` on the subject × category counts of
  ``aggregate_raters``.
- Krippendorff's α (nominal, ordinal, interval, ratio; missing ratings allowed):
  ``krippendorff.alpha``.
- ICC: pingouin's ``intraclass_corr``, all six forms with their F tests and 95 % CIs (pingouin
  prints the bounds to two decimals), named as pingouin names them after McGraw and Wong:
  ICC(1,1), ICC(A,1), ICC(C,1) are Shrout and Fleiss' ICC1, ICC2, ICC3; the ``k`` forms are the
  reliability of the mean of the k readers.

Fleiss' κ and Krippendorff's α have no closed-form interval in these libraries; theirs is a seeded
percentile bootstrap over subjects (``scipy.stats.bootstrap``): the same data and seed give the same
interval. A resample on which the coefficient is undefined (one category left) makes the bound None.

One convention for every input: one row per subject (a case or a lesion), one column per reader.

[1] Cohen J. (1960), weighted: Cohen J. (1968). [2] Fleiss J. L. (1971) "Measuring nominal scale
agreement among many raters." [3] Krippendorff K. (2011) "Computing Krippendorff's alpha-
reliability." [4] Shrout P. E., Fleiss J. L. (1979) "Intraclass correlations: uses in assessing
rater reliability."
"""

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import krippendorff
import numpy as np
import pandas as pd
import pingouin
from scipy import stats
from sklearn.metrics import cohen_kappa_score, confusion_matrix
from statsmodels.stats import inter_rater

CONFIDENCE = 0.95
RESAMPLES = 2000
SEED = 0

Weights = Literal["linear", "quadratic"] | None
Level = Literal["nominal", "ordinal", "interval", "ratio"]

ICC_FORMS = {
    "ICC(1,1)": "one-way random effects, single reader (Shrout-Fleiss ICC1)",
    "ICC(A,1)": "two-way random effects, absolute agreement, single reader (Shrout-Fleiss ICC2)",
    "ICC(C,1)": "two-way mixed effects, consistency, single reader (Shrout-Fleiss ICC3)",
    "ICC(1,k)": "one-way random effects, mean of k readers (Shrout-Fleiss ICC1k)",
    "ICC(A,k)": "two-way random effects, absolute agreement, mean of k readers (ICC2k)",
    "ICC(C,k)": "two-way mixed effects, consistency, mean of k readers (ICC3k)",
}


@dataclass(frozen=True)
class Agreement:
    """One agreement coefficient over ``subjects`` rated by ``raters``, with its interval."""

    statistic: str
    value: float
    ci_low: float | None
    ci_high: float | None
    confidence: float
    subjects: int
    raters: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Icc:
    """One intraclass correlation form (``kind`` as pingouin names it, see :data:`ICC_FORMS`);
    ``p`` tests ICC = 0; the interval is pingouin's 95 % interval."""

    kind: str
    description: str
    value: float
    f: float
    df1: int
    df2: int
    p: float
    ci_low: float
    ci_high: float

    def to_dict(self) -> dict:
        return asdict(self)


def exact_agreement(first: Sequence, second: Sequence) -> float:
    """The fraction of subjects on which two readers give the same answer."""
    first, second = _paired(first, second)
    return float(np.mean(first == second))


def cohen_kappa(
    first: Sequence,
    second: Sequence,
    *,
    weights: Weights = None,
    labels: Sequence | None = None,
    confidence: float = CONFIDENCE,
) -> Agreement:
    """Cohen's κ of two readers over the same subjects.

    ``labels`` lists the categories in the scale's order, which the weighted forms need (the
    default sorts the values seen, right for numeric grades); ``weights`` is None, "linear" or
    "quadratic".
    """
    first, second = _paired(first, second)
    categories = list(labels) if labels is not None else sorted(set(first) | set(second))
    value = float(cohen_kappa_score(first, second, labels=categories, weights=weights))
    table = confusion_matrix(first, second, labels=categories)
    asymptotic = inter_rater.cohens_kappa(table, wt=weights)
    half_width = _z(confidence) * float(asymptotic.std_kappa)
    return Agreement(
        statistic="cohen_kappa" if weights is None else f"cohen_kappa_{weights}",
        value=value,
        ci_low=_finite(max(value - half_width, -1.0)),
        ci_high=_finite(min(value + half_width, 1.0)),
        confidence=confidence,
        subjects=len(first),
        raters=2,
    )


def pairwise_cohen_kappa(
    ratings_by_reader: Mapping[str, Sequence], **options
) -> dict[tuple[str, str], Agreement]:
    """Cohen's κ for every pair of readers (keys in the mapping's order); options as cohen_kappa."""
    return {
        (a, b): cohen_kappa(ratings_by_reader[a], ratings_by_reader[b], **options)
        for a, b in itertools.combinations(ratings_by_reader, 2)
    }


def fleiss_kappa(
    ratings,
    *,
    confidence: float = CONFIDENCE,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> Agreement:
    """Fleiss' κ; ``ratings`` has one row per subject and one column per reader (category labels),
    every subject rated by the same number of readers."""
    ratings = np.asarray(ratings)
    if ratings.ndim != 2 or ratings.shape[1] < 2:
        raise ValueError("ratings need one row per subject and at least two reader columns")
    counts, _ = inter_rater.aggregate_raters(ratings)

    def coefficient(rows: np.ndarray) -> float:
        return float(inter_rater.fleiss_kappa(counts[rows], method="fleiss"))

    return _with_bootstrap(
        "fleiss_kappa",
        coefficient,
        ratings.shape,
        confidence=confidence,
        resamples=resamples,
        seed=seed,
    )


def krippendorff_alpha(
    ratings,
    *,
    level: Level = "ordinal",
    value_domain: Sequence | None = None,
    confidence: float = CONFIDENCE,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> Agreement:
    """Krippendorff's α; ``ratings`` has one row per subject and one column per reader, numbers with
    NaN where a reader gave no rating. ``value_domain`` orders the values for the ordinal level
    when not every value occurs."""
    ratings = np.asarray(ratings, dtype=float)
    if ratings.ndim != 2 or ratings.shape[1] < 2:
        raise ValueError("ratings need one row per subject and at least two reader columns")
    reliability_data = ratings.T  # krippendorff's orientation: one row per reader

    def coefficient(units: np.ndarray) -> float:
        try:
            return float(
                krippendorff.alpha(
                    reliability_data=reliability_data[:, units],
                    level_of_measurement=level,
                    value_domain=value_domain,
                )
            )
        except ValueError:  # a resample with a single value: α is undefined
            return math.nan

    return _with_bootstrap(
        f"krippendorff_alpha_{level}",
        coefficient,
        ratings.shape,
        confidence=confidence,
        resamples=resamples,
        seed=seed,
    )


def icc(measurements) -> tuple[Icc, ...]:
    """The six intraclass correlations of ``measurements`` (one row per subject, one column per
    reader, no missing value), e.g. lesion volumes in mL. ICC(A,1) (two-way random, absolute
    agreement) is the usual choice when the readers stand for readers in general, ICC(C,1)
    (two-way mixed, consistency) when they are the only readers of interest."""
    measurements = np.asarray(measurements, dtype=float)
    if measurements.ndim != 2 or measurements.shape[1] < 2 or measurements.shape[0] < 2:
        raise ValueError("measurements need at least two subject rows and two reader columns")
    if np.isnan(measurements).any():
        raise ValueError("ICC needs every reader's measurement of every subject")
    subjects, readers = np.indices(measurements.shape)
    long = pd.DataFrame(
        {
            "subject": subjects.ravel(),
            "reader": readers.ravel(),
            "value": measurements.ravel(),
        }
    )
    table = pingouin.intraclass_corr(long, targets="subject", raters="reader", ratings="value")
    return tuple(
        Icc(
            kind=row["Type"],
            description=ICC_FORMS[row["Type"]],
            value=float(row["ICC"]),
            f=float(row["F"]),
            df1=int(row["df1"]),
            df2=int(row["df2"]),
            p=float(row["pval"]),
            ci_low=float(row[_ci_column(table)][0]),
            ci_high=float(row[_ci_column(table)][1]),
        )
        for _, row in table.iterrows()
    )


def _ci_column(table: pd.DataFrame) -> str:
    return next(name for name in table.columns if name.startswith("CI"))


def _with_bootstrap(
    statistic: str,
    coefficient: Callable[[np.ndarray], float],
    shape: tuple[int, int],
    *,
    confidence: float,
    resamples: int,
    seed: int,
) -> Agreement:
    """The coefficient on every subject, with a percentile bootstrap interval over subjects."""
    subjects, raters = shape
    everyone = np.arange(subjects)
    value = coefficient(everyone)
    interval = stats.bootstrap(
        (everyone,),
        lambda rows: coefficient(rows.astype(int)),
        vectorized=False,
        n_resamples=resamples,
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    ).confidence_interval
    return Agreement(
        statistic=statistic,
        value=value,
        ci_low=_finite(interval.low),
        ci_high=_finite(interval.high),
        confidence=confidence,
        subjects=subjects,
        raters=raters,
    )


def _paired(first: Sequence, second: Sequence) -> tuple[np.ndarray, np.ndarray]:
    first, second = np.asarray(first), np.asarray(second)
    if first.shape != second.shape or first.ndim != 1:
        raise ValueError(f"two readers rate the same subjects: {first.shape} vs {second.shape}")
    if first.size == 0:
        raise ValueError("no subjects")
    return first, second


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None
