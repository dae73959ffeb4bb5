"""Building cases: pseudonymous patients, exams in date order, series and reference label maps
with their lesions. Callers run these inside storage.atomic_import()."""

import secrets

import numpy as np

from imaging.errors import ImagingInputError
from imaging.nifti_io import Volume
from imaging.sequences import Sequence
from reviewer.cases.models import AcquiredSeries, Disease, Exam, IdentityLink, Patient, Series
from reviewer.core.storage import ImportFiles

_PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud safely


def new_pseudonym() -> str:
    """A random pseudonym that carries nothing of the source identifiers."""
    while True:
        pseudonym = "NR-" + "".join(secrets.choice(_PSEUDONYM_ALPHABET) for _ in range(8))
        if not Patient.objects.filter(pseudonym=pseudonym).exists():
            return pseudonym


def patient_for_source(*, source: str, source_patient_id: str, **identity) -> IdentityLink:
    """The identity link (and patient) of a source identifier, created on first sight."""
    link = (
        IdentityLink.objects.select_related("patient")
        .filter(source=source, source_patient_id=source_patient_id)
        .first()
    )
    if link is None:
        patient = Patient.objects.create(pseudonym=new_pseudonym())
        link = IdentityLink.objects.create(
            patient=patient, source=source, source_patient_id=source_patient_id, **identity
        )
    return link


def record_disease(patient: Patient, disease: Disease, *, source: object, given: bool) -> None:
    """Record what an import says of a patient's disease. It fills a disease not recorded yet;
    a disease the import was given (exams.csv, an import option) that contradicts the recorded
    one is refused, naming ``source``; a default (BraTS: glioma) never overrides one."""
    if patient.disease == disease:
        return
    if patient.disease == Disease.UNKNOWN:
        patient.disease = disease
        patient.save(update_fields=["disease"])
    elif given:
        raise ImagingInputError(
            source,
            f"patient {patient} is recorded with disease {patient.disease!r}, this import says "
            f"{disease.value!r}; a QA admin changes a patient's disease",
        )


def add_exam(patient: Patient, *, date, source_name: str, dicom_study_uid: str = "") -> Exam:
    duplicate = (
        patient.exams.filter(source_name=source_name) if source_name else Exam.objects.none()
    )
    if dicom_study_uid:
        duplicate = duplicate | patient.exams.filter(dicom_study_uid=dicom_study_uid)
    if duplicate.exists():
        raise ImagingInputError(
            source_name or dicom_study_uid,
            f"already imported as exam {duplicate.first().order} of patient {patient}",
        )
    order = (patient.exams.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    return Exam.objects.create(
        patient=patient,
        date=date,
        order=order + 1000,  # placeholder until renumber_exams() sorts by date
        source_name=source_name,
        dicom_study_uid=dicom_study_uid,
    )


def renumber_exams(patient: Patient) -> None:
    """Order a patient's exams by date (undated ones last, by source name): 0 is the baseline."""
    exams = sorted(
        patient.exams.all(), key=lambda e: (e.date is None, e.date or 0, e.source_name, e.pk)
    )
    offset = max((e.order for e in exams), default=0) + 1
    for exam in exams:  # two passes keep (patient, order) unique at every step
        Exam.objects.filter(pk=exam.pk).update(order=exam.order + offset)
    for rank, exam in enumerate(exams):
        Exam.objects.filter(pk=exam.pk).update(order=rank)


def add_series(
    exam: Exam, sequence: Sequence, volume: Volume, files: ImportFiles, **dicom
) -> Series:
    """A series as the models see it (on the exam's one grid, skull-stripped)."""
    return Series.objects.create(
        exam=exam, sequence=sequence.value, **stored_fields(volume, files, "series"), **dicom
    )


def add_acquired_series(
    exam: Exam, sequence: Sequence, volume: Volume, files: ImportFiles, **details
) -> AcquiredSeries:
    """A series as the scanner recorded it, kept as the original of the exam's series."""
    return AcquiredSeries.objects.create(
        exam=exam, sequence=sequence.value, **stored_fields(volume, files, "acquired"), **details
    )


def stored_fields(volume: Volume, files: ImportFiles, folder: str) -> dict:
    stored = files.store(volume.to_bytes(), folder=folder, suffix=".nii.gz")
    return {
        "file": stored.name,
        "sha256": stored.sha256,
        "shape": list(volume.shape),
        "spacing": [round(s, 6) for s in volume.spacing],
        "affine": np.round(volume.affine, 6).tolist(),
    }
