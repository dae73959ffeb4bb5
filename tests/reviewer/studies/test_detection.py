"""Lesion overlap rule, lesion and patient detection rates, and reader AUC (spec
lesion-grading-and-alarms.md AT-05…AT-09, lines 613–617; ms-workflows.md S-15, T-17…T-19)."""

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from scipy import stats

from reviewer.studies.statistics.detection import (
    AT_LEAST_40_PERCENT,
    MORE_THAN_40_PERCENT,
    OverlapRule,
    detected_reference_lesions,
    macro_average,
    patient_rates,
    reader_auc,
    reader_detection,
)


@pytest.mark.parametrize(("covered", "voxels"), [(2, 5), (40, 100), (400, 1000)])
def test_exactly_40_percent_covered_is_detected(covered, voxels):
    """AT-05 (line 613; seed 003 L5125–L5127): exactly 40 % of the pixels counts as detected."""
    assert AT_LEAST_40_PERCENT.detects(covered, voxels)


def test_39_9_percent_covered_is_missed():
    """AT-05 (line 613): 39.9 % does not."""
    assert not AT_LEAST_40_PERCENT.detects(399, 1000)


def test_the_strict_rule_needs_more_than_40_percent():
    """AT-09 (line 617; seed 003 L7503–L7506): overlap > 40 % of the true lesion."""
    assert not MORE_THAN_40_PERCENT.detects(400, 1000)
    assert MORE_THAN_40_PERCENT.detects(401, 1000)


def test_the_threshold_is_a_parameter():
    half = OverlapRule(0.5)
    assert half.detects(5, 10)
    assert not half.detects(4, 10)
    with pytest.raises(ValueError, match="fraction"):
        OverlapRule(40)


def test_each_reference_lesion_is_judged_on_its_own_voxels():
    reference = np.zeros((4, 10), dtype=int)
    reference[0, :5] = 1  # 5 voxels, 2 marked: 40 %
    reference[2, :10] = 2  # 10 voxels, 3 marked: 30 %
    marked = np.zeros_like(reference, dtype=bool)
    marked[0, 3:7] = True  # 2 voxels on lesion 1, 2 beside it
    marked[2, :3] = True
    assert detected_reference_lesions(reference, marked) == {1: True, 2: False}
    assert detected_reference_lesions(reference, marked, MORE_THAN_40_PERCENT) == {
        1: False,
        2: False,
    }


def test_lesion_sensitivity_has_the_wilson_interval():
    """Wilson score interval, by hand: (p̂ + z²/2n ± z √(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n)."""
    result = reader_detection(detected=90, reference_lesions=136, false_positives=12, cases=48)
    n, p, z = 136, 90 / 136, stats.norm.ppf(0.975)
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    assert result.sensitivity == pytest.approx(p)
    assert (result.ci_low, result.ci_high) == pytest.approx((centre - half, centre + half))
    assert result.false_positives_per_case == pytest.approx(12 / 48)


@pytest.mark.parametrize(
    ("expert", "phase", "found", "printed"),
    [
        ("E1", "unaided", 90, 0.66),
        ("E3", "unaided", 83, 0.61),
        ("E1", "aided", 114, 0.84),
        ("E2", "aided", 111, 0.82),
    ],
)
def test_music_lesion_sensitivities_reproduce_table_6(expert, phase, found, printed):
    """ms-workflows.md lines 375–377 (seed 002 L4263–L4303): lesions found (line 371) over the 136
    consensus lesions (line 353) give the printed sensitivity at its two decimals."""
    result = reader_detection(detected=found, reference_lesions=136, false_positives=0, cases=48)
    assert result.sensitivity == pytest.approx(printed, abs=5e-3), (expert, phase)


@pytest.mark.parametrize(
    ("expert", "phase", "found", "exact", "printed"),
    [("E2", "unaided", 83, 0.610, 0.60), ("E3", "aided", 104, 0.765, 0.75)],
)
def test_music_sensitivities_that_table_6_misprints_follow_the_counts(
    expert, phase, found, exact, printed
):
    """ms-workflows.md line 480: Table 6 prints 0.75 for E3 aided, but 104/136 = 0.765; and 0.60
    for E2 unaided, but 83/136 = 0.610 (the spec's ±0.01 only just misses it). The counts win."""
    result = reader_detection(detected=found, reference_lesions=136, false_positives=0, cases=48)
    assert result.sensitivity == pytest.approx(exact, abs=5e-4), (expert, phase)
    assert result.sensitivity != pytest.approx(printed, abs=5e-3)


def test_patient_level_rates_reproduce_at08():
    """AT-08 (line 616; seed 003 L7722–L7725): FP 10, FN 2, TN 84, TP 93 → FPR 0.106,
    FNR 0.021, TPR 0.979."""
    rates = patient_rates(tp=93, fp=10, tn=84, fn=2)
    assert rates.fpr == pytest.approx(0.106, abs=5e-4)
    assert rates.fnr == pytest.approx(0.021, abs=5e-4)
    assert rates.sensitivity == pytest.approx(0.979, abs=5e-4)


