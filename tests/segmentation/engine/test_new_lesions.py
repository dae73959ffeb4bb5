"""The MS new-lesion detection by subtraction (Thakur et al., seed 003 L6734–L6780) on pairs of
synthetic FLAIRs rendered from the MNI templates at 2 mm: lesions that appeared are found, those
already there are not, the paper's false-positive rule and the 12 mm³ floor leave out what they
should, a moved prior on another grid is registered, thick slices are refused."""

import dataclasses

import numpy as np
import pytest
import SimpleITK as sitk
from scipy import ndimage

from imaging import registration
from imaging.labels import LABELS, LabelScheme
from imaging.sequences import Sequence
from imaging.synthetic import lesions
from imaging.synthetic.anatomy import load_anatomy
from imaging.synthetic.contrasts import render_exam
from segmentation.engine import new_lesions
from segmentation.engine.lesions import CONNECTIVITY_26
from segmentation.engine.metrics import detect_lesions

RESOLUTION_MM = 2
SEED = 3


@dataclasses.dataclass(frozen=True)
class Pair:
    prior: np.ndarray
    current: np.ndarray
    affine: np.ndarray
    appeared: np.ndarray  # the lesions of the current exam absent from the prior
    present: np.ndarray  # the lesions of the prior (still there at the current exam)


def flair(anatomy, labels, exam: int) -> np.ndarray:
    rng = np.random.default_rng([SEED, 10 + exam])
    return render_exam(anatomy, labels, LABELS[LabelScheme.LESION], rng)[Sequence.FLAIR]


@pytest.fixture(scope="module")
def anatomy():
    return load_anatomy(RESOLUTION_MM)


@pytest.fixture(scope="module")
def pair(anatomy) -> Pair:
    planned = lesions.plan_ms_lesions(anatomy, np.random.default_rng(SEED), 2)
    prior_labels, current_labels = (lesions.ms_labels(anatomy, planned, e) for e in (0, 1))
    components, count = ndimage.label(current_labels > 0, structure=CONNECTIVITY_26)
    old = [c for c in range(1, count + 1) if (prior_labels > 0)[components == c].any()]
    appeared = (components > 0) & ~np.isin(components, old)
    return Pair(
        prior=flair(anatomy, prior_labels, 0),
        current=flair(anatomy, current_labels, 1),
        affine=anatomy.affine,
        appeared=appeared,
        present=prior_labels > 0,
    )


def deep_white_matter(anatomy, pair, count: int) -> list[np.ndarray]:
    """Voxels deep in white matter, far from every lesion and from each other."""
    far = ndimage.distance_transform_edt(~(pair.appeared | pair.present)) > 8
    spots = np.argwhere((anatomy.wm > 0.95) & (anatomy.depth_mm > 20) & far)
    chosen = [spots[0]]
    for spot in spots[1:]:
        if len(chosen) == count:
            break
        if all(np.abs(spot - c).max() > 10 for c in chosen):
            chosen.append(spot)
    return chosen


@pytest.fixture(scope="module")
def crafted(anatomy, pair):
    """The pair with two made-up changes at spots of normal white matter: a ring bright now
    around a spot bright before (its centre of gravity is brighter at the prior, as where a
    lesion seems to move when registration is off), and a single voxel brighter now (8 mm³)."""
    ring_at, speck_at = deep_white_matter(anatomy, pair, 2)
    brain = float(np.median(pair.current[pair.current > 0]))
    offsets = np.indices((7, 7, 7)).reshape(3, -1).T - 3
    radius = np.linalg.norm(offsets, axis=1)
    prior, current = pair.prior.astype(np.float32), pair.current.astype(np.float32)
    for offset, r in zip(offsets, radius, strict=True):
        if 2.5 <= r <= 3.2:
            current[tuple(ring_at + offset)] += 0.9 * brain
        elif r <= 1.0:
            prior[tuple(ring_at + offset)] += 1.5 * brain
    current[tuple(speck_at)] += 1.5 * brain
    detection = new_lesions.detect_new_lesions(current, pair.affine, prior, pair.affine)
    return detection, tuple(ring_at), tuple(speck_at)


@pytest.fixture(scope="module")
def detected(pair):
    """The pair's detection, and the steps it reported."""
    steps = []
    detection = new_lesions.detect_new_lesions(
        pair.current, pair.affine, pair.prior, pair.affine, progress=steps.append
    )
    return detection, steps


def candidate_at(detection, voxel, within: int = 1):
    return [
        c
        for c in detection.candidates
        if np.abs(np.subtract(c.centre_voxel, voxel)).max() <= within
    ]


def test_the_lesions_that_appeared_are_found_and_nothing_else(pair, detected):
    detection, _ = detected

    found = detect_lesions(detection.mask, pair.appeared)
    assert found.reference_lesions >= 2
    assert found.sensitivity == 1.0 and found.false_positive_lesions == 0
    assert not (detection.mask.astype(bool) & pair.present).any()


