"""Blinding on every surface (S-07, issue 17): a reader who still has to read a case unaided in a
running reader study cannot fetch its AI output (segmentations and their voxels, lesions,
flows, alarms, risk, inference jobs) through any page, API endpoint, WebSocket or export; to
them it is as if there were none (lists leave it out, a detail is 404, a socket sends nothing of
it). What is no AI output (the series, the reference label map) stays. The controls: another
radiologist granted the patient sees it all along, and the reader sees it once the study ended.

Exam E of patient NR-BLIND is the study's first case: real stored series, a reference map, a
NODE model's map of the same lesion, an alarm on that map and an inference job."""

import datetime

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.urls import reverse

from imaging.sequences import CHANNEL_ORDER
from neuroreview.asgi import application
from reviewer.cases.blinding import ai_visible
from reviewer.cases.permissions import grant_patient
from reviewer.core.consumers import FORBIDDEN
from reviewer.studies import design
from reviewer.studies.models import Arm, StudyReader
from segmentation.models import InferenceJob, ModelVersion, Segmentation
from tests.reviewer.alarms.builders import raise_unreliable
from tests.reviewer.factories import ExamFactory, PatientFactory
from tests.reviewer.imports.test_import_progress import as_user
from tests.reviewer.studies.conftest import START, read_through_phase
from tests.reviewer.viewer.viewer_builders import lesion_map, stored_exam, stored_segmentation
from tests.reviewer.worklist.builders import grade

pytestmark = pytest.mark.django_db

PSEUDONYM = "NR-BLIND"
LESION = (slice(3, 6), slice(3, 6), slice(2, 4))
REASON = "WT by NODE: Dice 0.41 below 0.62"
ORIGIN = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]


@pytest.fixture
def exam(db):
    return stored_exam(PatientFactory(pseudonym=PSEUDONYM), 0)


@pytest.fixture
def exams(exam):
    """The study's cases (overriding the conftest's): E first."""
    return [exam, *(ExamFactory() for _ in range(3))]


@pytest.fixture
def readers(make_user):
    """The study's readers (overriding the conftest's): a QA admin reads too."""
    return [make_user("qa_admin"), *(make_user("radiologist") for _ in range(3))]


@pytest.fixture
def reference(exam):
    return stored_segmentation(exam, lesion_map(LESION))


@pytest.fixture
def ai(exam, reference, make_user):
    """The NODE's map of E, with its lesion, an alarm on it and an inference job."""
    version = ModelVersion.objects.create(
        name="NODE WT", version="1", kind=ModelVersion.Kind.NODE, target="WT",
        sequences=[s.value for s in CHANNEL_ORDER], sha256="0" * 64,
    )  # fmt: skip
    segmentation = stored_segmentation(  # a full map: the result readers review
        exam, lesion_map(LESION), source=Segmentation.Source.MODEL, model_version=version
    )
    alarm = raise_unreliable(exam, REASON, segmentation_id=segmentation.pk)
    job = InferenceJob.objects.create(
        patient=exam.patient, exam=exam, created_by=make_user("qa_admin")
    )
    return {"segmentation": segmentation, "lesion": segmentation.lesions.get(), "alarm": alarm,
            "job": job}  # fmt: skip


def blinded(user, version, exam):
    """The reader, with the unaided reading of E still to come: at once if they start unaided,
    else after reading their aided phase 1."""
    if StudyReader.objects.get(version=version, reader=user).first_arm == Arm.AI_AIDED:
        read_through_phase(user, version, 1, START)
    grant_patient(exam.patient, user)
    assert not ai_visible(user, exam)
    return user


@pytest.fixture
def reader(started, readers, exam, ai):
    """A radiologist who reads E unaided in the running study."""
    return blinded(readers[1], started, exam)


@pytest.fixture
def blinded_qa_admin(started, readers, exam, ai):
    return blinded(readers[0], started, exam)


@pytest.fixture
def outsider(make_user, exam, ai):
    """A radiologist granted the patient, who reads in no study."""
    user = make_user("radiologist")
    grant_patient(exam.patient, user)
    return user


@pytest.fixture(params=["another radiologist", "the reader after the study ended"])
def seer(request, outsider, started):
    """Who sees E's AI output: the controls of every denial."""
    if request.param == "another radiologist":
        return outsider
    reader = request.getfixturevalue("reader")
    design.end(started, now=START + datetime.timedelta(days=1))
    return reader


def api_for(client, user):
    client.force_login(user)
    return client


