"""Importing an uploaded zip in a worker: extracted safely, imported all or nothing, then the
patients prepared for the viewer, with live progress. A worker killed anywhere leaves a job
that runs again safely: before the import commits, nothing of it was stored; after, the job is
linked to its patients in the same transaction, and the rerun only prepares them."""

import errno
import shutil
from pathlib import Path

from django.conf import settings
from django.db import transaction

from imaging.errors import ImagingInputError
from imaging.labels import LabelScheme
from imaging.safe_zip import extract_zip
from imaging.sequences import Sequence
from imaging.series_selection import report as series_report
from reviewer.cases.models import Disease
from reviewer.core import progress
from reviewer.imports import pacs
from reviewer.imports.models import ImportJob
from reviewer.imports.services import import_brats, import_dicom
from reviewer.viewer.preparation import prepare_patients

DISK_FULL = (
    "Nothing was imported: the server's disk is full (no space left on device). "
    "Ask an administrator to free space, then upload again."
)


def run(job: ImportJob) -> None:
    """Run one job to its end. Re-running a finished job does nothing."""
    if job.is_finished:
        return
    progress.start(job)
    # Beside the uploads, one folder per job: a rerun first removes what a killed run extracted.
    workdir = Path(settings.NEUROREVIEW_UPLOAD_DIR) / f"import-{job.pk}"
    shutil.rmtree(workdir, ignore_errors=True)
    try:
        patients = list(job.patients.all()) or _extract_and_import(job, workdir)
    except ImagingInputError as error:
        progress.finish(job, status=ImportJob.Status.FAILED, error=f"Nothing was imported. {error}")
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
        progress.finish(job, status=ImportJob.Status.FAILED, error=DISK_FULL)
    else:
        prepare_patients(patients, progress.reporter(job))
        progress.finish(job, status=ImportJob.Status.SUCCEEDED, message=_imported(job, patients))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if job.upload:
            Path(job.upload).unlink(missing_ok=True)


def _imported(job: ImportJob, patients: list) -> str:
    message = f"Imported {len(patients)} patient(s)"
    if skipped := job.options.get("skipped"):
        message += f"; {len(skipped)} study(ies) skipped, imported already"
    if job.kind != ImportJob.Kind.BRATS and patients:
        message += "; their exams are preprocessed next (each case page shows where it stands)"
    return message


def _extract_and_import(job: ImportJob, workdir: Path) -> list:
    if job.kind == ImportJob.Kind.PACS:
        skipped = pacs.pull(job, workdir, progress.reporter(job))
        job.options["skipped"] = skipped
        if len(skipped) == len(job.options["studies"]):
            ImportJob.objects.filter(pk=job.pk).update(options=job.options)
            return []
        root = workdir
    else:
        root = extract_zip(
            Path(job.upload), workdir, max_total_bytes=settings.NEUROREVIEW_IMPORT_MAX_BYTES
        )
    with transaction.atomic():
        patients = _import(job, root, progress.reporter(job))
        if job.kind == ImportJob.Kind.PACS:
            pacs.record_origin(job, patients)
        job.patients.set(patients)
        job.save(update_fields=["series_report", "options"])
    return patients


def _import(job: ImportJob, root: Path, report):
    disease = Disease(job.options["disease"]) if job.options.get("disease") else None
    if job.kind == ImportJob.Kind.BRATS:
        scheme = job.options.get("label_scheme")
        return import_brats(
            _single_top_folder(root),
            label_scheme=LabelScheme(scheme) if scheme else None,
            disease=disease,
            progress=report,
        )
    overrides = {k: Sequence(v) for k, v in job.options.get("sequence_overrides", {}).items()}
    return import_dicom(
        root,
        sequence_overrides=overrides,
        disease=disease,
        progress=report,
        series_report=lambda seen: setattr(job, "series_report", series_report(seen)),
        user=job.created_by,
    )


def _single_top_folder(root: Path) -> Path:
    """A zip of a folder holds that folder; import what is inside it."""
    entries = [p for p in root.iterdir() if not p.name.startswith((".", "__MACOSX"))]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else root
