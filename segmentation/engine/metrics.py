"""Binary segmentation metrics: voxel overlap, surface distances in mm, lesion detection.

Plain numpy/scipy, no Django. Masks are 3-D arrays of one shape (non-zero = foreground);
``spacing`` is the voxel size in mm along each array axis, in the order of ``mask.shape``
(nibabel: the header zooms; SimpleITK: ``GetSpacing()`` reversed).

Overlap, from the voxel counts TP, FP, FN, TN of prediction P against reference R ([1], §3.3;
[3] L5102–L5109, [4] L7468–L7497)::

    dice = 2TP / (2TP + FP + FN)         jaccard = TP / (TP + FP + FN)
    sensitivity = TP / (TP + FN)         specificity = TN / (TN + FP)
    precision = TP / (TP + FP)           accuracy = (TP + TN) / (TP + FP + FN + TN)

Surface distances ([1], §3.4; [2]). The surface ∂X of a mask X is its voxels with a face
(6-connected) neighbour outside X or outside the array. d(∂P→∂R) are the Euclidean distances in
mm from each voxel centre of ∂P to the nearest one of ∂R (exact distance transform, sampled with
``spacing``). As in pymia (used by [5]) and MONAI, not medpy, the robust HD is the larger of the
two directed percentiles (linear interpolation)::

    hausdorff   = max(max d(∂P→∂R), max d(∂R→∂P))      (HD, the metric of [5] L5507–L5509)
    hausdorff95 = max(q95 d(∂P→∂R), q95 d(∂R→∂P))

Lesions are 26-connected components (:mod:`segmentation.engine.lesions`). A reference lesion L is
detected (a true-positive lesion; else a false negative) when |L ∩ P| / |L| ≥ f, f = 0.4: "at
least 40% of the lesioned pixels" ([3] L5125–L5127); ``strict=True`` gives [4]'s "greater than
40%" (L7503–L7506). A predicted component C is a false-positive lesion when |C ∩ R| / |C| < f
(≤ f when strict), with R the whole reference, so a component bridging two lesions is none. [3]
is silent on this side; [4] L7446–L7453 uses the same threshold both ways. After [4] L7522–L7530
and the Dice of [3] L5109::

    lesion_sensitivity = TP lesions / reference lesions
    lesion_precision   = (predicted lesions − FP lesions) / predicted lesions
    lesion_dice        = 2 · precision · sensitivity / (precision + sensitivity)   (0 when both 0)

Empty masks. For every ratio 0/0 = 1: a rate with an empty denominator had no chance to go wrong
(nothing to find, nothing claimed). Distances need a surface on both sides; two empty masks agree
perfectly. No metric is ever NaN.

==================  ==========  ===============  ===============
metric              both empty  R empty, P not   P empty, R not
==================  ==========  ===============  ===============
dice, jaccard       1           0                0
sensitivity         1           1                0
precision           1           0                1
specificity         1           < 1              1
accuracy            1           < 1              < 1
hausdorff(95)       0           inf              inf
lesion_sensitivity  1           1                0
lesion_precision    1           0                1
lesion_dice         1           0                0
==================  ==========  ===============  ===============

Specificity is also 1 when R fills the array. pymia gives inf for two empty masks; here they are
at distance 0, so ensemble members that all find no enhancing tumour raise no alarm.

[1] Taha, Hanbury, "Metrics for evaluating 3D medical image segmentation", BMC Med. Imaging 2015.
[2] Huttenlocher et al., "Comparing images using the Hausdorff distance", IEEE TPAMI 15(9), 1993.
Seed 003_1b1f228b9baf53d4.txt: [3] Shan et al., WMH masking by a DLS (L4805–L5379);
[4] cerebral-microbleed detection on SWI (L7131–L7881); [5] Kofler et al., "Robust, primitive,
and unsupervised quality estimation for segmentation ensembles" (L5380–L5861).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import ndimage

from segmentation.engine.lesions import CONNECTIVITY_26

DETECTION_FRACTION = 0.4  # [3] L5125–L5127, [4] L7452–L7453
FACE_NEIGHBOURS = ndimage.generate_binary_structure(3, 1)
LESION_COUNTS = ("true_positive_lesions", "false_negative_lesions", "false_positive_lesions")


def _ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` with 0/0 = 1 (the module's empty-mask rule)."""
    return 1.0 if denominator == 0 else numerator / denominator


