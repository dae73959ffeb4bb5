"""Kendall's W in both orientations (spec lesion-grading-and-alarms.md AT-03, line 611; §2.4,
lines 119–124; R-WMH-07, line 201). Ratings are one row per case, one column per reader."""

import numpy as np
import pytest
from scipy import stats

from reviewer.studies.statistics.kendall import (
    CONCORDANCE,
    SYSTEMATIC_RATER_DIFFERENCE,
    concordance,
    from_friedman_chi2,
    systematic_rater_difference,
)

# AT-03's fixture, printed one row per reader: [[1,2,3,4],[1,2,3,4],[4,3,2,1]]
AT03_RANKS_BY_READER = np.array([[1, 2, 3, 4], [1, 2, 3, 4], [4, 3, 2, 1]])

# One pairing of 90 cases × 3 readers consistent with WMH Table 5 (lines 105–114; grades
# 3 = perfect … 0 = not acceptable). The paper gives only the marginals; this pairing, found by
# search, is one the published Friedman-orientation figure fits: (grades of readers 1, 2, 3): cases.
TABLE_5_PAIRING = {
    (2, 2, 2): 25,
    (3, 3, 3): 22,
    (2, 2, 3): 12,
    (3, 2, 3): 6,
    (2, 3, 3): 5,
    (2, 3, 2): 5,
    (2, 2, 1): 5,
    (3, 2, 2): 4,
    (2, 1, 1): 2,
    (3, 3, 2): 1,
    (3, 2, 1): 1,
    (1, 1, 0): 1,
    (0, 0, 0): 1,
}


def table_5_grades() -> np.ndarray:
    return np.array([grades for grades, cases in TABLE_5_PAIRING.items() for _ in range(cases)])


def test_conventional_w_reproduces_the_at03_fixture():
    """AT-03 (line 611): W = 0.111, χ²(3) = 1.0, p = 0.801."""
    result = concordance(AT03_RANKS_BY_READER.T)
    assert result.orientation == CONCORDANCE
    assert result.w == pytest.approx(0.111, abs=5e-4)
    assert result.chi2 == pytest.approx(1.0)
    assert result.df == 3
    assert result.p == pytest.approx(0.801, abs=5e-4)
    assert (result.blocks, result.treatments) == (3, 4)


def test_identical_readers_concord_fully():
    """AT-03 (line 611): identical raters → W = 1."""
    grades = np.array([[3, 3, 3], [1, 1, 1], [2, 2, 2], [0, 0, 0], [2, 2, 2]])
    assert concordance(grades).w == pytest.approx(1.0)


def test_concordance_corrects_for_tied_grades():
    """R-WMH-07 (line 201): W = 12S / (m²(n³ − n) − m ΣT), computed here by hand."""
    grades = np.array([[3, 3, 2], [3, 2, 2], [2, 2, 1], [1, 2, 1], [0, 0, 1]])
    ranks = np.apply_along_axis(stats.rankdata, 0, grades)  # each reader ranks the cases
    cases, readers = grades.shape
    rank_sums = ranks.sum(axis=1)
    s = ((rank_sums - rank_sums.mean()) ** 2).sum()
    ties = sum(
        (counts**3 - counts).sum()
        for counts in (np.unique(column, return_counts=True)[1] for column in grades.T)
    )
    expected = 12 * s / (readers**2 * (cases**3 - cases) - readers * ties)
    result = concordance(grades)
    assert result.w == pytest.approx(expected)
    assert result.chi2 == pytest.approx(readers * (cases - 1) * expected)


def test_friedman_orientation_reproduces_the_papers_figure_from_its_chi2():
    """AT-03 (line 611) and §2.4 (line 122–123): χ²(2) = 1.008 with N = 90 → W = 0.0056,
    p = 0.604, the paper's "0.006 (p = 0.605)" (seed 003 L5333–L5335) at its precision."""
    result = from_friedman_chi2(
        1.008, blocks=90, treatments=3, orientation=SYSTEMATIC_RATER_DIFFERENCE
    )
    assert result.w == pytest.approx(0.0056, abs=5e-5)
    assert result.p == pytest.approx(0.604, abs=5e-4)
    assert round(result.w, 3) == 0.006
    assert result.p == pytest.approx(0.605, abs=1e-3)  # χ² itself is printed to 3 decimals


def test_a_pairing_of_table_5_gives_the_papers_systematic_difference():
    """§2.4 (lines 119–124): on 90 cases with Table 5's marginals the Friedman-orientation W is the
    paper's 0.006 (χ²(2) = 1.008, p = 0.604), while the conventional W of the same grades shows
    strong concordance: the paper's figure measures rater bias, not agreement."""
    grades = table_5_grades()
    for reader, printed in enumerate([(34, 54, 1, 1), (33, 53, 3, 1), (45, 35, 8, 2)]):
        assert tuple(np.sum(grades[:, reader] == g) for g in (3, 2, 1, 0)) == printed

    bias = systematic_rater_difference(grades)
    assert bias.orientation == SYSTEMATIC_RATER_DIFFERENCE
    assert (bias.blocks, bias.treatments, bias.df) == (90, 3, 2)
    assert bias.chi2 == pytest.approx(1.008, abs=5e-4)
    assert bias.w == pytest.approx(0.0056, abs=5e-5)
    assert bias.p == pytest.approx(0.604, abs=5e-4)

    agreement = concordance(grades)
    assert agreement.w > 0.5
    assert agreement.p < 1e-6


def test_systematic_difference_is_friedmans_test_with_cases_as_blocks():
    grades = table_5_grades()
    chi2 = stats.friedmanchisquare(*grades.T).statistic
    assert systematic_rater_difference(grades).w == pytest.approx(chi2 / (90 * 2))


def test_a_reader_who_always_grades_higher_is_a_systematic_difference():
    base = np.array([0, 1, 1, 2, 2, 3, 1, 0, 2, 1])
    grades = np.column_stack([base, base, base + 1])
    assert systematic_rater_difference(grades).w == pytest.approx(1.0)


def test_fewer_than_three_ranked_objects_are_refused():
    with pytest.raises(ValueError, match="three treatments"):
        systematic_rater_difference(np.array([[1, 2], [2, 3], [3, 3]]))


def test_missing_ratings_are_refused():
    with pytest.raises(ValueError, match="every reader"):
        concordance(np.array([[1, 2, 3], [2, np.nan, 3], [3, 3, 1]]))