def test_music_patient_level_sensitivity_reproduces_t19():
    """T-19 (ms-workflows.md line 874; Table 8, lines 419–427): 26 active and 22 inactive patients
    × 3 experts. Readings calling ≥ 1 lesion are Table 8's rows 1 and >1 (phase 1) or columns 1
    and >1 (phase 2); with specificity 1 every one of them is an active patient."""
    table_8 = np.array([[71, 13, 2], [3, 10, 2], [0, 2, 41]])  # phase 1 rows × phase 2 columns
    active_readings, inactive_readings = 26 * 3, 22 * 3
    for called_active, printed, missed in [
        (table_8[1:, :].sum(), 0.74, 20),
        (table_8[:, 1:].sum(), 0.90, 8),
    ]:
        rates = patient_rates(
            tp=called_active, fn=active_readings - called_active, tn=inactive_readings, fp=0
        )
        assert rates.sensitivity == pytest.approx(printed, abs=5e-3)
        assert rates.specificity == 1
        assert rates.fn == missed
    assert table_8.sum() == active_readings + inactive_readings


@pytest.mark.parametrize(
    ("table", "counts", "printed"),
    [
        # ms-workflows.md T-17 (line 872), Table 1 (lines 652–658): TP 14, FP 3, FN 4, TN 120
        (
            "feasibility",
            {"tp": 14, "fp": 3, "fn": 4, "tn": 120},
            {
                "sensitivity": 0.78,
                "specificity": 0.98,
                "ppv": 0.82,
                "npv": 0.97,
                "f1": 0.80,
                "accuracy": 0.95,
            },
        ),
        # T-18 (line 873), Table 2 (lines 660–666): accuracy 0.742, the paper prints 0.75
        (
            "follow-up",
            {"tp": 119, "fp": 146, "fn": 17, "tn": 350},
            {
                "sensitivity": 0.88,
                "specificity": 0.71,
                "ppv": 0.45,
                "npv": 0.95,
                "f1": 0.59,
                "accuracy": 0.742,
            },
        ),
    ],
)
def test_gadolinium_triage_rates_reproduce_t17_and_t18(table, counts, printed):
    """Each rate rounded half up to the printed decimals (119/136 = 0.875 prints as 0.88)."""
    rates = patient_rates(**counts).to_dict()
    for name, value in printed.items():
        step = Decimal(str(value)).as_tuple().exponent
        shown = Decimal(repr(rates[name])).quantize(Decimal(1).scaleb(step), ROUND_HALF_UP)
        assert shown == Decimal(str(value)), (table, name)


def test_a_rate_without_denominator_is_none():
    rates = patient_rates(tp=0, fp=0, tn=5, fn=0)
    assert rates.sensitivity is None
    assert rates.specificity == 1


def test_size_stratified_detection_is_the_unweighted_mean_of_the_data_sets():
    """AT-06 (line 614; Table 2, lines 152–158): the rows' unweighted means are 61.07 / 77.24 /
    95.11 %, the paper's figures (seed 003 L5282–L5284)."""
    small, medium, large = (64.71, 68.37, 50.14), (80.09, 82.86, 68.77), (96.12, 96.73, 92.49)
    assert [macro_average(rates) for rates in (small, medium, large)] == pytest.approx(
        [61.07, 77.24, 95.11], abs=5e-3
    )


def test_the_macro_average_is_not_the_pooled_rate():
    """Data sets 2 and 3 of AT-06's table with their counts (601/879 and 361/720 small lesions):
    the pooled rate weighs the larger set more."""
    pooled = (601 + 361) / (879 + 720)
    assert macro_average([601 / 879, 361 / 720]) != pytest.approx(pooled, abs=1e-3)


def test_auc_is_the_probability_a_positive_case_outscores_a_negative_one():
    """AUC = P(score₊ > score₋) + ½ P(score₊ = score₋), over every pair, by hand."""
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 2, 40)
    scores = np.round(truth + rng.normal(0, 1, 40), 1)  # rounded: some ties
    positives, negatives = scores[truth == 1], scores[truth == 0]
    pairs = positives[:, None] - negatives[None, :]
    expected = np.mean(pairs > 0) + 0.5 * np.mean(pairs == 0)
    result = reader_auc(truth, scores)
    assert result.auc == pytest.approx(expected)
    assert (result.positives, result.negatives) == (positives.size, negatives.size)
    assert result.ci_low < result.auc < result.ci_high


def test_auc_interval_is_seeded():
    rng = np.random.default_rng(5)
    truth = rng.integers(0, 2, 50)
    scores = truth + rng.normal(0, 1, 50)
    assert reader_auc(truth, scores, seed=1) == reader_auc(truth, scores, seed=1)
    assert reader_auc(truth, scores, seed=1) != reader_auc(truth, scores, seed=2)


def test_perfectly_separated_confidences_have_auc_one():
    result = reader_auc([0, 0, 1, 1], [1, 2, 4, 5])
    assert (result.auc, result.ci_low, result.ci_high) == (1.0, 1.0, 1.0)


def test_auc_needs_both_classes():
    with pytest.raises(ValueError, match="positive and one negative"):
        reader_auc([1, 1, 1], [0.2, 0.5, 0.9])
