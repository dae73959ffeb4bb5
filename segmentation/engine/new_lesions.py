"""New MS lesions between a prior and a current FLAIR, by subtraction: the CAD of Thakur et al.
(seed 003, L6734–L6780; spec ms-workflows.md §3, lesion-grading-and-alarms.md §7.2).

The paper's steps, in its order, with what this implementation does where it is silent:

1. Gate: FLAIR with slices of ``max_slice_thickness_mm`` or thicker is not processed
   (L6668–L6672): :class:`NotApplicable`.
2. Resolution harmonisation (L6734–L6739): where one exam's voxels are larger along an axis,
   the other is smoothed to that resolution (Gaussian, FWHM² = coarse² − fine²), so that neither
   is compared at a resolution it does not have. Stored volumes are in the closest RAS
   orientation, so their axes correspond.
3. Rigid registration of the two FLAIRs (imaging.registration, the viewer's registration). The
   paper moves Timepoint-2 into Timepoint-1's space; the same rigid transform, inverted, brings
   the prior onto the current exam's grid, where readers review and where the map must lie, so
   the current exam is never interpolated and the binary map never resampled.
4. Brain: the voxels inside both brains (exams are brain-extracted when prepared, so outside
   is 0), eroded by ``brain_margin_mm``: the brain's rim is where misregistration and partial
   volume make intensity steps (false positives "outside of the white matter", L7007–L7009).
5. Intensity normalisation: N4 bias-field correction of each FLAIR (L6760–L6762), histogram
   matching of the prior to the current (L6762–L6765), both divided by the current's median
   brain signal, so that thresholds do not depend on the scanner's scale.
6. Subtraction, current − prior, smoothed (Gaussian, ``smoothing_mm``) against noise; voxels
   above ``difference_threshold`` (in median brain signal) are candidates, grouped in
   26-connected components (the paper does not give its threshold).
7. False-positive rule (L6774–L6777): a candidate whose centre of gravity is brighter at the prior
   than at the current exam is a false positive. The paper keeps them in green for the reader;
   here they are left out of the map and returned, counted, with the detection.
8. Candidates of ``minimum_volume_mm3`` or less are left out (strictly larger, as paper A's
   post-processing, L3750–L3751; spec T-03).

Plain numpy, scipy and SimpleITK: arrays and affines in, a binary map and numbers out."""

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk
from scipy import ndimage

from imaging import registration
from segmentation.engine.lesions import CONNECTIVITY_26, voxel_volume_ml

PIPELINE = "flair-subtraction"
NEW, FALSE_POSITIVE, TOO_SMALL = "new", "false positive", "too small"  # a candidate's outcome
SOURCE = "Thakur et al., Front. Med. 2022, 9:797586 (seed 003, L6734–L6780)"


@dataclass(frozen=True)
class Parameters:
    """Everything that decides the output; stored in the model version's configuration."""

    max_slice_thickness_mm: float = 5.0
    brain_margin_mm: float = 2.0
    n4_resolution_mm: float = 6.0  # N4 fits its smooth field on a grid this coarse
    n4_iterations: tuple[int, ...] = (50, 50, 50)  # per fitting level
    histogram_levels: int = 256
    histogram_match_points: int = 16
    smoothing_mm: float = 1.0
    difference_threshold: float = 0.3  # of the current exam's median brain signal
    minimum_volume_mm3: float = 12.0  # strictly larger is kept


DEFAULT = Parameters()


class NotApplicable(ValueError):
    """The pair cannot be compared by this pipeline; the message says why."""


@dataclass(frozen=True)
class Candidate:
    """One 26-connected component of the thresholded difference."""

    centre_voxel: tuple[int, int, int]  # its centre of gravity, rounded, on the current grid
    volume_mm3: float
    prior_signal: float  # normalised FLAIR at the centre of gravity
    current_signal: float
    outcome: str  # NEW, FALSE_POSITIVE (the paper's rule) or TOO_SMALL


@dataclass(frozen=True)
class Detection:
    mask: np.ndarray  # uint8, 1 = new lesion, on the current exam's grid
    candidates: list[Candidate]
    registration_lps: np.ndarray  # prior world -> current world (LPS mm)
    registration_metric: float

    def count(self, outcome: str) -> int:
        return sum(c.outcome == outcome for c in self.candidates)