def test_two_exams_without_change_give_an_empty_map(anatomy, pair):
    planned = lesions.plan_ms_lesions(anatomy, np.random.default_rng(SEED), 2)
    labels = lesions.ms_labels(anatomy, planned, 0)
    again = flair(anatomy, labels, 5)  # the prior's lesions, another noise and bias field

    detection = new_lesions.detect_new_lesions(again, pair.affine, pair.prior, pair.affine)

    assert detection.mask.dtype == np.uint8 and not detection.mask.any()


def test_a_candidate_brighter_at_the_prior_in_its_centre_is_left_out_as_a_false_positive(
    crafted,
):
    detection, ring_at, _ = crafted

    [ring] = candidate_at(detection, ring_at)
    assert ring.outcome == new_lesions.FALSE_POSITIVE
    assert ring.prior_signal > ring.current_signal
    assert detection.mask[ring_at] == 0 and detection.count(new_lesions.FALSE_POSITIVE) == 1


def test_a_candidate_of_12_mm3_or_less_is_left_out(crafted):
    detection, _, speck_at = crafted

    [speck] = candidate_at(detection, speck_at)
    assert speck.outcome == new_lesions.TOO_SMALL and speck.volume_mm3 <= 12.0
    assert detection.mask[speck_at] == 0


def test_the_made_up_changes_leave_the_new_lesions_alone(crafted, pair):
    detection, _, _ = crafted

    assert detect_lesions(detection.mask, pair.appeared).sensitivity == 1.0
    assert detection.count(new_lesions.NEW) == int(
        ndimage.label(pair.appeared, structure=CONNECTIVITY_26)[1]
    )


def moved_onto_another_grid(pair, degrees: float, shift_mm: float):
    """The prior as if the head had turned and moved, imaged on a grid of another shape and
    origin with thicker slices (2 x 2 x 3 mm)."""
    motion = sitk.Euler3DTransform()
    motion.SetRotation(np.deg2rad(degrees), np.deg2rad(degrees / 2), 0.0)
    motion.SetTranslation((shift_mm, -shift_mm / 2, shift_mm / 3))
    grid = np.diag([2.0, 2.0, 3.0, 1.0])
    grid[:3, 3] = pair.affine[:3, 3] + [6.0, -4.0, 9.0]
    shape = (84, 100, 56)
    target = registration.sitk_image(np.zeros(shape, np.float32), grid)
    moved = sitk.Resample(
        registration.sitk_image(pair.prior, pair.affine), target, motion, sitk.sitkLinear, 0.0
    )
    return registration.image_array(moved), grid


def test_a_moved_prior_on_another_grid_is_registered_and_the_map_lies_on_the_current_grid(pair):
    prior, prior_affine = moved_onto_another_grid(pair, degrees=5.0, shift_mm=6.0)

    detection = new_lesions.detect_new_lesions(pair.current, pair.affine, prior, prior_affine)

    assert detection.mask.shape == pair.current.shape
    found = detect_lesions(detection.mask, pair.appeared)
    assert found.sensitivity == 1.0 and found.false_positive_lesions <= 1
    moved_by = np.abs(detection.registration_lps[:3, 3]).max()
    assert moved_by > 3.0  # the registration undid the motion, not the identity


@pytest.mark.parametrize("which", ["current", "prior"])
def test_flair_with_slices_of_5_mm_or_more_is_not_processed(pair, which):
    thick = pair.affine @ np.diag([1.0, 1.0, 2.5, 1.0])  # 2 x 2 x 5 mm
    affines = {"current": pair.affine, "prior": pair.affine, which: thick}

    with pytest.raises(new_lesions.NotApplicable, match=f"the {which} FLAIR has 5.0 mm slices"):
        new_lesions.detect_new_lesions(
            pair.current, affines["current"], pair.prior, affines["prior"]
        )


def test_the_steps_are_reported_in_the_papers_order(detected):
    _, steps = detected

    assert [s.split()[0] for s in steps] == ["registering", "normalising", "subtracting"]


def test_the_configuration_holds_every_parameter_and_its_hash_follows_them():
    configuration = new_lesions.configuration()
    changed = new_lesions.configuration(
        dataclasses.replace(new_lesions.DEFAULT, difference_threshold=0.4)
    )

    assert new_lesions.parameters_from(configuration) == new_lesions.DEFAULT
    assert configuration["parameters"]["minimum_volume_mm3"] == 12.0
    sha = new_lesions.configuration_sha256
    assert sha(configuration) == sha(new_lesions.configuration())
    assert sha(configuration) != sha(changed) and len(sha(configuration)) == 64
