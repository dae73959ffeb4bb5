"""The worklist's review column, "my open cases" and sorting by risk, on the page and in the
worklist API; and who may read that API."""

import pytest

from reviewer.alarms.models import Alarm
from reviewer.alarms.verdicts import record_verdict
from reviewer.cases.permissions import grant_patient
from reviewer.grading.diagnoses import record_diagnosis
from tests.reviewer.factories import patient_with_exams
from tests.reviewer.worklist.builders import (
    composite,
    grade,
    judge,
    model_version,
    segmentation,
)

pytestmark = pytest.mark.django_db

API = "/api/worklist/"
LESION = {"oedema": 500}


def case(pseudonym: str, exams: int = 1, *readers):
    patient = patient_with_exams(exams=exams, pseudonym=pseudonym)
    for reader in readers:
        grant_patient(patient, reader)
    return patient


def reviewed(patient, reader):
    """Every exam's NODE map graded acceptable and its one lesion accepted."""
    for exam in patient.exams.order_by("order"):
        node = composite(exam, LESION)
        grade(node, reader)
        judge(node, reader, 1, "accepted")


def awaiting_second_opinion(pseudonym, first_reader, *readers):
    """Three reviewed exams whose 2D and volume diagnoses differ: a second reader is due."""
    patient = case(pseudonym, 3, first_reader, *readers)
    reviewed(patient, first_reader)
    record_diagnosis(
        user=first_reader,
        exam=patient.exams.get(order=2),
        family="node",
        rano_diagnosis="stable",
        volume_diagnosis="progression",
    )
    return patient


