"""Priors registered onto the current exam (rigid, SimpleITK) and what the manifest says of it,
on small synthetic volumes stored like imported series."""

import time

import nibabel as nib
import numpy as np
import pytest
import SimpleITK as sitk

from imaging.nifti_io import volume_from_array
from imaging.sequences import Sequence
from reviewer.cases import services as cases
from reviewer.cases.models import Series
from reviewer.core.storage import ImportFiles
from reviewer.viewer import registration
from reviewer.viewer.models import Registration
from reviewer.viewer.preparation import prepare_patients
from tests.reviewer.factories import ExamFactory, PatientFactory

pytestmark = pytest.mark.django_db

SHAPE = (48, 48, 48)
SPACING_MM = 3.0
LPS_FROM_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


def head(points_lps: np.ndarray, seed: int = 7) -> np.ndarray:
    """A synthetic head at (3, ...) LPS points of the current exam's world, in mm: an ellipsoid
    with a dozen Gaussian blobs, nothing symmetric that a registration could confuse. Being a
    function of position, it is sampled exactly on any grid, without interpolation."""
    rng = np.random.default_rng(seed)
    radii = np.array([51.0, 60.0, 45.0]).reshape(3, *[1] * (points_lps.ndim - 1))
    # A soft skin (about 2 mm wide), as a scanner's band-limited image has: a hard edge would
    # alias differently on every grid.
    outside_mm = (np.sqrt(((points_lps / radii) ** 2).sum(0)) - 1) * radii.min()
    values = 300.0 / (1 + np.exp(outside_mm / 1.0))
    for _ in range(12):
        at = (rng.uniform(-0.6, 0.6, 3) * radii.ravel()).reshape(radii.shape)
        sigma_mm = rng.uniform(4.5, 10.5)
        values += rng.uniform(200, 600) * np.exp(
            -((points_lps - at) ** 2).sum(0) / (2 * sigma_mm**2)
        )
    return values.astype(np.int16)


def grid_affine(spacing_mm: float = SPACING_MM, shape=SHAPE) -> np.ndarray:
    """A RAS voxel-to-mm affine of axis-aligned voxels centred on the origin."""
    affine = np.diag([spacing_mm, spacing_mm, spacing_mm, 1.0])
    affine[:3, 3] = -spacing_mm * (np.array(shape) - 1) / 2
    return affine


def scan(affine_ras: np.ndarray, shape=SHAPE, motion_lps=None, seed: int = 7) -> np.ndarray:
    """The head imaged on a grid. `motion_lps` maps this exam's world to the current exam's:
    where the head was at this exam."""
    to_world = (np.eye(4) if motion_lps is None else motion_lps) @ LPS_FROM_RAS @ affine_ras
    index = np.stack(np.meshgrid(*[np.arange(n, dtype=float) for n in shape], indexing="ij"))
    points = np.tensordot(to_world[:3, :3], index, axes=1) + to_world[:3, 3].reshape(3, 1, 1, 1)
    return head(points, seed)


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


def current_exam(patient, order: int = 1):
    return exam_with_flair(patient, order, scan(grid_affine()), grid_affine())


def followed_prior(patient, motion_lps: np.ndarray, order: int = 0, array=None):
    """A prior whose slices followed the moved head (oblique planning): the current exam's
    voxels on a grid that `motion_lps` maps onto the current one."""
    affine_ras = LPS_FROM_RAS @ np.linalg.inv(motion_lps) @ LPS_FROM_RAS @ grid_affine()
    array = scan(affine_ras, motion_lps=motion_lps) if array is None else array
    return exam_with_flair(patient, order, array, affine_ras)


def max_error_mm(found: np.ndarray, true: np.ndarray) -> float:
    """The largest distance between where two matrices put the corners of a 10 cm cube around
    the head's centre."""
    corners = np.array([[x, y, z, 1.0] for x in (-50, 50) for y in (-50, 50) for z in (-50, 50)])
    return float(np.linalg.norm((found @ corners.T - true @ corners.T)[:3], axis=0).max())


def test_series_become_simpleitk_images_in_lps_like_simpleitks_own_nifti_reader(tmp_path):
    affine = LPS_FROM_RAS @ rigid_lps(7, (1, 2, 3), (5, -4, 2)) @ LPS_FROM_RAS @ grid_affine()
    exam = exam_with_flair(PatientFactory(), 0, scan(affine), affine)
    series = exam.series.get()
    path = tmp_path / "flair.nii.gz"
    nib.save(nib.Nifti1Image(scan(affine), np.array(series.affine)), path)

    ours, theirs = registration.sitk_image(series), sitk.ReadImage(str(path))

    np.testing.assert_allclose(ours.GetOrigin(), theirs.GetOrigin(), atol=1e-4)
    np.testing.assert_allclose(ours.GetDirection(), theirs.GetDirection(), atol=1e-6)
    np.testing.assert_allclose(ours.GetSpacing(), theirs.GetSpacing(), atol=1e-5)
    np.testing.assert_array_equal(sitk.GetArrayFromImage(ours), sitk.GetArrayFromImage(theirs))
    assert ours.TransformIndexToPhysicalPoint((3, 5, 7)) == pytest.approx(
        theirs.TransformIndexToPhysicalPoint((3, 5, 7)), abs=1e-4
    )


