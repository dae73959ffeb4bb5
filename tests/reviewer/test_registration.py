"""Priors registered onto the current exam (rigid, SimpleITK) and what the manifest says of it,
on small synthetic volumes stored like imported series."""

import time

import nibabel as nib
import numpy as np
import pytest
import SimpleITK as sitk

from reviewer.imaging.nifti_io import volume_from_array
from reviewer.imaging.sequences import Sequence
from reviewer.models import Registration, Series
from reviewer.services import cases, registration
from reviewer.services.storage import ImportFiles
from tests.reviewer.factories import ExamFactory, PatientFactory

pytestmark = pytest.mark.django_db

SHAPE = (48, 48, 48)
SPACING_MM = 3.0
LPS_FROM_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


def blob_volume(seed: int = 7) -> np.ndarray:
    """A head-like ellipsoid with a dozen Gaussian blobs: no symmetry a registration could
    confuse."""
    rng = np.random.default_rng(seed)
    grid = np.stack(np.meshgrid(*[np.arange(n, dtype=np.float32) for n in SHAPE], indexing="ij"))
    centre = (np.array(SHAPE, dtype=np.float32) - 1) / 2
    radii = np.array([17.0, 20.0, 15.0], dtype=np.float32)
    inside = (((grid - centre[:, None, None, None]) / radii[:, None, None, None]) ** 2).sum(0)
    volume = np.where(inside < 1, 300.0, 0.0).astype(np.float32)
    for _ in range(12):
        at = centre + rng.uniform(-0.6, 0.6, 3) * radii
        sigma = rng.uniform(1.5, 3.5)
        distance2 = ((grid - at[:, None, None, None]) ** 2).sum(0)
        volume += rng.uniform(200, 600) * np.exp(-distance2 / (2 * sigma**2))
    return volume.astype(np.int16)


def centred_affine() -> np.ndarray:
    """RAS voxel-to-mm affine of the current exam: 3 mm voxels around the origin."""
    affine = np.diag([SPACING_MM, SPACING_MM, SPACING_MM, 1.0])
    affine[:3, 3] = -SPACING_MM * (np.array(SHAPE) - 1) / 2
    return affine


def rigid_lps(degrees: float, axis, translation_mm) -> np.ndarray:
    """A 4x4 rigid motion in LPS: a rotation about `axis` through the origin (Rodrigues), then a
    translation."""
    k = np.asarray(axis, dtype=float) / np.linalg.norm(axis)
    cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    angle = np.deg2rad(degrees)
    matrix = np.eye(4)
    matrix[:3, :3] = np.eye(3) + np.sin(angle) * cross + (1 - np.cos(angle)) * cross @ cross
    matrix[:3, 3] = translation_mm
    return matrix


def exam_with_flair(patient, order: int, array: np.ndarray, affine_ras: np.ndarray):
    exam = ExamFactory(patient=patient, order=order)
    cases.add_series(exam, Sequence.FLAIR, volume_from_array(array, affine_ras), ImportFiles())
    return exam


def moved_prior(patient, motion_lps: np.ndarray, order: int = 0, array=None):
    """A prior holding the current exam's voxels, placed so that `motion_lps` maps its world to
    the current exam's world: the head moved between the two exams."""
    affine_lps = np.linalg.inv(motion_lps) @ LPS_FROM_RAS @ centred_affine()
    return exam_with_flair(
        patient, order, blob_volume() if array is None else array, LPS_FROM_RAS @ affine_lps
    )


def test_series_become_simpleitk_images_in_lps_like_simpleitks_own_nifti_reader(tmp_path):
    affine = LPS_FROM_RAS @ rigid_lps(7, (1, 2, 3), (5, -4, 2)) @ LPS_FROM_RAS @ centred_affine()
    exam = exam_with_flair(PatientFactory(), 0, blob_volume(), affine)
    series = exam.series.get()
    path = tmp_path / "flair.nii.gz"
    nib.save(nib.Nifti1Image(blob_volume(), np.array(series.affine)), path)

    ours, theirs = registration._sitk_image(series), sitk.ReadImage(str(path))

    np.testing.assert_allclose(ours.GetOrigin(), theirs.GetOrigin(), atol=1e-4)
    np.testing.assert_allclose(ours.GetDirection(), theirs.GetDirection(), atol=1e-6)
    np.testing.assert_allclose(ours.GetSpacing(), theirs.GetSpacing(), atol=1e-5)
    np.testing.assert_array_equal(sitk.GetArrayFromImage(ours), sitk.GetArrayFromImage(theirs))
    assert ours.TransformIndexToPhysicalPoint((3, 5, 7)) == pytest.approx(
        theirs.TransformIndexToPhysicalPoint((3, 5, 7)), abs=1e-4
    )


def test_the_current_exam_is_its_own_identity(django_capture_on_commit_callbacks):
    exam = exam_with_flair(PatientFactory(), 0, blob_volume(), centred_affine())

    with django_capture_on_commit_callbacks() as enqueued:
        state = registration.registration_for(exam, exam)

    assert state.as_json() == {"status": "identity"} and state.matrix_lps is None
    assert not enqueued and not Registration.objects.exists()


