"""Grade and verdict tallies rebuild the seeds' tables from their counts, at the printed precision
(half a unit of the last printed digit)."""

import pytest

from reviewer.studies.statistics.tallies import Tally, mean_counts, pooled, tally

WMH_GRADES = ("perfect", "minor revision", "major revision", "not acceptable")
# spec lesion-grading-and-alarms.md §2.4 lines 105–114 (seed 003 L5289–L5297, Table 5)
WMH_TABLE_5 = {
    "physician 1": (34, 54, 1, 1),
    "physician 2": (33, 53, 3, 1),
    "physician 3": (45, 35, 8, 2),
}

VERDICTS = ("correct", "incorrect", "missed")
# spec lesion-grading-and-alarms.md §3.4 lines 286–294 (seed 003 L7666–L7714, Table 4)
CMB_TABLE_4 = {
    "observer 1": (787, 27, 20),
    "observer 2": (770, 44, 16),
    "observer 3": (790, 24, 21),
    "observer 4": (784, 30, 26),
    "observer 5": (761, 53, 20),
}

EASE_GRADES = ("5 perfect", "4 good", "3 fair", "2 poor", "1 terrible")


def answers(categories, counts):
    """The raw answers a reader gave, in the order of a worklist."""
    return [
        category for category, count in zip(categories, counts, strict=True) for _ in range(count)
    ]


def wmh_tallies():
    return [tally(answers(WMH_GRADES, counts), WMH_GRADES) for counts in WMH_TABLE_5.values()]


def test_wmh_acceptance_per_reader_reproduces_at01():
    """AT-01 (lesion-grading-and-alarms.md line 609): acceptable-or-minor 97.8 / 95.6 / 88.9 %."""
    shares = [100 * t.share("perfect", "minor revision") for t in wmh_tallies()]
    assert shares == pytest.approx([97.8, 95.6, 88.9], abs=0.05)


def test_wmh_pooled_acceptance_is_254_of_270():
    """AT-01 (line 609) and R-WMH-06 (line 200): pooled 254/270 = 94.07 %."""
    pool = pooled(wmh_tallies())
    assert pool.count("perfect") + pool.count("minor revision") == 254
    assert pool.total == 270
    assert 100 * pool.share("perfect", "minor revision") == pytest.approx(94.07, abs=0.005)


def test_wmh_mean_counts_per_grade_reproduce_at01():
    """AT-01 (line 609): per-reader mean counts 37.33 / 47.33 / 4.00 / 1.33."""
    means = mean_counts(wmh_tallies())
    assert [means[grade] for grade in WMH_GRADES] == pytest.approx(
        [37.33, 47.33, 4.00, 1.33], abs=0.005
    )


def test_microbleed_verdict_shares_reproduce_table_4_exactly():
    """AT-07 (lesion-grading-and-alarms.md line 615, Table 4 lines 286–294): every printed
    percentage, with n = 834 / 830 / 835 / 840 / 834."""
    printed = {
        "observer 1": (94.4, 3.2, 2.4),
        "observer 2": (92.8, 5.3, 1.9),
        "observer 3": (94.6, 2.9, 2.5),
        "observer 4": (93.3, 3.6, 3.1),
        "observer 5": (91.2, 6.4, 2.4),
    }
    for observer, counts in CMB_TABLE_4.items():
        verdicts = tally(answers(VERDICTS, counts), VERDICTS)
        shares = [100 * verdicts.share(verdict) for verdict in VERDICTS]
        assert shares == pytest.approx(printed[observer], abs=0.05), observer
    totals = [tally(answers(VERDICTS, c), VERDICTS).total for c in CMB_TABLE_4.values()]
    assert totals == [834, 830, 835, 840, 834]


def test_microbleed_average_column_is_the_pooled_share():
    """Table 4's "Average" column (line 290–292): 778.4 (93.3 %), 35.6 (4.3 %), 20.6 (2.5 %)."""
    tallies = [tally(answers(VERDICTS, counts), VERDICTS) for counts in CMB_TABLE_4.values()]
    means = mean_counts(tallies)
    assert [means[v] for v in VERDICTS] == pytest.approx([778.4, 35.6, 20.6], abs=0.05)
    pool = pooled(tallies)
    assert [100 * pool.share(v) for v in VERDICTS] == pytest.approx([93.3, 4.3, 2.5], abs=0.05)


@pytest.mark.parametrize(
    ("table", "counts", "printed_percent"),
    [
        # ease-and-evaluation.md lines 255–264 (EASE l.2037–2057), D5 line 506
        ("Table 2, reference set", (0, 10, 6, 2, 2), (0, 50, 30, 10, 10)),
        # ease-and-evaluation.md lines 285–294 (EASE l.2129–2151), D10 line 511
        ("Table 4, clinical practice", (15, 87, 33, 17, 10), (9, 54, 20, 10, 6)),
    ],
)
def test_ease_grade_distribution_reproduces_the_printed_percentages(table, counts, printed_percent):
    grades = tally(answers(EASE_GRADES, counts), EASE_GRADES)
    shares = [100 * grades.share(grade) for grade in EASE_GRADES]
    assert shares == pytest.approx(printed_percent, abs=0.5), table


@pytest.mark.parametrize(
    ("accepted", "rejected", "printed_percent"),
    [(13, 7, 65), (124, 38, 77)],  # Table 2 line 258, Table 4 line 288; D9: 124/162 = 76.5 %
)
def test_ease_acceptance_reproduces_the_printed_percentage(accepted, rejected, printed_percent):
    decisions = tally(
        ["ACCEPTABLE"] * accepted + ["UNACCEPTABLE"] * rejected, ("ACCEPTABLE", "UNACCEPTABLE")
    )
    assert 100 * decisions.share("ACCEPTABLE") == pytest.approx(printed_percent, abs=0.5)


def test_an_answer_outside_the_scale_is_refused():
    with pytest.raises(ValueError, match="outside the scale"):
        tally(["perfect", "excellent"], WMH_GRADES)


def test_a_category_nobody_chose_is_counted_as_zero():
    grades = tally(["perfect", "perfect"], WMH_GRADES)
    assert grades.counts == (2, 0, 0, 0)
    assert grades.to_dict()["shares"]["not acceptable"] == 0


def test_tallies_on_different_scales_cannot_be_pooled():
    with pytest.raises(ValueError, match="different scales"):
        pooled([Tally(("a", "b"), (1, 2)), Tally(("a", "c"), (1, 2))])
