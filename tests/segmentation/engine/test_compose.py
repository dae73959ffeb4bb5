"""Composing a model family's ET, TC and WT masks into one BraTS label map: the regions, and how
disagreements between the nested targets are resolved (the larger target takes in the smaller:
ET wins and extends TC, TC extends WT; nothing is dropped)."""

import numpy as np
import pytest

from segmentation.engine.compose import compose_targets
from segmentation.engine.targets import Target, target_mask

ET, TC, WT = Target.ET, Target.TC, Target.WT


def masks(et, tc, wt) -> dict[Target, np.ndarray]:
    return {ET: np.array(et, bool), TC: np.array(tc, bool), WT: np.array(wt, bool)}


def test_nested_targets_become_enhancing_necrosis_and_oedema_in_brats2023():
    composed = compose_targets(masks([1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0]), "brats2023")

    assert composed.tolist() == [3, 1, 2, 0]


def test_brats2020_labels_enhancing_tumour_4():
    composed = compose_targets(masks([1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0]), "brats2020")

    assert composed.tolist() == [4, 1, 2, 0]


def test_enhancing_tumour_outside_the_core_stays_enhancing_and_extends_the_core():
    composed = compose_targets(masks([1, 0], [0, 0], [1, 0]), "brats2023")

    assert composed.tolist() == [3, 0]
    assert target_mask(composed, "TC", "brats2023").tolist() == [True, False]


def test_core_outside_the_whole_tumour_stays_core_and_extends_the_whole_tumour():
    composed = compose_targets(masks([0, 0], [1, 0], [0, 0]), "brats2023")

    assert composed.tolist() == [1, 0]
    assert target_mask(composed, "WT", "brats2023").tolist() == [True, False]


def test_enhancing_tumour_alone_is_enhancing_inside_every_target():
    composed = compose_targets(masks([1], [0], [0]), "brats2020")

    assert composed.tolist() == [4]
    assert all(target_mask(composed, t, "brats2020").tolist() == [True] for t in Target)


def test_each_target_of_the_composite_is_the_union_with_the_smaller_targets():
    rng = np.random.default_rng(7)
    et, tc, wt = rng.random((3, 6, 5, 4)) < 0.3

    composed = compose_targets({ET: et, TC: tc, WT: wt}, "brats2023")

    np.testing.assert_array_equal(target_mask(composed, "ET", "brats2023"), et)
    np.testing.assert_array_equal(target_mask(composed, "TC", "brats2023"), tc | et)
    np.testing.assert_array_equal(target_mask(composed, "WT", "brats2023"), wt | tc | et)


def test_masks_on_different_grids_are_refused_naming_the_shapes():
    with pytest.raises(ValueError, match=r"not on one grid.*'WT': \(3,\)"):
        compose_targets({ET: np.zeros(2), TC: np.zeros(2), WT: np.zeros(3)})


def test_a_missing_target_is_named():
    with pytest.raises(ValueError, match="missing TC"):
        compose_targets({ET: np.zeros(2), WT: np.zeros(2)})


def test_a_binary_lesion_scheme_cannot_hold_a_composite():
    with pytest.raises(ValueError, match="glioma label scheme.*not lesion"):
        compose_targets(masks([0], [0], [0]), "lesion")
