"""Alarm flags from ensemble discord (spec §7.1, R-ALM-01…04, AT-21): majority fusion and its tie
rule, agreement with the fusion in mm, median − α·MAD thresholds, −HD for distances, inf/NaN
alarms and the risk score."""

import math

import numpy as np
import pytest
from scipy import ndimage

from segmentation.engine.discord import (
    DEFAULT_ALPHA,
    PAPER_METRICS,
    AgreementMetric,
    DiscordFlag,
    candidate_agreement,
    cohort_thresholds,
    fuse_majority,
    raise_alarms,
    risk_score,
)

DICE, HD = AgreementMetric.DICE, AgreementMetric.HAUSDORFF


def cube(corner: tuple[int, int, int], size: int = 5, shape=(14, 14, 14)) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[tuple(slice(c, c + size) for c in corner)] = True
    return mask


def dice_cohort(values: list[float], candidate: str = "a") -> list[dict]:
    return [{candidate: {DICE: value}} for value in values]


def test_a_voxel_is_foreground_when_more_than_half_of_the_candidates_vote_for_it():
    masks = [np.array([[[1, 1, 0]]]), np.array([[[1, 0, 0]]]), np.array([[[1, 1, 1]]])]
    assert fuse_majority(masks).tolist() == [[[True, True, False]]]


def test_a_tie_is_background_by_default_and_foreground_as_in_brats_toolkit():
    masks = [np.array([1, 1, 0, 0]), np.array([1, 0, 1, 0])]
    assert fuse_majority(masks).tolist() == [True, False, False, False]  # intersection
    assert fuse_majority(masks, ties_to_foreground=True).tolist() == [True, True, True, False]


def test_fusing_nothing_or_masks_of_different_shapes_is_refused():
    with pytest.raises(ValueError, match="no masks"):
        fuse_majority([])
    with pytest.raises(ValueError, match="shape"):
        fuse_majority([np.zeros(3), np.zeros(4)])


def test_identical_candidates_agree_perfectly_with_their_fusion():
    agreement = candidate_agreement({name: cube((2, 2, 2)) for name in "abc"}, (1, 1, 1))
    assert agreement == {name: {DICE: 1.0, HD: 0.0} for name in "abc"}


def test_the_outlier_candidate_alone_disagrees_with_the_fusion_in_millimetres():
    candidates = {"a": cube((2, 2, 2)), "b": cube((2, 2, 2)), "c": cube((2, 4, 2))}
    agreement = candidate_agreement(candidates, (1.0, 3.0, 1.0))
    assert agreement["a"] == agreement["b"] == {DICE: 1.0, HD: 0.0}
    assert agreement["c"][DICE] == pytest.approx(0.6)
    assert agreement["c"][HD] == pytest.approx(6.0)  # two voxels of 3 mm


def test_an_empty_candidate_beside_a_non_empty_fusion_is_infinitely_far():
    candidates = {"a": cube((2, 2, 2)), "b": cube((2, 2, 2)), "c": np.zeros((14, 14, 14))}
    agreement = candidate_agreement(candidates, (1, 1, 1), metrics=["dice", "hausdorff95"])
    assert agreement["c"] == {DICE: 0.0, AgreementMetric.HAUSDORFF95: math.inf}


def test_a_given_fusion_replaces_the_majority_vote():
    candidates = {"a": cube((2, 2, 2)), "b": cube((2, 2, 2))}
    agreement = candidate_agreement(candidates, (1, 1, 1), fusion=cube((2, 2, 4)))
    assert agreement["a"][DICE] == pytest.approx(0.6)


def test_a_single_candidate_is_no_ensemble():
    with pytest.raises(ValueError, match="two or more"):
        candidate_agreement({"a": cube((2, 2, 2))}, (1, 1, 1))


def test_the_paper_uses_dice_and_hausdorff_at_alpha_one_tenth():
    assert PAPER_METRICS == (DICE, HD)
    assert DEFAULT_ALPHA == 0.1


