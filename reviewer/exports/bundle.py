"""A research export bundle (issue 17 §4): one zip that a researcher can check and re-read with
nothing but its own files.

    events.csv, events.json      readers' events in the tidy long format (reviewer.exports.tidy),
                                 reader studies' colocalised lesions and adjudication included
    features.csv                 per segmentation of a glioma exam: region volumes and the eight
                                 volumetric ratio features (reviewer.exports.features)
    segmentations/<patient>/exam-<order>/segmentation-<id>.nii.gz
                                 the stored NIfTI bytes as they are
    segmentations/<patient>/exam-<order>/segmentation-<id>.dcm
                                 the same map as DICOM SEG (reviewer.exports.seg), where the
                                 exam has its acquired DICOM series; else the manifest's entry
                                 says why there is none
    manifest.json                provenance: software, model, dataset, survey and study
                                 versions, every segmentation's origin, and the sha256 of
                                 every other file

``verify`` checks the hashes and recomputes the features from the NIfTI files alone.
"""

import csv
import gzip
import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import nibabel as nib
import numpy as np
from django.core.files.storage import default_storage
from django.utils import timezone

from reviewer.cases.models import Exam
from reviewer.core.version import SOFTWARE_VERSION
from reviewer.datasets.models import DatasetCase
from reviewer.exports import seg, tidy
from reviewer.exports.features import (
    FEATURE_NAMES,
    GLIOMA_SCHEMES,
    REGIONS,
    ratio_features,
    region_volumes,
)
from reviewer.studies.models import StudyVersion, SurveyVersion
from segmentation.models import ModelVersion, Segmentation

MANIFEST = "manifest.json"
FORMAT = "neuroreview-research-export/1"
FEATURE_COLUMNS = (
    "patient",
    "exam_order",
    "segmentation_id",
    "segmentation_source",
    "model_version",
    "label_scheme",
    "file",
    *(f"{region}_voxels" for region in REGIONS),
    *(f"{region}_mm3" for region in REGIONS),
    *FEATURE_NAMES,
    "null_reasons",
)
DICOM_SEG_NOTE = (
    "each segmentation's dicom_seg is its map as a DICOM SEG over the exam's acquired reference "
    "series (pseudonymised UIDs); where it is null, dicom_seg_missing says why"
)

Progress = Callable[[int, int, str], None]  # done, total, message


class BundleError(Exception):
    """A bundle that does not verify; ``files`` names the files at fault."""

    def __init__(self, message: str, files: list[str]):
        super().__init__(message)
        self.files = files


@dataclass(frozen=True)
class Verified:
    """What a bundle gives back from its files alone."""

    manifest: dict
    features: list[dict]  # recomputed from the NIfTI files, as features_row writes them
    events: list[dict]


def features_row(labels: np.ndarray, spacing_mm, scheme: str) -> dict:
    """Region volumes (voxels and mm³) and the eight ratios of one glioma label map."""
    volumes = region_volumes(labels, spacing_mm, scheme)
    features = ratio_features(volumes)
    return {
        **{f"{region}_voxels": count for region, count in volumes.voxels().items()},
        **{f"{region}_mm3": mm3 for region, mm3 in volumes.mm3().items()},
        **features.values,
        "null_reasons": "; ".join(f"{n}: {r}" for n, r in features.null_reasons.items()),
    }


