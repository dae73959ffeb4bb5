"""Axis 4, data quality and batch effects (spec B8, R-B8): which scan-quality features
(:mod:`imaging.quality`) move with a model's performance, and whether sites differ in them.

Correlation. For each feature q and performance metric m, Spearman's ρ over the cases where
both are finite (``scipy.stats.spearmanr``, two-sided p). Every (feature, metric) pair of one
call is one family, adjusted by Benjamini–Hochberg (``statsmodels.stats.multitest.multipletests``,
``method="fdr_bh"``): with the k p-values sorted, p̃_(i) = min_{j ≥ i} min(1, k · p_(j) / j). A
pair is significant when p̃ ≤ α. The paper adjusts its 1,224 comparisons (17 features × 4
sequences × 6 metrics × 3 models) as one family at α = 0.25, and its results text speaks of
0.05 (B11): α is a parameter and p̃ is returned, so any threshold can be read off. A pair with
fewer than 3 cases or a constant side has no ρ and stays out of the family.

Batch effects. The features are standardised (z-scores, scikit-learn ``StandardScaler``) and
projected on their first principal components (``PCA``); each case's coordinates come with its
site label, for the PCs-by-site plot and tests of B8. Features missing (None or not finite) for
any case are left out and named.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler
from statsmodels.stats.multitest import multipletests

ALPHA = 0.25  # B8, l.2813
MIN_CASES = 3

Records = Sequence[Mapping[str, float | None]]


@dataclass(frozen=True)
class Correlation:
    feature: str
    metric: str
    n: int  # cases with both values
    rho: float | None
    p_value: float | None
    p_adjusted: float | None  # Benjamini–Hochberg over the family
    significant: bool  # p_adjusted ≤ alpha

    def to_dict(self) -> dict:
        return asdict(self)


def _names(records: Records) -> list[str]:
    return list(dict.fromkeys(name for record in records for name in record))


def _column(records: Records, name: str) -> np.ndarray:
    values = [record.get(name) for record in records]
    return np.array([math.nan if v is None else v for v in values], dtype=float)


def _spearman(x: np.ndarray, y: np.ndarray) -> tuple[int, float | None, float | None]:
    known = np.isfinite(x) & np.isfinite(y)
    x, y = x[known], y[known]
    if x.size < MIN_CASES or np.ptp(x) == 0 or np.ptp(y) == 0:
        return int(x.size), None, None
    result = stats.spearmanr(x, y)
    return int(x.size), float(result.statistic), float(result.pvalue)


def benjamini_hochberg(
    p_values: Sequence[float], *, alpha: float = ALPHA
) -> tuple[np.ndarray, np.ndarray]:
    """BH-adjusted p-values of one family and whether each is rejected (p̃ ≤ ``alpha``)."""
    if len(p_values) == 0:
        return np.empty(0), np.empty(0, dtype=bool)
    rejected, adjusted, _, _ = multipletests(p_values, alpha=alpha, method="fdr_bh")
    return adjusted, rejected


def correlate(
    features: Records, performance: Records, *, alpha: float = ALPHA
) -> list[Correlation]:
    """Spearman ρ of every feature with every metric, BH-adjusted as one family.

    Parameters
    ----------
    features
        One mapping of feature name to value per case (``imaging.quality.quality_features``).
    performance
        One mapping of metric name to value per case, in the same case order.
    alpha
        The false discovery rate at which a pair is called significant.
    """
    if len(features) != len(performance):
        raise ValueError(f"{len(features)} feature records but {len(performance)} metric records")
    pairs = [
        (feature, metric, *_spearman(_column(features, feature), _column(performance, metric)))
        for feature in _names(features)
        for metric in _names(performance)
    ]
    tested = [i for i, pair in enumerate(pairs) if pair[4] is not None]
    p_adjusted, _ = benjamini_hochberg([pairs[i][4] for i in tested], alpha=alpha)
    adjusted = dict(zip(tested, map(float, p_adjusted), strict=True))
    return [
        Correlation(
            feature, metric, n, rho, p, adjusted.get(i), i in adjusted and adjusted[i] <= alpha
        )
        for i, (feature, metric, n, rho, p) in enumerate(pairs)
    ]


@dataclass(frozen=True)
class QualityPCA:
    features: list[str]  # the features projected
    left_out: list[str]  # missing for some case
    explained_variance_ratio: list[float]
    components: list[list[float]]  # per PC, the loading of each feature
    points: list[dict]  # per case: "case", "site", "pc1", "pc2", …

    def to_dict(self) -> dict:
        return asdict(self)


def quality_pca(
    features: Records,
    sites: Sequence[str],
    *,
    cases: Sequence[str] | None = None,
    components: int = 2,
) -> QualityPCA:
    """Standardise the features, project them on ``components`` principal components, and label
    each case's coordinates with its site (and its name from ``cases``, else its index)."""
    if len(features) != len(sites):
        raise ValueError(f"{len(features)} feature records but {len(sites)} site labels")
    names = _names(features)
    columns = {name: _column(features, name) for name in names}
    kept = [name for name in names if np.isfinite(columns[name]).all()]
    if len(kept) < components or len(features) < components:
        raise ValueError(f"{len(kept)} complete features and {len(features)} cases are too few")
    table = StandardScaler().fit_transform(np.column_stack([columns[name] for name in kept]))
    pca = PCA(n_components=components).fit(table)
    coordinates = pca.transform(table)
    labels = list(cases) if cases is not None else list(range(len(features)))
    return QualityPCA(
        features=kept,
        left_out=[name for name in names if name not in kept],
        explained_variance_ratio=pca.explained_variance_ratio_.tolist(),
        components=pca.components_.tolist(),
        points=[
            {"case": case, "site": site, **{f"pc{k + 1}": float(v) for k, v in enumerate(row)}}
            for case, site, row in zip(labels, sites, coordinates, strict=True)
        ],
    )
