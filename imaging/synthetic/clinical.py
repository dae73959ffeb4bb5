"""A brain MR study as a hospital's scanner writes it, so that the clinical path (series
selection, co-registration, brain extraction) can run end to end on a known truth: the exam's
head (``add_head``) acquired on four grids of its own, beside a localizer and a diffusion series
that the importer must leave out.

The protocol follows a usual 3 T brain study, in acquisition order: a three-plane localizer, a
sagittal 3D FLAIR, an axial 2D T2 with 5 mm slices, a diffusion series, an axial 3D T1 on a
larger field of view, and after gadolinium an oblique coronal 3D T1 on a shifted field of view.
The 3D grids are isotropic at the cohort's resolution; every field of view covers the whole head.
The patient moves while contrast is injected: the T1CE sees the head after a small rigid motion
that its headers cannot tell (``Acquisition.motion``), which co-registration has to find.
"""

import dataclasses
import pathlib

import numpy as np
import SimpleITK as sitk
from scipy.spatial.transform import Rotation

from imaging.registration import LPS_FROM_RAS, image_array, sitk_image
from imaging.sequences import Sequence
from imaging.synthetic.anatomy import Anatomy
from imaging.synthetic.contrasts import FULL_SCALE, MAX_VALUE, rician
from imaging.synthetic.head import LAYERS_MM, Head, add_head
from imaging.synthetic.writers import SeriesHeader, Stack, write_dicom_series

# Voxel axes (columns: i, j, k) in RAS, as scanners order them: rows run to the patient's left
# (axial, coronal) or back (sagittal), columns back (axial) or down, slices along their cross
# product, so that a reader's slice order keeps k.
_AXIAL = np.array([[-1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0]])
_SAGITTAL = np.array([[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0]])
_CORONAL = np.array([[-1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, -1.0, 0.0]])
# The T1CE's planes, angled by the technologist; its field of view moved up and to the left.
_T1CE_AXES = Rotation.from_euler("xz", (6.0, 3.0), degrees=True).as_matrix() @ _CORONAL
_T1CE_SHIFT_MM = np.array([-6.0, 0.0, 8.0])
# Fields of view reach this far beyond the brain along each of their axes.
_HEAD_MM = LAYERS_MM["skin"]  # the head's outside, from the brain's
_FITTED_MM = _HEAD_MM + 4.0  # the head and a little air
_T1_REACH_MM = _HEAD_MM + np.array([30.0, 30.0, 4.0])  # a larger field of view, in plane
_T1CE_REACH_MM = _HEAD_MM + 12.0  # more air than its shift, so that the head stays inside
_DWI_REACH_MM = 4.0  # the brain only: fat suppression leaves no scalp to see
_THICK_SLICE_MM = 5.0  # T2 and diffusion
_DWI_GAP_MM = 1.0
_LOCALIZER_SLICE_MM = 8.0
_MOTION_DEGREES, _MOTION_MM = (1.0, 3.0), (1.0, 3.0)  # per axis, either way
# Relative signal at b = 1000 s/mm²: free water (CSF) loses its signal, tissue keeps some.
_DWI_SIGNAL = {"wm": 0.30, "gm": 0.38, "csf": 0.04}

_LOCALIZER = SeriesHeader(
    "3Plane Loc SSFSE",
    1,
    (1500.0, 80.0, None),
    slice_thickness_mm=_LOCALIZER_SLICE_MM,
    image_type=("ORIGINAL", "PRIMARY", "LOCALIZER"),
)
_DWI = SeriesHeader(
    "DWI b1000",
    4,
    (6000.0, 80.0, None),
    slice_thickness_mm=_THICK_SLICE_MM,
    image_type=("ORIGINAL", "PRIMARY", "DIFFUSION", "NONE"),
    attributes={"DiffusionBValue": 1000.0},
)
_HEADERS = {
    Sequence.FLAIR: SeriesHeader("SAG 3D FLAIR", 2, (5000.0, 390.0, 1800.0), "3D"),
    Sequence.T2: SeriesHeader("AX T2 FSE", 3, (4000.0, 100.0, None)),
    Sequence.T1: SeriesHeader("AX 3D T1 MPRAGE", 5, (2300.0, 2.3, 900.0), "3D"),
    Sequence.T1CE: SeriesHeader("COR 3D T1 MPRAGE POST GD", 6, (2300.0, 2.3, 900.0), "3D"),
}


