"""Source identifiers in the admin (exam folder names, DICOM UIDs, series files, upload names):
the data steward sees them, a QA admin does not."""

import pytest

from reviewer.imports.models import ImportJob
from tests.reviewer.factories import ExamFactory

pytestmark = pytest.mark.django_db

SOURCE_NAME = "BraTS-GLI-00042-000"  # a BraTS folder: it carries the source patient's number
STUDY_UID = "1.2.826.0.1.3680043.8.498.4242"


@pytest.fixture
def exam():
    return ExamFactory(source_name=SOURCE_NAME, dicom_study_uid=STUDY_UID)


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_qa_admin_sees_an_exam_without_its_source_name_or_study_uid(exam, make_user, client_for):
    html = page(client_for(make_user("qa_admin")), f"/admin/cases/exam/{exam.pk}/change/")

    assert SOURCE_NAME not in html and STUDY_UID not in html
    assert str(exam.patient.pseudonym) in html


def test_the_data_steward_sees_them(exam, make_user, client_for):
    html = page(client_for(make_user("admin")), f"/admin/cases/exam/{exam.pk}/change/")

    assert SOURCE_NAME in html and STUDY_UID in html


def test_a_qa_admin_sees_no_upload_name_in_the_import_jobs(make_user, client_for):
    uploader = make_user("qa_admin")
    job = ImportJob.objects.create(
        kind="brats", upload="/uploads/x.zip", upload_name="Doe_John_MRI.zip", created_by=uploader
    )
    client = client_for(make_user("qa_admin"))

    listing = page(client, "/admin/imports/importjob/")
    detail = page(client, f"/admin/imports/importjob/{job.pk}/change/")

    assert "Doe_John" not in listing and "Doe_John" not in detail
