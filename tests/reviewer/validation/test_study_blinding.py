"""A QA admin who reads in a running reader study sees no AI output of the exams they still read
unaided (nor of their patients' other exams) on a validation run's page or in its API: such a
case is named, its maps, volumes, grades and the gate's reasons about it are not. Another QA
admin sees every case. Both cases of the run are exams of one patient, the first a study case."""

import pytest

from reviewer.cases.blinding import ai_visible
from reviewer.studies import design, surveys
from reviewer.studies.models import Arm, StudyReader
from tests.reviewer.factories import ExamFactory
from tests.reviewer.studies.conftest import CATEGORY, START, read_through_phase
from tests.reviewer.validation.conftest import MUCH_LARGER

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(baseline, make_candidate, validate):
    """A run whose two cases both changed, so the gate names both in its reasons."""
    return validate(make_candidate("2.0", MUCH_LARGER))


@pytest.fixture
def reader(run, qa_admin, make_user):
    """The run's QA admin, reading the first case's exam unaided next in a running study."""
    exam = run.cases.order_by("case__exam__order").first().case.exam
    researcher = make_user("researcher")
    survey = surveys.create_survey(name="Activity", user=researcher)
    questions = surveys.add_version(
        survey=survey, definition=CATEGORY, user=researcher, publish=True
    )
    readers = (qa_admin, *(make_user("radiologist") for _ in range(3)))
    cases = (exam, *(ExamFactory() for _ in range(3)))
    draft = design.create_study(
        name="Validation overlap",
        user=researcher,
        design=design.Design(cases=cases, readers=readers, survey_version=questions),
    )
    version = design.start(draft, now=START)
    if StudyReader.objects.get(version=version, reader=qa_admin).first_arm == Arm.AI_AIDED:
        read_through_phase(qa_admin, version, 1, START)
    assert not ai_visible(qa_admin, exam)
    return qa_admin


def test_the_runs_page_names_the_hidden_cases_and_shows_nothing_of_their_maps(
    client_for, reader, run
):
    page = client_for(reader).get(f"/validation/{run.pk}/").content.decode()

    for case in run.cases.all():
        key = case.case.key
        assert f'data-hidden-case="{key}"' in page
        assert f'data-case="{key}"' not in page
        assert f"segmentation={case.candidate_id}" not in page
        assert f"{key}: " not in page  # no reason about it


def test_another_qa_admin_sees_every_case_of_the_run(client_for, reader, run, make_user):
    page = client_for(make_user("qa_admin")).get(f"/validation/{run.pk}/").content.decode()

    assert "data-hidden-case" not in page
    for case in run.cases.all():
        assert f'data-case="{case.case.key}"' in page


def test_the_api_leaves_the_hidden_cases_out_and_names_them(client_for, reader, run):
    gate = client_for(reader).get(f"/api/validation-runs/{run.pk}/").json()["gate"]

    assert gate["hidden_cases"] == sorted(case.case.key for case in run.cases.all())
    assert gate["cases"] == []
    assert gate["reasons"] == []  # each was about one of them


def test_the_evaluation_is_withheld_from_the_reader_and_shown_to_another_qa_admin(
    client_for, reader, run, make_user
):
    mine = client_for(reader).get(f"/validation/{run.pk}/").content.decode()
    theirs = client_for(make_user("qa_admin")).get(f"/validation/{run.pk}/").content.decode()

    assert "data-evaluation-withheld" in mine
    assert "data-evaluation=" not in mine
    assert "data-evaluation=" in theirs


@pytest.mark.parametrize(
    "path", ["/api/validation-runs/{pk}/evaluation/", "/validation/{pk}/evaluation.csv"]
)
def test_the_evaluation_downloads_are_404_to_the_reader_only(
    client_for, reader, run, make_user, path
):
    url = path.format(pk=run.pk)
    assert client_for(reader).get(url).status_code == 404
    assert client_for(make_user("qa_admin")).get(url).status_code == 200
