"""The survey API: who may design, answer and read (reviewer.studies.api says the rule), object
permissions (a patient or exam one may not see is 404), and responses append-only through the
API (no PUT, PATCH or DELETE; a correction supersedes; a stale one is 409)."""

import pytest
from django.test import Client

from reviewer.cases.permissions import grant_patient
from reviewer.studies.models import Survey, SurveyResponse, SurveyVersion
from tests.reviewer.factories import ExamFactory, PatientFactory
from tests.reviewer.studies.test_surveys import COMPLETE, EVERY_TYPE

EASE_NO = {"successful": "no", "failure_reason": "software_error"}


@pytest.fixture
def users(make_user):
    return {role: make_user(role) for role in ("radiologist", "qa_admin", "researcher", "admin")}


@pytest.fixture
def patient(users):
    patient = PatientFactory()
    for role in ("radiologist", "researcher"):
        grant_patient(patient, users[role])
    return patient


@pytest.fixture
def ease(db):
    return Survey.objects.get(name="EASE clinical evaluation").versions.current()


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, url, data, **headers):
    return client.post(url, data, content_type="application/json", headers=headers)


def answer(user, version, subject: dict, answers, **fields):
    body = {"version": version.pk, "answers": answers, **subject, **fields}
    return post(client_of(user), "/api/survey-responses/", body)


# --- designing ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["researcher", "admin"])
def test_a_designer_makes_a_survey_and_publishes_a_version(users, role):
    client = client_of(users[role])

    made = post(client, "/api/surveys/", {"name": "Follow-up", "description": "d"})
    version = post(
        client, f"/api/surveys/{made.json()['id']}/versions/", {"definition": EVERY_TYPE}
    )
    published = post(client, f"/api/survey-versions/{version.json()['id']}/publish/", {})

    assert made.status_code == 201 and made.json()["created_by"] == users[role].username
    assert version.status_code == 201 and version.json()["published_at"] is None
    assert published.status_code == 200 and published.json()["published_at"] is not None


@pytest.mark.parametrize("role", ["radiologist", "qa_admin"])
def test_a_clinical_reader_may_not_design_surveys(users, ease, role):
    client = client_of(users[role])

    assert post(client, "/api/surveys/", {"name": "Mine"}).status_code == 403
    assert (
        post(
            client, f"/api/surveys/{ease.survey_id}/versions/", {"definition": EVERY_TYPE}
        ).status_code
        == 403
    )


def test_a_clinical_reader_may_not_publish_a_draft(users, ease):
    draft = post(
        client_of(users["researcher"]),
        f"/api/surveys/{ease.survey_id}/versions/",
        {"definition": EVERY_TYPE},
    ).json()

    assert (
        post(
            client_of(users["radiologist"]), f"/api/survey-versions/{draft['id']}/publish/", {}
        ).status_code
        == 403
    )
    assert SurveyVersion.objects.get(pk=draft["id"]).published_at is None


def test_an_invalid_definition_is_400_naming_question_and_field(users, ease):
    broken = {
        "questions": [
            {
                "id": "a",
                "type": "text",
                "text": "A",
                "show_when": {"question": "b", "answered": True},
            }
        ]
    }

    answered = post(
        client_of(users["researcher"]),
        f"/api/surveys/{ease.survey_id}/versions/",
        {"definition": broken},
    )

    assert answered.status_code == 400
    assert answered.json() == {
        "definition": ["question 'a', show_when: 'b' is not an earlier question"]
    }
    assert ease.survey.versions.count() == 1


def test_publishing_a_published_version_is_400(users, ease):
    assert (
        post(
            client_of(users["researcher"]), f"/api/survey-versions/{ease.pk}/publish/", {}
        ).status_code
        == 400
    )


def test_a_draft_is_404_to_a_reader_and_left_out_of_the_versions(users, ease):
    draft = post(
        client_of(users["researcher"]),
        f"/api/surveys/{ease.survey_id}/versions/",
        {"definition": EVERY_TYPE},
    ).json()
    reader = client_of(users["radiologist"])

    assert reader.get(f"/api/survey-versions/{draft['id']}/").status_code == 404
    assert [v["number"] for v in reader.get(f"/api/surveys/{ease.survey_id}/versions/").json()] == [
        1
    ]
    assert (
        client_of(users["researcher"]).get(f"/api/survey-versions/{draft['id']}/").status_code
        == 200
    )


