"""Pulling from a real PACS (Orthanc): a clinical study of the synthetic cohort, with its
localizer and DWI series, is found by the data steward, retrieved and imported de-identified as
an upload would be, and pulling it again adds nothing."""

import io

import pytest
from django.core.management import call_command

from reviewer.cases.models import AcquiredSeries, IdentityLink
from reviewer.imports.models import ImportJob
from reviewer.pacs.models import PacsConnection
from tests.pacs.conftest import PACS_PASSWORD, PACS_USER, PATIENT_ID, dicomweb_client, pulled

pytestmark = pytest.mark.django_db


def test_the_data_steward_finds_a_study_by_patient_id(stored, connection, make_user, client_for):
    response = client_for(make_user("admin")).get(
        f"/api/pacs/{connection.pk}/studies/", {"patient_id": PATIENT_ID}
    )

    assert response.status_code == 200
    [found] = response.json()
    assert (found["study_uid"], found["imported"]) == (stored, False)
    assert found["series"] == 6  # the four sequences, a localizer and a DWI series


@pytest.mark.parametrize("role", ["qa_admin", "radiologist", "researcher"])
def test_only_the_data_steward_may_search_a_pacs(connection, make_user, client_for, role):
    response = client_for(make_user(role)).get(
        f"/api/pacs/{connection.pk}/studies/", {"patient_id": PATIENT_ID}
    )

    assert response.status_code == 403


def test_a_search_without_any_criterion_is_refused(connection, make_user, client_for):
    response = client_for(make_user("admin")).get(f"/api/pacs/{connection.pk}/studies/")

    assert response.status_code == 400


def test_a_pulled_study_is_imported_with_its_four_sequences_and_others_left_out(
    stored, connection, make_user, client_for
):
    job = pulled(client_for(make_user("admin")), connection, stored)

    assert job.status == ImportJob.Status.SUCCEEDED, job.error
    exam = job.patients.get().exams.get()
    assert sorted(exam.acquired_series.values_list("sequence", flat=True)) == [
        "FLAIR",
        "T1",
        "T1CE",
        "T2",
    ]
    left_out = {row["description"]: row["left_out"] for row in job.series_report if row["left_out"]}
    assert set(left_out) == {"3Plane Loc SSFSE", "DWI b1000"}
    assert exam.preprocessing_runs.get().status == "queued"


def test_a_pulled_study_is_stored_de_identified(stored, connection, make_user, client_for):
    job = pulled(client_for(make_user("admin")), connection, stored)

    patient = job.patients.get()
    assert patient.pseudonym != PATIENT_ID
    assert IdentityLink.objects.get(patient=patient).source_patient_id == PATIENT_ID
    header = AcquiredSeries.objects.filter(exam__patient=patient).first().dicom_header
    assert PATIENT_ID not in str(header)
    assert stored not in str(header)


def test_pulling_a_study_again_adds_nothing_and_says_so(stored, connection, make_user, client_for):
    client = client_for(make_user("admin"))
    pulled(client, connection, stored)

    again = pulled(client, connection, stored)

    assert again.status == ImportJob.Status.SUCCEEDED, again.error
    assert "1 study(ies) skipped, imported already" in again.message
    assert AcquiredSeries.objects.values("exam").distinct().count() == 1


def test_a_search_marks_a_study_imported_already(stored, connection, make_user, client_for):
    client = client_for(make_user("admin"))
    pulled(client, connection, stored)

    response = client.get(f"/api/pacs/{connection.pk}/studies/", {"patient_id": PATIENT_ID})

    assert [found["imported"] for found in response.json()] == [True]


def test_a_pacs_behind_credentials_is_searched_with_the_password_from_the_environment(
    pacs_with_credentials, clinical_study, make_user, client_for, monkeypatch
):
    client = dicomweb_client(pacs_with_credentials, (PACS_USER, PACS_PASSWORD))
    client.store_instances(clinical_study[:3])
    connection = PacsConnection.objects.create(
        name="secured",
        dicomweb_url=pacs_with_credentials.dicomweb_url,
        username=PACS_USER,
        password_env="NEUROREVIEW_TEST_PACS_PASSWORD",
    )
    monkeypatch.setenv("NEUROREVIEW_TEST_PACS_PASSWORD", PACS_PASSWORD)

    response = client_for(make_user("admin")).get(
        f"/api/pacs/{connection.pk}/studies/", {"patient_id": PATIENT_ID}
    )

    assert response.status_code == 200
    assert len(response.json()) == 1


def test_a_pacs_refusing_the_credentials_answers_502_naming_the_pacs(
    pacs_with_credentials, make_user, client_for, monkeypatch
):
    connection = PacsConnection.objects.create(
        name="secured",
        dicomweb_url=pacs_with_credentials.dicomweb_url,
        username=PACS_USER,
        password_env="NEUROREVIEW_TEST_PACS_PASSWORD",
    )
    monkeypatch.setenv("NEUROREVIEW_TEST_PACS_PASSWORD", "wrong")

    response = client_for(make_user("admin")).get(
        f"/api/pacs/{connection.pk}/studies/", {"patient_id": PATIENT_ID}
    )

    assert response.status_code == 502
    assert response.json()["detail"] == (
        f"{pacs_with_credentials.dicomweb_url}: the PACS refused the credentials"
    )


def test_a_missing_password_variable_is_named(pacs_with_credentials, make_user, client_for):
    connection = PacsConnection.objects.create(
        name="secured",
        dicomweb_url=pacs_with_credentials.dicomweb_url,
        username=PACS_USER,
        password_env="NEUROREVIEW_UNSET_PACS_PASSWORD",
    )

    response = client_for(make_user("admin")).get(
        f"/api/pacs/{connection.pk}/studies/", {"patient_id": PATIENT_ID}
    )

    assert response.status_code == 502
    assert "NEUROREVIEW_UNSET_PACS_PASSWORD" in response.json()["detail"]


def test_the_command_lists_the_studies_it_finds(stored, connection, make_user):
    make_user("admin", username="steward")
    out = io.StringIO()

    call_command(
        "pull_pacs", "test-pacs", "--patient-id", PATIENT_ID, "--user", "steward", stdout=out
    )

    assert out.getvalue().startswith(stored)


def test_the_pull_page_lists_the_studies_found_for_the_steward(
    stored, connection, make_user, client_for
):
    page = client_for(make_user("admin")).get(
        "/imports/pacs/", {"connection": connection.pk, "patient_id": PATIENT_ID}
    )

    assert page.status_code == 200
    assert f'value="{stored}"' in page.content.decode()


@pytest.mark.parametrize("role", ["qa_admin", "radiologist"])
def test_the_pull_page_is_the_stewards_alone(connection, make_user, client_for, role):
    page = client_for(make_user(role)).get("/imports/pacs/")

    assert page.status_code == 403


def test_pulling_from_the_page_starts_an_import_job_and_opens_its_page(
    stored, connection, make_user, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = client_for(make_user("admin")).post(
            f"/imports/pacs/?connection={connection.pk}&patient_id={PATIENT_ID}",
            {"connection": connection.pk, "studies": [stored], "disease": "glioma"},
        )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{job.pk}/"
    assert job.kind == "pacs"
    assert (job.options["studies"], job.options["disease"]) == ([stored], "glioma")
    assert len(queued) == 1


def test_a_pull_cannot_be_started_as_an_upload(make_user, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("x.zip", b"PK\x05\x06" + b"\0" * 18, "application/zip")

    response = client_for(make_user("admin")).post(
        "/api/imports/", {"kind": "pacs", "file": upload}
    )

    assert response.status_code == 400
    assert "kind" in response.json()