def rows(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    return {row["pseudonym"]: row for row in response.json()["results"]}


def pseudonyms(response) -> list[str]:
    return list(rows(response))


@pytest.fixture
def reader(make_user):
    return make_user("radiologist", username="dr-a")


@pytest.fixture
def colleague(make_user):
    return make_user("radiologist", username="dr-b")


@pytest.fixture
def states(reader, colleague):
    """One case in each review state."""
    detection = model_version("MS new lesions", kind="subtraction", target="")
    exam = case("NR-A-NOT-REVIEWED", 1, reader).exams.get()
    segmentation(exam, LESION, source="model", model_version=detection)
    exam = case("NR-B-IN-REVIEW", 1, reader).exams.get()
    grade(composite(exam, LESION), reader)
    composite(exam, LESION, family="unet")
    grade(composite(case("NR-C-GRADED", 1, reader).exams.get(), LESION), reader)
    reviewed(case("NR-D-DONE", 1, reader), reader)
    awaiting_second_opinion("NR-E-WAITING", colleague, reader)


def test_the_review_column_tells_each_cases_state(states, reader, client_for):
    api = client_for(reader)

    found = {p: row["review_state"] for p, row in rows(api.get(API)).items()}

    assert found == {
        "NR-A-NOT-REVIEWED": "not_reviewed",
        "NR-B-IN-REVIEW": "in_review",
        "NR-C-GRADED": "graded",
        "NR-D-DONE": "done",
        "NR-E-WAITING": "waiting_for_second_reader",
    }
    page = api.get("/worklist/?ordering=pseudonym").content.decode()
    shown = [page.index(f'data-review-state="{state}"') for state in found.values()]
    assert shown == sorted(shown)  # in the rows' order: each case shows its own state
    assert "Waiting for a second reader" in page


def test_the_worklist_filters_on_a_review_state(states, reader, client_for):
    assert pseudonyms(client_for(reader).get(API + "?review=graded")) == ["NR-C-GRADED"]


def test_an_unknown_review_state_is_refused_naming_the_field(reader, client_for):
    response = client_for(reader).get(API + "?review=finished")

    assert response.status_code == 400 and "review" in response.json()


def test_my_open_cases_are_those_i_took_part_in_and_that_are_not_done(
    reader, colleague, client_for
):
    exam = case("NR-MINE-STARTED", 1, reader, colleague).exams.get()
    grade(composite(exam, LESION), reader)
    composite(exam, LESION, family="unet")
    reviewed(case("NR-MINE-DONE", 1, reader, colleague), reader)
    grade(composite(case("NR-THEIRS", 1, reader, colleague).exams.get(), LESION), colleague)
    composite(case("NR-UNTOUCHED", 1, reader, colleague).exams.get(), LESION)

    assert pseudonyms(client_for(reader).get(API + "?mine=true")) == ["NR-MINE-STARTED"]
    assert pseudonyms(client_for(colleague).get(API + "?mine=true")) == ["NR-THEIRS"]
    page = client_for(reader).get("/worklist/?mine=true").content.decode()
    assert "NR-MINE-STARTED" in page and "NR-THEIRS" not in page and "NR-MINE-DONE" not in page


def test_a_case_waiting_for_my_second_opinion_is_one_of_my_open_cases(
    reader, colleague, client_for
):
    awaiting_second_opinion("NR-SECOND", colleague, reader)

    (row,) = rows(client_for(reader).get(API + "?mine=true")).values()

    assert (row["pseudonym"], row["open_for_user"]) == ("NR-SECOND", True)


@pytest.fixture
def risks(reader):
    """Risk scores (reviewer.alarms.risk): NR-GROWTH 301, NR-SPECKS 203 (three unreliable
    outputs), NR-CALM 0, NR-DISMISSED 0 (its growth alarm was judged false)."""
    growth = case("NR-GROWTH", 1, reader).exams.get()
    Alarm.objects.create(exam=growth, kind="growth", reason="WT +45 %")
    specks = case("NR-SPECKS", 1, reader).exams.get()
    for _ in range(3):
        Alarm.objects.create(exam=specks, kind="unreliable", reason="discord")
    case("NR-CALM", 1, reader)
    dismissed = case("NR-DISMISSED", 1, reader).exams.get()
    alarm = Alarm.objects.create(exam=dismissed, kind="growth", reason="WT +41 %")
    record_verdict(user=reader, alarm=alarm, true_alarm=False)


def test_a_radiologist_sees_the_highest_risk_first(risks, reader, client_for):
    api = client_for(reader)

    found = rows(api.get(API))

    assert [(p, row["risk_score"]) for p, row in found.items()] == [
        ("NR-GROWTH", 301),
        ("NR-SPECKS", 203),
        ("NR-CALM", 0),
        ("NR-DISMISSED", 0),
    ]
    page = api.get("/worklist/").content.decode()
    assert page.index("NR-GROWTH") < page.index("NR-SPECKS") < page.index("NR-CALM")


def test_a_qa_admin_browses_by_pseudonym_unless_sorting_by_risk(risks, make_user, client_for):
    api = client_for(make_user("qa_admin"))

    assert pseudonyms(api.get(API)) == ["NR-CALM", "NR-DISMISSED", "NR-GROWTH", "NR-SPECKS"]
    assert pseudonyms(api.get(API + "?ordering=-risk_score"))[:2] == ["NR-GROWTH", "NR-SPECKS"]
    page = api.get("/worklist/?ordering=risk_score").content.decode()
    assert page.index("NR-CALM") < page.index("NR-DISMISSED") < page.index("NR-SPECKS")
    assert page.index("NR-SPECKS") < page.index("NR-GROWTH")


def test_the_risk_header_sorts_the_highest_risk_first_on_a_first_click(make_user, client_for):
    page = client_for(make_user("qa_admin")).get("/worklist/").content.decode()

    assert 'href="?&amp;ordering=-risk_score">Risk</a>' in page


def test_a_radiologist_lists_only_the_cases_granted_to_them(reader, make_user, client_for):
    case("NR-GRANTED", 1, reader)
    case("NR-NOT-GRANTED", 1, make_user("radiologist"))

    assert pseudonyms(client_for(reader).get(API)) == ["NR-GRANTED"]


def test_a_researcher_may_not_read_the_worklist_api(make_user, client_for):
    assert client_for(make_user("researcher")).get(API).status_code == 403


def test_the_openapi_schema_describes_the_worklist_endpoint(reader, client_for):
    response = client_for(reader).get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )

    operation = response.json()["paths"][API]["get"]
    assert {"mine", "review", "ordering", "has_alarms", "page"} <= {
        p["name"] for p in operation["parameters"]
    }
    assert set(operation["responses"]) == {"200", "400", "403", "404"}  # 404: a page past the last


def test_the_filter_form_shows_the_filters_in_force(reader, client_for):
    page = client_for(reader).get("/worklist/?mine=true&complete=false&review=graded")

    content = page.content.decode()
    assert 'name="mine" value="true" checked' in content
    assert '<option value="false" selected>some missing</option>' in content
    assert '<option value="graded" selected>Graded</option>' in content
