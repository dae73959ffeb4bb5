"""Lesion geometry and its course over the exams of a patient, planned in RAS mm so that a plan
does not depend on the grid, and rasterised per exam into reference label maps.

Gliomas (BraTS 2020 labels): an irregular core, a sphere perturbed by smooth noise, whose inner
part is necrotic and whose rim enhances, wrapped in oedema that spreads along white matter. The
core radius follows the course: grow, shrink or stable. MS-like lesions (label 1): ovoids in
white matter, periventricular ones with their long axis pointing at the ventricle (Dawson's
fingers); existing lesions persist and new ones appear at later exams, never touching another.
"""

import dataclasses

import numpy as np
from scipy import ndimage

from imaging.synthetic.anatomy import Anatomy

NECROSIS, OEDEMA, ENHANCING = 1, 2, 4  # BraTS 2020 (imaging.labels)
LESION = 1
GLIOMA_COURSES = ("grow", "shrink", "stable")

# Volume factor per interval between exams, and the baseline core radius (mm), per course:
# growth and shrinkage large enough to be read as progression / response, stable within 1 %.
_VOLUME_FACTOR = {"grow": (1.3, 1.6), "shrink": (0.55, 0.75), "stable": (0.99, 1.01)}
_CORE_RADIUS_MM = {"grow": (12.0, 15.0), "shrink": (16.0, 19.0), "stable": (13.0, 17.0)}
_NOISE_GRID = 20  # samples of the shape noise across [-_NOISE_EXTENT, _NOISE_EXTENT] radii
_NOISE_EXTENT = 3.0
_LESION_GAP_MM = 5.0  # > sqrt(3) voxels at 2 mm: lesions stay apart under 26-connectivity


@dataclasses.dataclass(frozen=True, eq=False)
class Glioma:
    centre_mm: np.ndarray
    rotation: np.ndarray  # columns: the ellipsoid's axes
    axis_scale: np.ndarray  # relative semi-axes, largest 1
    core_radius_mm: tuple[float, ...]  # one per exam
    necrosis_fraction: float  # of the core radius
    oedema_factor: float  # oedema reach in core radii
    core_noise: np.ndarray  # smooth fields in core-radius units: the shape scales with the size
    oedema_noise: np.ndarray


@dataclasses.dataclass(frozen=True, eq=False)
class MsLesion:
    centre_mm: np.ndarray
    rotation: np.ndarray
    semi_axes_mm: np.ndarray
    first_exam: int  # absent from earlier exams


def plan_glioma(anatomy: Anatomy, rng: np.random.Generator, course: str, exams: int) -> Glioma:
    radius = rng.uniform(*_CORE_RADIUS_MM[course])
    factors = rng.uniform(*_VOLUME_FACTOR[course], size=exams - 1)
    radii = radius * np.concatenate([[1.0], np.cumprod(factors)]) ** (1 / 3)
    oedema_factor = rng.uniform(1.6, 2.0)
    # Deep white matter, off the midline, with room for the largest core inside the brain.
    candidates = np.argwhere(
        (anatomy.wm > 0.7)
        & (anatomy.depth_mm > radii.max() * 1.3 + 4)
        & (anatomy.ventricle_distance_mm > radii.max() * 0.5)
    )
    candidates = candidates[np.abs(anatomy.to_world(candidates)[:, 0]) > 15]
    if not len(candidates):  # unreachable with the radii above; keeps odd templates working
        candidates = np.argwhere(anatomy.depth_mm >= anatomy.depth_mm.max() - 5)
    centre = anatomy.to_world(candidates[rng.integers(len(candidates))] + rng.uniform(-0.5, 0.5, 3))
    return Glioma(
        centre_mm=centre,
        rotation=_random_rotation(rng),
        axis_scale=np.array([1.0, *rng.uniform(0.7, 1.0, 2)]),
        core_radius_mm=tuple(float(r) for r in radii),
        necrosis_fraction=float(rng.uniform(0.55, 0.75)),
        oedema_factor=float(oedema_factor),
        core_noise=_smooth_noise(rng) * rng.uniform(0.15, 0.28),
        oedema_noise=_smooth_noise(rng) * rng.uniform(0.2, 0.35),
    )


def glioma_labels(anatomy: Anatomy, glioma: Glioma, exam: int) -> np.ndarray:
    """BraTS 2020 label map of the glioma at one exam (uint8)."""
    labels = np.zeros(anatomy.shape, np.uint8)
    radius = glioma.core_radius_mm[exam]
    # The farthest a boundary |u| + noise(u) = threshold can reach, in core radii.
    reach = radius * max(
        glioma.oedema_factor - glioma.oedema_noise.min(), 1 - glioma.core_noise.min()
    )
    box, world = anatomy.box(glioma.centre_mm, reach)
    u = (world - glioma.centre_mm) @ glioma.rotation / (radius * glioma.axis_scale)
    norm = np.linalg.norm(u, axis=-1)
    core = norm + _sample(glioma.core_noise, u)
    oedema = norm + _sample(glioma.oedema_noise, u)
    brain = anatomy.brain[box]
    region = np.zeros(brain.shape, np.uint8)
    # Oedema only where white matter is: vasogenic oedema spreads along fibres and spares cortex.
    region[(oedema < glioma.oedema_factor) & (anatomy.wm[box] > 0.35)] = OEDEMA
    region[core < 1.0] = ENHANCING
    region[core < glioma.necrosis_fraction] = NECROSIS
    region[~brain] = 0
    # Oedema cut off from the core by grey matter would be a satellite lesion: drop it.
    components, _ = ndimage.label(region > 0, structure=np.ones((3, 3, 3)))
    attached = np.unique(components[(region == ENHANCING) | (region == NECROSIS)])
    region[~np.isin(components, attached[attached > 0])] = 0
    labels[box] = region
    return labels