def configuration(parameters: Parameters = DEFAULT) -> dict:
    """What a model version of this pipeline records: the parameters and the methods."""
    return {
        "pipeline": PIPELINE,
        "source": SOURCE,
        "sequence": "FLAIR",
        "registration": registration.METHOD,
        "parameters": dataclasses.asdict(parameters),
    }


def configuration_sha256(config: dict) -> str:
    """The hash of a configuration (canonical JSON): the model version's identity."""
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def parameters_from(config: dict) -> Parameters:
    values = dict(config["parameters"])
    values["n4_iterations"] = tuple(values["n4_iterations"])
    return Parameters(**values)


def detect_new_lesions(
    current: np.ndarray,
    current_affine: np.ndarray,
    prior: np.ndarray,
    prior_affine: np.ndarray,
    parameters: Parameters = DEFAULT,
    progress: Callable[[str], None] = lambda step: None,
) -> Detection:
    """New lesions of ``current`` since ``prior`` (FLAIR volumes with their RAS affines).

    Raises NotApplicable when a FLAIR is too thick-sliced or blank, or the two share no brain."""
    for name, volume, affine in (
        ("current", current, current_affine),
        ("prior", prior, prior_affine),
    ):
        _check_applicable(name, volume, affine, parameters)
    progress("registering the prior FLAIR to the current one")
    current_spacing, prior_spacing = _spacing(current_affine), _spacing(prior_affine)
    fixed = registration.sitk_image(
        _at_resolution(current, current_spacing, prior_spacing), current_affine
    )
    moving = registration.sitk_image(
        _at_resolution(prior, prior_spacing, current_spacing), prior_affine
    )
    matrix, metric = registration.rigid_registration(fixed, moving)
    prior_here = registration.resample_onto(moving, fixed, matrix)

    progress("normalising intensities (N4 bias field, histogram matching)")
    current = registration.image_array(fixed)
    inside = (current > 0) & (prior_here > 0)
    if not inside.any():
        raise NotApplicable("the two FLAIRs share no brain voxels after registration")
    # Everything after registration runs on the brain's bounding box (a third of the volume),
    # with a rim of background so that the brain's edge is an edge to the erosion.
    box = _padded_box(inside, rim=2)
    start = np.array([s.start for s in box])
    box_affine = np.array(current_affine, dtype=float)
    box_affine[:3, 3] = box_affine[:3, :3] @ start + box_affine[:3, 3]
    brain = _eroded(inside[box], box_affine, parameters.brain_margin_mm)
    current_n, prior_n = _normalised(current[box], prior_here[box], brain, box_affine, parameters)

    progress("subtracting and applying the false-positive rule")
    candidates, new = _candidates(current_n, prior_n, brain, box_affine, parameters)
    mask = np.zeros(current.shape, np.uint8)
    mask[box] = new
    for_the_volume = [
        dataclasses.replace(c, centre_voxel=tuple(int(v) for v in np.add(c.centre_voxel, start)))
        for c in candidates
    ]
    return Detection(mask, for_the_volume, matrix, metric)


def _normalised(current, prior, brain, affine, parameters: Parameters):
    """Both FLAIRs bias-corrected, the prior's histogram matched to the current's, both in
    units of the current's median brain signal (0 outside the brain)."""
    current_n = _bias_corrected(current, brain, affine, parameters)
    prior_n = _matched(
        _bias_corrected(prior, brain, affine, parameters), current_n, brain, parameters
    )
    scale = float(np.median(current_n[brain]))
    return current_n / scale, prior_n / scale


def _candidates(current_n, prior_n, brain, affine, parameters: Parameters):
    """Every component of the thresholded difference with its outcome, and the map of the new
    ones."""
    spacing = _spacing(affine)
    difference = ndimage.gaussian_filter(current_n - prior_n, parameters.smoothing_mm / spacing)
    components, count = ndimage.label(
        brain & (difference > parameters.difference_threshold), structure=CONNECTIVITY_26
    )
    voxel_mm3 = voxel_volume_ml(affine) * 1000.0
    sizes = np.bincount(components.ravel(), minlength=count + 1)
    centres = ndimage.center_of_mass(brain, components, range(1, count + 1))
    candidates, new = [], []
    for number, centre in enumerate(centres, start=1):
        voxel = tuple(int(v) for v in np.rint(centre))
        volume_mm3 = float(sizes[number] * voxel_mm3)
        outcome = _outcome(prior_n[voxel], current_n[voxel], volume_mm3, parameters)
        candidates.append(
            Candidate(
                centre_voxel=voxel,
                volume_mm3=round(volume_mm3, 3),
                prior_signal=round(float(prior_n[voxel]), 4),
                current_signal=round(float(current_n[voxel]), 4),
                outcome=outcome,
            )
        )
        if outcome == NEW:
            new.append(number)
    return candidates, np.isin(components, new).astype(np.uint8)


