"""Axis 2, calibration (spec B4, R-B5, D17): ECE and MCE of a hand-built example, NLL and Brier
against scikit-learn, ECE and MCE against torchmetrics, and temperature and Platt scaling on
synthetic logits whose true calibration is known."""

import numpy as np
import pytest
import torch
from scipy import special
from sklearn.metrics import brier_score_loss, log_loss
from torchmetrics.functional.classification import binary_calibration_error

from segmentation.engine.evaluation.calibration import (
    calibration_metrics,
    fit_platt,
    fit_temperature,
    patient_mean,
    reliability_diagram,
)

# Five bins of width 0.2. By hand, per bin (count, mean p, foreground frequency, gap):
# [0, .2): 0.1, 0.15 → 2, 0.125, 1/2, 0.375      [.2, .4): 0.3 → 1, 0.3, 0, 0.3
# [.4, .6): empty                                  [.6, .8): 0.7, 0.75 → 2, 0.725, 1, 0.275
# [.8, 1]: 0.9, 0.95 → 2, 0.925, 1/2, 0.425
HAND_P = np.array([0.1, 0.15, 0.3, 0.7, 0.75, 0.9, 0.95])
HAND_Y = np.array([0, 1, 0, 1, 1, 1, 0])


def synthetic(n: int, seed: int, spread: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Calibrated logits z and labels y ~ Bernoulli(σ(z))."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, spread, n)
    return z, (rng.random(n) < special.expit(z)).astype(int)


def test_ece_of_a_hand_built_example_is_the_weighted_gap_of_its_bins():
    ece = (2 * 0.375 + 1 * 0.3 + 2 * 0.275 + 2 * 0.425) / 7
    assert calibration_metrics(HAND_P, HAND_Y, bins=5).ece == pytest.approx(ece)


def test_mce_of_a_hand_built_example_is_its_largest_bin_gap():
    assert calibration_metrics(HAND_P, HAND_Y, bins=5).mce == pytest.approx(0.425)


def test_reliability_diagram_gives_each_bins_count_confidence_and_accuracy():
    diagram = reliability_diagram(HAND_P, HAND_Y, bins=5)
    assert [b.count for b in diagram] == [2, 1, 0, 2, 2]
    assert [b.confidence for b in diagram] == pytest.approx([0.125, 0.3, None, 0.725, 0.925])
    assert [b.accuracy for b in diagram] == pytest.approx([0.5, 0.0, None, 1.0, 0.5])
    assert (diagram[0].lower, diagram[-1].upper) == (0.0, 1.0)


def test_a_probability_of_one_falls_in_the_last_bin():
    diagram = reliability_diagram([1.0, 0.0], [1, 0], bins=4)
    assert [b.count for b in diagram] == [1, 0, 0, 1]


def test_nll_and_brier_match_scikit_learn():
    rng = np.random.default_rng(0)
    p, y = rng.uniform(0.01, 0.99, 5000), rng.integers(0, 2, 5000)
    metrics = calibration_metrics(p, y)
    assert metrics.nll == pytest.approx(log_loss(y, p))
    assert metrics.brier == pytest.approx(brier_score_loss(y, p))


def test_ece_and_mce_match_torchmetrics_on_the_positive_class():
    rng = np.random.default_rng(1)
    p = rng.beta(0.5, 0.5, 20_000)
    y = (rng.random(p.size) < p**1.5).astype(int)  # miscalibrated on purpose
    metrics = calibration_metrics(p, y, bins=15)
    pt, yt = torch.as_tensor(p), torch.as_tensor(y)
    assert metrics.ece == pytest.approx(binary_calibration_error(pt, yt, 15, "l1").item())
    assert metrics.mce == pytest.approx(binary_calibration_error(pt, yt, 15, "max").item())


def test_the_paper_averages_patients_rather_than_pooling_their_voxels():
    small = (np.array([0.9, 0.9]), np.array([1, 0]))
    large = (np.full(8, 0.2), np.array([0, 0, 0, 0, 0, 0, 1, 1]))
    averaged = patient_mean([small, large], bins=5)
    each = [calibration_metrics(p, y, bins=5) for p, y in (small, large)]
    assert averaged.ece == pytest.approx((each[0].ece + each[1].ece) / 2)
    assert averaged.brier == pytest.approx((each[0].brier + each[1].brier) / 2)


def test_temperature_scaling_lowers_the_nll_of_over_confident_logits():
    z, y = synthetic(50_000, seed=2)
    fit = fit_temperature(3 * z, y)
    assert fit.after.nll < fit.before.nll
    assert fit.after.ece < fit.before.ece


def test_temperature_scaling_recovers_a_known_temperature():
    z, y = synthetic(200_000, seed=3)
    fit = fit_temperature(2.5 * z, y)
    assert fit.parameters["temperature"] == pytest.approx(2.5, abs=0.08)


def test_platt_scaling_recovers_a_known_slope_and_intercept():
    z, y = synthetic(200_000, seed=4)
    logits = (z + 1.0) / 0.5  # the true map back is σ(0.5 · logit − 1)
    fit = fit_platt(logits, y)
    assert fit.parameters["slope"] == pytest.approx(0.5, abs=0.02)
    assert fit.parameters["intercept"] == pytest.approx(-1.0, abs=0.04)


def test_platt_scaling_does_not_worsen_any_metric_of_an_over_confident_model():
    z, y = synthetic(50_000, seed=5)
    fit = fit_platt(4 * z + 1, y)
    for name in ("nll", "brier", "ece", "mce"):
        assert getattr(fit.after, name) <= getattr(fit.before, name), name


def test_a_fit_applies_its_map_to_new_logits():
    z, y = synthetic(20_000, seed=6)
    fit = fit_temperature(2 * z, y)
    assert fit.apply([2.0]) == pytest.approx(special.expit(2.0 / fit.parameters["temperature"]))


def test_a_fit_draws_at_most_its_cap_of_voxels_the_same_way_for_a_seed():
    z, y = synthetic(20_000, seed=7)
    first, again = (fit_temperature(2 * z, y, cap=2000, seed=1) for _ in range(2))
    other = fit_temperature(2 * z, y, cap=2000, seed=2)
    assert first.voxels == 2000
    assert first.parameters == again.parameters
    assert other.parameters != first.parameters


def test_a_scaling_needs_voxels_of_both_classes():
    with pytest.raises(ValueError, match="both classes"):
        fit_platt(np.array([1.0, 2.0, 3.0]), np.array([1, 1, 1]))
