"""Binary segmentation metrics: hand-worked examples, SimpleITK as an independent reference,
the empty-mask table of the module docstring, and the 40% lesion-detection rule (AT-05, AT-09)."""

import doctest
import math

import numpy as np
import pytest
import SimpleITK as sitk
from scipy import ndimage, spatial

from segmentation.engine import discord, metrics
from segmentation.engine.metrics import (
    ConfusionCounts,
    binary_metrics,
    detect_lesions,
    surface,
    surface_distances,
)

SHAPE = (24, 28, 20)
ANISOTROPIC = (2.0, 0.7, 1.3)


def cube(corner: tuple[int, int, int], size: int = 5, shape=(14, 14, 14)) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[tuple(slice(c, c + size) for c in corner)] = True
    return mask


def line(start: int, stop: int, length: int = 10) -> np.ndarray:
    """Voxels start … stop − 1 of a 1 × 1 × length array: every voxel is a surface voxel."""
    mask = np.zeros((1, 1, length), dtype=bool)
    mask[0, 0, start:stop] = True
    return mask


def blob_pair(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A smooth random reference and a prediction that overlaps it imperfectly."""
    rng = np.random.default_rng(seed)
    reference = ndimage.gaussian_filter(rng.standard_normal(SHAPE), 2.0) > 0.05
    prediction = ndimage.binary_dilation(reference, iterations=1) ^ (
        ndimage.gaussian_filter(rng.standard_normal(SHAPE), 1.5) > 0.25
    )
    interior = np.zeros(SHAPE, dtype=bool)
    interior[2:-2, 2:-2, 2:-2] = True  # keep off the border, where ITK's contour differs
    return prediction & interior, reference & interior


def itk_image(mask: np.ndarray, spacing) -> sitk.Image:
    image = sitk.GetImageFromArray(mask.astype(np.uint8))
    image.SetSpacing([float(s) for s in reversed(spacing)])  # SimpleITK orders axes x, y, z
    return image


def itk_contour(mask: np.ndarray, spacing) -> sitk.Image:
    return sitk.BinaryContour(itk_image(mask, spacing), fullyConnected=False, foregroundValue=1)


def test_overlap_metrics_match_a_hand_count():
    # prediction voxels 0-3, reference 2-7 of 10: TP 2, FP 2, FN 4, TN 2
    counts = ConfusionCounts.of(line(0, 4), line(2, 8))
    assert counts == ConfusionCounts(tp=2, fp=2, fn=4, tn=2)
    assert counts.overlap() == pytest.approx(
        {
            "dice": 4 / 10,
            "jaccard": 2 / 8,
            "sensitivity": 2 / 6,
            "specificity": 2 / 4,
            "precision": 2 / 4,
            "accuracy": 4 / 10,
        }
    )


def test_hausdorff_distances_of_a_line_match_a_hand_computation():
    # ∂P→∂R = [2, 1, 0, 0] voxels, ∂R→∂P = [0, 0, 1, 2, 3, 4] voxels, 2 mm along the line;
    # q95 by linear interpolation: [0, 0, 2, 4] mm → 3.7, [0, 0, 2, 4, 6, 8] mm → 7.5
    distances = surface_distances(line(0, 4), line(2, 8), (5.0, 5.0, 2.0))
    assert sorted(distances.prediction_to_reference) == [0, 0, 2, 4]
    assert sorted(distances.reference_to_prediction) == [0, 0, 2, 4, 6, 8]
    assert distances.hausdorff() == 8.0
    assert distances.hausdorff(95) == pytest.approx(7.5)


def test_a_cube_shifted_by_two_voxels_is_two_voxels_away_in_the_shifted_axis_spacing():
    reference = cube((2, 2, 2))
    spacing = (3.0, 1.0, 0.5)
    for axis, mm in enumerate(spacing):
        corner = [2, 2, 2]
        corner[axis] += 2
        prediction = cube(tuple(corner))
        result = binary_metrics(prediction, reference, spacing)
        assert result["hausdorff"] == pytest.approx(2 * mm)
        assert result["dice"] == pytest.approx(2 * 75 / 250)  # 3 × 5 × 5 shared of 125 each
        assert result["jaccard"] == pytest.approx(75 / 175)


def test_surface_is_the_voxels_with_a_face_neighbour_outside_the_mask():
    solid = cube((1, 1, 1), size=3, shape=(5, 5, 5))
    assert surface(solid).sum() == 26  # all but the centre
    assert not surface(solid)[2, 2, 2]
    assert surface(np.ones((3, 3, 3), dtype=bool)).sum() == 26  # the array border is outside


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_dice_jaccard_sensitivity_and_precision_agree_with_simpleitk(seed):
    prediction, reference = blob_pair(seed)
    overlap = ConfusionCounts.of(prediction, reference).overlap()
    measures = sitk.LabelOverlapMeasuresImageFilter()
    measures.Execute(itk_image(prediction, ANISOTROPIC), itk_image(reference, ANISOTROPIC))
    assert overlap["dice"] == pytest.approx(measures.GetDiceCoefficient(), abs=1e-12)
    assert overlap["jaccard"] == pytest.approx(measures.GetJaccardCoefficient(), abs=1e-12)
    assert overlap["sensitivity"] == pytest.approx(1 - measures.GetFalseNegativeError(), abs=1e-12)
    assert overlap["precision"] == pytest.approx(1 - measures.GetFalseDiscoveryRate(), abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_hausdorff_agrees_with_simpleitk_on_the_face_connected_contours(seed):
    prediction, reference = blob_pair(seed)
    contour_p, contour_r = (itk_contour(m, ANISOTROPIC) for m in (prediction, reference))
    assert np.array_equal(sitk.GetArrayFromImage(contour_p) != 0, surface(prediction))
    hausdorff = sitk.HausdorffDistanceImageFilter()
    hausdorff.Execute(contour_p, contour_r)
    ours = surface_distances(prediction, reference, ANISOTROPIC).hausdorff()
    assert ours == pytest.approx(hausdorff.GetHausdorffDistance(), rel=1e-9)
    assert ours > 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hausdorff95_agrees_with_nearest_neighbours_of_the_surface_points_in_mm(seed):
    prediction, reference = blob_pair(seed)
    points_p, points_r = (np.argwhere(surface(m)) * ANISOTROPIC for m in (prediction, reference))
    p_to_r = spatial.cKDTree(points_r).query(points_p)[0]
    r_to_p = spatial.cKDTree(points_p).query(points_r)[0]
    expected = max(np.percentile(p_to_r, 95), np.percentile(r_to_p, 95))
    assert binary_metrics(prediction, reference, ANISOTROPIC)["hausdorff95"] == pytest.approx(
        expected, rel=1e-9
    )


def test_distances_are_computed_in_the_bounding_box_without_changing_them():
    prediction, reference = blob_pair(5)
    big_p, big_r = (np.pad(m, ((30, 2), (1, 40), (7, 7))) for m in (prediction, reference))
    small = surface_distances(prediction, reference, ANISOTROPIC)
    big = surface_distances(big_p, big_r, ANISOTROPIC)
    assert big.hausdorff() == small.hausdorff()
    assert big.hausdorff(95) == small.hausdorff(95)


EMPTY = np.zeros((6, 6, 6), dtype=bool)
SOME = cube((1, 1, 1), size=3, shape=(6, 6, 6))
EMPTY_TABLE = {  # the module docstring's table: both empty, R empty & P not, P empty & R not
    "dice": (1, 0, 0),
    "jaccard": (1, 0, 0),
    "sensitivity": (1, 1, 0),
    "precision": (1, 0, 1),
    "specificity": (1, 1 - 27 / 216, 1),
    "accuracy": (1, 1 - 27 / 216, 1 - 27 / 216),
    "hausdorff": (0, math.inf, math.inf),
    "hausdorff95": (0, math.inf, math.inf),
    "lesion_sensitivity": (1, 1, 0),
    "lesion_precision": (1, 0, 1),
    "lesion_dice": (1, 0, 0),
}


@pytest.mark.parametrize("metric", EMPTY_TABLE)
@pytest.mark.parametrize(
    ("case", "prediction", "reference"),
    [(0, EMPTY, EMPTY), (1, SOME, EMPTY), (2, EMPTY, SOME)],
    ids=["both-empty", "reference-empty", "prediction-empty"],
)
def test_empty_masks_give_the_documented_values(metric, case, prediction, reference):
    assert binary_metrics(prediction, reference, (1, 1, 1))[metric] == pytest.approx(
        EMPTY_TABLE[metric][case]
    )


def test_specificity_is_one_when_the_reference_fills_the_array():
    full = np.ones((2, 2, 2), dtype=bool)
    assert ConfusionCounts.of(full, full).overlap()["specificity"] == 1.0


def test_no_metric_is_ever_nan():
    for prediction, reference in [(EMPTY, EMPTY), (SOME, EMPTY), (EMPTY, SOME), (SOME, SOME)]:
        values = binary_metrics(prediction, reference, (1, 1, 1)).values()
        assert not any(math.isnan(v) for v in values)


def covering(covered: int) -> tuple[np.ndarray, np.ndarray]:
    """A 10 × 10 × 10 reference lesion and a prediction covering ``covered`` of its voxels."""
    reference = cube((2, 2, 2), size=10)
    flat = np.flatnonzero(reference)[:covered]
    prediction = np.zeros_like(reference)
    prediction.flat[flat] = True
    return prediction, reference


def test_a_lesion_covered_exactly_40_percent_is_detected():
    detection = detect_lesions(*covering(400))
    assert (detection.true_positive_lesions, detection.false_negative_lesions) == (1, 0)


def test_a_lesion_covered_39_point_9_percent_is_missed():
    detection = detect_lesions(*covering(399))
    assert (detection.true_positive_lesions, detection.false_negative_lesions) == (0, 1)


def test_the_strict_rule_needs_more_than_40_percent():
    assert detect_lesions(*covering(400), strict=True).true_positive_lesions == 0
    assert detect_lesions(*covering(401), strict=True).true_positive_lesions == 1


def test_the_detection_fraction_is_a_parameter():
    assert detect_lesions(*covering(500), fraction=0.5).true_positive_lesions == 1
    assert detect_lesions(*covering(499), fraction=0.5).true_positive_lesions == 0


def test_a_predicted_component_mostly_outside_the_reference_is_a_false_positive():
    reference = cube((0, 0, 0), size=4, shape=(14, 14, 14))
    prediction = np.zeros_like(reference)
    prediction[3, 3, 0:10] = True  # 10 voxels, 4 of them (z 0-3) in the reference
    assert detect_lesions(prediction, reference).false_positive_lesions == 0
    prediction[3, 3, 10] = True  # now 4 of 11 = 36%
    assert detect_lesions(prediction, reference).false_positive_lesions == 1


def test_a_component_bridging_two_lesions_is_no_false_positive():
    reference = np.zeros((3, 3, 12), dtype=bool)
    reference[1, 1, 0:3] = reference[1, 1, 9:12] = True  # two lesions of 3
    prediction = np.zeros_like(reference)
    prediction[1, 1, 1:11] = True  # 4 of 10 voxels in the reference, 2 in each lesion
    detection = detect_lesions(prediction, reference)
    assert (detection.reference_lesions, detection.true_positive_lesions) == (2, 2)
    assert detection.false_positive_lesions == 0


def test_lesion_rates_count_detected_missed_and_false_positive_lesions():
    shape = (20, 20, 20)
    found, missed, spurious = (
        (cube(c, size=3, shape=shape)) for c in [(0, 0, 0), (8, 8, 8), (15, 15, 15)]
    )
    reference, prediction = found | missed, found | spurious
    detection = detect_lesions(prediction, reference)
    assert detection.true_positive_lesions == 1
    assert detection.false_negative_lesions == 1
    assert detection.false_positive_lesions == 1
    assert (detection.sensitivity, detection.precision, detection.dice) == (0.5, 0.5, 0.5)


def test_diagonal_neighbours_form_one_lesion_as_in_segmentation_lesions():
    reference = np.zeros((3, 3, 3), dtype=bool)
    reference[0, 0, 0] = reference[1, 1, 1] = reference[2, 2, 2] = True
    assert detect_lesions(reference, reference).reference_lesions == 1


def test_binary_metrics_matches_the_separate_computations():
    prediction, reference = blob_pair(6)
    result = binary_metrics(prediction, reference, ANISOTROPIC)
    distances = surface_distances(prediction, reference, ANISOTROPIC)
    detection = detect_lesions(prediction, reference)
    assert result == {
        **ConfusionCounts.of(prediction, reference).overlap(),
        "hausdorff": distances.hausdorff(),
        "hausdorff95": distances.hausdorff(95),
        "lesion_sensitivity": detection.sensitivity,
        "lesion_precision": detection.precision,
        "lesion_dice": detection.dice,
        "true_positive_lesions": detection.true_positive_lesions,
        "false_negative_lesions": detection.false_negative_lesions,
        "false_positive_lesions": detection.false_positive_lesions,
    }


@pytest.mark.parametrize(
    ("prediction", "reference", "spacing", "message"),
    [
        (np.zeros((2, 2, 2)), np.zeros((2, 2, 3)), (1, 1, 1), "shapes differ"),
        (np.zeros((2, 2)), np.zeros((2, 2)), (1, 1), "3-D"),
        (np.zeros((2, 2, 2)), np.zeros((2, 2, 2)), (1, 1), "spacing"),
        (np.zeros((2, 2, 2)), np.zeros((2, 2, 2)), (1, 0, 1), "spacing"),
        (np.zeros((2, 2, 2)), np.zeros((2, 2, 2)), (1, math.nan, 1), "spacing"),
    ],
)
def test_bad_masks_or_spacing_are_refused(prediction, reference, spacing, message):
    with pytest.raises(ValueError, match=message):
        binary_metrics(prediction, reference, spacing)


@pytest.mark.parametrize("fraction", [0.0, -0.1, 1.5])
def test_a_detection_fraction_outside_zero_to_one_is_refused(fraction):
    with pytest.raises(ValueError, match="fraction"):
        detect_lesions(SOME, SOME, fraction=fraction)


@pytest.mark.parametrize("module", [metrics, discord])
def test_docstring_examples_hold(module):
    assert doctest.testmod(module).failed == 0