def _as_masks(prediction: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    prediction, reference = np.asarray(prediction) != 0, np.asarray(reference) != 0
    if prediction.shape != reference.shape:
        raise ValueError(f"shapes differ: {prediction.shape} (prediction), {reference.shape}")
    if prediction.ndim != 3:
        raise ValueError(f"masks must be 3-D, got {prediction.ndim}-D")
    return prediction, reference


def _as_spacing(spacing: Sequence[float]) -> tuple[float, float, float]:
    values = tuple(float(s) for s in spacing)
    if len(values) != 3 or not all(math.isfinite(s) and s > 0 for s in values):
        raise ValueError(f"spacing must be three positive finite mm values, got {spacing!r}")
    return values


@dataclass(frozen=True)
class ConfusionCounts:
    """Voxel counts of a prediction against a reference, and the overlap metrics they give.

    >>> ConfusionCounts(tp=3, fp=1, fn=2, tn=10).overlap()["dice"]
    0.6666666666666666
    """

    tp: int
    fp: int
    fn: int
    tn: int

    @classmethod
    def of(cls, prediction: np.ndarray, reference: np.ndarray) -> "ConfusionCounts":
        """Count ``prediction`` against ``reference``; ``ValueError`` unless both are 3-D alike."""
        p, r = _as_masks(prediction, reference)
        tp, p_count, r_count = int(np.count_nonzero(p & r)), int(p.sum()), int(r.sum())
        return cls(tp=tp, fp=p_count - tp, fn=r_count - tp, tn=p.size - p_count - r_count + tp)

    def overlap(self) -> dict[str, float]:
        """The six overlap metrics of the module docstring, by name."""
        tp, fp, fn, tn = self.tp, self.fp, self.fn, self.tn
        return {
            "dice": _ratio(2 * tp, 2 * tp + fp + fn),
            "jaccard": _ratio(tp, tp + fp + fn),
            "sensitivity": _ratio(tp, tp + fn),
            "specificity": _ratio(tn, tn + fp),
            "precision": _ratio(tp, tp + fp),
            "accuracy": _ratio(tp + tn, tp + fp + fn + tn),
        }


class SurfaceDistances(NamedTuple):
    """Directed surface distances in mm: one value per surface voxel of the source mask."""

    prediction_to_reference: np.ndarray
    reference_to_prediction: np.ndarray

    def hausdorff(self, percentile: float = 100.0) -> float:
        """max(q d(∂P→∂R), q d(∂R→∂P)) with q the ``percentile``: 0 for two empty masks, inf
        for one.

        >>> SurfaceDistances(np.array([0.0, 1.0, 3.0]), np.array([2.0])).hausdorff()
        3.0
        """
        directed = (self.prediction_to_reference, self.reference_to_prediction)
        if all(d.size == 0 for d in directed):
            return 0.0
        if any(d.size == 0 for d in directed):
            return math.inf
        return float(max(np.percentile(d, percentile) for d in directed))


def surface(mask: np.ndarray) -> np.ndarray:
    """The voxels of ``mask`` with at least one face neighbour outside it (or outside the array).

    >>> surface(np.ones((3, 3, 3), bool)).sum()  # all but the centre voxel
    np.int64(26)
    """
    mask = np.asarray(mask, dtype=bool)
    return mask & ~ndimage.binary_erosion(mask, structure=FACE_NEIGHBOURS, border_value=0)


def surface_distances(
    prediction: np.ndarray, reference: np.ndarray, spacing: Sequence[float]
) -> SurfaceDistances:
    """Directed distances (mm) between the surfaces of two masks, as defined in the module;
    ``surface_distances(P, R, spacing).hausdorff(95)`` is HD95.

    Only the bounding box of both masks, padded by one background voxel, is transformed: every
    surface voxel and its nearest counterpart lie inside it.

    Raises
    ------
    ValueError
        When the masks differ in shape or are not 3-D, or ``spacing`` is not three positive
        finite numbers.
    """
    p, r = _as_masks(prediction, reference)
    sampling = _as_spacing(spacing)
    boxes = ndimage.find_objects((p | r).view(np.uint8))
    if not boxes:
        return SurfaceDistances(np.empty(0), np.empty(0))
    box = boxes[0]
    surface_p, surface_r = (surface(np.pad(m[box], 1)) for m in (p, r))

    def directed(source: np.ndarray, target: np.ndarray) -> np.ndarray:
        if not target.any():
            return np.full(np.count_nonzero(source), math.inf)
        return ndimage.distance_transform_edt(~target, sampling=sampling)[source]

    return SurfaceDistances(directed(surface_p, surface_r), directed(surface_r, surface_p))


@dataclass(frozen=True)
class LesionDetection:
    """Lesion counts of a prediction against a reference, as defined in the module."""

    reference_lesions: int
    predicted_lesions: int
    true_positive_lesions: int  # detected reference lesions
    false_negative_lesions: int  # missed reference lesions
    false_positive_lesions: int  # predicted components mostly outside the reference

    @property
    def sensitivity(self) -> float:
        return _ratio(self.true_positive_lesions, self.reference_lesions)

    @property
    def precision(self) -> float:
        return _ratio(self.predicted_lesions - self.false_positive_lesions, self.predicted_lesions)

    @property
    def dice(self) -> float:
        precision, sensitivity = self.precision, self.sensitivity
        if precision + sensitivity == 0:
            return 0.0
        return 2 * precision * sensitivity / (precision + sensitivity)


def _coverage(mask: np.ndarray, by: np.ndarray) -> np.ndarray:
    """|C ∩ by| / |C| for each 26-connected component C of ``mask``, exact for 2/5 == 0.4."""
    components, count = ndimage.label(mask, structure=CONNECTIVITY_26)
    sizes = np.bincount(components.ravel(), minlength=count + 1)[1:]
    covered = np.bincount(components.ravel(), weights=by.ravel(), minlength=count + 1)[1:]
    return covered / sizes


def detect_lesions(
    prediction: np.ndarray,
    reference: np.ndarray,
    fraction: float = DETECTION_FRACTION,
    strict: bool = False,
) -> LesionDetection:
    """Count detected, missed and false-positive lesions ([3] L5125–L5127, [4] L7503–L7506).

    Parameters
    ----------
    prediction, reference
        Binary 3-D masks of one shape.
    fraction
        f, the share of a lesion's voxels that must be covered.
    strict
        Require coverage > f instead of ≥ f.

    Raises
    ------
    ValueError
        When the masks differ in shape or are not 3-D, or ``fraction`` is outside (0, 1].
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    p, r = _as_masks(prediction, reference)
    lesion_coverage, component_coverage = _coverage(r, by=p), _coverage(p, by=r)
    covers = np.greater if strict else np.greater_equal
    detected = int(covers(lesion_coverage, fraction).sum())
    confirmed = int(covers(component_coverage, fraction).sum())
    return LesionDetection(
        reference_lesions=lesion_coverage.size,
        predicted_lesions=component_coverage.size,
        true_positive_lesions=detected,
        false_negative_lesions=lesion_coverage.size - detected,
        false_positive_lesions=component_coverage.size - confirmed,
    )


def binary_metrics(
    prediction: np.ndarray,
    reference: np.ndarray,
    spacing: Sequence[float],
    fraction: float = DETECTION_FRACTION,
) -> dict[str, float]:
    """Every metric of the module at once, counting voxels and transforming surfaces once.

    Returns
    -------
    dict[str, float]
        The overlap metrics, ``hausdorff`` and ``hausdorff95`` (mm), ``lesion_sensitivity``,
        ``lesion_precision``, ``lesion_dice`` and the lesion counts named as in
        :class:`LesionDetection`.

    Raises
    ------
    ValueError
        As :func:`surface_distances` and :func:`detect_lesions`.
    """
    counts = ConfusionCounts.of(prediction, reference)
    distances = surface_distances(prediction, reference, spacing)
    lesions = detect_lesions(prediction, reference, fraction)
    return {
        **counts.overlap(),
        "hausdorff": distances.hausdorff(),
        "hausdorff95": distances.hausdorff(95.0),
        "lesion_sensitivity": lesions.sensitivity,
        "lesion_precision": lesions.precision,
        "lesion_dice": lesions.dice,
        **{name: float(getattr(lesions, name)) for name in LESION_COUNTS},
    }