@dataclasses.dataclass(frozen=True, eq=False)
class Acquisition:
    """One series as the scanner records it: int16 stacks (one for a volume, one per plane for
    the localizer) and its header. ``sequence`` is what it is, None for a series the importer
    leaves out; ``motion`` (RAS 4x4) moved the head from its place in the anatomy's space
    before this series, untold by the headers."""

    header: SeriesHeader
    stacks: tuple[Stack, ...]
    sequence: Sequence | None
    motion: np.ndarray


def acquire(
    array: np.ndarray, affine: np.ndarray, grid_affine: np.ndarray, shape, slab_mm: float = 0.0
) -> np.ndarray:
    """What a scanner records on ``grid_affine``'s grid from the volume placed at ``affine``:
    trilinear samples, each averaged across a slab of ``slab_mm`` along the grid's third axis
    (a thick 2D slice), sampled every half voxel of the volume. Outside the volume: 0."""
    source = sitk_image(array, affine)
    grid = sitk_image(np.zeros(shape, np.float32), grid_affine)
    normal = (LPS_FROM_RAS @ grid_affine)[:3, 2] / np.linalg.norm(grid_affine[:3, 2])
    origin = np.array(grid.GetOrigin())
    count = max(1, int(np.ceil(2.0 * slab_mm / min(source.GetSpacing()))))
    total = np.zeros(shape, np.float32)
    for offset in ((np.arange(count) + 0.5) / count - 0.5) * slab_mm:
        grid.SetOrigin((origin + offset * normal).tolist())
        total += image_array(sitk.Resample(source, grid, sitk.Transform(), sitk.sitkLinear, 0.0))
    return total / count


def clinical_exam(
    anatomy: Anatomy, images: dict[Sequence, np.ndarray], rng: np.random.Generator
) -> list[Acquisition]:
    """The study of one exam (``render_exam``'s volumes on ``anatomy.affine``), its series in
    acquisition order; ``rng`` draws the head's noise, the patient's motion and the diffusion
    series' noise, and the noise of air beyond the head's grid."""
    head = add_head(anatomy, images, rng)
    brain = anatomy.to_world(np.argwhere(anatomy.brain))
    motion = _patient_motion((brain.min(axis=0) + brain.max(axis=0)) / 2, rng)
    resolution = float(anatomy.spacing.min())
    isotropic = (resolution,) * 3
    moved = brain @ motion[:3, :3].T + motion[:3, 3]
    t1ce_grid = _grid(moved, _T1CE_AXES, isotropic, _T1CE_REACH_MM, _T1CE_SHIFT_MM)
    t2_grid = _grid(brain, _AXIAL, (resolution, resolution, _THICK_SLICE_MM), _FITTED_MM)
    return [
        _localizer(head, brain, resolution, rng),
        _series(head, Sequence.FLAIR, _grid(brain, _SAGITTAL, isotropic, _FITTED_MM), rng),
        _series(head, Sequence.T2, t2_grid, rng, _THICK_SLICE_MM),
        _diffusion(anatomy, brain, resolution, rng),
        _series(head, Sequence.T1, _grid(brain, _AXIAL, isotropic, _T1_REACH_MM), rng),
        _series(head, Sequence.T1CE, t1ce_grid, rng, motion=motion),
    ]


def write_clinical_exam(
    folder: pathlib.Path,
    acquisitions: list[Acquisition],
    study: dict[str, object],
    uid_sources: list[str],
) -> None:
    """Each series in its folder, <number>_<description>/IM*.dcm, as hospital exports name them."""
    for acquisition in acquisitions:
        header = acquisition.header
        write_dicom_series(
            folder / f"{header.number:02d}_{header.description.replace(' ', '_')}",
            acquisition.stacks,
            header,
            study,
            [*uid_sources, str(header.number)],
        )


