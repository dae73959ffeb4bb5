"""The synthetic demo cohort: patients with three exams each, written as a BraTS folder, as
DICOM series of the four skull-stripped volumes ("dicom"), and as the brain MR study a hospital's
scanner writes ("clinical", see clinical.py), with cohort.json recording what was built (kinds,
courses, dates, volumes).

Every random choice draws from a stream keyed by (seed, patient, purpose), so a patient does not
change when the cohort grows, and the same arguments give the same bytes.
"""

import csv
import dataclasses
import datetime
import functools
import io
import json
import pathlib
from collections.abc import Callable, Iterable

import numpy as np
from pydicom.uid import generate_uid

from imaging.labels import LABELS, LabelScheme
from imaging.synthetic import lesions
from imaging.synthetic.anatomy import ATTRIBUTION, Anatomy, load_anatomy
from imaging.synthetic.clinical import Acquisition, clinical_exam, write_clinical_exam
from imaging.synthetic.contrasts import render_exam
from imaging.synthetic.writers import (
    GENERATOR,
    cohort_header,
    radiological_stack,
    write_brats_exam,
    write_dicom_series,
)

FORMATS = ("brats", "dicom", "clinical")
DEFAULT_FORMATS = ("brats", "dicom")  # "clinical" takes longer: asked for by name
EXAMS = 3
_PLAN, _IDENTITY, _FIRST_EXAM_STREAM, _FIRST_CLINICAL_STREAM = 0, 1, 10, 20


