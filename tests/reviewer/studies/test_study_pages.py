"""The researcher's reader-study pages: design a study, change the draft, start it (which
gives the readers the case patients), end it, revise it; each page only for its designer and
the data steward."""

import pytest

from reviewer.cases.models import Patient
from reviewer.cases.permissions import grant_patient
from reviewer.studies.models import Reading, Study, StudyVersion
from tests.reviewer.studies.conftest import SEED


@pytest.fixture
def researcher_client(client_for, researcher, exams, practice_exam):
    for exam in [*exams, practice_exam]:
        grant_patient(exam.patient, researcher)
    return client_for(researcher)


def design_form(exams, practice_exam, readers, survey_version, **changes):
    return {
        "name": "Crossover pilot",
        "description": "Two readers",
        "cases": [exam.pk for exam in exams],
        "practice_cases": [practice_exam.pk],
        "readers": [reader.pk for reader in readers],
        "crossover": "on",
        "washout_days": "14",
        "seed": str(SEED),
        "survey_version": survey_version.pk,
        "instructions": "Read as in routine.",
        **changes,
    }


def test_a_researcher_creates_a_draft_study_from_the_form(
    researcher_client, exams, practice_exam, readers, category_survey
):
    form = design_form(exams, practice_exam, readers, category_survey)

    response = researcher_client.post("/studies/new/", form)

    version = StudyVersion.objects.get(study__name="Crossover pilot")
    assert response.status_code == 302
    assert response.url == f"/studies/{version.study_id}/"
    assert version.locked_at is None
    assert version.cases.filter(practice=False).count() == len(exams)
    assert version.readers.count() == len(readers)
    assert version.seed == SEED


def test_the_design_form_offers_only_exams_the_researcher_may_see(
    client_for, researcher, exams, practice_exam, readers, category_survey
):
    grant_patient(exams[0].patient, researcher)
    form = design_form(exams, practice_exam, readers, category_survey)

    response = client_for(researcher).post("/studies/new/", form)

    assert response.status_code == 200
    assert "is not one of the available choices" in response.content.decode()
    assert not Study.objects.filter(name="Crossover pilot").exists()


def test_a_study_named_like_another_is_refused_on_its_name(
    researcher_client, draft, exams, practice_exam, readers, category_survey
):
    form = design_form(exams, practice_exam, readers, category_survey, name=draft.study.name)

    response = researcher_client.post("/studies/new/", form)

    assert response.status_code == 200
    assert "another study has this name" in response.content.decode()


def test_a_radiologist_may_not_design_a_study(client_for, make_user):
    response = client_for(make_user("radiologist")).get("/studies/new/")

    assert response.status_code == 403


def test_another_researcher_does_not_see_the_study(client_for, make_user, draft):
    response = client_for(make_user("researcher")).get(f"/studies/{draft.study_id}/")

    assert response.status_code == 404


def test_the_data_steward_sees_every_study(client_for, make_user, draft):
    response = client_for(make_user("admin")).get(f"/studies/{draft.study_id}/")

    assert response.status_code == 200
    assert draft.study.name in response.content.decode()


def test_changing_the_draft_changes_it_in_place(
    researcher_client, draft, exams, practice_exam, readers, category_survey
):
    form = design_form(exams, practice_exam, readers[:2], category_survey, washout_days="21")

    response = researcher_client.post(f"/studies/{draft.study_id}/versions/1/change/", form)

    draft.refresh_from_db()
    assert response.status_code == 302
    assert draft.washout.days == 21
    assert draft.readers.count() == 2
    assert draft.study.versions.count() == 1


def test_a_started_version_cannot_be_changed_in_place(researcher_client, started):
    response = researcher_client.get(f"/studies/{started.study_id}/versions/1/change/")

    assert response.status_code == 404


def test_starting_draws_the_readings_and_gives_the_readers_the_case_patients(
    researcher_client, draft, readers, exams
):
    response = researcher_client.post(f"/studies/{draft.study_id}/versions/1/start/")

    draft.refresh_from_db()
    assert response.status_code == 302
    assert draft.is_running
    assert Reading.objects.filter(version=draft, reader=readers[0]).count() == 2 * len(exams) + 2
    assert set(Patient.objects.visible_to(readers[0])) >= {exam.patient for exam in exams}


def test_starting_twice_says_the_version_is_started(researcher_client, started):
    response = researcher_client.post(f"/studies/{started.study_id}/versions/1/start/", follow=True)

    assert "was started on" in response.content.decode()


def test_ending_a_running_version_ends_it(researcher_client, started):
    researcher_client.post(f"/studies/{started.study_id}/versions/1/end/")

    started.refresh_from_db()
    assert started.ended_at is not None


def test_revising_makes_a_new_draft_with_the_note(researcher_client, started):
    response = researcher_client.post(
        f"/studies/{started.study_id}/versions/1/revise/", {"note": "a fifth case"}
    )

    revised = started.study.versions.get(number=2)
    assert response.url == f"/studies/{started.study_id}/versions/2/change/"
    assert revised.locked_at is None
    assert revised.note == "a fifth case"


def test_a_radiologist_cannot_start_a_study(client_for, readers, draft):
    response = client_for(readers[0]).post(f"/studies/{draft.study_id}/versions/1/start/")

    draft.refresh_from_db()
    assert response.status_code == 403
    assert draft.locked_at is None


def test_the_study_page_shows_each_readers_progress(researcher_client, started, readers):
    from tests.reviewer.studies.conftest import START, read_through_phase

    read_through_phase(readers[0], started, 0, START)

    page = researcher_client.get(f"/studies/{started.study_id}/").content.decode()

    row = page.split(f'data-reader="{readers[0].username}"')[1].split("</tr>")[0]
    assert "<td>2 / 2</td>" in row
    assert "<td>0 / 4</td>" in row


def test_the_study_list_offers_a_reader_their_study(client_for, readers, started):
    page = client_for(readers[0]).get("/studies/").content.decode()

    assert f'href="/studies/{started.study_id}/read/"' in page


def test_the_study_list_offers_a_reader_no_study_they_do_not_read_in(
    client_for, make_user, started
):
    page = client_for(make_user("radiologist")).get("/studies/").content.decode()

    assert "/read/" not in page
