"""Lesions as connected components (EASE AT-5: the component list, count and mL each, matches a
synthetic mask with known components), their minimum volume, and a map of 10,000 components."""

import numpy as np
import pytest

from segmentation.engine.lesions import find_lesions

# 2 × 1 × 1.5 mm voxels: 3 mm³ each
AFFINE = np.array([[2.0, 0, 0, -10.0], [0, 1.0, 0, 5.0], [0, 0, 1.5, 0.0], [0, 0, 0, 1]])


def test_components_are_listed_largest_first_with_volume_centroid_box_and_labels():
    labels = np.zeros((10, 10, 10), np.uint8)
    labels[1:3, 1:3, 1:2] = 1  # 4 voxels of necrosis
    labels[5:9, 5:8, 5:7] = 2  # 24 voxels of oedema, 3 of them enhancing
    labels[5, 5, 5:7], labels[6, 5, 5] = 3, 3

    small_then_large = find_lesions(labels, AFFINE)

    large, small = small_then_large
    assert (large.index, large.voxel_count, large.volume_ml) == (1, 24, pytest.approx(0.072))
    assert (large.label, large.label_voxels) == (2, {2: 21, 3: 3})
    assert large.bbox == ((5, 5, 5), (8, 7, 6))
    # voxel centre (6.5, 6, 5.5) in mm
    assert large.centroid_mm == pytest.approx((3.0, 11.0, 8.25))
    assert (small.index, small.voxel_count, small.label) == (2, 4, 1)


def test_voxels_touching_only_at_a_corner_form_one_component():
    labels = np.zeros((4, 4, 4), np.uint8)
    labels[0, 0, 0] = labels[1, 1, 1] = 1

    assert [lesion.voxel_count for lesion in find_lesions(labels, AFFINE)] == [2]


def test_a_component_below_the_minimum_volume_is_measured_and_marked():
    labels = np.zeros((12, 4, 4), np.uint8)
    labels[0:2, 0, 0] = 1  # 6 mm³
    labels[5:8, 0, 0] = 1  # 9 mm³: exactly the minimum, a lesion
    labels[10:11, 0, 0] = 1  # 3 mm³

    found = find_lesions(labels, AFFINE, minimum_ml=0.009)

    assert [(f.volume_ml * 1000, f.below_minimum) for f in found] == [
        (pytest.approx(9.0), False),
        (pytest.approx(6.0), True),
        (pytest.approx(3.0), True),
    ]


def test_without_a_minimum_every_component_is_a_lesion():
    labels = np.zeros((4, 4, 4), np.uint8)
    labels[0, 0, 0] = labels[3, 3, 3] = 1

    assert [f.below_minimum for f in find_lesions(labels, AFFINE)] == [False, False]


def test_an_empty_map_has_no_lesions():
    assert find_lesions(np.zeros((3, 3, 3), np.uint8), AFFINE) == []


def test_ten_thousand_specks_are_each_found_with_their_own_position():
    shape = (100, 100, 50)
    labels = np.zeros(shape, np.uint8)
    grid = np.stack(np.meshgrid(*(np.arange(0, n, 2) for n in shape), indexing="ij"), -1)
    specks = grid.reshape(-1, 3)[:: len(grid.reshape(-1, 3)) // 10_000][:10_000]
    labels[tuple(specks.T)] = 2
    labels[0:2, 0:2, 0:2] = 1  # the first speck grown to 8 voxels: the largest

    found = find_lesions(labels, np.eye(4), minimum_ml=0.002)

    assert len(found) == 10_000
    assert found[0].voxel_count == 8 and found[0].bbox == ((0, 0, 0), (1, 1, 1))
    assert sum(not f.below_minimum for f in found) == 1
    corners = {f.bbox[0] for f in found[1:]}
    assert corners == {tuple(int(v) for v in s) for s in specks[1:]}
    assert {f.centroid_mm for f in found[1:]} == {tuple(float(v) for v in s) for s in specks[1:]}