# GET endpoints of one piece of E's AI output, each named for what it answers
AI_ENDPOINTS = {
    "segmentation": lambda ai: f"/api/segmentations/{ai['segmentation'].pk}/",
    "its lesions": lambda ai: f"/api/segmentations/{ai['segmentation'].pk}/lesions/",
    "its voxels": lambda ai: (
        f"/api/segmentations/{ai['segmentation'].pk}/voxels/{ai['segmentation'].sha256}"
    ),
    "its grading panel": lambda ai: f"/api/segmentations/{ai['segmentation'].pk}/grading/",
    "its assessments": lambda ai: f"/api/segmentations/{ai['segmentation'].pk}/assessments/",
    "its lesion verdicts": lambda ai: f"/api/segmentations/{ai['segmentation'].pk}/verdicts/",
    "what was sent to the PACS": lambda ai: (
        f"/api/segmentations/{ai['segmentation'].pk}/sent-results/"
    ),
    "the alarm": lambda ai: f"/api/alarms/{ai['alarm'].pk}/",
    "the alarm's verdicts": lambda ai: f"/api/alarms/{ai['alarm'].pk}/verdicts/",
    "the exam's volume diagnosis": lambda ai: (
        f"/api/exams/{ai['segmentation'].exam_id}/volume-diagnosis/"
    ),
    "the inference job": lambda ai: f"/api/inference-jobs/{ai['job'].pk}/",
    "the inference job's page": lambda ai: f"/inference/{ai['job'].pk}/",
}


@pytest.mark.parametrize("endpoint", AI_ENDPOINTS)
def test_an_unaided_reader_gets_404_for_the_ai_output_of_a_case_they_still_read_unaided(
    client, reader, ai, endpoint
):
    response = api_for(client, reader).get(AI_ENDPOINTS[endpoint](ai))

    assert response.status_code == 404


@pytest.mark.parametrize("endpoint", AI_ENDPOINTS)
def test_the_same_ai_output_answers_those_who_may_see_it(client, seer, ai, endpoint):
    response = api_for(client, seer).get(AI_ENDPOINTS[endpoint](ai))

    assert response.status_code == 200


def test_the_segmentation_list_leaves_out_the_ai_maps_and_the_reference(
    client, reader, outsider, ai, reference
):
    def listed(user):
        answer = api_for(client, user).get("/api/segmentations/", {"exam": reference.exam_id})
        return {row["id"] for row in answer.json()["results"]}

    assert listed(reader) == set()
    assert listed(outsider) == {reference.pk, ai["segmentation"].pk}


def test_the_alarm_list_and_the_case_alarm_state_leave_out_the_alarm(client, reader, outsider, ai):
    def seen(user):
        api = api_for(client, user)
        listed = [a["id"] for a in api.get("/api/alarms/").json()["results"]]
        state = api.get(f"/api/cases/{PSEUDONYM}/alarms/").json()
        return listed, [a["id"] for a in state["alarms"]], state["patient_risk_score"]

    assert seen(reader) == ([], [], 0)
    assert seen(outsider) == ([ai["alarm"].pk], [ai["alarm"].pk], 201)


def test_the_inference_job_list_leaves_out_the_job_and_none_can_be_started(
    client, reader, outsider, ai
):
    api = api_for(client, reader)
    listed = [job["id"] for job in api.get("/api/inference-jobs/").json()["results"]]
    started = api.post(
        "/api/inference-jobs/", {"patient": PSEUDONYM}, content_type="application/json"
    )

    assert listed == []
    assert started.status_code == 404
    assert InferenceJob.objects.filter(patient__pseudonym=PSEUDONYM).count() == 1
    outsiders = api_for(client, outsider).get("/api/inference-jobs/").json()["results"]
    assert [job["id"] for job in outsiders] == [ai["job"].pk]


def test_the_manifest_lists_the_series_but_no_ai_output_nor_the_reference(
    client, reader, ai, reference
):
    manifest = api_for(client, reader).get(f"/api/cases/{PSEUDONYM}/viewer/").json()

    [exam] = manifest["exams"]
    assert exam["segmentations"] == []
    assert len(exam["series"]) == len(CHANNEL_ORDER)
    assert manifest["alarms"] == []


def test_the_manifest_lists_the_ai_output_for_those_who_may_see_it(client, seer, ai):
    manifest = api_for(client, seer).get(f"/api/cases/{PSEUDONYM}/viewer/").json()

    [exam] = manifest["exams"]
    [shown] = [s for s in exam["segmentations"] if s["id"] == ai["segmentation"].pk]
    assert [lesion["id"] for lesion in shown["lesions"]] == [ai["lesion"].pk]
    assert [alarm["id"] for alarm in manifest["alarms"]] == [ai["alarm"].pk]


def test_the_worklist_shows_no_alarm_count_or_risk_but_that_the_case_is_in_a_reader_study(
    client, reader, outsider, ai
):
    def row(user):
        rows = api_for(client, user).get("/api/worklist/").json()["results"]
        [found] = [r for r in rows if r["pseudonym"] == PSEUDONYM]
        return found["open_alarm_count"], found["risk_score"], found["review_state"]

    grade(ai["segmentation"], outsider)  # another's grade: the case is in review to them
    page = api_for(client, reader).get(reverse("worklist:worklist")).content.decode()

    assert row(reader) == (0, 0, "not_reviewed")
    assert row(outsider) == (1, 201, "graded")
    assert "in a reader study" in page
    assert "1 open alarm" not in page


