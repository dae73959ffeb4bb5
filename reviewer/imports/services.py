"""The importers behind the commands, the API and the import page. Each is atomic: it reads
and checks everything it stores, and a failure anywhere stores no patient, exam, series or file.
Progress is reported as progress(done, total, message)."""

import datetime
import secrets
from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from imaging.brats import MANIFEST, BratsExamFolder, discover_exam_folders
from imaging.deidentify import Deidentifier
from imaging.dicom_series import DicomSeries, read_dicom_tree
from imaging.errors import ImagingInputError
from imaging.labels import LabelScheme, detect_scheme
from imaging.nifti_io import check_same_grid, load_volume, volume_from_array
from imaging.sequences import CHANNEL_ORDER, Sequence
from imaging.series_selection import SeriesSeen, listing
from reviewer.cases import services as cases
from reviewer.cases.models import Disease, Patient
from reviewer.core.storage import atomic_import
from reviewer.preprocessing import services as preprocessing
from segmentation import segmentations

Progress = Callable[[int, int, str], None]


def _no_progress(done: int, total: int, message: str) -> None:
    pass


def _no_report(seen: list[SeriesSeen]) -> None:
    pass


def import_brats(
    root: Path,
    *,
    label_scheme: LabelScheme | None = None,
    disease: Disease | None = None,
    progress: Progress = _no_progress,
) -> list[Patient]:
    """Import a BraTS folder (2020 or 2021-2023 layout); returns the patients it touched.
    Patients' disease: ``disease`` if given, else exams.csv's disease column, else glioma (what
    BraTS data are)."""
    found = discover_exam_folders(Path(root))
    diseases = _brats_diseases(Path(root), found, disease)
    patients: dict[int, Patient] = {}
    with atomic_import() as files:
        for done, exam_folder in enumerate(found):
            progress(done, len(found), f"{exam_folder.name}: reading")
            volumes = {seq: load_volume(path) for seq, path in exam_folder.images.items()}
            reference = (exam_folder.images[Sequence.FLAIR], volumes[Sequence.FLAIR])
            others = {exam_folder.images[s]: v for s, v in volumes.items()}
            label_map = load_volume(exam_folder.segmentation) if exam_folder.segmentation else None
            if label_map is not None:
                others[exam_folder.segmentation] = label_map
            check_same_grid(reference, others)

            link = cases.patient_for_source(
                source="brats", source_patient_id=exam_folder.patient_key
            )
            given = diseases.get(exam_folder.patient_key)
            cases.record_disease(
                link.patient,
                given or Disease.GLIOMA,
                source=Path(root) / MANIFEST if disease is None else exam_folder.name,
                given=given is not None,
            )
            exam = cases.add_exam(
                link.patient, date=exam_folder.exam_date, source_name=exam_folder.name
            )
            for sequence in CHANNEL_ORDER:
                cases.add_series(exam, sequence, volumes[sequence], files)
            preprocessing.record_prepared(exam, "BraTS folder")
            if label_map is not None:
                scheme = label_scheme or exam_folder.label_scheme or _detected_scheme(label_map)
                segmentations.add_segmentation(
                    exam, label_map, scheme, files, source_file=str(exam_folder.segmentation)
                )
            patients[link.patient.pk] = link.patient
        for patient in patients.values():
            cases.renumber_exams(patient)
        progress(len(found), len(found), f"imported {len(found)} exam(s)")
    return list(patients.values())


def _brats_diseases(
    root: Path, found: list[BratsExamFolder], option: Disease | None
) -> dict[str, Disease]:
    """The disease given for each patient (by the option, else by exams.csv), checked: a value
    that is no disease, or two diseases for one patient, are refused."""
    given: dict[str, Disease] = {}
    for exam_folder in found:
        value = option or _disease(root / MANIFEST, exam_folder)
        if value is None:
            continue
        known = given.setdefault(exam_folder.patient_key, value)
        if known != value:
            raise ImagingInputError(
                root / MANIFEST,
                f"patient {exam_folder.patient_key!r} has two diseases, {known.value!r} and "
                f"{value.value!r} (exam folder {exam_folder.name})",
            )
    return given


def _disease(manifest: Path, exam_folder: BratsExamFolder) -> Disease | None:
    if exam_folder.disease is None:
        return None
    try:
        return Disease(exam_folder.disease)
    except ValueError:
        raise ImagingInputError(
            manifest,
            f"disease {exam_folder.disease!r} of exam folder {exam_folder.name} is not one of "
            f"{', '.join(Disease.values)}",
        ) from None


def _detected_scheme(label_map) -> LabelScheme:
    # Maps holding only labels 1 and 2 mean the same in BraTS 2020 and 2023.
    return detect_scheme(np.unique(np.asarray(label_map.array()))) or LabelScheme.BRATS2020


