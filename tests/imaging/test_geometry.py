"""RAS affines in Cornerstone3D's LPS terms (spacing, direction, origin), and rigid moves."""

import nibabel as nib
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from imaging.geometry import Geometry, rigid_matrix
from imaging.voxels import brain_window, viewer_array, voxel_bytes

OBLIQUE_RAS = np.array(
    [
        [0.0, -1.2, 0.0, 90.0],
        [0.9, 0.0, 0.3, -120.0],
        [-0.3, 0.0, 2.85, -60.0],
        [0, 0, 0, 1],
    ]
)


def cornerstone_world(geometry_json: dict, ijk) -> np.ndarray:
    """Where Cornerstone3D puts voxel ijk: origin + Σ direction_axis · spacing_axis · index."""
    axes = np.array(geometry_json["direction"]).reshape(3, 3)  # one row per voxel axis
    return (
        np.array(geometry_json["origin"])
        + (np.asarray(ijk) * np.array(geometry_json["spacing"])) @ axes
    )


def test_every_voxel_lands_at_its_ras_position_with_x_and_y_negated():
    geometry = Geometry.from_ras(OBLIQUE_RAS, (20, 30, 10)).as_json()

    for ijk in [(0, 0, 0), (19, 0, 0), (0, 29, 9), (7, 11, 3)]:
        ras = (OBLIQUE_RAS @ np.append(ijk, 1))[:3]
        expected_lps = ras * [-1, -1, 1]
        np.testing.assert_allclose(cornerstone_world(geometry, ijk), expected_lps, atol=1e-5)


def test_spacing_is_the_length_of_each_voxel_axis_and_directions_are_unit():
    geometry = Geometry.from_ras(OBLIQUE_RAS, (20, 30, 10)).as_json()

    np.testing.assert_allclose(
        geometry["spacing"], [np.hypot(0.9, 0.3), 1.2, np.hypot(0.3, 2.85)], atol=1e-6
    )
    axes = np.array(geometry["direction"]).reshape(3, 3)
    np.testing.assert_allclose(np.linalg.norm(axes, axis=1), 1.0, atol=1e-6)
    assert geometry["dimensions"] == [20, 30, 10]


def test_a_ras_identity_grid_has_the_lps_flips_in_its_direction():
    geometry = Geometry.from_ras(np.eye(4), (4, 4, 4)).as_json()

    assert geometry["direction"] == [-1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0]
    assert geometry["origin"] == [0.0, 0.0, 0.0]


def test_a_rigid_move_carries_every_voxel_through_the_matrix():
    matrix = np.eye(4)
    matrix[:3, :3] = Rotation.from_euler("xyz", [4, -7, 12], degrees=True).as_matrix()
    matrix[:3, 3] = [3.5, -2.0, 10.0]
    original = Geometry.from_ras(OBLIQUE_RAS, (20, 30, 10))

    moved = original.moved(matrix).as_json()

    for ijk in [(0, 0, 0), (19, 29, 9), (5, 6, 7)]:
        before = cornerstone_world(original.as_json(), ijk)
        np.testing.assert_allclose(
            cornerstone_world(moved, ijk), matrix[:3, :3] @ before + matrix[:3, 3], atol=1e-5
        )
    np.testing.assert_allclose(moved["spacing"], original.as_json()["spacing"], atol=1e-6)


@pytest.mark.parametrize(
    "matrix",
    [np.diag([2.0, 1.0, 1.0, 1.0]), np.diag([-1.0, 1.0, 1.0, 1.0]), np.eye(3)],
    ids=["scaling", "reflection", "not 4x4"],
)
def test_a_matrix_that_is_not_rigid_is_refused_by_name(matrix):
    with pytest.raises(ValueError, match="matrix"):
        rigid_matrix(matrix)


def test_an_affine_that_is_not_4x4_is_refused_by_name():
    with pytest.raises(ValueError, match="affine"):
        Geometry.from_ras(np.eye(3), (4, 4, 4))


def test_integer_voxels_travel_in_the_narrowest_viewer_type_and_nifti_order():
    data = np.arange(24, dtype=np.int32).reshape(2, 3, 4) * 2000  # up to 46000: past int16

    array = viewer_array(nib.Nifti1Image(data, np.eye(4)))
    sent = np.frombuffer(voxel_bytes(array), dtype="<u2").reshape((2, 3, 4), order="F")

    assert array.dtype == np.uint16
    np.testing.assert_array_equal(sent, data)


def test_scaled_or_float_voxels_travel_as_float32():
    data = np.linspace(0, 1, 24).reshape(2, 3, 4)

    array = viewer_array(nib.Nifti1Image(data, np.eye(4)))

    assert array.dtype == np.float32
    np.testing.assert_allclose(array, data, rtol=1e-6)


def test_the_window_spans_the_brain_percentiles_ignoring_the_zero_background():
    array = np.zeros((20, 20, 20), dtype=np.int16)
    array[5:15, 5:15, 5:15] = np.arange(1000).reshape(10, 10, 10) + 1

    window = brain_window(array)

    low, high = np.percentile(np.arange(1000) + 1, [0.5, 99.5])
    assert window == {"center": round((low + high) / 2, 3), "width": round(high - low, 3)}


@pytest.mark.parametrize("size", [1, 2, 17, 100_000])
def test_integer_windows_match_numpys_percentiles_exactly(size):
    values = np.random.default_rng(size).integers(-300, 3000, size).astype(np.int16)

    window = brain_window(values)

    low, high = np.percentile(values[values != 0], [0.5, 99.5])
    assert window["center"] == round((low + high) / 2, 3)
    assert window["width"] == round(max(high - low, 1.0), 3)
