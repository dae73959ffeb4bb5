"""The worklist page and its API: columns, sorting, filtering, pagination, the OpenAPI schema."""

import pytest

from reviewer.alarms.models import Alarm
from tests.reviewer.factories import patient_with_exams

pytestmark = pytest.mark.django_db


@pytest.fixture
def qa_client(make_user, client_for):
    return client_for(make_user("qa_admin"))


def pseudonyms(response) -> list[str]:
    return [p["pseudonym"] for p in response.json()["results"]]


def test_the_worklist_lists_exam_counts_and_sequence_availability(qa_client):
    patient_with_exams(exams=3, pseudonym="NR-COMPLETE")
    patient_with_exams(exams=2, sequences=("FLAIR", "T2"), pseudonym="NR-PARTIAL")

    rows = {p["pseudonym"]: p for p in qa_client.get("/api/patients/").json()["results"]}

    assert rows["NR-COMPLETE"]["exam_count"] == 3 and rows["NR-COMPLETE"]["missing_series"] == 0
    assert rows["NR-PARTIAL"]["exam_count"] == 2 and rows["NR-PARTIAL"]["missing_series"] == 4
    page = qa_client.get("/worklist/").content.decode()
    assert "FLAIR · T1 · T1CE · T2 in all exams" in page and "4 series missing" in page


def test_the_worklist_sorts_by_number_of_exams_both_ways(qa_client):
    for exams, name in [(1, "NR-ONE"), (3, "NR-THREE"), (2, "NR-TWO")]:
        patient_with_exams(exams=exams, pseudonym=name)

    assert pseudonyms(qa_client.get("/api/patients/?ordering=exam_count")) == [
        "NR-ONE",
        "NR-TWO",
        "NR-THREE",
    ]
    assert pseudonyms(qa_client.get("/api/patients/?ordering=-exam_count")) == [
        "NR-THREE",
        "NR-TWO",
        "NR-ONE",
    ]
    page = qa_client.get("/worklist/?ordering=-exam_count").content.decode()
    assert page.index("NR-THREE") < page.index("NR-TWO") < page.index("NR-ONE")


def test_the_worklist_filters_incomplete_patients_and_by_pseudonym(qa_client):
    patient_with_exams(exams=1, pseudonym="NR-COMPLETE")
    patient_with_exams(exams=1, sequences=("FLAIR",), pseudonym="NR-PARTIAL")

    assert pseudonyms(qa_client.get("/api/patients/?complete=false")) == ["NR-PARTIAL"]
    assert pseudonyms(qa_client.get("/api/patients/?q=compl")) == ["NR-COMPLETE"]


def test_the_worklist_counts_open_alarms_and_filters_on_them(qa_client):
    flagged = patient_with_exams(exams=2, pseudonym="NR-FLAGGED")
    patient_with_exams(exams=2, pseudonym="NR-QUIET")
    Alarm.objects.create(exam=flagged.exams.first(), kind="growth", reason="WT +30%")

    rows = qa_client.get("/api/patients/?has_alarms=true").json()["results"]

    assert [(r["pseudonym"], r["open_alarm_count"]) for r in rows] == [("NR-FLAGGED", 1)]


def test_the_worklist_pages_25_patients_at_a_time(qa_client):
    for n in range(27):
        patient_with_exams(exams=1, sequences=("FLAIR",), pseudonym=f"NR-P{n:03d}")

    first = qa_client.get("/worklist/").content.decode()
    second = qa_client.get("/worklist/?page=2").content.decode()

    assert "NR-P024" in first and "NR-P025" not in first
    assert "NR-P025" in second and "Page 2 of 2" in second


def test_the_patient_endpoint_nests_exams_in_order_with_their_series(qa_client):
    patient_with_exams(exams=2, pseudonym="NR-NESTED")

    detail = qa_client.get("/api/patients/NR-NESTED/").json()

    assert [e["order"] for e in detail["exams"]] == [0, 1]
    assert detail["exams"][0]["sequences"] == ["FLAIR", "T1", "T1CE", "T2"]


def test_the_openapi_schema_describes_the_worklist_endpoints(qa_client):
    response = qa_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    paths = response.json()["paths"]
    assert "/api/patients/" in paths and "/api/imports/" in paths
    parameters = {p["name"] for p in paths["/api/patients/"]["get"]["parameters"]}
    assert {"ordering", "complete", "has_alarms", "page"} <= parameters