def import_dicom(
    path: Path,
    *,
    sequence_overrides: Mapping[str, Sequence] | None = None,
    disease: Disease | None = None,
    progress: Progress = _no_progress,
    series_report: Callable[[list[SeriesSeen]], None] = _no_report,
    user=None,
) -> list[Patient]:
    """Import DICOM MR series from a folder or zip, de-identified (DICOM PS3.15 basic profile
    with modified dates) before anything is stored. Each study becomes an exam of the series
    chosen as its sequences, kept as acquired, each on its own grid; a preprocessing run of each
    exam, on ``user``'s behalf, is queued to make the series the models see. Every series seen,
    chosen or left out and why, is given to ``series_report`` and listed in the reason of any
    failure. DICOM does not say what a patient is followed for: their disease is ``disease`` if
    given, else not recorded (no AI runs)."""
    progress(0, 1, "reading DICOM files")
    tree = read_dicom_tree(Path(path), sequence_overrides=sequence_overrides)
    if not tree.series:
        raise ImagingInputError(
            path,
            "no FLAIR, T1, T1CE or T2 series recognized; give overrides\n"
            f"Series seen:\n{listing(tree.seen)}",
        )
    try:
        patients = _store_dicom(path, tree.series, disease, progress, user)
    except ImagingInputError as error:
        raise ImagingInputError(
            error.source, f"{error.reason}\nSeries seen:\n{listing(tree.seen)}"
        ) from error
    series_report(tree.seen)
    return patients


def _store_dicom(
    path: Path, series: list[DicomSeries], disease: Disease | None, progress: Progress, user
) -> list[Patient]:
    by_patient: dict[str, dict[str, list[DicomSeries]]] = defaultdict(lambda: defaultdict(list))
    for s in series:
        by_patient[s.patient_id][s.study_uid].append(s)
    patients = []
    total = len(series)
    done = 0
    with atomic_import() as files:
        for patient_id, studies in by_patient.items():
            link = _dicom_identity(patient_id, next(iter(studies.values()))[0])
            if disease is not None:
                cases.record_disease(link.patient, disease, source=path, given=True)
            deid = Deidentifier(
                pseudonym=link.patient.pseudonym,
                date_shift_days=link.date_shift_days,
                uid_secret=bytes.fromhex(link.uid_secret),
            )
            for study_uid, study_series in studies.items():
                first = study_series[0]
                exam = cases.add_exam(
                    link.patient,
                    date=_shifted_date(deid, first),
                    source_name="",
                    dicom_study_uid=deid.uid(study_uid),
                )
                link.uid_map[deid.uid(study_uid)] = study_uid
                for s in study_series:
                    progress(done, total, f"{link.patient}: {s.sequence}")
                    try:
                        header = deid.header(s.first_dataset)
                    except ImagingInputError as error:  # name the file, not the original UID
                        raise ImagingInputError(s.files[0], error.reason) from error
                    link.uid_map[deid.uid(s.series_uid)] = s.series_uid
                    instances = [[deid.uid(uid), frame] for uid, frame in s.instances if uid]
                    link.uid_map.update({deid.uid(uid): uid for uid, _ in s.instances if uid})
                    if frame_of_reference := s.first_dataset.get("FrameOfReferenceUID"):
                        link.uid_map[deid.uid(frame_of_reference)] = str(frame_of_reference)
                    cases.add_acquired_series(
                        exam,
                        s.sequence,
                        volume_from_array(s.array, s.affine),
                        files,
                        description=_described(s),
                        slice_thickness_mm=_slice_thickness(s),
                        dicom_instances=instances,
                        dicom_study_uid=deid.uid(study_uid),
                        dicom_series_uid=deid.uid(s.series_uid),
                        dicom_header=header,
                    )
                    done += 1
                preprocessing.queue(exam, user=user)
            link.save(update_fields=["uid_map"])
            cases.renumber_exams(link.patient)
            patients.append(link.patient)
        progress(total, total, f"imported {total} series")
    return patients


def _dicom_identity(patient_id: str, first: DicomSeries):
    """The patient of a DICOM PatientID; a new one gets a random date shift and UID secret."""
    header = first.first_dataset
    return cases.patient_for_source(
        source="dicom",
        source_patient_id=patient_id,
        source_patient_name=str(header.get("PatientName", "")),
        source_birth_date=str(header.get("PatientBirthDate", "")),
        date_shift_days=-secrets.choice(range(365, 3650)),
        uid_secret=secrets.token_hex(32),
    )


def _shifted_date(deid: Deidentifier, series: DicomSeries) -> datetime.date | None:
    if not series.study_date:
        return None
    return datetime.datetime.strptime(deid.date(series.study_date), "%Y%m%d").date()


def _described(series: DicomSeries) -> str:
    """What readers may see of the series: its number, 2D or 3D and its plane. Not the
    SeriesDescription, which PS3.15 removes (it can carry anything typed at the console)."""
    header = series.first_dataset
    slice_axis = np.argmax(np.abs(series.affine[:3, 2]))
    parts = [
        f"series {header.get('SeriesNumber', '?')}",
        str(header.get("MRAcquisitionType", "")),
        ("sagittal", "coronal", "axial")[slice_axis],
    ]
    return " ".join(p for p in parts if p)[:128]


def _slice_thickness(series: DicomSeries) -> float | None:
    value = series.first_dataset.get("SliceThickness")
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None  # a malformed thickness: the slice spacing stands in for it