def test_the_current_exam_is_its_own_identity(django_capture_on_commit_callbacks):
    exam = current_exam(PatientFactory())

    with django_capture_on_commit_callbacks() as enqueued:
        state = registration.registration_for(exam, exam)

    assert state.as_json() == {"status": "identity"} and state.matrix_lps is None
    assert not enqueued and not Registration.objects.exists()


def test_exams_on_the_same_grid_are_aligned_without_registration(
    django_capture_on_commit_callbacks,
):
    patient = PatientFactory()
    prior = exam_with_flair(patient, 0, scan(grid_affine(), seed=1), grid_affine())
    current = exam_with_flair(patient, 1, scan(grid_affine(), seed=2), grid_affine() + 1e-5)

    with django_capture_on_commit_callbacks() as enqueued:
        prepare_patients([patient])
        state = registration.registration_for(prior, current)

    assert state.as_json() == {"status": "aligned"} and state.matrix_lps is None
    assert not enqueued and not Registration.objects.exists()


def test_a_prior_on_another_grid_is_pending_while_no_registration_is_stored(
    django_capture_on_commit_callbacks,
):
    patient = PatientFactory()
    prior = followed_prior(patient, rigid_lps(0, (0, 0, 1), (6, 0, 0)))
    current = current_exam(patient)

    with django_capture_on_commit_callbacks() as enqueued:
        state = registration.registration_for(prior, current)

    assert state.as_json() == {"status": "pending"} and state.matrix_lps is None
    assert not enqueued and not Registration.objects.exists()


def test_preparation_queues_the_registration_of_a_prior_on_another_grid_once(
    django_capture_on_commit_callbacks,
):
    patient = PatientFactory()
    prior = followed_prior(patient, rigid_lps(0, (0, 0, 1), (6, 0, 0)))
    current = current_exam(patient)

    with django_capture_on_commit_callbacks() as enqueued:
        prepare_patients([patient])
        prepare_patients([patient])

    [enqueue] = enqueued
    signature = enqueue.__self__
    assert signature.task == "reviewer.viewer.tasks.register_prior"
    assert signature.kwargs == {"moving_exam_pk": prior.pk, "fixed_exam_pk": current.pk}
    row = Registration.objects.get()
    assert (row.moving, row.fixed, row.status) == (prior, current, "pending")
    assert row.moving_series_sha256 == prior.series.get().sha256


def test_preparation_queues_the_registration_again_after_a_reimport_changes_a_series(
    django_capture_on_commit_callbacks,
):
    patient = PatientFactory()
    prior = followed_prior(patient, rigid_lps(0, (0, 0, 1), (0, 4, 0)))
    current = current_exam(patient)
    assert registration.register_exams(prior, current).status == "registered"
    with django_capture_on_commit_callbacks() as enqueued:
        prepare_patients([patient])
    assert not enqueued

    Series.objects.filter(exam=current).update(sha256="f" * 64)  # re-imported
    with django_capture_on_commit_callbacks() as enqueued:
        prepare_patients([patient])

    [enqueue] = enqueued
    assert enqueue.__self__.kwargs == {"moving_exam_pk": prior.pk, "fixed_exam_pk": current.pk}
    row = Registration.objects.get()
    assert (row.status, row.matrix, row.fixed_series_sha256) == ("pending", None, "f" * 64)


def test_the_manifest_says_pending_until_the_worker_has_registered_the_prior(
    django_capture_on_commit_callbacks, make_user, client_for
):
    patient = PatientFactory()
    prior = followed_prior(patient, rigid_lps(3, (0, 0, 1), (4, 0, 0)))
    current_exam(patient)
    client = client_for(make_user("qa_admin"))

    def prior_registration() -> dict:
        manifest = client.get(f"/api/cases/{patient.pseudonym}/viewer/").json()
        return next(e for e in manifest["exams"] if e["id"] == prior.pk)["registration"]

    assert prior_registration() == {"status": "pending"}
    with django_capture_on_commit_callbacks() as enqueued:
        prepare_patients([patient])
    assert prior_registration() == {"status": "pending"}

    [enqueue] = enqueued
    enqueue.__self__.apply()  # what the worker runs, here in this process

    assert prior_registration()["status"] == "registered"


