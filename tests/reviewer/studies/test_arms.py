"""Paired comparison of the unaided and AI-aided arms (spec ms-workflows.md S-15, lines 803–815:
mean lesions per patient and reading times compared with a paired t-test; §2.9, lines 333–357)."""

import numpy as np
import pytest
from scipy import stats

from reviewer.studies.statistics.arms import compare_arms

UNAIDED_SECONDS = [317, 283, 272, 301, 255, 340, 290, 266]
AIDED_SECONDS = [232, 204, 160, 250, 210, 260, 251, 190]


def test_the_difference_is_aided_minus_unaided():
    result = compare_arms(UNAIDED_SECONDS, AIDED_SECONDS)
    assert result.mean_difference == pytest.approx(
        np.mean(AIDED_SECONDS) - np.mean(UNAIDED_SECONDS)
    )
    assert result.mean_difference < 0  # faster with AI
    assert result.pairs == 8


def test_interval_is_the_paired_t_interval():
    """mean ± t(0.975, n − 1) · SD / √n of the differences, by hand."""
    differences = np.subtract(AIDED_SECONDS, UNAIDED_SECONDS)
    half = stats.t.ppf(0.975, differences.size - 1) * differences.std(ddof=1) / np.sqrt(8)
    result = compare_arms(UNAIDED_SECONDS, AIDED_SECONDS)
    assert (result.ci_low, result.ci_high) == pytest.approx(
        (differences.mean() - half, differences.mean() + half)
    )
    assert result.sd_difference == pytest.approx(differences.std(ddof=1))


def test_paired_t_test_is_the_one_sample_test_of_the_differences():
    differences = np.subtract(AIDED_SECONDS, UNAIDED_SECONDS)
    reference = stats.ttest_1samp(differences, 0.0)
    result = compare_arms(UNAIDED_SECONDS, AIDED_SECONDS)
    assert result.t_statistic == pytest.approx(reference.statistic)
    assert result.t_p == pytest.approx(reference.pvalue)


def test_wilcoxon_gives_the_exact_p_when_every_pair_moves_the_same_way():
    """All 6 differences positive: signed-rank statistic 0, exact two-sided p = 2 / 2⁶."""
    result = compare_arms([1, 2, 3, 4, 5, 6], [2, 4, 5, 5, 8, 9])
    assert result.wilcoxon_statistic == 0
    assert result.wilcoxon_p == pytest.approx(2 / 2**6)


def test_identical_arms_leave_wilcoxon_undefined():
    result = compare_arms([1, 2, 3], [1, 2, 3])
    assert result.mean_difference == 0
    assert result.wilcoxon_statistic is None
    assert result.wilcoxon_p is None


def test_mean_lesions_per_patient_reproduce_music_t21():
    """T-21 (ms-workflows.md line 876; Table 5, line 373): 256 lesions over 144 patient-expert
    readings unaided and 329 aided give 1.78 ≈ 1.8 and 2.28 ≈ 2.3, a mean difference of 0.5.
    The paper's CI "[−0.78, −0.23]" is for phase 1 − phase 2 (lines 469–470); ours is aided −
    unaided. The per-patient counts are not published: this split is one with those totals."""
    unaided = [2] * 112 + [1] * 32
    aided = [3] * 41 + [2] * 103
    assert (sum(unaided), sum(aided), len(unaided)) == (256, 329, 144)
    result = compare_arms(unaided, aided)
    assert result.mean_unaided == pytest.approx(1.8, abs=0.05)
    assert result.mean_aided == pytest.approx(2.3, abs=0.05)
    assert result.mean_difference == pytest.approx(0.5, abs=0.05)
    assert result.ci_low > 0


def test_unpaired_arms_are_refused():
    with pytest.raises(ValueError, match="paired"):
        compare_arms([1, 2, 3], [1, 2])
