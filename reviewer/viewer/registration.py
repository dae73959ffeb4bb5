"""Priors in the current exam's space: a rigid registration (SimpleITK) of a prior exam onto a
later one, requested when the series arrive (reviewer.viewer.preparation), computed once per
pair of series by a worker (reviewer.viewer.tasks), and what the viewer manifest says of it.

Matrices are 4x4 in LPS world millimetres (DICOM patient coordinates, Cornerstone3D's world) and
map a point of the prior's world to the current exam's world."""

import logging
from dataclasses import dataclass, field

import numpy as np
import SimpleITK as sitk
from django.db import transaction
from django.utils import timezone

from imaging import registration as rigid
from imaging.sequences import Sequence
from reviewer.cases.models import Exam, Series
from reviewer.core.storage import read_nifti
from reviewer.viewer.models import Registration

logger = logging.getLogger(__name__)

# Registered on FLAIR, the sequence every MS and glioma protocol has; T1 when FLAIR is missing.
REGISTRATION_SEQUENCES = (Sequence.FLAIR, Sequence.T1)
ALIGNED_TOLERANCE_MM = 1e-4


class RegistrationError(Exception):
    """A registration that cannot be done, with a reason naming the exams and series."""


@dataclass(frozen=True)
class RegistrationState:
    """What the viewer is told about a prior: the manifest's "registration" object."""

    status: str  # identity | aligned | pending | registered | failed
    matrix_lps: np.ndarray | None = field(default=None, compare=False)
    metric: float | None = None
    error: str = ""

    def as_json(self) -> dict:
        data: dict = {"status": self.status}
        if self.status == Registration.Status.REGISTERED:
            data["matrix"] = self.matrix_lps.tolist()
            data["metric"] = self.metric
        elif self.status == Registration.Status.FAILED:
            data["error"] = self.error
        return data


IDENTITY = RegistrationState("identity")
ALIGNED = RegistrationState("aligned")
PENDING = RegistrationState(Registration.Status.PENDING)


def registration_for(prior: Exam, current: Exam) -> RegistrationState:
    """How `prior` is put into `current`'s space, as the stored rows say. Cheap enough for every
    manifest, and read-only: it reads series and registration rows, never images. A pair that
    has no row yet, or one computed on series that have since been re-imported, is pending:
    preparation (request_registration) queues it when the series arrive."""
    if prior.pk == current.pk:
        return IDENTITY
    try:
        moving_series, fixed_series = registration_series(prior, current)
    except RegistrationError as error:
        return RegistrationState(Registration.Status.FAILED, error=str(error))
    if _same_grid(moving_series, fixed_series):
        return ALIGNED
    row = Registration.objects.filter(moving=prior, fixed=current).first()
    if row is None or _row_shas(row) != _shas(moving_series, fixed_series):
        return PENDING
    return _state_of(row)


def request_registration(prior: Exam, current: Exam) -> bool:
    """Make the registration of `prior` onto `current` pending when it has no row yet or one
    computed on series that have since been re-imported. True when it did: a worker must now
    register the pair (register_exams). Pairs that need no registration (one exam, one grid, no
    common sequence) and rows of the current series are left alone, so asking again asks once."""
    if prior.pk == current.pk:
        return False
    try:
        moving_series, fixed_series = registration_series(prior, current)
    except RegistrationError:
        return False  # registration_for says why, from the series alone
    if _same_grid(moving_series, fixed_series):
        return False
    shas = _shas(moving_series, fixed_series)
    row, created = Registration.objects.get_or_create(moving=prior, fixed=current, defaults=shas)
    if created:
        return True
    if _row_shas(row) == shas:
        return False
    # Of concurrent requests, one wins the reset (the update matches the old hashes).
    return bool(
        Registration.objects.filter(pk=row.pk, **_row_shas(row)).update(
            status=Registration.Status.PENDING,
            matrix=None,
            metric=None,
            method="",
            error="",
            started_at=None,
            finished_at=None,
            **shas,
        )
    )


def _state_of(row: Registration) -> RegistrationState:
    if row.status == Registration.Status.REGISTERED:
        return RegistrationState(
            row.status, matrix_lps=np.array(row.matrix, dtype=float), metric=row.metric
        )
    if row.status == Registration.Status.FAILED:
        return RegistrationState(row.status, error=row.error)
    return PENDING  # running is still pending for the viewer