def test_a_head_motion_followed_by_oblique_slices_is_recovered_within_a_millimetre():
    patient = PatientFactory()
    motion = rigid_lps(5, (0.3, -0.5, 1.0), (4.0, -3.5, 3.0))  # 5° and 6.2 mm
    prior = followed_prior(patient, motion)
    current = current_exam(patient)

    started = time.monotonic()
    row = registration.register_exams(prior, current)
    elapsed = time.monotonic() - started

    assert row.status == "registered", row.error
    error_mm = max_error_mm(np.array(row.matrix), motion)
    print(f"oblique prior: registered in {elapsed:.2f} s, max error {error_mm:.3f} mm")
    assert error_mm < 1.0
    assert row.method == "rigid Euler3D, Mattes MI, 3 levels (shrink 4/2/1), on FLAIR"
    assert row.metric < -0.5
    state = registration.registration_for(prior, current)
    assert state.as_json() == {"status": "registered", "matrix": row.matrix, "metric": row.metric}
    np.testing.assert_allclose(state.matrix_lps, row.matrix)


def test_a_head_motion_on_a_different_grid_is_recovered_within_a_millimetre():
    patient = PatientFactory()
    motion = rigid_lps(-6, (-0.8, 0.2, 0.4), (-2.0, 5.0, -3.0))  # 6° and 6.2 mm
    shape = (56, 60, 52)
    affine = grid_affine(2.5, shape)
    prior = exam_with_flair(patient, 0, scan(affine, shape, motion_lps=motion), affine)
    current = current_exam(patient)

    started = time.monotonic()
    row = registration.register_exams(prior, current)
    elapsed = time.monotonic() - started

    assert row.status == "registered", row.error
    error_mm = max_error_mm(np.array(row.matrix), motion)
    print(f"2.5 mm prior: registered in {elapsed:.2f} s, max error {error_mm:.3f} mm")
    assert error_mm < 1.0


def test_a_registered_pair_is_not_registered_again_until_a_series_is_reimported():
    patient = PatientFactory()
    prior = followed_prior(patient, rigid_lps(0, (0, 0, 1), (0, 4, 0)))
    current = current_exam(patient)
    first = registration.register_exams(prior, current)
    assert first.status == "registered", first.error

    again = registration.register_exams(prior, current)

    assert (again.finished_at, again.started_at) == (first.finished_at, first.started_at)
    Series.objects.filter(exam=current).update(sha256="f" * 64)  # re-imported
    assert registration.registration_for(prior, current).as_json() == {"status": "pending"}
    redone = registration.register_exams(prior, current)
    assert redone.status == "registered" and redone.started_at > first.started_at
    assert redone.fixed_series_sha256 == "f" * 64


def test_a_failed_registration_says_why_and_is_not_retried():
    patient = PatientFactory()
    blank = np.zeros(SHAPE, np.int16)
    prior = followed_prior(patient, rigid_lps(0, (0, 0, 1), (5, 0, 0)), array=blank)
    current = current_exam(patient)

    row = registration.register_exams(prior, current)

    assert row.status == "failed"
    series = prior.series.get()
    assert row.error == (
        f"Registering {prior} FLAIR (series {series.pk}) onto {current} FLAIR "
        f"(series {current.series.get().pk}) failed: series {series.pk} ({series}) is blank: "
        "nothing to register on"
    )
    assert registration.register_exams(prior, current).started_at == row.started_at
    assert not registration.request_registration(prior, current)
    state = registration.registration_for(prior, current)
    assert state.as_json() == {"status": "failed", "error": row.error}


def test_exams_without_a_common_sequence_fail_with_the_reason():
    patient = PatientFactory()
    prior = ExamFactory(patient=patient, order=0)
    current = current_exam(patient)

    state = registration.registration_for(prior, current)

    assert state.as_json() == {
        "status": "failed",
        "error": f"{prior} and {current} share no FLAIR or T1 series to register on",
    }
    assert registration.register_exams(prior, current).error == state.error


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_after_an_import_the_worker_registers_the_prior_that_a_reader_then_sees(
    celery_worker_process, settings, make_user, client_for
):
    _, worker_media, _ = celery_worker_process
    settings.MEDIA_ROOT = worker_media  # the worker reads what this process stores
    patient = PatientFactory()
    motion = rigid_lps(4, (0, 0, 1), (3.0, 0.0, -2.0))
    prior = followed_prior(patient, motion)
    current_exam(patient)

    prepare_patients([patient])  # as every import does once it has committed

    deadline = time.monotonic() + 60
    while Registration.objects.get().status not in Registration.FINAL:
        assert time.monotonic() < deadline, "the worker did not register the prior in 60 s"
        time.sleep(0.2)
    client = client_for(make_user("qa_admin"))
    manifest = client.get(f"/api/cases/{patient.pseudonym}/viewer/").json()
    [shown_prior] = [exam for exam in manifest["exams"] if exam["id"] == prior.pk]
    assert shown_prior["registration"]["status"] == "registered", shown_prior["registration"]
    assert max_error_mm(np.array(shown_prior["registration"]["matrix"]), motion) < 1.0
