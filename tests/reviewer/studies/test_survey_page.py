"""The survey page: the current version as a form about a patient or an exam the reader may
see; the server validates the posted answers, branching included, and shows each problem
beside its question; sending it again corrects the reader's response."""

import pytest

from reviewer.cases.permissions import grant_patient
from reviewer.studies.models import Survey, SurveyResponse
from tests.reviewer.factories import ExamFactory, PatientFactory


@pytest.fixture
def reader(make_user):
    return make_user("radiologist")


@pytest.fixture
def patient(reader):
    patient = PatientFactory(pseudonym="NR-SURVEY")
    grant_patient(patient, reader)
    return patient


@pytest.fixture
def ease(db):
    return Survey.objects.get(name="EASE clinical evaluation")


def url(survey, patient) -> str:
    return f"/surveys/{survey.pk}/patients/{patient.pseudonym}/"


def test_the_page_renders_every_question_with_its_condition(client_for, reader, patient, ease):
    page = client_for(reader).get(url(ease, patient))

    html = page.content.decode()
    assert page.status_code == 200
    for question in (
        "successful",
        "failure_reason",
        "failure_other",
        "diagnosis_2d",
        "diagnosis_volume",
    ):
        assert f'data-question="{question}"' in html
    assert "data-show-when=" in html
    assert "Only when successful equals &#x27;no&#x27;" in html


def test_a_patient_the_reader_may_not_see_is_404(client_for, reader, ease):
    assert client_for(reader).get(url(ease, PatientFactory())).status_code == 404


def test_a_researcher_gets_403(client_for, make_user, patient, ease):
    assert client_for(make_user("researcher")).get(url(ease, patient)).status_code == 403


def test_posted_answers_are_recorded_against_the_version_shown(client_for, reader, patient, ease):
    version = ease.versions.current()
    form = {
        "version": version.pk,
        "q_successful": "yes",
        "q_diagnosis_2d": "stable",
        "q_diagnosis_volume": "progression",
    }

    posted = client_for(reader).post(url(ease, patient), form)

    assert posted.status_code == 302
    response = SurveyResponse.objects.get()
    assert response.version == version and response.patient == patient
    assert response.answers == {
        "successful": "yes",
        "diagnosis_2d": "stable",
        "diagnosis_volume": "progression",
    }


def test_refused_answers_are_shown_beside_their_question_and_nothing_is_stored(
    client_for, reader, patient, ease
):
    form = {"version": ease.versions.current().pk, "q_successful": "no", "q_diagnosis_2d": "stable"}

    posted = client_for(reader).post(url(ease, patient), form)

    html = posted.content.decode()
    assert posted.status_code == 400
    assert '<ul class="errorlist" id="errors-failure_reason"><li>required</li></ul>' in html
    assert (
        'id="errors-diagnosis_2d"><li>hidden (shown only when successful equals &#x27;yes&#x27;)'
        in html
    )
    assert not SurveyResponse.objects.exists()


def test_sending_the_form_again_corrects_the_response(client_for, reader, patient, ease):
    client = client_for(reader)
    version = ease.versions.current().pk
    client.post(
        url(ease, patient),
        {"version": version, "q_successful": "no", "q_failure_reason": "software_error"},
    )
    first = SurveyResponse.objects.get()

    page = client.get(url(ease, patient))
    client.post(
        url(ease, patient),
        {
            "version": version,
            "supersedes": first.pk,
            "q_successful": "no",
            "q_failure_reason": "other",
            "q_failure_other": "motion",
        },
    )

    assert f'data-previous-response="{first.pk}"' in page.content.decode()
    assert SurveyResponse.objects.get(supersedes=first).answers["failure_other"] == "motion"


def test_an_exam_is_a_subject_too(client_for, reader, patient, ease):
    exam = ExamFactory(patient=patient)

    posted = client_for(reader).post(
        f"/surveys/{ease.pk}/exams/{exam.pk}/",
        {
            "version": ease.versions.current().pk,
            "q_successful": "no",
            "q_failure_reason": "software_error",
        },
    )

    assert posted.status_code == 302
    assert SurveyResponse.objects.get().exam == exam


def test_a_lesion_marks_question_about_an_exam_is_answered_in_its_viewer(
    client_for, reader, patient, make_user
):
    from reviewer.studies import surveys

    author = make_user("researcher")
    survey = surveys.create_survey(name="Marks", user=author)
    definition = {"questions": [{"id": "new", "type": "lesion_marks", "text": "New lesions"}]}
    surveys.add_version(survey=survey, definition=definition, user=author, publish=True)
    exam = ExamFactory(patient=patient)

    page = client_for(reader).get(f"/surveys/{survey.pk}/exams/{exam.pk}/").content.decode()

    assert f'data-manifest-url="/api/cases/{patient.pseudonym}/viewer/?exam={exam.pk}"' in page
    assert 'data-marks-input="#survey-marks"' in page
    assert 'data-study-reading="true"' in page  # answering writes no clinical record
    assert '<textarea id="survey-marks" name="q_new"' in page


def test_a_survey_without_marks_shows_no_viewer(client_for, reader, patient, ease):
    page = client_for(reader).get(url(ease, patient)).content.decode()

    assert 'id="viewer"' not in page
