"""Axis 4, data quality (spec B8, B11, R-B8, D16): Spearman's ρ of a hand-ranked example,
Benjamini–Hochberg by hand and against statsmodels over the whole family, and the PCA of
standardised features against an SVD done here."""

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from segmentation.engine.evaluation.data_quality import (
    benjamini_hochberg,
    correlate,
    quality_pca,
)


def records(**columns) -> list[dict]:
    """Per-case records from named columns of equal length."""
    return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def test_spearman_rho_of_a_hand_ranked_example():
    # rank differences −1, 1, −1, 1, 0: ρ = 1 − 6 · 4 / (5 · 24) = 0.8
    (pair,) = correlate(records(SNR1=[1, 2, 3, 4, 5]), records(dice=[2, 1, 4, 3, 5]))
    assert (pair.feature, pair.metric, pair.n) == ("SNR1", "dice", 5)
    assert pair.rho == pytest.approx(0.8)


def test_bh_adjusted_p_values_of_four_match_a_hand_computation():
    # sorted 0.01, 0.03, 0.04, 0.20; 4p/rank = 0.04, 0.06, 0.0533, 0.20; running minimum from
    # the largest: 0.20, 0.0533, 0.0533, 0.04
    adjusted, rejected = benjamini_hochberg([0.01, 0.04, 0.03, 0.20], alpha=0.05)
    assert adjusted == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.20])
    assert rejected.tolist() == [True, False, False, False]


def test_the_default_fdr_is_the_papers_quarter():
    _, rejected = benjamini_hochberg([0.01, 0.04, 0.03, 0.20])
    assert rejected.tolist() == [True, True, True, True]


def test_every_feature_metric_pair_of_a_call_is_adjusted_as_one_family():
    rng = np.random.default_rng(0)
    dice, auroc = rng.random(30), rng.random(30)
    features = {f"F{i}": dice * i / 4 + rng.normal(0, 0.3, 30) for i in range(4)}
    result = correlate(records(**features), records(dice=dice, auroc=auroc))
    raw = [
        stats.spearmanr(features[p.feature], {"dice": dice, "auroc": auroc}[p.metric])
        for p in result
    ]
    expected = multipletests([r.pvalue for r in raw], method="fdr_bh")[1]
    assert len(result) == 8
    assert [p.p_value for p in result] == pytest.approx([r.pvalue for r in raw])
    assert [p.p_adjusted for p in result] == pytest.approx(expected)


def test_a_pair_is_significant_when_its_adjusted_p_is_at_most_alpha():
    rng = np.random.default_rng(1)
    dice = rng.random(40)
    features = records(strong=dice + rng.normal(0, 0.1, 40), unrelated=rng.random(40))
    for alpha in (0.25, 0.05):
        for pair in correlate(features, records(dice=dice), alpha=alpha):
            assert pair.significant == (pair.p_adjusted <= alpha)
    strong = correlate(features, records(dice=dice), alpha=0.05)[0]
    assert strong.significant


def test_a_constant_feature_has_no_rho_and_stays_out_of_the_family():
    rng = np.random.default_rng(2)
    dice = rng.random(20)
    features = records(flat=np.ones(20), a=rng.random(20), b=dice + rng.normal(0, 0.2, 20))
    flat, a, b = correlate(features, records(dice=dice))
    assert (flat.rho, flat.p_adjusted, flat.significant) == (None, None, False)
    expected = multipletests([a.p_value, b.p_value], method="fdr_bh")[1]
    assert [a.p_adjusted, b.p_adjusted] == pytest.approx(expected)


def test_missing_values_leave_out_their_case_for_that_pair_only():
    features = records(EFC=[0.1, None, 0.3, 0.4, 0.5], CV=[1, 2, 3, 4, 5])
    efc, cv = correlate(features, records(dice=[0.5, 0.6, 0.7, 0.8, float("nan")]))
    assert (efc.n, cv.n) == (3, 4)


def test_pca_coordinates_are_the_principal_axes_of_the_z_scores():
    rng = np.random.default_rng(3)
    table = rng.normal(size=(12, 4)) @ rng.normal(size=(4, 4)) + [10, 0, 5, -3]
    sites = ["06", "HT"] * 6
    result = quality_pca(records(**{f"f{i}": table[:, i] for i in range(4)}), sites)
    z = (table - table.mean(axis=0)) / table.std(axis=0)
    u, s, _ = np.linalg.svd(z - z.mean(axis=0), full_matrices=False)
    expected = u[:, :2] * s[:2]
    found = np.array([[p["pc1"], p["pc2"]] for p in result.points])
    assert np.abs(found) == pytest.approx(np.abs(expected))  # each axis up to its sign
    assert result.explained_variance_ratio == pytest.approx((s[:2] ** 2 / np.sum(s**2)).tolist())


def test_pca_points_carry_their_case_and_site():
    features = records(a=[1.0, 2.0, 4.0], b=[3.0, 1.0, 0.0])
    result = quality_pca(features, ["06", "08", "DU"], cases=["p1", "p2", "p3"])
    assert [(p["case"], p["site"]) for p in result.points] == [
        ("p1", "06"),
        ("p2", "08"),
        ("p3", "DU"),
    ]


def test_features_missing_for_any_case_are_left_out_of_the_pca():
    features = records(a=[1.0, 2.0, 4.0], b=[3.0, 1.0, 0.0], c=[1.0, None, 2.0])
    result = quality_pca(features, ["06", "08", "DU"])
    assert (result.features, result.left_out) == (["a", "b"], ["c"])