def _series(
    head: Head,
    sequence: Sequence,
    grid: tuple[np.ndarray, tuple[int, ...]],
    rng: np.random.Generator,
    slab_mm: float = 0.0,
    motion: np.ndarray | None = None,
) -> Acquisition:
    motion = np.eye(4) if motion is None else motion
    affine, shape = grid
    values = acquire(head.images[sequence], motion @ head.affine, affine, shape, slab_mm)
    return Acquisition(
        _HEADERS[sequence], (Stack(_scanned(values, rng), affine),), sequence, motion
    )


def _localizer(
    head: Head, brain: np.ndarray, resolution: float, rng: np.random.Generator
) -> Acquisition:
    """One square plane per orientation through the head's centre, single-shot T2-weighted."""
    side = np.ptp(brain, axis=0).max() + 2 * _FITTED_MM
    size = int(np.ceil(side / resolution)) + 1
    centre = (brain.min(axis=0) + brain.max(axis=0)) / 2
    stacks = []
    for axes in (_AXIAL, _SAGITTAL, _CORONAL):
        affine = np.eye(4)
        affine[:3, :3] = axes * (resolution, resolution, _LOCALIZER_SLICE_MM)
        affine[:3, 3] = centre - axes[:, :2].sum(axis=1) * resolution * (size - 1) / 2
        values = acquire(
            head.images[Sequence.T2], head.affine, affine, (size, size, 1), _LOCALIZER_SLICE_MM
        )
        stacks.append(Stack(_scanned(values, rng), affine))
    return Acquisition(_LOCALIZER, tuple(stacks), None, np.eye(4))


def _diffusion(
    anatomy: Anatomy, brain: np.ndarray, resolution: float, rng: np.random.Generator
) -> Acquisition:
    """Thick axial slices with gaps over the brain at half the resolution, fat suppressed (no
    scalp): the tissue's signal left at b = 1000, with Rician noise."""
    signal = sum(getattr(anatomy, tissue) * level for tissue, level in _DWI_SIGNAL.items())
    spacing = (2 * resolution, 2 * resolution, _THICK_SLICE_MM + _DWI_GAP_MM)
    affine, shape = _grid(brain, _AXIAL, spacing, _DWI_REACH_MM)
    values = acquire(signal, anatomy.affine, affine, shape, _THICK_SLICE_MM)
    noisy = rician(values, rng) * np.float32(FULL_SCALE)
    return Acquisition(_DWI, (Stack(_stored(noisy), affine),), None, np.eye(4))


def _grid(
    points: np.ndarray, axes: np.ndarray, spacing, reach_mm, shift_mm=0.0
) -> tuple[np.ndarray, tuple[int, ...]]:
    """The grid along ``axes`` (RAS, columns i, j, k) that holds the brain's ``points`` (RAS,
    N x 3) and ``reach_mm`` beyond them along each axis, then moved by ``shift_mm`` (RAS)."""
    along = points @ axes
    low, high = along.min(axis=0) - reach_mm, along.max(axis=0) + reach_mm
    shape = np.ceil((high - low) / spacing).astype(int) + 1
    affine = np.eye(4)
    affine[:3, :3] = axes * spacing
    affine[:3, 3] = axes @ low + shift_mm
    return affine, tuple(int(n) for n in shape)


def _patient_motion(centre: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A rigid move of a few degrees about ``centre`` (the brain's) and a few millimetres."""
    degrees, shift = (
        rng.choice([-1.0, 1.0], 3) * rng.uniform(*limits, 3)
        for limits in (_MOTION_DEGREES, _MOTION_MM)
    )
    rotation = Rotation.from_euler("xyz", degrees, degrees=True).as_matrix()
    motion = np.eye(4)
    motion[:3, :3] = rotation
    motion[:3, 3] = centre - rotation @ centre + shift
    return motion


def _scanned(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Stored values; beyond the head's grid (0 there) the scanner still records air's noise."""
    beyond = values == 0
    values[beyond] = rician(np.zeros(beyond.sum(), np.float32), rng) * np.float32(FULL_SCALE)
    return _stored(values)


def _stored(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values), 0, MAX_VALUE).astype(np.int16)
