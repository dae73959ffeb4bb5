"""Axis 1 (spec B5, B11, R-B1–R-B3, AT-9): hand-counted metrics of tiny masks, the brain-mask
restriction, AUROC by counting ranked pairs, and bootstrap intervals against a resampling done
here with numpy."""

import json
import math

import numpy as np
import pytest

from segmentation.engine.evaluation.performance import (
    bootstrap_mean,
    performance,
    region_performance,
    summarise_by_stratum,
)

SPACING = (5.0, 5.0, 2.0)


def line(start: int, stop: int, length: int = 10) -> np.ndarray:
    """Voxels start … stop − 1 of a 1 × 1 × length array."""
    mask = np.zeros((1, 1, length), dtype=bool)
    mask[0, 0, start:stop] = True
    return mask


def test_metrics_of_a_hand_built_pair_of_masks_match_a_hand_count():
    # prediction voxels 0-3, reference 2-7 of 10: TP 2, FP 2, FN 4, TN 2
    result = performance(line(0, 4), line(2, 8), SPACING)
    assert (result.tp, result.fp, result.fn, result.tn) == (2, 2, 4, 2)
    assert result.dice == pytest.approx(4 / 10)
    assert result.jaccard == pytest.approx(2 / 8)
    assert result.sensitivity == pytest.approx(2 / 6)
    assert result.specificity == pytest.approx(2 / 4)
    assert result.balanced_accuracy == pytest.approx((2 / 6 + 2 / 4) / 2)


def test_ppv_and_npv_take_the_standard_definitions_not_the_papers_swapped_ones():
    # TP 2, FP 2, FN 4, TN 2 as above: PPV = TP / (TP + FP), NPV = TN / (TN + FN) (B11)
    result = performance(line(0, 4), line(2, 8), SPACING)
    assert result.ppv == pytest.approx(2 / 4)
    assert result.npv == pytest.approx(2 / 6)


def test_hd95_is_the_larger_directed_95th_percentile_in_mm():
    # ∂P→∂R = [0, 0, 2, 4] mm → 3.7; ∂R→∂P = [0, 0, 2, 4, 6, 8] mm → 7.5 (linear interpolation)
    assert performance(line(0, 4), line(2, 8), SPACING).hd95 == pytest.approx(7.5)


def test_voxels_outside_the_brain_mask_count_for_nothing():
    prediction, reference = line(0, 4, length=14), line(2, 8, length=14)
    prediction[0, 0, 12] = True  # a false positive in the skull
    brain = line(0, 10, length=14)
    inside = performance(prediction, reference, SPACING, within=brain)
    assert (inside.tp, inside.fp, inside.fn, inside.tn) == (2, 2, 4, 2)
    assert inside.hd95 == pytest.approx(7.5)


def test_confusion_fractions_are_percentages_of_the_voxels_counted():
    fractions = performance(line(0, 4), line(2, 8), SPACING).fractions()
    assert fractions == pytest.approx(
        {"percent_tp": 20.0, "percent_fp": 20.0, "percent_fn": 40.0, "percent_tn": 20.0}
    )


def test_a_prediction_that_fills_the_brain_like_its_reference_scores_one_everywhere():
    # TN = FN = 0: specificity and NPV are 0/0, which the empty-mask rule makes 1
    full = line(0, 10)
    result = performance(full, full, SPACING)
    assert (result.specificity, result.npv, result.balanced_accuracy) == (1.0, 1.0, 1.0)


def test_auroc_is_the_fraction_of_positive_negative_pairs_ranked_in_order():
    reference = line(0, 2, length=4)  # labels 1, 1, 0, 0
    probabilities = np.array([0.9, 0.4, 0.5, 0.1]).reshape(1, 1, 4)
    # pairs (0.9, 0.5) (0.9, 0.1) (0.4, 0.1) in order, (0.4, 0.5) not: 3 of 4
    result = performance(reference, reference, SPACING, probabilities=probabilities)
    assert result.auroc == pytest.approx(3 / 4)


def test_auroc_is_undefined_when_the_reference_has_a_single_class():
    probabilities = np.linspace(0, 1, 10).reshape(1, 1, 10)
    assert performance(line(0, 4), line(0, 0), SPACING, probabilities=probabilities).auroc is None
    assert performance(line(0, 4), line(0, 4), SPACING).auroc is None  # no probabilities


def test_regions_are_scored_separately():
    results = region_performance(
        {"WT": line(0, 4), "ET": line(2, 3)}, {"WT": line(2, 8), "ET": line(2, 3)}, SPACING
    )
    assert results["WT"].dice == pytest.approx(0.4)
    assert results["ET"].dice == 1.0


def test_regions_must_be_named_alike_on_both_sides():
    with pytest.raises(ValueError, match="regions differ"):
        region_performance({"WT": line(0, 4)}, {"TC": line(0, 4)}, SPACING)


def test_to_dict_is_strict_json_with_an_infinite_hd95_as_none():
    result = performance(line(0, 4), line(0, 0), SPACING)  # reference empty: HD95 = inf
    assert math.isinf(result.hd95)
    as_json = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert as_json["hd95"] is None
    assert as_json["dice"] == 0.0


def test_bootstrap_interval_contains_the_sample_mean():
    values = np.random.default_rng(1).beta(8, 2, size=25)
    interval = bootstrap_mean(values)
    assert interval.mean == pytest.approx(values.mean())
    assert interval.low < interval.mean < interval.high


def test_bootstrap_interval_narrows_with_more_patients():
    rng = np.random.default_rng(2)
    few, many = bootstrap_mean(rng.beta(8, 2, 10)), bootstrap_mean(rng.beta(8, 2, 1000))
    assert many.high - many.low < (few.high - few.low) / 5


def test_bootstrap_interval_is_the_percentile_interval_of_resampled_means():
    rng = np.random.default_rng(3)
    values = rng.exponential(size=20)  # skewed: BCa would shift the interval
    means = values[rng.integers(0, values.size, size=(40_000, values.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    interval = bootstrap_mean(values)
    assert (interval.low, interval.high) == pytest.approx((low, high), abs=0.02)


def test_bootstrap_is_reproducible_for_a_seed():
    values = np.random.default_rng(4).random(15)
    assert bootstrap_mean(values, seed=7) == bootstrap_mean(values, seed=7)


def test_missing_and_infinite_values_are_left_out_of_the_mean_and_counted():
    interval = bootstrap_mean([1.0, None, math.inf, 3.0])
    assert (interval.n, interval.left_out, interval.mean) == (2, 2, 2.0)


def test_a_single_value_has_a_mean_and_no_interval():
    interval = bootstrap_mean([0.8])
    assert (interval.mean, interval.low, interval.high) == (0.8, None, None)


def test_each_stratum_is_summarised_over_its_own_patients():
    cases = [{"dice": 0.9}, {"dice": 0.5}, {"dice": 0.7}, {"dice": 0.3}]
    summary = summarise_by_stratum(cases, ["GBM", "LGG", "GBM", "LGG"], metrics=("dice",))
    assert list(summary) == ["GBM", "LGG"]
    assert summary["GBM"]["dice"].mean == pytest.approx(0.8)
    assert summary["LGG"]["dice"].mean == pytest.approx(0.4)
    assert summary["LGG"]["dice"].n == 2
