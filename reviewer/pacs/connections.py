"""A PACS connection in use: its DICOMweb client (the password read from the environment), a
search of its studies, and whether a study found there is imported already."""

import os

from dicomweb_client.api import DICOMwebClient

from imaging import dicomweb
from imaging.errors import ImagingInputError
from reviewer.cases.models import IdentityLink
from reviewer.pacs.models import PacsConnection


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
