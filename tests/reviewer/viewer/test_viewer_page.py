"""The viewer page and the links to it from the case page and the worklist."""

import re

import pytest

from reviewer.alarms.models import Alarm
from reviewer.cases.permissions import grant_patient
from tests.reviewer.factories import patient_with_exams

pytestmark = pytest.mark.django_db


@pytest.fixture
def qa_client(make_user, client_for):
    return client_for(make_user("qa_admin"))


@pytest.fixture
def case():
    return patient_with_exams(exams=3, pseudonym="NR-PAGE0001")


def test_the_page_points_the_viewer_script_at_the_manifest(qa_client, case):
    page = qa_client.get("/cases/NR-PAGE0001/viewer/").content.decode()

    assert '<div id="viewer" data-manifest-url="/api/cases/NR-PAGE0001/viewer/"' in page
    assert re.search(r'<script type="module" src="/static/frontend/viewer\.js">', page)


def test_the_exam_parameter_reaches_the_manifest_url(qa_client, case):
    exam = case.exams.get(order=1)

    page = qa_client.get(f"/cases/NR-PAGE0001/viewer/?exam={exam.pk}").content.decode()

    assert f'data-manifest-url="/api/cases/NR-PAGE0001/viewer/?exam={exam.pk}"' in page


def test_the_segmentation_parameter_names_the_segmentation_to_review_first(qa_client, case):
    page = qa_client.get("/cases/NR-PAGE0001/viewer/?segmentation=42").content.decode()

    assert 'data-segmentation="42"' in page


@pytest.mark.parametrize("segmentation", ["nodes", "²", "٣", "9" * 40])
def test_a_segmentation_parameter_that_is_no_id_is_404(qa_client, case, segmentation):
    assert (
        qa_client.get(f"/cases/NR-PAGE0001/viewer/?segmentation={segmentation}").status_code == 404
    )


# "²" and "٣" are digits to str.isdigit() and no integers to int() (the probe's 500)
@pytest.mark.parametrize("exam", ["latest", "999999", "²", "٣", "9" * 40])
def test_an_exam_that_is_not_the_patients_is_404(qa_client, case, exam):
    assert qa_client.get(f"/cases/NR-PAGE0001/viewer/?exam={exam}").status_code == 404


def test_the_page_is_404_for_a_patient_the_radiologist_may_not_see(make_user, client_for, case):
    radiologist = make_user("radiologist")
    client = client_for(radiologist)
    assert client.get("/cases/NR-PAGE0001/viewer/").status_code == 404

    grant_patient(case, radiologist)
    assert client.get("/cases/NR-PAGE0001/viewer/").status_code == 200


def test_researchers_get_403_and_anonymous_users_the_login_page(make_user, client, case):
    response = client.get("/cases/NR-PAGE0001/viewer/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")

    client.force_login(make_user("researcher"))
    assert client.get("/cases/NR-PAGE0001/viewer/").status_code == 403


def test_the_case_page_opens_the_viewer_on_each_exam(qa_client, case):
    page = qa_client.get("/cases/NR-PAGE0001/").content.decode()

    for exam in case.exams.all():
        assert f'href="/cases/NR-PAGE0001/viewer/?exam={exam.pk}"' in page
    assert page.count("data-viewer-link") == 1 + case.exams.count()


def test_each_worklist_row_links_to_its_viewer(qa_client, case):
    page = qa_client.get("/worklist/").content.decode()

    assert 'href="/cases/NR-PAGE0001/viewer/"' in page


def test_the_worklist_sorts_by_risk_score(qa_client):
    flagged = patient_with_exams(exams=1, pseudonym="NR-RISKY")
    patient_with_exams(exams=1, pseudonym="NR-CALM")
    Alarm.objects.create(exam=flagged.exams.get(), kind="unreliable", reason="discord")

    page = qa_client.get("/worklist/?ordering=-risk_score").content.decode()

    assert ">Risk</a>" in page and page.index("NR-RISKY") < page.index("NR-CALM")


def test_the_viewer_script_is_sent_gzip_compressed_to_browsers_that_accept_it(client):
    response = client.get("/static/frontend/viewer.js", HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert response["Vary"] == "Accept-Encoding"
