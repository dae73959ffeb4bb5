"""Agreement coefficients against independent computations and published examples (spec
lesion-grading-and-alarms.md R-WMH-07 line 201, R-CMB-06; ms-workflows.md S-15 and T-22: "matches
reference libraries (Cohen, Fleiss with CIs)"; the seeds' own κ values cannot be rebuilt without
their raw data)."""

import numpy as np
import pytest
from statsmodels.stats import inter_rater

from reviewer.studies.statistics.agreement import (
    cohen_kappa,
    exact_agreement,
    fleiss_kappa,
    icc,
    krippendorff_alpha,
    pairwise_cohen_kappa,
)

# Two readers grading 12 cases on a 4-level scale (0 = not acceptable … 3 = perfect).
FIRST = [3, 3, 2, 2, 2, 1, 0, 3, 2, 1, 2, 3]
SECOND = [3, 2, 2, 2, 1, 1, 0, 3, 3, 2, 2, 3]

# Fleiss (1971), as tabulated on Wikipedia's "Fleiss' kappa": 10 subjects, 14 raters, the number of
# raters who put each subject in each of 5 categories; κ = 0.210.
FLEISS_COUNTS = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)

# Krippendorff (2011) "Computing Krippendorff's alpha-reliability", section C: 4 observers,
# 12 units, missing values; α nominal 0.743, ordinal 0.815, interval 0.849, ratio 0.797.
nan = np.nan
KRIPPENDORFF_BY_OBSERVER = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
)

# Shrout and Fleiss (1979), Table 2: 6 targets × 4 judges; Table 4 gives ICC(1,1) 0.17,
# ICC(2,1) 0.29, ICC(3,1) 0.71, ICC(1,4) 0.44, ICC(2,4) 0.62, ICC(3,4) 0.91.
SHROUT_FLEISS = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
)


def observed_and_expected(first, second):
    """The joint and chance-expected proportions of the 4 × 4 confusion matrix."""
    table = np.zeros((4, 4))
    for a, b in zip(first, second, strict=True):
        table[a, b] += 1
    observed = table / table.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    return observed, expected


def test_cohen_kappa_is_the_confusion_matrix_formula():
    """κ = (p_o − p_e) / (1 − p_e) from the confusion matrix, by hand."""
    observed, expected = observed_and_expected(FIRST, SECOND)
    p_o, p_e = np.trace(observed), np.trace(expected)
    result = cohen_kappa(FIRST, SECOND)
    assert result.statistic == "cohen_kappa"
    assert result.value == pytest.approx((p_o - p_e) / (1 - p_e))
    assert (result.subjects, result.raters) == (12, 2)


@pytest.mark.parametrize(
    ("weights", "disagreement"),
    [("linear", lambda i, j: abs(i - j)), ("quadratic", lambda i, j: (i - j) ** 2)],
)
def test_weighted_kappa_is_one_minus_the_weighted_disagreement_ratio(weights, disagreement):
    """κ_w = 1 − Σ w·O / Σ w·E (Cohen 1968), by hand."""
    observed, expected = observed_and_expected(FIRST, SECOND)
    w = np.fromfunction(disagreement, (4, 4))
    result = cohen_kappa(FIRST, SECOND, weights=weights, labels=[0, 1, 2, 3])
    assert result.statistic == f"cohen_kappa_{weights}"
    assert result.value == pytest.approx(1 - (w * observed).sum() / (w * expected).sum())


def test_cohen_interval_is_the_asymptotic_interval_of_statsmodels():
    observed, _ = observed_and_expected(FIRST, SECOND)
    reference = inter_rater.cohens_kappa(observed * 12)
    result = cohen_kappa(FIRST, SECOND)
    assert result.value == pytest.approx(reference.kappa)
    assert (result.ci_low, result.ci_high) == pytest.approx(
        (reference.kappa_low, reference.kappa_upp)
    )


def test_a_wider_confidence_gives_a_wider_interval():
    narrow = cohen_kappa(FIRST, SECOND, confidence=0.80)
    wide = cohen_kappa(FIRST, SECOND, confidence=0.99)
    assert wide.ci_low < narrow.ci_low < narrow.value < narrow.ci_high < wide.ci_high