def test_the_case_page_shows_no_ai_result_alarm_or_volume_of_the_hidden_exam(
    client, reader, outsider, ai
):
    def page(user):
        url = reverse("worklist:case-detail", args=[PSEUDONYM])
        return api_for(client, user).get(url).content.decode()

    hidden, shown = page(reader), page(outsider)

    assert f'data-segmentation="{ai["segmentation"].pk}"' not in hidden
    assert REASON not in hidden
    assert "NODE WT" not in hidden
    assert "in a reader study" in hidden
    assert f'data-segmentation="{ai["segmentation"].pk}"' in shown
    assert REASON in shown
    assert "in a reader study" not in shown


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda ai: (
                f"/api/segmentations/{ai['segmentation'].pk}/assessments/",
                {"acceptable": True, "grade": 4},
            ),
            id="an assessment of the AI map",
        ),
        pytest.param(
            lambda ai: (
                f"/api/segmentations/{ai['segmentation'].pk}/verdicts/",
                {"decision": "accepted", "lesion": ai["lesion"].pk},
            ),
            id="a verdict on its lesion",
        ),
        pytest.param(
            lambda ai: (f"/api/alarms/{ai['alarm'].pk}/verdicts/", {"true_alarm": True}),
            id="a verdict on its alarm",
        ),
    ],
)
def test_grading_the_hidden_ai_output_is_refused_as_not_found_and_open_to_others(
    client, reader, outsider, ai, write
):
    url, data = write(ai)

    refused = api_for(client, reader).post(url, data, content_type="application/json")
    recorded = api_for(client, outsider).post(url, data, content_type="application/json")

    assert refused.status_code == 404
    assert recorded.status_code == 201


def test_sending_the_hidden_ai_results_to_the_pacs_is_refused_as_not_found(
    client, reader, outsider, ai
):
    api_url = f"/api/segmentations/{ai['segmentation'].pk}/sent-results/"
    page_url = reverse("pacs:send-results", args=[PSEUDONYM, ai["segmentation"].pk])

    assert api_for(client, reader).post(api_url).status_code == 404
    assert api_for(client, reader).post(page_url).status_code == 404
    # to another reader the map is there: refused only for its exam coming from no PACS
    assert api_for(client, outsider).post(api_url).status_code == 409


def test_the_quality_dashboard_of_a_blinded_qa_admin_counts_nothing_of_the_hidden_exam(
    client, blinded_qa_admin, outsider, make_user, ai
):
    grade(ai["segmentation"], outsider)

    def dashboard(user):
        figures = api_for(client, user).get("/api/reports/quality/").json()
        return len(figures["grading"]), len(figures["alarms"])

    assert dashboard(blinded_qa_admin) == (0, 0)
    assert dashboard(make_user("qa_admin")) == (1, 1)


def test_the_case_export_csv_carries_no_ai_output_to_hide(client, blinded_qa_admin, make_user, ai):
    def export(user):
        return api_for(client, user).get(reverse("reports:export-csv")).content.decode()

    assert export(blinded_qa_admin) == export(make_user("qa_admin"))
    assert "NODE" not in export(blinded_qa_admin)


async def _socket(client, user, path: str):
    headers = ORIGIN + await sync_to_async(as_user)(client, user)
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


@pytest.mark.django_db(transaction=True)
async def test_the_alarm_socket_sends_an_unaided_reader_no_alarm_of_the_case(
    client, reader, outsider, ai
):
    path = f"/ws/cases/{PSEUDONYM}/alarms/"

    hidden, _, _ = await _socket(client, reader, path)
    shown, _, _ = await _socket(client, outsider, path)

    state = await hidden.receive_json_from(timeout=5)
    assert (state["alarms"], state["exams"], state["patient_risk_score"]) == ([], [], 0)
    assert [a["id"] for a in (await shown.receive_json_from(timeout=5))["alarms"]] == [
        ai["alarm"].pk
    ]
    await hidden.disconnect()
    await shown.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_the_flow_socket_answers_an_unaided_reader_as_if_the_map_did_not_exist(
    client, reader, outsider, ai
):
    pk = ai["segmentation"].pk

    async def answer(user, segmentation):
        communicator, _, _ = await _socket(client, user, "/ws/flows/")
        await communicator.send_json_to({"segmentation": segmentation, "slice": 999})
        message = (await communicator.receive_json_from(timeout=10))["message"]
        await communicator.disconnect()
        return message

    no_such = (await answer(reader, 10**9)).replace(str(10**9), str(pk))
    assert await answer(reader, pk) == no_such
    # to another reader the map exists: the request fails on its slice only
    assert "slice 999 is outside" in await answer(outsider, pk)


@pytest.mark.django_db(transaction=True)
async def test_the_inference_socket_closes_for_an_unaided_reader_as_for_a_job_not_visible(
    client, reader, outsider, ai
):
    path = f"/ws/inference/{ai['job'].pk}/"

    _, connected, code = await _socket(client, reader, path)
    followed, opened, _ = await _socket(client, outsider, path)

    assert (connected, code) == (False, FORBIDDEN)
    assert opened
    await followed.disconnect()
