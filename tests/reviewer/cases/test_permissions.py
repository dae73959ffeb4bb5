"""Who may see what: roles gate pages and endpoints; object access answers 404."""

import pytest
from django.contrib.auth.models import Group

from reviewer.cases.models import IdentityLink
from reviewer.cases.permissions import grant_patient
from tests.reviewer.factories import patient_with_exams

pytestmark = pytest.mark.django_db

ROLES = ["radiologist", "qa_admin", "researcher", "admin"]


@pytest.fixture
def patient():
    return patient_with_exams(exams=1, pseudonym="NR-ASSIGNED")


@pytest.fixture
def other_patient():
    return patient_with_exams(exams=1, pseudonym="NR-ELSEWHERE")


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("/worklist/", {"radiologist", "qa_admin", "admin"}),
        ("/imports/", {"qa_admin", "admin"}),
        ("/exports/", {"researcher", "qa_admin", "admin"}),
        ("/exports/cases.csv", {"researcher", "qa_admin", "admin"}),
        ("/api/patients/", {"radiologist", "qa_admin", "admin"}),
        ("/api/exams/", {"radiologist", "qa_admin", "admin"}),
        ("/api/segmentations/", {"radiologist", "qa_admin", "admin"}),
        ("/api/imports/", {"qa_admin", "admin"}),
        ("/api/exports/cases/", {"researcher", "qa_admin", "admin"}),
    ],
)
@pytest.mark.parametrize("role", ROLES)
def test_each_page_and_endpoint_admits_only_its_roles(make_user, client_for, url, allowed, role):
    response = client_for(make_user(role)).get(url)

    assert response.status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize("url", ["/worklist/", "/imports/", "/exports/", "/cases/NR-ASSIGNED/"])
def test_anonymous_users_are_sent_to_the_login_page(client, patient, url):
    response = client.get(url)

    assert response.status_code == 302 and response.url.startswith("/login/")


@pytest.mark.parametrize("url", ["/api/patients/", "/api/imports/", "/api/schema/"])
def test_the_api_refuses_anonymous_requests(client, url):
    assert client.get(url).status_code in (401, 403)


def test_a_radiologist_sees_only_patients_granted_to_them(
    make_user, client_for, patient, other_patient
):
    radiologist = make_user("radiologist")
    grant_patient(patient, radiologist)
    client = client_for(radiologist)

    listed = [p["pseudonym"] for p in client.get("/api/patients/").json()["results"]]

    assert listed == ["NR-ASSIGNED"]
    assert client.get("/cases/NR-ASSIGNED/").status_code == 200
    assert client.get("/api/patients/NR-ASSIGNED/").status_code == 200


def test_a_radiologist_gets_404_for_a_patient_not_granted_to_them(
    make_user, client_for, patient, other_patient
):
    radiologist = make_user("radiologist")
    grant_patient(patient, radiologist)
    client = client_for(radiologist)

    assert client.get("/cases/NR-ELSEWHERE/").status_code == 404
    assert client.get("/api/patients/NR-ELSEWHERE/").status_code == 404
    assert client.get(f"/api/exams/{other_patient.exams.get().pk}/").status_code == 404
    assert "NR-ELSEWHERE" not in client.get("/worklist/").content.decode()


def test_a_radiologist_sees_patients_granted_to_their_reading_group(
    make_user, client_for, patient, other_patient
):
    group = Group.objects.create(name="neuro")
    radiologist = make_user("radiologist")
    radiologist.groups.add(group)
    grant_patient(other_patient, group)

    listed = [
        p["pseudonym"] for p in client_for(radiologist).get("/api/patients/").json()["results"]
    ]

    assert listed == ["NR-ELSEWHERE"]


def test_a_qa_admin_sees_every_patient(make_user, client_for, patient, other_patient):
    listed = client_for(make_user("qa_admin")).get("/api/patients/").json()["results"]

    assert {p["pseudonym"] for p in listed} == {"NR-ASSIGNED", "NR-ELSEWHERE"}


def test_a_researcher_exports_only_patients_released_to_them_without_dates(
    make_user, client_for, patient, other_patient
):
    researcher = make_user("researcher")
    grant_patient(patient, researcher)

    rows = client_for(researcher).get("/api/exports/cases/").json()

    assert {row["pseudonym"] for row in rows} == {"NR-ASSIGNED"}
    assert all("date" not in key for row in rows for key in row if key != "days_from_baseline")
    assert rows[0]["days_from_baseline"] == 0


def test_a_researcher_cannot_open_a_case_even_when_released_to_them(make_user, client_for, patient):
    researcher = make_user("researcher")
    grant_patient(patient, researcher)

    assert client_for(researcher).get("/cases/NR-ASSIGNED/").status_code == 403


@pytest.mark.parametrize("role", ["radiologist", "qa_admin", "researcher"])
def test_only_the_data_steward_may_read_the_identity_map(make_user, client_for, patient, role):
    IdentityLink.objects.create(patient=patient, source="dicom", source_patient_id="MRN-1234")

    response = client_for(make_user(role)).get("/admin/cases/identitylink/")

    assert response.status_code in (302, 403)
    assert b"MRN-1234" not in response.content


def test_the_data_steward_reads_the_identity_map(make_user, client_for, patient):
    IdentityLink.objects.create(patient=patient, source="dicom", source_patient_id="MRN-1234")

    response = client_for(make_user("admin")).get("/admin/cases/identitylink/")

    assert response.status_code == 200 and b"MRN-1234" in response.content


def test_api_token_authentication_works_without_a_session(make_user, client, patient):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=make_user("qa_admin"))

    response = client.get("/api/patients/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200


def test_pages_refuse_a_post_without_csrf_token(make_user, patient):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("qa_admin"))

    response = client.post("/imports/", {"kind": "brats"})

    assert response.status_code == 403
