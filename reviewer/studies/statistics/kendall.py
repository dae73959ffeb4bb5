"""Kendall's coefficient of concordance W in its two orientations (spec R-WMH-07, AT-03).

Both are Friedman's test (``scipy.stats.friedmanchisquare``, ties ranked by their mean and corrected
for) read as W = χ² / (b (t − 1)) with b blocks and t treatments; they differ in what is a block.

**Concordance** (:func:`concordance`, the conventional W). The m readers are the blocks; each
ranks the same n cases. With R_i the rank sum of case i, S = Σ (R_i − m(n + 1)/2)² and
T_j = Σ (t³ − t) over the tie groups of reader j::

    W = 12 S / (m² (n³ − n) − m Σ_j T_j),   χ² = m (n − 1) W,   df = n − 1

W = 1 when every reader orders the cases alike, W ≈ 0 when their orders are unrelated. This is
agreement case by case, and the statistic to report as "concordance".

**Systematic rater difference** (:func:`systematic_rater_difference`, the "Friedman orientation").
SPSS's "K related samples" Kendall's W takes the N cases as the blocks, each ranking the k
readers: W = χ²(k − 1 df) / (N (k − 1)). It measures how consistently one reader grades higher or
lower than another across cases, not whether readers agree on each case: readers who agree on most
cases and differ either way on the rest get W near 0. The WMH paper's "Kendall W … 0.006
(p = 0.605)" (seed 003 L5333–L5335) is this statistic, χ²(2) = 1.008 over N = 90 cases (spec
lesion-grading-and-alarms §2.4): it shows no systematic difference between the three readers and
says nothing about their agreement.

Input, as in agreement: one row per case, one column per reader, grades or scores (ranked here).
Friedman's test needs at least three treatments: three cases for concordance, three readers for
the systematic difference.
"""

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

CONCORDANCE = "concordance"
SYSTEMATIC_RATER_DIFFERENCE = "systematic rater difference"


@dataclass(frozen=True)
class KendallW:
    """W with its χ² test. ``blocks`` are the judges (readers for concordance, cases for the
    systematic difference) and ``treatments`` the ranked objects."""

    orientation: str
    w: float
    chi2: float
    df: int
    p: float
    blocks: int
    treatments: int

    def to_dict(self) -> dict:
        return asdict(self)


def concordance(ratings) -> KendallW:
    """The conventional W: the readers (columns) as judges ranking the cases (rows)."""
    ratings = _matrix(ratings)
    return _friedman(CONCORDANCE, treatments=ratings)


def systematic_rater_difference(ratings) -> KendallW:
    """The Friedman-orientation W: the cases (rows) as judges ranking the readers (columns)."""
    ratings = _matrix(ratings)
    return _friedman(SYSTEMATIC_RATER_DIFFERENCE, treatments=ratings.T)


def from_friedman_chi2(chi2: float, *, blocks: int, treatments: int, orientation: str) -> KendallW:
    """W and p from a published Friedman χ² with ``treatments`` − 1 degrees of freedom."""
    if blocks < 1 or treatments < 2:
        raise ValueError("W needs at least one block and two treatments")
    df = treatments - 1
    return KendallW(
        orientation=orientation,
        w=float(chi2) / (blocks * df),
        chi2=float(chi2),
        df=df,
        p=float(stats.chi2.sf(chi2, df)),
        blocks=blocks,
        treatments=treatments,
    )


def _friedman(orientation: str, *, treatments: np.ndarray) -> KendallW:
    """``treatments`` has one row per treatment, one column per block."""
    count, blocks = treatments.shape
    if count < 3:
        raise ValueError(f"Friedman's test needs at least three treatments, got {count}")
    chi2 = stats.friedmanchisquare(*treatments).statistic
    return from_friedman_chi2(chi2, blocks=blocks, treatments=count, orientation=orientation)


def _matrix(ratings) -> np.ndarray:
    ratings = np.asarray(ratings, dtype=float)
    if ratings.ndim != 2 or ratings.shape[0] < 2 or ratings.shape[1] < 2:
        raise ValueError("ratings need one row per case and one column per reader, two of each")
    if np.isnan(ratings).any():
        raise ValueError("Kendall's W needs every reader's rating of every case")
    return ratings