def build(
    patients,
    out: Path,
    *,
    progress: Progress | None = None,
    without_ai=(),
    without_reference=(),
    still_reading=(),
) -> dict:
    """Write the bundle of ``patients`` (a queryset: the caller decides the scope) to the zip
    ``out``, leaving out the AI output of the exams ``without_ai`` and the reference and
    readers' maps of the exams ``without_reference`` (ids: the exporting user's blinding), and
    the study events of the study versions ``still_reading`` (ids: those the exporting user
    still reads in); returns its manifest."""
    segmentations = list(
        Segmentation.objects.filter(exam__patient__in=patients)
        .exclude(exam__in=without_ai, source__in=Segmentation.AI_SOURCES)
        .exclude(exam__in=without_reference, source__in=Segmentation.HUMAN_SOURCES)
        .select_related("exam__patient", "model_version")
        .prefetch_related("parts__model_version")
        .order_by("exam__patient__pseudonym", "exam__order", "pk")
    )
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        events = tidy.event_rows(patients, without_ai, still_reading)
        tidy.write_csv(events, root / "events.csv")
        tidy.write_json(events, root / "events.json")
        described, feature_rows = [], []
        for done, segmentation in enumerate(segmentations, start=1):
            entry, row = _store_segmentation(segmentation, root)
            described.append(entry)
            if row is not None:
                feature_rows.append(row)
            if progress:
                progress(done, len(segmentations), f"segmentation {segmentation.pk}")
        tidy.write_csv(feature_rows, root / "features.csv", FEATURE_COLUMNS)
        manifest = _manifest(patients, segmentations, described, root, still_reading)
        manifest["ai_withheld"] = _withheld(patients, without_ai)
        manifest["reference_withheld"] = _withheld(patients, without_reference)
        manifest["study_withheld"] = _study_withheld(patients, still_reading)
        (root / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        _zip(root, out)
    return manifest


def _store_segmentation(segmentation: Segmentation, root: Path) -> tuple[dict, dict | None]:
    exam = segmentation.exam
    folder = f"segmentations/{exam.patient.pseudonym}/exam-{exam.order}"
    path = f"{folder}/segmentation-{segmentation.pk}.nii.gz"
    with default_storage.open(segmentation.file.name, "rb") as handle:
        data = handle.read()
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_bytes(data)
    origin = tidy.segmentation_provenance(segmentation)
    entry = {
        "file": path,
        "patient": exam.patient.pseudonym,
        "exam_order": exam.order,
        **origin,
        "label_scheme": segmentation.label_scheme,
        "target": segmentation.target or None,
        "replaced": hasattr(segmentation, "replaced_by"),
        "features": _has_features(segmentation.label_scheme, segmentation.target),
        **_store_seg(segmentation, root, f"{folder}/segmentation-{segmentation.pk}.dcm"),
    }
    if not entry["features"]:
        return entry, None
    row = {
        "patient": exam.patient.pseudonym,
        "exam_order": exam.order,
        **origin,
        "label_scheme": segmentation.label_scheme,
        "file": path,
        **_features_of_nifti(data, segmentation.label_scheme),
    }
    return entry, row


def _store_seg(segmentation: Segmentation, root: Path, path: str) -> dict:
    try:
        (root / path).write_bytes(seg.seg_bytes(segmentation))
    except seg.Missing as missing:
        return {"dicom_seg": None, "dicom_seg_missing": str(missing)}
    return {"dicom_seg": path, "dicom_seg_missing": None}


def _has_features(scheme: str, target: str | None) -> bool:
    """The ratios need a full glioma map: not an MS lesion map, nor one model's single target."""
    return scheme in GLIOMA_SCHEMES and not target


def _features_of_nifti(data: bytes, scheme: str) -> dict:
    image = nib.Nifti1Image.from_bytes(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
    spacing = tuple(float(s) for s in np.sqrt((image.affine[:3, :3] ** 2).sum(axis=0)))
    return features_row(np.asanyarray(image.dataobj), spacing, scheme)


def _manifest(patients, segmentations, described, root: Path, still_reading) -> dict:
    exams = {s.exam_id for s in segmentations}
    model_versions = ModelVersion.objects.filter(
        pk__in={s.model_version_id for s in segmentations if s.model_version_id}
        | {p.model_version_id for s in segmentations for p in s.parts.all()}
    ).order_by("name", "version")
    dataset_versions = (
        DatasetCase.objects.filter(exam__in=exams)
        .values("version__dataset__name", "version__number", "version__sha256")
        .distinct()
        .order_by("version__dataset__name", "version__number")
    )
    survey_versions = (
        SurveyVersion.objects.filter(pk__in=_answered_versions(patients, still_reading))
        .select_related("survey")
        .order_by("survey__name", "number")
    )
    readings = tidy.started_readings(patients, still_reading)
    study_versions = (
        StudyVersion.objects.filter(pk__in=readings.values("version"))
        .select_related("study", "survey_version__survey")
        .prefetch_related("adjudicators__user", "colocalisation_revisions")
        .order_by("study__name", "number")
    )
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != MANIFEST)
    return {
        "format": FORMAT,
        "software_version": SOFTWARE_VERSION,
        "created_at": timezone.now().isoformat(),
        "patients": sorted(patients.values_list("pseudonym", flat=True)),
        "model_versions": [
            {
                "name": v.name,
                "version": v.version,
                "kind": v.kind,
                "target": v.target,
                "sha256": v.sha256,
            }
            for v in model_versions
        ],
        "dataset_versions": [
            {
                "dataset": d["version__dataset__name"],
                "number": d["version__number"],
                "sha256": d["version__sha256"],
            }
            for d in dataset_versions
        ],
        "survey_versions": [{"survey": v.survey.name, "number": v.number} for v in survey_versions],
        "study_versions": [_study_version(v) for v in study_versions],
        "segmentations": described,
        "features": {
            "definition": "spec node-and-radiogenomics.md §D2 (paper 003 Table 1)",
            "null": "a ratio whose denominator is zero is empty, with its reason in null_reasons",
        },
        "dicom_seg": DICOM_SEG_NOTE,
        "files": {p.relative_to(root).as_posix(): _sha256(p.read_bytes()) for p in files},
    }


def _withheld(patients, without_ai) -> dict:
    exams = Exam.objects.filter(patient__in=patients, pk__in=without_ai).select_related("patient")
    return {
        "reason": "blinded: the exporting user may not see these exams' AI output now (a reader "
        "study they read in); their model maps, grades and verdicts of them, and alarm verdicts "
        "are left out",
        "exams": [
            {"patient": e.patient.pseudonym, "exam_order": e.order}
            for e in exams.order_by("patient__pseudonym", "order")
        ],
    }


def _study_withheld(patients, still_reading) -> dict:
    versions = (
        StudyVersion.objects.filter(
            pk__in=still_reading,
            locked_at__isnull=False,
            readings__case__exam__patient__in=patients,
        )
        .select_related("study")
        .distinct()
        .order_by("study__name", "number")
    )
    return {
        "reason": "the exporting user still reads in these study versions: their readings, "
        "answers, lesions, marks and adjudication show other readers' work and are left out "
        "(spec ms-workflows S-07)",
        "study_versions": [{"study": v.study.name, "number": v.number} for v in versions],
    }


def _study_version(version: StudyVersion) -> dict:
    survey = version.survey_version
    return {
        "study": version.study.name,
        "number": version.number,
        "started_at": version.locked_at.isoformat(),
        "ended_at": version.ended_at.isoformat() if version.ended_at else None,
        "crossover": version.crossover,
        "washout_seconds": version.washout.total_seconds(),
        "seed": version.seed,
        "adjudicators": sorted(a.user.username for a in version.adjudicators.all()),
        # the lesions and marks of study_lesion events are those of this revision and before
        "colocalisation_revision": max(
            (r.number for r in version.colocalisation_revisions.all()), default=None
        ),
        "survey_version": {"survey": survey.survey.name, "number": survey.number}
        if survey
        else None,
    }


def _answered_versions(patients, still_reading) -> set[int]:
    subjects = ("patient__in", "exam__patient__in")
    answered = {
        pk
        for subject in subjects
        for pk in SurveyVersion.objects.filter(**{f"responses__{subject}": patients}).values_list(
            "pk", flat=True
        )
    }
    readings = tidy.started_readings(patients, still_reading)
    return answered | set(
        SurveyVersion.objects.filter(responses__reading__in=readings).values_list("pk", flat=True)
    )


def _zip(root: Path, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(root).as_posix())


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify(bundle: Path) -> Verified:
    """Re-read a bundle from its files alone: every file's sha256 must match the manifest (and
    no file be missing or unlisted), and the features recomputed from the NIfTI files must be
    features.csv's. Raises BundleError naming the files at fault."""
    contents = _read_bundle(bundle)
    if MANIFEST not in contents:
        raise BundleError(f"{bundle} has no {MANIFEST}", [MANIFEST])
    manifest = json.loads(contents.pop(MANIFEST))
    listed = manifest["files"]
    wrong = sorted(
        name
        for name in set(listed) | set(contents)
        if name not in contents or name not in listed or _sha256(contents[name]) != listed[name]
    )
    if wrong:
        raise BundleError("files that do not match the manifest: " + ", ".join(wrong), wrong)
    named = [
        entry[key]
        for entry in manifest["segmentations"]
        for key in ("file", "dicom_seg")
        if entry.get(key)
    ]
    unlisted = sorted(name for name in named if name not in listed)
    if unlisted:
        raise BundleError("segmentation files missing: " + ", ".join(unlisted), unlisted)
    recomputed = [
        {
            "patient": entry["patient"],
            "exam_order": entry["exam_order"],
            "segmentation_id": entry["segmentation_id"],
            "segmentation_source": entry["segmentation_source"],
            **_features_of_nifti(contents[entry["file"]], entry["label_scheme"]),
        }
        for entry in manifest["segmentations"]
        if entry["features"]
    ]
    written = list(csv.DictReader(io.StringIO(contents["features.csv"].decode("utf-8"))))
    differing = [
        row["file"]
        for row, again in zip(written, recomputed, strict=True)
        if any(_cell(again[column]) != row[column] for column in again)
    ]
    if differing:
        raise BundleError("features.csv differs from its NIfTI files", differing)
    events = json.loads(contents["events.json"])
    return Verified(manifest=manifest, features=recomputed, events=events)


def _cell(value) -> str:
    return "" if value is None else str(value)


def _read_bundle(bundle: Path) -> dict[str, bytes]:
    if zipfile.is_zipfile(bundle):
        with zipfile.ZipFile(bundle) as archive:
            return {
                PurePosixPath(info.filename).as_posix(): archive.read(info)
                for info in archive.infolist()
                if not info.is_dir()
            }
    return {
        p.relative_to(bundle).as_posix(): p.read_bytes() for p in bundle.rglob("*") if p.is_file()
    }
