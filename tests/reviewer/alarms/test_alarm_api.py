"""Reading alarms through the API: the list of the patients a reader may see, with filters; one
alarm with its severity, provenance and latest verdict; a case's alarm state (the socket's
message) with one risk line per exam. What a user may not see is 404, a wrong role 403."""

import pytest
from django.utils import timezone

from reviewer.alarms.models import Alarm, RuleConfiguration
from reviewer.cases.permissions import grant_patient
from tests.reviewer.factories import ExamFactory, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def granted():
    return PatientFactory(pseudonym="NR-GRANTED")


@pytest.fixture
def hidden():
    return PatientFactory(pseudonym="NR-HIDDEN")


@pytest.fixture
def radiologist(make_user, granted):
    user = make_user("radiologist")
    grant_patient(granted, user)
    return user


@pytest.fixture
def api(client_for, radiologist):
    return client_for(radiologist)


def flag(patient, kind="growth", order=0, **fields) -> Alarm:
    exam = patient.exams.filter(order=order).first() or ExamFactory(patient=patient, order=order)
    return Alarm.objects.create(exam=exam, kind=kind, reason=f"a {kind} alarm", **fields)


def listed(api, query="") -> list[int]:
    response = api.get(f"/api/alarms/{query}")
    assert response.status_code == 200
    return [row["id"] for row in response.json()["results"]]


def test_the_list_shows_the_open_alarms_of_visible_patients_only(api, granted, hidden):
    shown = flag(granted)
    flag(hidden)
    flag(granted, cleared_at=timezone.now())

    assert listed(api) == [shown.pk]


def test_the_list_filters_by_kind(api, granted):
    unreliable = flag(granted, "unreliable")
    flag(granted, "growth")

    assert listed(api, "?kind=unreliable") == [unreliable.pk]


def test_the_list_shows_cleared_alarms_on_request(api, granted):
    flag(granted)
    cleared = flag(granted, cleared_at=timezone.now())

    assert listed(api, "?state=cleared") == [cleared.pk]
    assert len(listed(api, "?state=all")) == 2


def test_the_list_filters_by_exam_and_patient(api, granted):
    flag(granted, order=0)
    later = flag(granted, order=1)

    assert listed(api, f"?exam={later.exam_id}") == [later.pk]
    assert len(listed(api, "?patient=NR-GRANTED")) == 2


def test_an_unknown_kind_is_400_naming_the_filter(api):
    response = api.get("/api/alarms/?kind=alien")

    assert response.status_code == 400 and "kind" in response.json()


def test_an_alarm_shows_its_severity_provenance_and_patient(api, granted):
    alarm = flag(granted, rule_configuration=RuleConfiguration.objects.current())

    body = api.get(f"/api/alarms/{alarm.pk}/").json()

    assert (body["patient"], body["severity"], body["rules_version"]) == ("NR-GRANTED", 3, 1)
    assert body["kind_display"] == "Growth" and body["verdict"] is None


def test_an_alarm_of_a_patient_not_granted_is_404(api, hidden):
    assert api.get(f"/api/alarms/{flag(hidden).pk}/").status_code == 404


def test_the_case_alarm_state_has_one_risk_line_per_exam(api, granted):
    flag(granted, "unreliable", order=0)
    flag(granted, "growth", order=1)
    flag(granted, "unreliable", order=1)

    state = api.get("/api/cases/NR-GRANTED/alarms/").json()

    assert [(line["risk_score"], line["summary"]) for line in state["exams"]] == [
        (302, "Growth · Unreliable output"),
        (201, "Unreliable output"),
    ]
    assert [a["kind"] for a in state["alarms"]] == ["growth", "unreliable", "unreliable"]
    assert state["patient_risk_score"] == 303


def test_the_case_alarm_state_of_a_patient_not_granted_is_404(api, hidden):
    flag(hidden)

    assert api.get("/api/cases/NR-HIDDEN/alarms/").status_code == 404


def test_a_researcher_may_not_read_alarms(client_for, make_user, granted):
    researcher = make_user("researcher")
    grant_patient(granted, researcher)
    api = client_for(researcher)

    assert api.get("/api/alarms/").status_code == 403
    assert api.get("/api/cases/NR-GRANTED/alarms/").status_code == 403