def test_the_threshold_is_median_minus_alpha_times_the_raw_mad():
    # median 0.94, |x − 0.94| = 0.04 0.02 0 0.02 0.04 → MAD 0.02
    threshold = cohort_thresholds(dice_cohort([0.90, 0.92, 0.94, 0.96, 0.98]))["a", DICE]
    assert (threshold.median, threshold.mad) == pytest.approx((0.94, 0.02))
    assert threshold.value == pytest.approx(0.94 - 0.1 * 0.02)
    assert (threshold.alpha, threshold.scaled, threshold.cohort_size) == (0.1, False, 5)


def test_the_scaled_mad_is_the_raw_mad_times_1_4826():
    threshold = cohort_thresholds(dice_cohort([0.90, 0.92, 0.94, 0.96, 0.98]), scaled=True)
    assert threshold["a", DICE].mad == pytest.approx(0.02 * 1.4826, rel=1e-4)
    assert threshold["a", DICE].scaled


def test_alpha_zero_puts_the_threshold_at_the_median_so_half_the_cohort_alarms():
    values = list(np.random.default_rng(0).uniform(0.8, 1.0, size=101))
    cohort = dice_cohort(values)
    thresholds = cohort_thresholds(cohort, alpha=0.0)
    assert thresholds["a", DICE].value == np.median(values)
    assert sum(risk_score(raise_alarms(exam, thresholds)) for exam in cohort) == 50


def test_hausdorff_is_compared_as_its_additive_inverse():
    # median 7, MAD 1: −HD < −(7 + 0.1) alarms, i.e. HD above 7.1 mm
    cohort = [{"a": {HD: value}} for value in [5.0, 6.0, 7.0, 8.0, 9.0]]
    threshold = cohort_thresholds(cohort)["a", HD]
    assert threshold.score_threshold == pytest.approx(-7.1)
    assert threshold.value == pytest.approx(7.1)
    alarming = [value for value in [5.0, 7.0, 7.05, 7.2, 9.0] if threshold.alarms(value)]
    assert alarming == [7.2, 9.0]


def test_a_negative_alpha_makes_the_threshold_stricter():
    cohort = [{"a": {DICE: v, HD: h}} for v, h in [(0.9, 5.0), (0.92, 6.0), (0.94, 7.0)]]
    thresholds = cohort_thresholds(cohort, alpha=-1.0)
    assert thresholds["a", DICE].value == pytest.approx(0.94)
    assert thresholds["a", HD].value == pytest.approx(5.0)


@pytest.mark.parametrize(("value", "reason"), [(math.inf, "infinite"), (math.nan, "not a number")])
def test_an_infinite_or_undefined_hausdorff_raises_an_alarm_however_lenient_alpha(value, reason):
    thresholds = cohort_thresholds([{"a": {HD: v}} for v in [5.0, 6.0, 7.0]], alpha=100.0)
    assert thresholds["a", HD].value == pytest.approx(106.0)
    (alarm,) = raise_alarms({"a": {HD: value}}, thresholds, target="ET")
    assert (alarm.target, alarm.candidate, alarm.metric) == ("ET", "a", HD)
    assert reason in alarm.reason


def test_an_undefined_dice_raises_an_alarm():
    thresholds = cohort_thresholds(dice_cohort([0.1, 0.2]), alpha=1e6)
    assert len(raise_alarms({"a": {DICE: math.nan}}, thresholds)) == 1


def test_non_finite_cohort_values_are_left_out_of_the_statistics():
    cohort = [{"a": {HD: value}} for value in [1.0, 2.0, 3.0, math.inf, math.nan]]
    threshold = cohort_thresholds(cohort)["a", HD]
    assert (threshold.median, threshold.mad, threshold.cohort_size) == (2.0, 1.0, 3)


def test_a_candidate_without_any_finite_value_in_the_cohort_has_no_threshold():
    with pytest.raises(ValueError, match="no finite hausdorff"):
        cohort_thresholds([{"a": {HD: math.inf}}, {"a": {HD: math.nan}}])


def test_an_empty_cohort_or_a_non_finite_alpha_is_refused():
    with pytest.raises(ValueError, match="empty"):
        cohort_thresholds([])
    with pytest.raises(ValueError, match="finite"):
        cohort_thresholds(dice_cohort([0.9]), alpha=math.nan)