def plan_ms_lesions(anatomy: Anatomy, rng: np.random.Generator, exams: int) -> list[MsLesion]:
    """Four to seven lesions at the first exam, two to four new ones at each later exam."""
    periventricular = np.argwhere(
        (anatomy.wm > 0.7)
        & (anatomy.ventricle_distance_mm > 3)
        & (anatomy.ventricle_distance_mm < 10)
    )
    deep = np.argwhere(
        (anatomy.wm > 0.85) & (anatomy.ventricle_distance_mm >= 10) & (anatomy.depth_mm > 12)
    )
    lesions: list[MsLesion] = []
    for exam in range(exams):
        wanted = len(lesions) + (rng.integers(4, 8) if exam == 0 else rng.integers(2, 5))
        for _ in range(200):
            if len(lesions) == wanted:
                break
            candidate = _ms_candidate(anatomy, rng, periventricular, deep, exam)
            if _fits(anatomy, candidate, lesions):
                lesions.append(candidate)
    return lesions


def ms_labels(anatomy: Anatomy, lesions: list[MsLesion], exam: int) -> np.ndarray:
    """Lesion-scheme label map of the lesions present at one exam (uint8)."""
    labels = np.zeros(anatomy.shape, np.uint8)
    for lesion in lesions:
        if lesion.first_exam <= exam:
            box, inside = _ellipsoid(anatomy, lesion)
            labels[box][inside & anatomy.brain[box]] = LESION
    return labels


def count_lesions(mask: np.ndarray) -> int:
    """Connected components under 26-connectivity (lesions are planned apart at any grid)."""
    return int(ndimage.label(mask, structure=np.ones((3, 3, 3)))[1])


def _ms_candidate(anatomy, rng, periventricular, deep, exam) -> MsLesion:
    near_ventricle = rng.random() < 0.6
    pool = periventricular if near_ventricle else deep
    index = pool[rng.integers(len(pool))]
    rotation = _random_rotation(rng)
    if near_ventricle:
        # Long axis (last column) along the distance gradient: perpendicular to the ventricle.
        gradient = np.array(
            [
                ndimage.sobel(anatomy.ventricle_distance_mm[_window(index)], axis=a)[1, 1, 1]
                for a in range(3)
            ]
        )
        rotation = _rotation_with_last_axis(gradient / anatomy.spacing, rng)
    short = rng.uniform(2.5, 4.0, 2)
    return MsLesion(
        centre_mm=anatomy.to_world(index + rng.uniform(-0.5, 0.5, 3)),
        rotation=rotation,
        semi_axes_mm=np.array([*short, rng.uniform(max(short) + 1.5, 8.0)]),
        first_exam=exam,
    )


def _fits(anatomy: Anatomy, candidate: MsLesion, lesions: list[MsLesion]) -> bool:
    """Apart from every other lesion, in white matter, and several voxels large."""
    for other in lesions:
        gap = np.linalg.norm(candidate.centre_mm - other.centre_mm)
        if gap < candidate.semi_axes_mm.max() + other.semi_axes_mm.max() + _LESION_GAP_MM:
            return False
    box, inside = _ellipsoid(anatomy, candidate)
    return (
        inside.sum() >= 4
        and anatomy.wm[box][inside].mean() > 0.6
        and anatomy.brain[box][inside].all()
    )


def _ellipsoid(anatomy: Anatomy, lesion: MsLesion) -> tuple[tuple[slice, ...], np.ndarray]:
    box, world = anatomy.box(lesion.centre_mm, lesion.semi_axes_mm.max())
    u = (world - lesion.centre_mm) @ lesion.rotation / lesion.semi_axes_mm
    return box, np.einsum("...i,...i->...", u, u) < 1.0


def _smooth_noise(rng: np.random.Generator) -> np.ndarray:
    """Unit-variance smooth random field on the shape grid: lobes a few tenths of a radius wide."""
    field = ndimage.gaussian_filter(rng.standard_normal((_NOISE_GRID,) * 3), sigma=2.0, mode="wrap")
    return field / field.std()


def _sample(field: np.ndarray, u: np.ndarray) -> np.ndarray:
    coordinates = (u + _NOISE_EXTENT) * (_NOISE_GRID - 1) / (2 * _NOISE_EXTENT)
    return ndimage.map_coordinates(field, np.moveaxis(coordinates, -1, 0), order=1, mode="nearest")


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((3, 3)))
    q = q * np.sign(np.diag(r))
    return q * np.sign(np.linalg.det(q))


def _rotation_with_last_axis(axis: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    last = axis / (np.linalg.norm(axis) or 1.0)
    first = np.cross(last, rng.standard_normal(3))
    first /= np.linalg.norm(first)
    return np.stack([first, np.cross(last, first), last], axis=1)


def _window(index: np.ndarray) -> tuple[slice, ...]:
    return tuple(slice(i - 1, i + 2) for i in index)