def build_cohort(
    out: pathlib.Path,
    *,
    patients: int,
    seed: int,
    resolution: int,
    formats: Iterable[str] = DEFAULT_FORMATS,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write the cohort under ``out`` and return the content of ``out/cohort.json``.

    A folder that already holds a cohort built with the same arguments is returned as it is
    (its exams.csv brought up to date), so repeated demo set-ups are quick; any other non-empty
    folder is refused. ``progress`` is
    called with the exam folder's name after each exam is written.
    """
    formats = _checked(patients, seed, resolution, formats)
    out = pathlib.Path(out)
    manifest = out / "cohort.json"
    previous = _previous_cohort(manifest)
    if _matches(previous, patients, seed, resolution, formats):
        if "brats" in formats:  # exams.csv derives from cohort.json: it gains new columns
            _write_exams_csv(out / "brats" / "exams.csv", previous["patients"])
        return previous
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(
            f"{out} is not empty and holds no cohort built with these arguments; "
            "give an empty or new folder"
        )
    anatomy = load_anatomy(resolution)
    records = [
        _write_patient(out, anatomy, seed, number, formats, progress)
        for number in range(1, patients + 1)
    ]
    if "brats" in formats:
        _write_exams_csv(out / "brats" / "exams.csv", records)
    cohort = {
        "generator": GENERATOR,
        "seed": seed,
        "resolution_mm": resolution,
        "formats": list(formats),
        "attribution": ATTRIBUTION,
        "patients": records,
    }
    manifest.write_text(json.dumps(cohort, indent=2) + "\n")  # last: its presence means complete
    return cohort


def patient_kind(number: int) -> str:
    """A quarter of the patients are MS-like (2, 6, 10, ...); the rest have gliomas."""
    return "ms" if number % 4 == 2 else "glioma"


def glioma_course(number: int) -> str:
    """Gliomas cycle through grow, shrink and stable in patient order."""
    gliomas_before = sum(patient_kind(n) == "glioma" for n in range(1, number))
    return lesions.GLIOMA_COURSES[gliomas_before % len(lesions.GLIOMA_COURSES)]


def exam_folder_name(number: int, exam: int) -> str:
    return f"BraTS-SYN-{number:05d}-{exam:03d}"


def _checked(patients, seed, resolution, formats) -> tuple[str, ...]:
    if not _is_int(patients) or patients < 1:
        raise ValueError(f"patients must be a whole number of at least 1, not {patients!r}")
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"seed must be a whole number of at least 0, not {seed!r}")
    if not _is_int(resolution) or resolution not in (1, 2):
        raise ValueError(f"resolution must be 1 or 2 (mm), not {resolution!r}")
    wanted = [formats] if isinstance(formats, str) else list(formats)
    unknown = sorted(set(wanted) - set(FORMATS))
    if unknown or not wanted:
        raise ValueError(f"formats must be one or more of {', '.join(FORMATS)}, not {wanted!r}")
    return tuple(f for f in FORMATS if f in wanted)


def _is_int(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _previous_cohort(manifest: pathlib.Path) -> dict:
    try:
        previous = json.loads(manifest.read_text())
    except (OSError, ValueError):  # absent, unreadable or cut short: not a finished cohort
        return {}
    return previous if isinstance(previous, dict) else {}


def _matches(previous: dict, patients, seed, resolution, formats) -> bool:
    return (
        previous.get("generator") == GENERATOR
        and previous.get("seed") == seed
        and previous.get("resolution_mm") == resolution
        and previous.get("formats") == list(formats)
        and len(previous.get("patients", [])) == patients
    )


def _write_patient(out, anatomy: Anatomy, seed, number, formats, progress) -> dict:
    patient = f"SYN-{number:05d}"
    kind = patient_kind(number)
    plan_rng = np.random.default_rng([seed, number, _PLAN])
    if kind == "glioma":
        course, scheme = glioma_course(number), LabelScheme.BRATS2020
        glioma = lesions.plan_glioma(anatomy, plan_rng, course, EXAMS)
        labels_at = functools.partial(lesions.glioma_labels, anatomy, glioma)
    else:
        course, scheme = "new_lesions", LabelScheme.LESION
        ms_lesions = lesions.plan_ms_lesions(anatomy, plan_rng, EXAMS)
        labels_at = functools.partial(lesions.ms_labels, anatomy, ms_lesions)
    person = _person(np.random.default_rng([seed, number, _IDENTITY]), number, kind)
    exams = []
    for exam, date in enumerate(person.exam_dates):
        exam_folder = exam_folder_name(number, exam)
        labels = labels_at(exam)
        images = render_exam(
            anatomy,
            labels,
            LABELS[scheme],
            np.random.default_rng([seed, number, _FIRST_EXAM_STREAM + exam]),
        )
        if "brats" in formats:
            write_brats_exam(out / "brats", exam_folder, images, labels, anatomy.affine)
        record = {
            "case": exam_folder,  # cohort.json keeps exams.csv's name for an exam folder
            "date": date.isoformat(),
            "label_scheme": scheme.value,
            "volumes_ml": _volumes(labels, kind, anatomy.voxel_ml),
        }
        study, dated_folder = _study(person, seed, exam), f"{exam + 1:02d}_{date:%Y%m%d}"
        sources = [str(seed), patient, str(exam)]
        if "dicom" in formats:
            _write_dicom(out / "dicom" / patient / dated_folder, anatomy, images, study, sources)
        if "clinical" in formats:
            rng = np.random.default_rng([seed, number, _FIRST_CLINICAL_STREAM + exam])
            acquisitions = clinical_exam(anatomy, images, rng)
            write_clinical_exam(
                out / "clinical" / patient / dated_folder,
                acquisitions,
                study,
                [*sources, "clinical"],
            )
            record["clinical_motion"] = _motions(acquisitions)
        exams.append(record)
        if progress:
            progress(exam_folder)
    key = "whole_tumour" if kind == "glioma" else "lesion"
    first, last = exams[0]["volumes_ml"][key], exams[-1]["volumes_ml"][key]
    return {
        "patient": patient,
        "kind": kind,
        "course": course,
        "exams": exams,
        "volume_change_percent": round(100.0 * (last - first) / first, 1),
    }


def _write_dicom(folder, anatomy: Anatomy, images, study, sources: list[str]) -> None:
    for sequence, volume in images.items():
        write_dicom_series(
            folder / sequence.value,
            [radiological_stack(volume, anatomy.affine)],
            cohort_header(sequence),
            study,
            [*sources, sequence.value],
        )


def _motions(acquisitions: list[Acquisition]) -> dict[str, list[list[float]]]:
    """The truth co-registration should find: per series the patient moved before, that move
    (RAS 4x4, mm) from the head's place in the anatomy's space."""
    return {
        acquisition.sequence.value: np.round(acquisition.motion, 6).tolist()
        for acquisition in acquisitions
        if acquisition.sequence and not np.array_equal(acquisition.motion, np.eye(4))
    }


def _volumes(labels: np.ndarray, kind: str, voxel_ml: float) -> dict:
    counts = np.bincount(labels.ravel(), minlength=5)
    if kind == "ms":
        return {
            "lesion": round(int(counts[1]) * voxel_ml, 3),
            "lesion_count": lesions.count_lesions(labels > 0),
        }
    necrosis, oedema, enhancing = (
        int(counts[v]) for v in (lesions.NECROSIS, lesions.OEDEMA, lesions.ENHANCING)
    )
    return {
        "necrosis": round(necrosis * voxel_ml, 3),
        "oedema": round(oedema * voxel_ml, 3),
        "enhancing": round(enhancing * voxel_ml, 3),
        "whole_tumour": round((necrosis + oedema + enhancing) * voxel_ml, 3),
    }


@dataclasses.dataclass(frozen=True)
class _Person:
    """Synthetic identifying data, so that de-identification has work to do, and the exam dates."""

    attributes: dict[str, str]  # DICOM keywords shared by all the patient's series
    birth: datetime.date
    exam_dates: list[datetime.date]
    exam_start_minutes: list[int]  # of the day


def _person(rng: np.random.Generator, number: int, kind: str) -> _Person:
    """A baseline exam in 2019-2022 and follow-ups two to five months apart."""
    dates = [datetime.date(2019, 1, 1) + datetime.timedelta(days=int(rng.integers(0, 4 * 365)))]
    for _ in range(EXAMS - 1):
        dates.append(dates[-1] + datetime.timedelta(days=int(rng.integers(60, 150))))
    age = int(rng.integers(20, 50) if kind == "ms" else rng.integers(35, 78))
    birth = dates[0] - datetime.timedelta(days=int(age * 365.25 + rng.integers(0, 365)))
    attributes = {
        "SpecificCharacterSet": "ISO_IR 100",
        "PatientName": f"Synthetic^Patient{number:05d}",
        "PatientID": f"SYN-{number:05d}",
        "PatientBirthDate": f"{birth:%Y%m%d}",
        "PatientSex": str(rng.choice(["F", "M"], p=[0.7, 0.3] if kind == "ms" else [0.45, 0.55])),
        "InstitutionName": "NeuroReview Synthetic Hospital",
        "InstitutionAddress": "1 Template Street, Montreal",
        "ReferringPhysicianName": "Synthetic^Referrer",
        "OperatorsName": "Synthetic^Technologist",
        "StationName": "SYNMR01",
        "Manufacturer": "NeuroReview",
        "ManufacturerModelName": "Synthetic MR",
        "SoftwareVersions": GENERATOR,
        "BodyPartExamined": "BRAIN",
        "PatientPosition": "HFS",
        "StudyDescription": "MR BRAIN WITH AND WITHOUT CONTRAST",
        "PositionReferenceIndicator": "",
    }
    starts = [int(rng.integers(7 * 60, 18 * 60)) for _ in dates]
    return _Person(attributes, birth, dates, starts)


def _study(person: _Person, seed: int, exam: int) -> dict[str, str]:
    """The attributes shared by an exam's series. All exams of a patient share one frame of
    reference: they lie in one (MNI) space, registered by construction."""
    date, start, birth = person.exam_dates[exam], person.exam_start_minutes[exam], person.birth
    patient = person.attributes["PatientID"]
    years = date.year - birth.year - ((date.month, date.day) < (birth.month, birth.day))
    return {
        **person.attributes,
        "PatientAge": f"{years:03d}Y",
        "StudyInstanceUID": generate_uid(entropy_srcs=[str(seed), patient, str(exam), "study"]),
        "FrameOfReferenceUID": generate_uid(
            entropy_srcs=[str(seed), patient, "frame-of-reference"]
        ),
        "StudyDate": f"{date:%Y%m%d}",
        "StudyTime": f"{start // 60:02d}{start % 60:02d}00",
        "StudyID": str(exam + 1),
        "AccessionNumber": f"SYN{patient[-5:]}{exam + 1:02d}",
    }


def _write_exams_csv(path: pathlib.Path, records: list[dict]) -> None:
    """One row per exam folder; the disease is the patient's kind (glioma or ms), which decides
    the AI that runs on them. Rewritten only when its content changes."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    # "case" is BraTS's name for an exam folder; the column keeps it (see imaging.brats).
    writer.writerow(["case", "patient", "exam_date", "label_scheme", "disease"])
    for record in records:
        patient, disease = record["patient"], record["kind"]
        for exam in record["exams"]:
            writer.writerow([exam["case"], patient, exam["date"], exam["label_scheme"], disease])
    if not path.exists() or path.read_text() != stream.getvalue():
        path.write_text(stream.getvalue())
