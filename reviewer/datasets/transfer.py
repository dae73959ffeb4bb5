"""A dataset version as files, to move it to another NeuroReview (or back): a zip of its
manifest (manifest.json) and of every series and reference label it hashes, each stored under
its sha256 (files/<sha256>.nii.gz). Importing it checks every file against its name, makes the
patients (by pseudonym) and exams that are missing, reuses those that hold the same files, and
seals the version again: the same cases give the same manifest hash, which the import checks.
Everything is pseudonymous; an import is one transaction."""

import hashlib
import json
import tempfile
import zipfile
from pathlib import Path

from django.core.files.storage import default_storage

from imaging.errors import ImagingInputError
from imaging.labels import LabelScheme
from imaging.nifti_io import load_volume
from imaging.safe_zip import extract_zip
from imaging.sequences import Sequence
from reviewer.cases import services as cases
from reviewer.cases.models import Exam, Patient
from reviewer.core.storage import atomic_import
from reviewer.datasets.models import DatasetVersion, ReferenceDataset
from reviewer.datasets.versions import STRATA, Strata, VersionError, create_version
from reviewer.preprocessing.services import record_prepared
from segmentation import segmentations
from segmentation.models import Segmentation

FORMAT = "neuroreview-dataset-version/1"
MANIFEST = "manifest.json"
MANIFEST_KEYS = ("dataset", "description", "number", "note", "sha256", "cases")
CASE_KEYS = ("case", "pseudonym", "disease", "order", "series", "label", "label_scheme")


class TransferError(ValueError):
    """An export that cannot be imported as it is; the message names the file or case."""


def export_version(version: DatasetVersion, out) -> None:
    """Write the version's zip to the binary file ``out``."""
    entries, written = [], set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for case in version.cases.select_related("exam__patient", "reference").order_by("key"):
            for stored in [*case.exam.series.all(), case.reference]:
                name = f"files/{stored.sha256}.nii.gz"
                if name in written:
                    continue  # the same file for two cases: once in the zip
                with default_storage.open(stored.file.name, "rb") as handle:
                    archive.writestr(name, handle.read())
                written.add(name)
            entries.append(
                {
                    "case": case.key,
                    "pseudonym": case.exam.patient.pseudonym,
                    "disease": case.exam.patient.disease,
                    "order": case.exam.order,
                    "series": case.series_sha256,
                    "label": case.label_sha256,
                    "label_scheme": case.reference.label_scheme,
                    **{n: getattr(case, n) for n in STRATA if getattr(case, n) is not None},
                }
            )
        manifest = {
            "format": FORMAT,
            "dataset": version.dataset.name,
            "description": version.dataset.description,
            "number": version.number,
            "note": version.note,
            "sha256": version.sha256,
            "cases": entries,
        }
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))