def test_identical_readers_agree_perfectly():
    result = cohen_kappa(FIRST, FIRST)
    assert result.value == pytest.approx(1.0)
    assert result.ci_high <= 1.0
    assert exact_agreement(FIRST, FIRST) == 1.0


def test_exact_agreement_is_the_share_of_equal_answers():
    assert exact_agreement(FIRST, SECOND) == pytest.approx(8 / 12)


def test_readers_of_different_case_lists_are_refused():
    with pytest.raises(ValueError, match="same subjects"):
        cohen_kappa(FIRST, SECOND[:-1])


def test_pairwise_kappa_covers_every_pair_of_readers_once():
    """S-15: pairwise Cohen κ (ms-workflows.md line 804)."""
    third = [3, 3, 2, 1, 2, 1, 0, 2, 2, 1, 2, 3]
    pairs = pairwise_cohen_kappa({"E1": FIRST, "E2": SECOND, "E3": third})
    assert list(pairs) == [("E1", "E2"), ("E1", "E3"), ("E2", "E3")]
    assert pairs[("E1", "E2")].value == pytest.approx(cohen_kappa(FIRST, SECOND).value)


def fleiss_ratings() -> np.ndarray:
    """Fleiss' subjects as raw ratings: one row per subject, one column per rater."""
    return np.array([np.repeat(np.arange(1, 6), counts) for counts in FLEISS_COUNTS])


def test_fleiss_kappa_reproduces_fleiss_1971():
    result = fleiss_kappa(fleiss_ratings())
    assert result.value == pytest.approx(0.210, abs=5e-4)
    assert (result.subjects, result.raters) == (10, 14)


def test_fleiss_interval_is_seeded_and_brackets_the_estimate():
    first = fleiss_kappa(fleiss_ratings(), seed=7)
    again = fleiss_kappa(fleiss_ratings(), seed=7)
    other = fleiss_kappa(fleiss_ratings(), seed=8)
    assert (first.ci_low, first.ci_high) == (again.ci_low, again.ci_high)
    assert (first.ci_low, first.ci_high) != (other.ci_low, other.ci_high)
    assert first.ci_low < first.value < first.ci_high


def test_fleiss_kappa_accepts_category_names():
    names = np.array(["none", "one", "more"])[fleiss_ratings() % 3]
    numbers = fleiss_ratings() % 3
    assert fleiss_kappa(names).value == pytest.approx(fleiss_kappa(numbers).value)


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_alpha_reproduces_krippendorffs_reliability_data(level, published):
    result = krippendorff_alpha(KRIPPENDORFF_BY_OBSERVER.T, level=level)
    assert result.statistic == f"krippendorff_alpha_{level}"
    assert result.value == pytest.approx(published, abs=5e-4)
    assert (result.subjects, result.raters) == (12, 4)


def test_krippendorff_interval_brackets_the_estimate():
    result = krippendorff_alpha(KRIPPENDORFF_BY_OBSERVER.T, level="nominal")
    assert result.ci_low < result.value <= result.ci_high <= 1.0


def test_icc_reproduces_shrout_and_fleiss_1979():
    forms = {form.kind: form for form in icc(SHROUT_FLEISS)}
    published = {
        "ICC(1,1)": 0.17,
        "ICC(A,1)": 0.29,
        "ICC(C,1)": 0.71,
        "ICC(1,k)": 0.44,
        "ICC(A,k)": 0.62,
        "ICC(C,k)": 0.91,
    }
    assert {kind: forms[kind].value for kind in published} == pytest.approx(published, abs=5e-3)
    assert forms["ICC(A,1)"].ci_low <= forms["ICC(A,1)"].value <= forms["ICC(A,1)"].ci_high
    assert (forms["ICC(C,1)"].df1, forms["ICC(C,1)"].df2) == (5, 15)


def test_icc_needs_every_measurement():
    volumes = SHROUT_FLEISS.astype(float)
    volumes[2, 1] = np.nan
    with pytest.raises(ValueError, match="every reader"):
        icc(volumes)