def _spacing(affine: np.ndarray) -> np.ndarray:
    return np.linalg.norm(np.asarray(affine, dtype=float)[:3, :3], axis=0)


def _at_resolution(volume: np.ndarray, spacing: np.ndarray, other: np.ndarray) -> np.ndarray:
    """The volume smoothed, along each axis where the other's voxels are larger, to their
    size (FWHM² = other² − own², σ = FWHM / 2.355), as float32."""
    fwhm_mm = np.sqrt(np.maximum(np.square(other) - np.square(spacing), 0.0))
    volume = np.asarray(volume, dtype=np.float32)
    if not fwhm_mm.any():
        return volume
    return ndimage.gaussian_filter(volume, fwhm_mm / 2.355 / spacing)


def _check_applicable(name: str, volume: np.ndarray, affine: np.ndarray, parameters: Parameters):
    spacing = _spacing(affine)
    if spacing.max() >= parameters.max_slice_thickness_mm:
        raise NotApplicable(
            f"the {name} FLAIR has {spacing.max():.1f} mm slices; the detection needs slices "
            f"thinner than {parameters.max_slice_thickness_mm:g} mm"
        )
    if np.asarray(volume).ndim != 3 or not np.ptp(volume) > 0:
        raise NotApplicable(f"the {name} FLAIR is not a 3D volume with signal")


def _outcome(prior_signal, current_signal, volume_mm3: float, parameters: Parameters) -> str:
    if prior_signal > current_signal:  # the paper's rule, at the centre of gravity
        return FALSE_POSITIVE
    if volume_mm3 <= parameters.minimum_volume_mm3:
        return TOO_SMALL
    return NEW


def _padded_box(mask: np.ndarray, rim: int) -> tuple[slice, ...]:
    box = ndimage.find_objects(mask.astype(np.uint8))[0]
    return tuple(
        slice(max(0, s.start - rim), min(n, s.stop + rim))
        for s, n in zip(box, mask.shape, strict=True)
    )


def _eroded(inside: np.ndarray, affine: np.ndarray, margin_mm: float) -> np.ndarray:
    spacing = _spacing(affine)
    return ndimage.distance_transform_edt(inside, sampling=spacing) > margin_mm


def _bias_corrected(volume, brain, affine, parameters: Parameters) -> np.ndarray:
    """N4 on a shrunk copy (as is usual: the field is smooth), the field applied at full size."""
    image = registration.sitk_image(volume, affine)
    mask = sitk.Cast(registration.sitk_image(brain.astype(np.uint8), affine), sitk.sitkUInt8)
    spacing = _spacing(affine)
    shrink = [max(1, round(parameters.n4_resolution_mm / s)) for s in spacing]
    small, small_mask = sitk.Shrink(image, shrink), sitk.Shrink(mask, shrink)
    n4 = sitk.N4BiasFieldCorrectionImageFilter()
    n4.SetMaximumNumberOfIterations(list(parameters.n4_iterations))
    n4.Execute(small, small_mask)
    log_field = registration.image_array(n4.GetLogBiasFieldAsImage(image))
    return np.where(brain, np.asarray(volume, np.float32) / np.exp(log_field), 0.0).astype(
        np.float32
    )


def _matched(prior, current, brain, parameters: Parameters) -> np.ndarray:
    """The prior's brain voxels with their histogram matched to the current's (0 elsewhere):
    the background, most of either volume, stays out of both histograms."""
    matcher = sitk.HistogramMatchingImageFilter()
    matcher.SetNumberOfHistogramLevels(parameters.histogram_levels)
    matcher.SetNumberOfMatchPoints(parameters.histogram_match_points)
    matcher.ThresholdAtMeanIntensityOff()
    source, reference = (
        sitk.GetImageFromArray(volume[brain].astype(np.float32).reshape(1, 1, -1))
        for volume in (prior, current)
    )
    matched = np.zeros_like(prior, dtype=np.float32)
    matched[brain] = sitk.GetArrayFromImage(matcher.Execute(source, reference)).ravel()
    return matched
