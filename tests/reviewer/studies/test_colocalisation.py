"""Colocalisation of readers' points into distinct lesions (S-13), on hand-computed examples."""

import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.studies.colocalisation import DEFAULT_TOLERANCE_MM, colocalise


def groups(clusters):
    return [cluster.members for cluster in clusters]


def test_two_readers_points_within_the_tolerance_are_one_lesion_at_their_mean():
    clusters = colocalise([[0, 0, 0], [3, 4, 0]], ["a", "b"])  # 5 mm apart
    assert groups(clusters) == [(0, 1)]
    assert clusters[0].centroid == (1.5, 2.0, 0.0)


def test_points_beyond_the_tolerance_are_two_lesions():
    clusters = colocalise([[0, 0, 0], [0, 0, 5.1]], ["a", "b"])
    assert groups(clusters) == [(0,), (1,)]
    assert clusters[1].centroid == (0.0, 0.0, 5.1)


def test_the_default_tolerance_is_5_mm():
    assert DEFAULT_TOLERANCE_MM == 5.0


def test_the_tolerance_is_a_parameter():
    assert groups(colocalise([[0, 0, 0], [0, 8, 0]], ["a", "b"], tolerance_mm=10)) == [(0, 1)]


def test_marks_a_tolerance_apart_each_do_not_chain_into_one_lesion():
    # 0, 4 and 8 mm on a line: 0–4 and 4–8 are within 5 mm, 0–8 is not
    clusters = colocalise([[0, 0, 0], [4, 0, 0], [8, 0, 0]], ["a", "b", "c"])
    assert len(clusters) == 2
    assert all(len(cluster.members) <= 2 for cluster in clusters)


def test_two_marks_of_one_reading_are_two_lesions_however_close():
    clusters = colocalise([[0, 0, 0], [1, 0, 0]], ["a", "a"])
    assert groups(clusters) == [(0,), (1,)]


def test_a_third_readers_point_between_one_readers_two_marks_joins_the_nearer():
    # reader a marked 0 and 4 mm; reader b marked 1 mm: b's point goes with a's nearer mark
    clusters = colocalise([[0, 0, 0], [4, 0, 0], [1, 0, 0]], ["a", "a", "b"])
    assert groups(clusters) == [(0, 2), (1,)]
    assert clusters[0].centroid == (0.5, 0.0, 0.0)


def test_every_reader_and_phase_marking_one_lesion_gives_one_lesion():
    marks = [[10, 20, 30], [11, 20, 30], [10, 21, 30], [10, 20, 31]]
    clusters = colocalise(marks, ["r1 p1", "r1 p2", "r2 p1", "r2 p2"])
    assert groups(clusters) == [(0, 1, 2, 3)]
    assert clusters[0].centroid == (10.25, 20.25, 30.25)


def test_a_fixed_lesion_gains_a_new_mark_within_the_tolerance_of_all_its_marks():
    clusters = colocalise([[0, 0, 0], [2, 0, 0], [1, 0, 0]], ["a", "b", "c"], fixed=[7, 7, None])
    assert groups(clusters) == [(0, 1, 2)]
    assert clusters[0].fixed == 7


def test_a_fixed_lesion_made_by_hand_beyond_the_tolerance_is_not_cut():
    clusters = colocalise([[0, 0, 0], [20, 0, 0]], ["a", "b"], fixed=[1, 1])
    assert groups(clusters) == [(0, 1)]


def test_two_fixed_lesions_never_merge_however_close():
    # a lesion split by hand stays split on the next run
    clusters = colocalise([[0, 0, 0], [1, 0, 0]], ["a", "b"], fixed=[1, 2])
    assert groups(clusters) == [(0,), (1,)]
    assert [cluster.fixed for cluster in clusters] == [1, 2]


def test_a_fixed_lesion_gains_no_mark_of_a_reading_already_in_it():
    clusters = colocalise([[0, 0, 0], [1, 0, 0]], ["a", "a"], fixed=[1, None])
    assert groups(clusters) == [(0,), (1,)]
    assert clusters[1].fixed is None


def test_a_fixed_lesion_holding_two_marks_of_one_reading_stays_one():
    # a reader marked one lesion twice and a person merged the two
    clusters = colocalise([[0, 0, 0], [1, 0, 0]], ["a", "a"], fixed=[3, 3])
    assert groups(clusters) == [(0, 1)]


def test_a_new_mark_near_only_one_mark_of_a_fixed_lesion_stays_apart():
    clusters = colocalise([[0, 0, 0], [4, 0, 0], [8, 0, 0]], ["a", "b", "c"], fixed=[1, 1, None])
    assert groups(clusters) == [(0, 1), (2,)]


def test_one_mark_is_one_lesion_and_no_marks_none():
    assert groups(colocalise([[1, 2, 3]], ["a"])) == [(0,)]
    assert colocalise([], []) == []


@pytest.mark.parametrize(
    ("positions", "readings", "options", "field"),
    [
        ([[0, 0, 0]], ["a", "b"], {}, "readings"),
        ([[0, 0, float("nan")]], ["a"], {}, "positions"),
        ([[0, 0, 0]], ["a"], {"tolerance_mm": 0}, "tolerance_mm"),
        ([[0, 0, 0]], ["a"], {"fixed": [1, 2]}, "fixed"),
    ],
)
def test_bad_input_is_refused_naming_it(positions, readings, options, field):
    with pytest.raises(ValueError, match=field):
        colocalise(positions, readings, **options)


def test_colocalisation_imports_no_django():
    loaded = "import sys, reviewer.studies.colocalisation; print('django' in sys.modules)"
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "-c", loaded], capture_output=True, text=True, cwd=root, check=False
    )
    assert result.stdout.strip() == "False", result.stderr
