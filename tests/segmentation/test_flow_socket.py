"""The flow player's socket and frames endpoint: progress while the stages are computed, then a
URL whose bytes decode; a newer request supersedes; clear errors; no pixels without access."""

import asyncio
import gzip
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from neuroreview.asgi import application
from reviewer.cases.permissions import grant_patient
from segmentation import consumers, flow_frames
from segmentation.engine.flow import FlowCache
from tests.reviewer.imports.test_import_progress import as_user
from tests.segmentation.flow_builders import segmented_exam
from tests.segmentation.test_flow_frames import decode
from tests.segmentation.torch_threads import one_torch_thread  # noqa: F401 (autouse)

pytestmark = pytest.mark.django_db(transaction=True)
SLICE, STAGES = 4, 5


@pytest.fixture(autouse=True)
def flow_dir(settings, tmp_path):
    settings.NEUROREVIEW_FLOW_DIR = tmp_path / "flows"


@pytest.fixture
def exam(tmp_path, transactional_db):
    return segmented_exam(tmp_path)


@pytest.fixture
def radiologist(exam, make_user):
    user = make_user("radiologist")
    grant_patient(exam[0], user)
    return user


async def open_socket(client, user=None):
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if user is not None:
        headers += await sync_to_async(as_user)(client, user)
    communicator = WebsocketCommunicator(application, "/ws/flows/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def answers_until_ready_or_error(communicator) -> list[dict]:
    answers = []
    while not answers or answers[-1]["type"] == "progress":
        answers.append(await communicator.receive_json_from(timeout=30))
    return answers


async def test_progress_then_ready_with_a_url_whose_bytes_decode(client, exam, radiologist):
    _, node, _ = exam
    communicator, connected, _ = await open_socket(client, radiologist)
    assert connected

    await communicator.send_json_to({"segmentation": node.pk, "slice": SLICE, "stages": STAGES})
    answers = await answers_until_ready_or_error(communicator)

    request = {"segmentation": node.pk, "slice": SLICE, "stages": STAGES}
    progress = [{**request, "type": "progress", "done": d, "total": STAGES} for d in range(6)]
    assert answers[:-1] == progress
    ready = answers[-1]
    assert ready["type"] == "ready", ready
    assert ready["url"].startswith(f"/api/segmentations/{node.pk}/flows/")
    assert ready["url"].endswith(".bin")
    response = await sync_to_async(client.get)(ready["url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]
    key = ready["url"].rsplit("/", 1)[1].removesuffix(".bin")
    assert response["ETag"] == f'"{key}"'
    frames = decode(gzip.decompress(response.content))
    assert frames["header"]["segmentation"] == node.pk and len(frames["header"]["t"]) == STAGES
    assert frames["I_t"].shape == (STAGES, 4, 10, 12)
    revalidated = await sync_to_async(client.get)(ready["url"], HTTP_IF_NONE_MATCH=f'"{key}"')
    assert revalidated.status_code == 304
    await communicator.disconnect()


async def test_a_computed_flow_is_ready_at_once_and_stages_default_to_26(client, exam, radiologist):
    _, node, _ = exam
    communicator, _, _ = await open_socket(client, radiologist)
    await communicator.send_json_to({"segmentation": node.pk, "slice": SLICE})
    first = await answers_until_ready_or_error(communicator)
    assert first[-1]["type"] == "ready" and first[0]["total"] == 26

    await communicator.send_json_to({"segmentation": node.pk, "slice": SLICE, "stages": 26})

    again = await communicator.receive_json_from(timeout=10)
    assert again == first[-1]
    await communicator.disconnect()


async def test_computed_frames_are_ready_while_another_flow_is_computed(client, exam, radiologist):
    _, node, _ = exam
    await sync_to_async(rendered)(node)
    busy = threading.Event()
    consumers._flows.submit(busy.wait, 30)  # the one flow worker, taken by another request
    communicator, _, _ = await open_socket(client, radiologist)

    await communicator.send_json_to({"segmentation": node.pk, "slice": SLICE, "stages": 2})

    try:
        assert (await communicator.receive_json_from(timeout=10))["type"] == "ready"
    finally:
        busy.set()
    await communicator.disconnect()


async def test_a_new_request_supersedes_an_unfinished_one(client, exam, radiologist):
    _, node, _ = exam
    communicator, _, _ = await open_socket(client, radiologist)

    await communicator.send_json_to({"segmentation": node.pk, "slice": 1, "stages": 101})
    await communicator.send_json_to({"segmentation": node.pk, "slice": 2, "stages": STAGES})
    answers = await answers_until_ready_or_error(communicator)

    # The first request stops at its next stage, unfinished; the second is answered in full.
    first = [answer for answer in answers if answer["slice"] == 1]
    second = [(answer["type"], answer.get("done")) for answer in answers if answer["slice"] == 2]
    assert len(first) < 101 and {answer["type"] for answer in first} <= {"progress"}
    assert second == [("progress", done) for done in range(STAGES + 1)] + [("ready", None)]
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


async def test_a_prepare_reads_the_exam_ahead_of_its_first_flow(
    client, exam, radiologist, monkeypatch
):
    _, node, _ = exam
    exams = FlowCache(flow_frames.EXAM_CACHE_BYTES)
    monkeypatch.setattr(flow_frames, "_exams", exams)
    communicator, _, _ = await open_socket(client, radiologist)

    await communicator.send_json_to({"type": "prepare", "segmentation": node.pk})

    assert await communicator.receive_json_from(timeout=30) == {
        "type": "prepared",
        "segmentation": node.pk,
    }
    assert len(exams) == 1
    await communicator.disconnect()


async def test_a_prepare_does_not_supersede_an_unfinished_flow(client, exam, radiologist):
    _, node, _ = exam
    communicator, _, _ = await open_socket(client, radiologist)

    await communicator.send_json_to({"segmentation": node.pk, "slice": SLICE, "stages": STAGES})
    await communicator.send_json_to({"type": "prepare", "segmentation": node.pk})
    answers = [await communicator.receive_json_from(timeout=30) for _ in range(STAGES + 3)]

    assert {"type": "prepared", "segmentation": node.pk} in answers
    flow = [answer for answer in answers if answer["type"] != "prepared"]
    assert [answer.get("done") for answer in flow] == [*range(STAGES + 1), None]
    assert flow[-1]["type"] == "ready"
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("prepare_for", "message"),
    [
        (lambda node, unet: unet.pk, "only NODE segmentations"),
        (lambda node, unet: node.pk + 999, "is not visible"),
        (lambda node, unet: "x", "segmentation must be an integer"),
    ],
)
async def test_a_prepare_that_cannot_be_served_gets_an_error_naming_why(
    client, exam, radiologist, prepare_for, message
):
    _, node, unet = exam
    segmentation = prepare_for(node, unet)
    communicator, _, _ = await open_socket(client, radiologist)

    await communicator.send_json_to({"type": "prepare", "segmentation": segmentation})

    answer = await communicator.receive_json_from(timeout=10)
    assert answer["type"] == "error" and message in answer["message"], answer
    assert answer["prepare"] == segmentation
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("request_for", "message"),
    [
        (lambda node, unet: {"segmentation": unet.pk, "slice": 1}, "only NODE segmentations"),
        (lambda node, unet: {"segmentation": node.pk, "slice": 8}, "slice 8 is outside 0…7"),
        (
            lambda node, unet: {"segmentation": node.pk, "slice": 1, "stages": 500},
            "stages must be in 2…101, got 500",
        ),
        (lambda node, unet: {"segmentation": node.pk}, "slice is required"),
        (lambda node, unet: {"segmentation": "x", "slice": 1}, "segmentation must be an integer"),
        (lambda node, unet: {"segmentation": node.pk + 999, "slice": 1}, "is not visible"),
        (lambda node, unet: [], "a request is an object"),
    ],
)
async def test_requests_that_cannot_be_served_get_an_error_naming_why(
    client, exam, radiologist, request_for, message
):
    _, node, unet = exam
    communicator, _, _ = await open_socket(client, radiologist)

    await communicator.send_json_to(request_for(node, unet))

    answer = await communicator.receive_json_from(timeout=10)
    assert answer["type"] == "error" and message in answer["message"], answer
    await communicator.disconnect()


async def test_text_that_is_not_json_gets_an_error(client, exam, radiologist):
    communicator, _, _ = await open_socket(client, radiologist)

    await communicator.send_to(text_data="slice 4 please")

    answer = await communicator.receive_json_from(timeout=10)
    assert answer["type"] == "error" and "a request is an object" in answer["message"]
    await communicator.disconnect()


async def test_a_patient_not_granted_is_not_visible(client, exam, make_user):
    _, node, _ = exam
    stranger = await sync_to_async(make_user)("radiologist")
    communicator, connected, _ = await open_socket(client, stranger)
    assert connected

    await communicator.send_json_to({"segmentation": node.pk, "slice": SLICE})

    answer = await communicator.receive_json_from(timeout=10)
    assert answer["type"] == "error" and "is not visible" in answer["message"]
    await communicator.disconnect()


@pytest.mark.parametrize("role", ["researcher", None])
async def test_roles_without_clinical_access_are_refused(client, exam, make_user, role):
    user = await sync_to_async(make_user)(role) if role else None

    _, connected, code = await open_socket(client, user)

    assert not connected and code == 4403


def rendered(segmentation) -> flow_frames.FlowPlan:
    plan = flow_frames.plan(segmentation, SLICE, 2)
    flow_frames.render(plan)
    return plan


def test_the_frames_are_denied_without_the_role_or_the_patient(exam, client_for, make_user):
    _, node, _ = exam
    url = rendered(node).url

    assert client_for(make_user("researcher")).get(url).status_code == 403
    assert client_for(make_user("radiologist")).get(url).status_code == 404
    assert client_for(make_user("qa_admin")).get(url).status_code == 200


def test_anonymous_users_get_no_frames(exam, client):
    _, node, _ = exam
    response = client.get(rendered(node).url)
    assert response.status_code == 403 and not response.has_header("Content-Encoding")


def test_a_key_is_served_only_with_its_own_segmentation(exam, client_for, radiologist):
    _, node, unet = exam
    key = rendered(node).digest
    client = client_for(radiologist)

    assert client.get(f"/api/segmentations/{unet.pk}/flows/{key}.bin").status_code == 404
    assert client.get(f"/api/segmentations/{node.pk}/flows/{'0' * 64}.bin").status_code == 404
    assert client.get(f"/api/segmentations/{node.pk}/flows/{key}.bin").status_code == 200


def test_the_openapi_schema_describes_the_frames_endpoint(client_for, make_user):
    client = client_for(make_user("qa_admin"))
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    frames = response.json()["paths"]["/api/segmentations/{id}/flows/{key}.bin"]["get"]
    assert "application/octet-stream" in frames["responses"]["200"]["content"]


async def test_a_socket_left_idle_past_the_channel_layers_poll_still_answers(
    client, exam, radiologist
):
    # The Redis channel layer blocks 5 s per poll: a client read timeout no longer than that
    # (redis-py 8's default) dropped every socket idle for 5 s (channels_redis issue 422).
    _, node, _ = exam
    communicator, _, _ = await open_socket(client, radiologist)
    await asyncio.sleep(6)

    await communicator.send_json_to({"segmentation": node.pk, "slice": SLICE, "stages": 2})

    assert (await answers_until_ready_or_error(communicator))[-1]["type"] == "ready"
    await communicator.disconnect()
