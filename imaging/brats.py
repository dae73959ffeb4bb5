"""BraTS folder layouts: which files make an exam folder, whose exam it is and at which timepoint.

An exam folder is one sub-folder of a BraTS folder, holding the files of one exam (BraTS calls it
a "case"). Accepted: a folder of exam folders, or one exam folder. Files end in a sequence suffix
of BraTS 2020/2021 (`_flair _t1 _t1ce _t2 _seg`) or BraTS 2023 (`-t2f -t1n -t1c -t2w -seg`), as
.nii or .nii.gz. Patients and timepoints come, in this order, from an optional `exams.csv` at the
root (columns case, patient, exam_date, label_scheme, disease, where `case` names the exam
folder), from BraTS 2023 names (`BraTS-GLI-00000-001` = patient 00000, timepoint 001), or else one
exam per patient. The disease column is read as written (lower case, trimmed); the importer
checks it against the diseases it knows.
"""

import csv
import datetime
import re
from dataclasses import dataclass
from pathlib import Path

from imaging.errors import ImagingInputError
from imaging.labels import LabelScheme
from imaging.sequences import BRATS_SUFFIXES, SEGMENTATION_SUFFIXES, Sequence

MANIFEST = "exams.csv"
_FILE = re.compile(r"^(?P<name>.+?)[_-](?P<suffix>[a-z0-9]+)\.nii(?:\.gz)?$", re.IGNORECASE)
_BRATS_2023_EXAM_FOLDER = re.compile(r"^(?P<patient>BraTS-[A-Za-z]+-\d+)-(?P<timepoint>\d+)$")


@dataclass(frozen=True)
class BratsExamFolder:
    name: str
    images: dict[Sequence, Path]
    segmentation: Path | None
    patient_key: str
    exam_date: datetime.date | None
    label_scheme: LabelScheme | None
    disease: str | None = None  # exams.csv's disease column, when given


def discover_exam_folders(root: Path) -> list[BratsExamFolder]:
    """Every exam folder under ``root``, validated for completeness; raises ImagingInputError."""
    root = Path(root)
    if not root.is_dir():
        raise ImagingInputError(root, "not a folder")
    manifest = _read_manifest(root / MANIFEST)
    folders = [root] if _nifti_files(root) else sorted(p for p in root.iterdir() if p.is_dir())
    exam_folders = [_exam_folder(folder, manifest) for folder in folders if _nifti_files(folder)]
    if not exam_folders:
        raise ImagingInputError(
            root, "no BraTS exam folder found (no folder with .nii or .nii.gz files)"
        )
    unknown = set(manifest) - {f.name for f in exam_folders}
    if unknown:
        raise ImagingInputError(
            root / MANIFEST, f"lists exam folders that are not there: {sorted(unknown)}"
        )
    return exam_folders


def _nifti_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith((".nii", ".nii.gz"))
    )


def _exam_folder(folder: Path, manifest: dict[str, dict]) -> BratsExamFolder:
    images: dict[Sequence, Path] = {}
    segmentation = None
    for path in _nifti_files(folder):
        match = _FILE.match(path.name)
        suffix = match["suffix"].lower() if match else ""
        if suffix in SEGMENTATION_SUFFIXES:
            if segmentation is not None:
                raise ImagingInputError(path, f"a second label map in {folder.name}")
            segmentation = path
        elif suffix in BRATS_SUFFIXES:
            sequence = BRATS_SUFFIXES[suffix]
            if sequence in images:
                raise ImagingInputError(path, f"a second {sequence} volume in {folder.name}")
            images[sequence] = path
        else:
            raise ImagingInputError(
                path,
                "unknown file name: expected a suffix _flair, _t1, _t1ce, _t2, _seg "
                "(BraTS 2020) or -t2f, -t1n, -t1c, -t2w, -seg (BraTS 2023)",
            )
    missing = [s.value for s in Sequence if s not in images]
    if missing:
        raise ImagingInputError(folder, f"missing sequence(s) {', '.join(missing)}")
    row = manifest.get(folder.name, {})
    return BratsExamFolder(
        name=folder.name,
        images=images,
        segmentation=segmentation,
        patient_key=row.get("patient") or _patient_key(folder.name),
        exam_date=row.get("exam_date"),
        label_scheme=row.get("label_scheme"),
        disease=row.get("disease"),
    )


def _patient_key(folder_name: str) -> str:
    match = _BRATS_2023_EXAM_FOLDER.match(folder_name)
    return match["patient"] if match else folder_name


def _read_manifest(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    rows: dict[str, dict] = {}  # exam folder name -> its row
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        # The column keeps BraTS's word, "case", for an exam folder: users' files use it.
        if not reader.fieldnames or "case" not in reader.fieldnames:
            raise ImagingInputError(path, "needs a header with at least the column 'case'")
        for line, row in enumerate(reader, start=2):
            rows[row["case"]] = {
                "patient": (row.get("patient") or "").strip(),
                "exam_date": _parse_date(path, line, row.get("exam_date")),
                "label_scheme": _parse_scheme(path, line, row.get("label_scheme")),
                "disease": (row.get("disease") or "").strip().lower() or None,
            }
    return rows


def _parse_date(path: Path, line: int, value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise ImagingInputError(
            path, f"line {line}: exam_date {value!r} is not a date (YYYY-MM-DD)"
        ) from None


def _parse_scheme(path: Path, line: int, value: str | None) -> LabelScheme | None:
    if not value:
        return None
    try:
        return LabelScheme(value.strip())
    except ValueError:
        allowed = ", ".join(s.value for s in LabelScheme)
        raise ImagingInputError(
            path, f"line {line}: label_scheme {value!r} is not one of {allowed}"
        ) from None
