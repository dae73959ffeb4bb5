"""Matching lesions across exams by centroid (different grids): the k-d tree pairs are exactly
the pairs the rule names (centroids no farther apart than max(NEAR_MM, r + r')), for many
lesions of very different sizes."""

import numpy as np

from reviewer.viewer.lesion_changes import NEAR_MM, LesionTable, near_pairs


def table(centroids_ras: np.ndarray, volumes_ml: np.ndarray) -> LesionTable:
    rows = [
        (i, i, 1, float(v), c.tolist(), [[0, 0, 0], [1, 1, 1]])
        for i, (c, v) in enumerate(zip(centroids_ras, volumes_ml, strict=True), start=1)
    ]
    return LesionTable.of(rows, np.eye(4))


def pairs_by_the_rule(here: LesionTable, there: LesionTable) -> set[tuple[int, int]]:
    distance = np.linalg.norm(here.centroid[:, None] - there.centroid[None], axis=2)
    reach = np.maximum(NEAR_MM, here.radius_mm()[:, None] + there.radius_mm()[None])
    return {(int(a), int(b)) for a, b in zip(*np.nonzero(distance <= reach), strict=True)}


def test_centroid_pairs_are_those_of_the_rule_among_many_lesions_of_any_size():
    rng = np.random.default_rng(3)
    volumes = np.concatenate([rng.uniform(0.001, 0.05, 1500), [25.0, 4.0]])  # specks, 2 tumours
    here = table(rng.uniform(-80, 80, (len(volumes), 3)), volumes)
    there = table(rng.uniform(-80, 80, (1200, 3)), rng.uniform(0.001, 2.0, 1200))

    rows, prior_rows = near_pairs(here, there)

    found = list(zip(rows.tolist(), prior_rows.tolist(), strict=True))
    assert len(found) == len(set(found))
    assert set(found) == pairs_by_the_rule(here, there)
    assert any(row == len(volumes) - 2 for row, _ in found)  # the big tumour reaches far


def test_lesions_farther_apart_than_both_reaches_do_not_match():
    here = table(np.array([[0.0, 0.0, 0.0]]), np.array([0.004]))
    there = table(np.array([[0.0, 0.0, NEAR_MM + 0.5]]), np.array([0.004]))

    rows, _ = near_pairs(here, there)

    assert rows.size == 0