def registration_series(moving: Exam, fixed: Exam) -> tuple[Series, Series]:
    """The pair of series of one sequence that the two exams are registered on."""
    moving_series = {s.sequence: s for s in moving.series.all()}
    fixed_series = {s.sequence: s for s in fixed.series.all()}
    for sequence in REGISTRATION_SEQUENCES:
        if sequence in moving_series and sequence in fixed_series:
            return moving_series[sequence], fixed_series[sequence]
    raise RegistrationError(f"{moving} and {fixed} share no FLAIR or T1 series to register on")


def _same_grid(a: Series, b: Series) -> bool:
    return list(a.shape) == list(b.shape) and np.allclose(
        np.array(a.affine, dtype=float), np.array(b.affine, dtype=float), atol=ALIGNED_TOLERANCE_MM
    )


def _shas(moving_series: Series, fixed_series: Series) -> dict:
    return {
        "moving_series_sha256": moving_series.sha256,
        "fixed_series_sha256": fixed_series.sha256,
    }


def _row_shas(row: Registration) -> dict:
    return {
        "moving_series_sha256": row.moving_series_sha256,
        "fixed_series_sha256": row.fixed_series_sha256,
    }


def register_exams(moving: Exam, fixed: Exam) -> Registration:
    """Register `moving` (a prior) onto `fixed` and store the outcome. Idempotent: a pair
    already registered or failed on the current series is returned as it is; a pair that a dead
    worker left running is registered again. Failures are stored, with the reason, not raised."""
    try:
        moving_series, fixed_series = registration_series(moving, fixed)
    except RegistrationError as error:
        row, _ = Registration.objects.update_or_create(
            moving=moving,
            fixed=fixed,
            defaults={
                "status": Registration.Status.FAILED,
                "error": str(error),
                "finished_at": timezone.now(),
            },
        )
        return row
    shas = _shas(moving_series, fixed_series)
    with transaction.atomic():
        row, _ = Registration.objects.select_for_update().get_or_create(
            moving=moving, fixed=fixed, defaults=shas
        )
        if row.status in Registration.FINAL and _row_shas(row) == shas:
            return row
        Registration.objects.filter(pk=row.pk).update(
            status=Registration.Status.RUNNING, started_at=timezone.now(), error="", **shas
        )
    outcome = _registration_outcome(moving_series, fixed_series)
    # Stored only if the series are still the ones registered: a re-import meanwhile wins.
    Registration.objects.filter(pk=row.pk, **shas).update(finished_at=timezone.now(), **outcome)
    row.refresh_from_db()
    return row


def _registration_outcome(moving_series: Series, fixed_series: Series) -> dict:
    """The fields a finished registration stores: the matrix, or the reason it failed."""
    try:
        matrix, metric = rigid.rigid_registration(
            sitk_image(fixed_series), sitk_image(moving_series)
        )
    except Exception as error:
        if isinstance(error, RegistrationError):
            reason = str(error)
        else:  # SimpleITK raises RuntimeError, with ITK's file, line and long description
            logger.exception("registering %s onto %s failed", moving_series, fixed_series)
            reason = _gist(error)
        return {
            "status": Registration.Status.FAILED,
            "error": f"Registering {moving_series.exam} {moving_series.sequence} (series "
            f"{moving_series.pk}) onto {fixed_series.exam} {fixed_series.sequence} (series "
            f"{fixed_series.pk}) failed: {reason}",
        }
    return {
        "status": Registration.Status.REGISTERED,
        "matrix": matrix.tolist(),
        "metric": metric,
        "method": f"{rigid.METHOD}, on {fixed_series.sequence}",
    }


def _gist(error: Exception) -> str:
    """The last line of an error's message: ITK's says what went wrong there."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__


def sitk_image(series: Series) -> sitk.Image:
    """A stored series as a float32 SimpleITK image in LPS, ITK's physical space."""
    nifti = read_nifti(series.file.name)
    array = np.asarray(nifti.dataobj, dtype=np.float32)
    if array.ndim != 3:
        raise RegistrationError(f"series {series.pk} ({series}) is not a 3D volume")
    if not np.ptp(array) > 0:
        raise RegistrationError(f"series {series.pk} ({series}) is blank: nothing to register on")
    return rigid.sitk_image(array, nifti.affine)
