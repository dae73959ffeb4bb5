"""Pulling studies from a PACS (imaging.dicomweb) into a folder the DICOM importer reads: the
pull is an import job like an upload, so it is de-identified, atomic and preprocessed the same
way, with the same live progress. A study whose patient already has it is not retrieved again:
re-pulling adds only the exams that are new."""

import os
from pathlib import Path

from dicomweb_client.api import DICOMwebClient

from imaging import dicomweb
from imaging.errors import ImagingInputError
from reviewer.cases.models import IdentityLink
from reviewer.imports.models import ImportJob, PacsConnection


def client_for(connection: PacsConnection) -> DICOMwebClient:
    password = ""
    if connection.password_env:
        password = os.environ.get(connection.password_env)
        if password is None:
            raise ImagingInputError(
                connection.name,
                f"the environment variable {connection.password_env}, which holds the PACS "
                "password, is not set in this process",
            )
    return dicomweb.connect(connection.dicomweb_url, connection.username, password)


def search(connection: PacsConnection, query: dicomweb.StudyQuery) -> list[dicomweb.StudyFound]:
    return dicomweb.search_studies(client_for(connection), query)


def imported_already(patient_id: str, study_uid: str) -> bool:
    """Whether the patient of this PatientID has this study (the identity map keeps every
    replaced UID's original)."""
    link = IdentityLink.objects.filter(source="dicom", source_patient_id=patient_id).first()
    return link is not None and study_uid in link.uid_map.values()


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