def import_version(path: Path, *, user, dataset: str = "") -> DatasetVersion:
    """Import an exported version into the dataset named ``dataset`` (default: its own name)."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            root = extract_zip(Path(path), Path(folder))
        except ImagingInputError as unsafe:  # not a zip, or a member that escapes or is too big
            raise TransferError(f"{Path(path).name}: {unsafe.reason}") from unsafe
        manifest = _manifest(root / MANIFEST)
        _check_files(root, manifest)
        name = dataset or manifest["dataset"]
        with atomic_import() as files:
            chosen, labels, strata = [], [], {}
            for entry in manifest["cases"]:
                exam = _exam(entry, root, files, name)
                chosen.append(exam)
                labels.append(_label(exam, entry, root, files, user))
                strata[exam.pk] = Strata.given(entry.get("tumour_group"), entry.get("site"))
            target, _ = ReferenceDataset.objects.get_or_create(
                name=name, defaults={"description": manifest["description"], "created_by": user}
            )
            try:
                version = create_version(
                    target, chosen, user=user, labels=labels, strata=strata,
                    note=f"imported from {manifest['dataset']} v{manifest['number']}: "
                    + manifest["note"],
                )  # fmt: skip
            except VersionError as refused:
                raise TransferError(f"{Path(path).name}: {refused}") from refused
            if version.sha256 != manifest["sha256"]:
                raise TransferError(
                    f"{Path(path).name}: the imported cases hash to {version.sha256}, the export "
                    f"says {manifest['sha256']}"
                )
    return version


def _manifest(path: Path) -> dict:
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise TransferError(f"{path.name}: not a readable manifest ({error})") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise TransferError(f"{path.name}: format {found!r}, not {FORMAT!r}")
    missing = [key for key in MANIFEST_KEYS if key not in manifest]
    missing += [
        f"cases[{number}].{key}"
        for number, entry in enumerate(manifest.get("cases") or [])
        for key in CASE_KEYS
        if not isinstance(entry, dict) or key not in entry
    ]
    if missing:
        raise TransferError(f"{path.name}: missing {', '.join(missing)}")
    return manifest


def _check_files(root: Path, manifest: dict) -> None:
    for entry in manifest["cases"]:
        for sha256 in [*entry["series"].values(), entry["label"]]:
            name = f"files/{sha256}.nii.gz"
            try:
                found = hashlib.sha256((root / name).read_bytes()).hexdigest()
            except OSError as error:
                raise TransferError(f"{name}: missing from the export ({error})") from error
            if found != sha256:
                raise TransferError(f"{name}: its content hashes to {found}, not its name")


def _exam(entry: dict, root: Path, files, dataset: str) -> Exam:
    """The case's exam: the patient's exam of that order when it holds the same series, else a
    new one (and its patient, by pseudonym) made from the files."""
    patient, _ = Patient.objects.get_or_create(
        pseudonym=entry["pseudonym"], defaults={"disease": entry["disease"]}
    )
    exam = patient.exams.filter(order=entry["order"]).first()
    if exam is not None:
        held = {s.sequence: s.sha256 for s in exam.series.all()}
        if held != entry["series"]:
            raise TransferError(
                f"case {entry['case']}: exam {exam.order} of {patient} exists with other series"
            )
        return exam
    exam = Exam.objects.create(
        patient=patient, order=entry["order"], source_name=f"{dataset}: {entry['case']}"
    )
    for sequence, sha256 in entry["series"].items():
        stored = cases.add_series(exam, Sequence(sequence), _volume(root, sha256), files)
        _same(stored.sha256, sha256, entry)
    record_prepared(exam, f"reference dataset {dataset}")
    return exam


def _label(exam: Exam, entry: dict, root: Path, files, user) -> Segmentation:
    """The case's reference label: one of the exam's with that hash, else stored now (as the
    exam's reference, or as the importer's label when the exam has another reference)."""
    labelled = exam.segmentations.filter(
        sha256=entry["label"],
        source__in=[Segmentation.Source.REFERENCE, Segmentation.Source.READER],
    ).first()
    if labelled is not None:
        return labelled
    has_reference = exam.segmentations.filter(source=Segmentation.Source.REFERENCE).exists()
    stored = segmentations.add_segmentation(
        exam,
        _volume(root, entry["label"]),
        LabelScheme(entry["label_scheme"]),
        files,
        source_file=f"reference label of {entry['case']}",
        source=Segmentation.Source.READER if has_reference else Segmentation.Source.REFERENCE,
        reader=user if has_reference else None,
    )
    _same(stored.sha256, entry["label"], entry)
    return stored


def _volume(root: Path, sha256: str):
    try:
        return load_volume(root / "files" / f"{sha256}.nii.gz")
    except ImagingInputError as error:  # named by its place in the zip, not the server's path
        raise TransferError(f"files/{sha256}.nii.gz: {error.reason}") from error


def _same(stored: str, expected: str, entry: dict) -> None:
    if stored != expected:
        raise TransferError(
            f"case {entry['case']}: a file stored again hashes to {stored}, not {expected}"
        )