def test_every_role_reads_a_published_definition(users, ease):
    for user in users.values():
        read = client_of(user).get(f"/api/survey-versions/{ease.pk}/")
        assert read.status_code == 200
        assert read.json()["definition"] == ease.definition


def test_a_published_version_cannot_be_changed_through_the_api(users, ease):
    client = client_of(users["researcher"])
    url = f"/api/survey-versions/{ease.pk}/"

    assert client.patch(url, {"note": "x"}, content_type="application/json").status_code == 405
    assert client.delete(url).status_code == 405


# --- answering ----------------------------------------------------------------------------


def test_a_radiologist_answers_about_a_patient_they_may_see(users, patient, ease):
    answered = answer(users["radiologist"], ease, {"patient": patient.pseudonym}, EASE_NO)

    assert answered.status_code == 201
    assert answered.json()["patient"] == patient.pseudonym
    assert answered.json()["version"] == ease.pk
    assert answered.json()["answers"] == EASE_NO


def test_a_radiologist_answers_about_an_exam_they_may_see(users, patient, ease):
    exam = ExamFactory(patient=patient)

    answered = answer(users["radiologist"], ease, {"exam": exam.pk}, EASE_NO)

    assert answered.status_code == 201 and answered.json()["exam"] == exam.pk


def test_a_patient_one_may_not_see_is_404_and_nothing_is_stored(users, ease):
    hidden = PatientFactory()

    assert (
        answer(users["radiologist"], ease, {"patient": hidden.pseudonym}, EASE_NO).status_code
        == 404
    )
    assert (
        answer(
            users["radiologist"], ease, {"exam": ExamFactory(patient=hidden).pk}, EASE_NO
        ).status_code
        == 404
    )
    assert not SurveyResponse.objects.exists()


def test_a_researcher_may_not_answer(users, patient, ease):
    assert (
        answer(users["researcher"], ease, {"patient": patient.pseudonym}, EASE_NO).status_code
        == 403
    )


def test_a_qa_admin_answers_about_any_patient(users, ease):
    assert (
        answer(
            users["qa_admin"], ease, {"patient": PatientFactory().pseudonym}, EASE_NO
        ).status_code
        == 201
    )


def test_a_response_needs_exactly_one_subject(users, patient, ease):
    both = {"patient": patient.pseudonym, "exam": ExamFactory(patient=patient).pk}

    assert answer(users["radiologist"], ease, both, EASE_NO).status_code == 400
    assert answer(users["radiologist"], ease, {}, EASE_NO).status_code == 400


def test_invalid_answers_are_400_by_question_and_nothing_is_stored(users, patient, ease):
    answers = {"successful": "no", "diagnosis_2d": "stable"}

    answered = answer(users["radiologist"], ease, {"patient": patient.pseudonym}, answers)

    assert answered.status_code == 400
    assert answered.json() == {
        "answers": {
            "failure_reason": ["required"],
            "diagnosis_2d": ["hidden (shown only when successful equals 'yes'): leave it out"],
        }
    }
    assert not SurveyResponse.objects.exists()


def test_a_draft_cannot_be_answered(users, patient, ease):
    draft = post(
        client_of(users["researcher"]),
        f"/api/surveys/{ease.survey_id}/versions/",
        {"definition": EVERY_TYPE},
    ).json()

    answered = post(
        client_of(users["radiologist"]),
        "/api/survey-responses/",
        {"version": draft["id"], "patient": patient.pseudonym, "answers": COMPLETE},
    )

    assert answered.status_code == 400 and "version" in answered.json()


# --- reading responses --------------------------------------------------------------------


@pytest.fixture
def two_responses(users, patient, ease, make_user):
    """One response by the radiologist and one by a colleague, about the same patient."""
    colleague = make_user("radiologist")
    grant_patient(patient, colleague)
    mine = answer(users["radiologist"], ease, {"patient": patient.pseudonym}, EASE_NO).json()
    theirs = answer(colleague, ease, {"patient": patient.pseudonym}, EASE_NO).json()
    return mine, theirs