def test_exams_on_the_same_grid_are_aligned_without_registration(
    django_capture_on_commit_callbacks,
):
    patient = PatientFactory()
    prior = exam_with_flair(patient, 0, blob_volume(seed=1), centred_affine())
    current = exam_with_flair(patient, 1, blob_volume(seed=2), centred_affine() + 1e-5)

    with django_capture_on_commit_callbacks() as enqueued:
        state = registration.registration_for(prior, current)

    assert state.as_json() == {"status": "aligned"} and state.matrix_lps is None
    assert not enqueued and not Registration.objects.exists()


def test_an_unregistered_prior_is_pending_and_enqueued_once_on_commit(
    django_capture_on_commit_callbacks,
):
    patient = PatientFactory()
    prior = moved_prior(patient, rigid_lps(0, (0, 0, 1), (6, 0, 0)))
    current = exam_with_flair(patient, 1, blob_volume(), centred_affine())

    with django_capture_on_commit_callbacks() as enqueued:
        first = registration.registration_for(prior, current)
        again = registration.registration_for(prior, current)

    assert first.as_json() == again.as_json() == {"status": "pending"}
    [enqueue] = enqueued
    signature = enqueue.__self__
    assert signature.task == "reviewer.tasks.register_prior"
    assert signature.kwargs == {"moving_exam_pk": prior.pk, "fixed_exam_pk": current.pk}
    row = Registration.objects.get()
    assert (row.moving, row.fixed, row.status) == (prior, current, "pending")
    assert row.moving_series_sha256 == prior.series.get().sha256


def test_a_known_head_motion_is_recovered_within_a_millimetre():
    patient = PatientFactory()
    motion = rigid_lps(5, (0.3, -0.5, 1.0), (4.0, -3.5, 3.0))  # 5° and 5.9 mm
    prior = moved_prior(patient, motion)
    current = exam_with_flair(patient, 1, blob_volume(), centred_affine())

    started = time.monotonic()
    row = registration.register_exams(prior, current)
    elapsed = time.monotonic() - started

    assert row.status == "registered", row.error
    found = np.array(row.matrix)
    corners = np.array(
        [[x, y, z, 1.0] for x in (-50, 50) for y in (-50, 50) for z in (-50, 50)]
    ).T  # a 10 cm cube around the head's centre, in the prior's world
    errors_mm = np.linalg.norm((found @ corners - motion @ corners)[:3], axis=0)
    print(f"registration: {elapsed:.1f} s, max error {errors_mm.max():.3f} mm")
    assert errors_mm.max() < 1.0
    assert row.method == "rigid Euler3D, Mattes MI, 3 levels (shrink 4/2/1), on FLAIR"
    assert row.metric < -0.5

    state = registration.registration_for(prior, current)
    assert state.as_json()["status"] == "registered"
    np.testing.assert_allclose(state.as_json()["matrix"], found)
    assert state.as_json()["metric"] == row.metric
    np.testing.assert_allclose(state.matrix_lps, found)


def test_a_registered_pair_is_not_registered_again_until_a_series_is_reimported(
    django_capture_on_commit_callbacks,
):
    patient = PatientFactory()
    prior = moved_prior(patient, rigid_lps(0, (0, 0, 1), (0, 4, 0)))
    current = exam_with_flair(patient, 1, blob_volume(), centred_affine())
    first = registration.register_exams(prior, current)
    assert first.status == "registered", first.error

    again = registration.register_exams(prior, current)

    assert (again.finished_at, again.started_at) == (first.finished_at, first.started_at)
    Series.objects.filter(exam=current).update(sha256="f" * 64)  # re-imported
    with django_capture_on_commit_callbacks() as enqueued:
        state = registration.registration_for(prior, current)
    assert state.as_json() == {"status": "pending"} and len(enqueued) == 1
    row = Registration.objects.get()
    assert row.matrix is None and row.fixed_series_sha256 == "f" * 64


def test_a_failed_registration_says_why_and_is_not_retried(django_capture_on_commit_callbacks):
    patient = PatientFactory()
    blank = np.zeros(SHAPE, np.int16)
    prior = moved_prior(patient, rigid_lps(0, (0, 0, 1), (5, 0, 0)), array=blank)
    current = exam_with_flair(patient, 1, blob_volume(), centred_affine())

    row = registration.register_exams(prior, current)

    assert row.status == "failed"
    series = prior.series.get()
    assert row.error == (
        f"Registering {prior} FLAIR (series {series.pk}) onto {current} FLAIR "
        f"(series {current.series.get().pk}) failed: series {series.pk} ({series}) is blank: "
        "nothing to register on"
    )
    assert registration.register_exams(prior, current).started_at == row.started_at
    with django_capture_on_commit_callbacks() as enqueued:
        state = registration.registration_for(prior, current)
    assert state.as_json() == {"status": "failed", "error": row.error} and not enqueued


def test_exams_without_a_common_sequence_fail_with_the_reason():
    patient = PatientFactory()
    prior = ExamFactory(patient=patient, order=0)
    current = exam_with_flair(patient, 1, blob_volume(), centred_affine())

    state = registration.registration_for(prior, current)

    assert state.as_json() == {
        "status": "failed",
        "error": f"{prior} and {current} share no FLAIR or T1 series to register on",
    }
    assert registration.register_exams(prior, current).error == state.error
