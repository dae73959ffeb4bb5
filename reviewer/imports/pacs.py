"""Pulling studies from a PACS (imaging.dicomweb) into a folder the DICOM importer reads: the
pull is an import job like an upload, so it is de-identified, atomic and preprocessed the same
way, with the same live progress. A study whose patient already has it is not retrieved again:
re-pulling adds only the exams that are new."""

from pathlib import Path

from imaging import dicomweb
from imaging.errors import ImagingInputError
from reviewer.imports.models import ImportJob
from reviewer.pacs.connections import client_for, imported_already
from reviewer.pacs.models import PacsConnection, PacsStudy


def pull(job: ImportJob, folder: Path, report) -> list[str]:
    """Retrieve the job's studies into ``folder``, those not imported already; returns the
    UIDs of the studies skipped as imported already."""
    connection = PacsConnection.objects.get(pk=job.options["connection"])
    client = client_for(connection)
    studies = job.options["studies"]
    skipped = []
    for number, study_uid in enumerate(studies, start=1):
        found = dicomweb.search_studies(client, dicomweb.StudyQuery(study_uid=study_uid), limit=2)
        if not found:
            raise ImagingInputError(connection.name, f"the PACS has no study {study_uid}")
        if imported_already(found[0].patient_id, study_uid):
            skipped.append(study_uid)
            continue

        def progress(done: int, total: int, message: str, number=number) -> None:
            report(number - 1 + done / max(total, 1), len(studies), f"study {number}: {message}")

        dicomweb.retrieve_study(client, study_uid, folder / f"study-{number}", progress)
    return skipped


def record_origin(job: ImportJob, patients) -> None:
    """Remember which PACS each pulled exam came from: its results go back there."""
    connection = PacsConnection.objects.get(pk=job.options["connection"])
    pulled = set(job.options["studies"])
    for patient in patients:
        uid_map = patient.identity.uid_map
        for exam in patient.exams.all():
            if uid_map.get(exam.dicom_study_uid) in pulled:
                PacsStudy.objects.get_or_create(exam=exam, defaults={"connection": connection})