def test_alpha_can_be_set_per_candidate_and_metric_and_is_recorded_with_the_alarm():
    cohort = dice_cohort([0.90, 0.92, 0.94, 0.96, 0.98]) + dice_cohort([0.9, 0.9, 0.9], "b")
    thresholds = cohort_thresholds(cohort, alpha_overrides={("a", "dice"): 2.0})
    assert thresholds["a", DICE].value == pytest.approx(0.90)
    assert thresholds["b", DICE].alpha == DEFAULT_ALPHA
    (alarm,) = raise_alarms({"a": {DICE: 0.89}, "b": {DICE: 0.9}}, thresholds)
    assert isinstance(alarm, DiscordFlag)
    assert (alarm.candidate, alarm.metric, alarm.value, alarm.alpha) == ("a", DICE, 0.89, 2.0)
    assert alarm.threshold == pytest.approx(0.90)
    assert alarm.reason.startswith("dice 0.89 below the threshold 0.9 = median 0.94 − α·MAD")


def test_alpha_for_a_candidate_the_cohort_lacks_is_refused():
    with pytest.raises(ValueError, match="not in the cohort"):
        cohort_thresholds(dice_cohort([0.9]), alpha_overrides={("z", "dice"): 1.0})


def test_a_candidate_without_a_cohort_threshold_cannot_be_scored():
    thresholds = cohort_thresholds(dice_cohort([0.9, 0.95]))
    with pytest.raises(ValueError, match="no cohort threshold for b"):
        raise_alarms({"b": {DICE: 0.5}}, thresholds)


def test_the_risk_score_counts_the_alarms_over_candidates_metrics_and_classes():
    cohort = [{c: {DICE: d, HD: h} for c in "ab"} for d, h in [(0.9, 4.0), (0.95, 3.0), (1.0, 2.0)]]
    thresholds = cohort_thresholds(cohort, alpha=0.0)  # Dice < 0.95 or HD > 3 mm alarms
    exam = {"a": {DICE: 0.5, HD: 9.0}, "b": {DICE: 0.99, HD: 3.5}}
    et, wt = raise_alarms(exam, thresholds, "ET"), raise_alarms(exam, thresholds, "WT")
    assert [(a.candidate, a.metric) for a in et] == [("a", DICE), ("a", HD), ("b", HD)]
    assert risk_score(et) == 3
    assert risk_score(et + wt) == 6
    assert risk_score(raise_alarms({"a": {DICE: 1.0, HD: 0.0}}, thresholds)) == 0


def test_an_exam_whose_members_disagree_gets_the_highest_risk_score():
    rng = np.random.default_rng(3)
    names = ("m1", "m2", "m3", "m4", "m5")

    def member(tumour: np.ndarray) -> np.ndarray:
        jitter = ndimage.gaussian_filter(rng.standard_normal(tumour.shape), 1.0) > 0.6
        return tumour ^ (jitter & ndimage.binary_dilation(tumour))

    tumours = [
        ndimage.gaussian_filter(rng.standard_normal((24, 24, 14)), 2.5) > 0.1 for _ in range(12)
    ]
    exams = [{name: member(tumour) for name in names} for tumour in tumours]
    shifts = [(3, 0, 0), (0, 3, 0), (-3, 0, 0), (0, -3, 0), (0, 0, 2)]
    exams[7] = {
        n: np.roll(member(tumours[7]), s, (0, 1, 2)) for n, s in zip(names, shifts, strict=True)
    }
    exams[3]["m2"] = np.roll(exams[3]["m2"], 6, axis=0)  # one member misplaces the tumour
    agreements = [candidate_agreement(candidates, (1.0, 1.0, 2.0)) for candidates in exams]
    thresholds = cohort_thresholds(agreements)
    scores = [risk_score(raise_alarms(agreement, thresholds)) for agreement in agreements]
    assert scores[7] == len(names) * len(PAPER_METRICS) > max(scores[:7] + scores[8:])
    misplaced = {(a.candidate, a.metric) for a in raise_alarms(agreements[3], thresholds)}
    assert {("m2", DICE), ("m2", HD)} <= misplaced
