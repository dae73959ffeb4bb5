"""A patient's disease, which decides the AI that runs on their exams: shown by the patient API,
recorded by a QA admin alone (PATCH on the patient API, or the admin)."""

import pytest

from reviewer.cases.models import Patient
from reviewer.cases.permissions import grant_patient
from tests.reviewer.factories import PatientFactory

pytestmark = pytest.mark.django_db

URL = "/api/patients/NR-PATIENT/"


@pytest.fixture
def patient():
    return PatientFactory(pseudonym="NR-PATIENT")


def patch(client, data):
    return client.patch(URL, data, content_type="application/json")


def stored_disease() -> str:
    return Patient.objects.get(pseudonym="NR-PATIENT").disease


def test_the_patient_api_shows_the_disease(patient, make_user, client_for):
    client = client_for(make_user("qa_admin"))

    assert client.get(URL).json()["disease"] == "unknown"
    assert client.get("/api/patients/").json()["results"][0]["disease"] == "unknown"


def test_a_qa_admin_records_the_disease(patient, make_user, client_for):
    response = patch(client_for(make_user("qa_admin")), {"disease": "ms"})

    assert response.status_code == 200
    assert response.json() == {"pseudonym": "NR-PATIENT", "disease": "ms"}
    assert stored_disease() == "ms"


@pytest.mark.parametrize("role", ["radiologist", "researcher", "admin"])
def test_no_other_role_may_record_the_disease(patient, make_user, client_for, role):
    user = make_user(role)
    grant_patient(patient, user)

    response = patch(client_for(user), {"disease": "ms"})

    assert response.status_code == 403 and stored_disease() == "unknown"


def test_an_anonymous_request_records_nothing(patient, client):
    response = patch(client, {"disease": "ms"})

    assert response.status_code in (401, 403) and stored_disease() == "unknown"


def test_a_disease_that_is_no_choice_is_refused_naming_the_field(patient, make_user, client_for):
    response = patch(client_for(make_user("qa_admin")), {"disease": "flu"})

    assert response.status_code == 400 and "disease" in response.json()
    assert stored_disease() == "unknown"


def test_a_patch_without_a_disease_is_refused(patient, make_user, client_for):
    response = patch(client_for(make_user("qa_admin")), {})

    assert response.status_code == 400 and "disease" in response.json()


def test_the_pseudonym_cannot_be_changed(patient, make_user, client_for):
    patch(client_for(make_user("qa_admin")), {"disease": "glioma", "pseudonym": "NR-OTHER"})

    assert Patient.objects.get().pseudonym == "NR-PATIENT" and stored_disease() == "glioma"


def test_an_unknown_patient_is_404(make_user, client_for):
    assert patch(client_for(make_user("qa_admin")), {"disease": "ms"}).status_code == 404


def test_put_is_not_offered(patient, make_user, client_for):
    response = client_for(make_user("qa_admin")).put(
        URL, {"disease": "ms"}, content_type="application/json"
    )

    assert response.status_code == 405 and stored_disease() == "unknown"


def admin_change(client, patient, disease):
    return client.post(
        f"/admin/cases/patient/{patient.pk}/change/",
        {"disease": disease, "pseudonym": "NR-OTHER"},
    )


def test_a_qa_admin_records_the_disease_in_the_admin(patient, make_user, client_for):
    response = admin_change(client_for(make_user("qa_admin")), patient, "ms")

    assert response.status_code == 302
    assert Patient.objects.get().pseudonym == "NR-PATIENT" and stored_disease() == "ms"


def test_the_data_steward_sees_the_patient_in_the_admin_but_cannot_change_it(
    patient, make_user, client_for
):
    client = client_for(make_user("admin"))

    assert client.get(f"/admin/cases/patient/{patient.pk}/change/").status_code == 200
    assert admin_change(client, patient, "ms").status_code == 403
    assert stored_disease() == "unknown"


def test_a_radiologist_has_no_admin(patient, make_user, client_for):
    response = admin_change(client_for(make_user("radiologist")), patient, "ms")

    assert response.status_code == 302 and "/login/" in response.url
    assert stored_disease() == "unknown"


def test_changing_the_disease_does_not_open_patient_grants_to_a_qa_admin(
    patient, make_user, client_for
):
    client = client_for(make_user("qa_admin"))

    response = client.get(f"/admin/cases/patient/{patient.pk}/permissions/")

    assert response.status_code == 302 and response.url == "/admin/"