def test_a_respondent_lists_only_their_own_responses(users, two_responses):
    mine, theirs = two_responses

    listed = client_of(users["radiologist"]).get("/api/survey-responses/").json()["results"]

    assert [row["id"] for row in listed] == [mine["id"]]


def test_another_respondents_response_is_404_to_a_respondent(users, two_responses):
    _, theirs = two_responses

    assert (
        client_of(users["radiologist"]).get(f"/api/survey-responses/{theirs['id']}/").status_code
        == 404
    )


def test_a_qa_admin_does_not_read_others_responses(users, two_responses):
    assert client_of(users["qa_admin"]).get("/api/survey-responses/").json()["results"] == []


@pytest.mark.parametrize("role", ["researcher", "admin"])
def test_an_analyst_reads_every_respondents_responses(users, two_responses, role):
    listed = client_of(users[role]).get("/api/survey-responses/").json()["results"]

    assert sorted(row["id"] for row in listed) == sorted(row["id"] for row in two_responses)


def test_a_researcher_reads_no_responses_about_patients_they_may_not_see(users, ease):
    answer(users["qa_admin"], ease, {"patient": PatientFactory().pseudonym}, EASE_NO)

    assert client_of(users["researcher"]).get("/api/survey-responses/").json()["results"] == []


def test_responses_filter_by_patient(users, patient, ease):
    answer(users["qa_admin"], ease, {"patient": patient.pseudonym}, EASE_NO)
    answer(users["qa_admin"], ease, {"patient": PatientFactory().pseudonym}, EASE_NO)

    listed = (
        client_of(users["admin"]).get(f"/api/survey-responses/?patient={patient.pseudonym}").json()
    )

    assert [row["patient"] for row in listed["results"]] == [patient.pseudonym]


# --- append-only through the API ----------------------------------------------------------


def test_a_response_cannot_be_changed_or_deleted_through_the_api(users, two_responses):
    mine, _ = two_responses
    client = client_of(users["radiologist"])
    url = f"/api/survey-responses/{mine['id']}/"

    assert client.put(url, {"answers": {}}, content_type="application/json").status_code == 405
    assert client.patch(url, {"answers": {}}, content_type="application/json").status_code == 405
    assert client.delete(url).status_code == 405
    assert SurveyResponse.objects.get(pk=mine["id"]).answers == EASE_NO


def test_a_correction_supersedes_the_latest_response(users, patient, ease, two_responses):
    mine, _ = two_responses
    corrected = {"successful": "yes", "diagnosis_2d": "stable", "diagnosis_volume": "stable"}

    answered = answer(
        users["radiologist"], ease, {"patient": patient.pseudonym}, corrected, supersedes=mine["id"]
    )
    first = client_of(users["radiologist"]).get(f"/api/survey-responses/{mine['id']}/").json()

    assert answered.status_code == 201 and answered.json()["supersedes"] == mine["id"]
    assert first["superseded"] is True


def test_a_second_first_response_is_409(users, patient, ease, two_responses):
    assert (
        answer(users["radiologist"], ease, {"patient": patient.pseudonym}, EASE_NO).status_code
        == 409
    )


def test_correcting_a_corrected_response_is_409(users, patient, ease, two_responses):
    mine, _ = two_responses
    answer(
        users["radiologist"], ease, {"patient": patient.pseudonym}, EASE_NO, supersedes=mine["id"]
    )

    again = answer(
        users["radiologist"], ease, {"patient": patient.pseudonym}, EASE_NO, supersedes=mine["id"]
    )

    assert again.status_code == 409


def test_correcting_another_respondents_response_is_400(users, patient, ease, two_responses):
    _, theirs = two_responses

    answered = answer(
        users["radiologist"], ease, {"patient": patient.pseudonym}, EASE_NO, supersedes=theirs["id"]
    )

    assert answered.status_code == 400 and "supersedes" in answered.json()


def test_a_repeated_submission_with_one_idempotency_key_is_stored_once(users, patient, ease):
    client = client_of(users["radiologist"])
    body = {"version": ease.pk, "patient": patient.pseudonym, "answers": EASE_NO}

    first = post(client, "/api/survey-responses/", body, **{"Idempotency-Key": "k-1"})
    again = post(client, "/api/survey-responses/", body, **{"Idempotency-Key": "k-1"})

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert SurveyResponse.objects.count() == 1
