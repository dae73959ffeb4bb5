"""A real PACS for the tests: Debian's Orthanc with its DICOMweb plugin, one per test session on
free ports in a temporary folder (neuroreview.orthanc), emptied before each test that uses it."""

import pydicom
import pytest
from dicomweb_client import DICOMwebClient
from dicomweb_client.session_utils import create_session, create_session_from_user_pass

from imaging.synthetic import build_cohort
from neuroreview.orthanc import Orthanc
from reviewer.imports import uploads
from reviewer.imports.models import ImportJob
from reviewer.pacs.models import PacsConnection

PACS_USER = "pacs-reader"
PACS_PASSWORD = "not-a-real-secret"  # a throwaway PACS on 127.0.0.1, never a real secret


@pytest.fixture(scope="session")
def orthanc(tmp_path_factory):
    """One Orthanc without authentication for the whole session, stopped at its end."""
    with Orthanc(tmp_path_factory.mktemp("orthanc")) as pacs:
        yield pacs


@pytest.fixture(scope="session")
def orthanc_with_credentials(tmp_path_factory):
    """One Orthanc whose every HTTP request needs PACS_USER / PACS_PASSWORD (HTTP Basic)."""
    folder = tmp_path_factory.mktemp("orthanc-auth")
    with Orthanc(folder, username=PACS_USER, password=PACS_PASSWORD) as pacs:
        yield pacs


def empty(pacs: Orthanc) -> Orthanc:
    """Delete every study (Orthanc deletes the patients with their last study)."""
    for study in pacs.rest("GET", "/studies"):
        pacs.rest("DELETE", f"/studies/{study}")
    return pacs


@pytest.fixture
def pacs(orthanc):
    """The session's Orthanc, holding no study when the test starts."""
    return empty(orthanc)


@pytest.fixture
def pacs_with_credentials(orthanc_with_credentials):
    """The session's authenticated Orthanc, holding no study when the test starts."""
    return empty(orthanc_with_credentials)


def dicomweb_client(pacs: Orthanc, credentials: tuple[str, str] | None = None) -> DICOMwebClient:
    """A dicomweb-client on the PACS's DICOMweb root, sending ``credentials`` if given."""
    session = (
        create_session() if credentials is None else create_session_from_user_pass(*credentials)
    )
    return DICOMwebClient(pacs.dicomweb_url, session=session)


PATIENT_ID = "SYN-00001"


@pytest.fixture(scope="session")
def clinical_study(tmp_path_factory) -> list:
    """The first exam of a one-patient cohort as a scanner writes it (2 mm), as datasets."""
    out = tmp_path_factory.mktemp("cohort") / "cohort"
    build_cohort(out, patients=1, seed=21, resolution=2, formats=["clinical"])
    [exam] = [e for e in (out / "clinical" / PATIENT_ID).iterdir() if e.name.startswith("01_")]
    return [pydicom.dcmread(path) for path in sorted(exam.rglob("*.dcm"))]


@pytest.fixture
def stored(pacs, clinical_study) -> str:
    """The study in the emptied PACS; its StudyInstanceUID."""
    dicomweb_client(pacs).store_instances(clinical_study)
    return clinical_study[0].StudyInstanceUID


@pytest.fixture
def connection(pacs):
    return PacsConnection.objects.create(name="test-pacs", dicomweb_url=pacs.dicomweb_url)


def pulled(client, connection, study_uid) -> ImportJob:
    """A pull asked for through the API, run here (the worker's part, without a worker)."""
    response = client.post(
        f"/api/pacs/{connection.pk}/pulls/",
        {"studies": [study_uid], "disease": "glioma"},
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get(pk=response.json()["id"])
    uploads.run(job)
    job.refresh_from_db()
    return job
