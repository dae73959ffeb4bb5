"""A case's open alarms over WebSocket: the state on connect, then every raise, clear and
verdict."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from neuroreview.asgi import application
from reviewer.alarms import verdicts
from reviewer.alarms.models import Alarm
from reviewer.cases.permissions import grant_patient
from tests.reviewer.alarms.builders import clear_alarm, raise_unreliable
from tests.reviewer.factories import patient_with_exams
from tests.reviewer.imports.test_import_progress import as_user

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]


async def open_socket(client, user, pseudonym="NR-ALARMS1"):
    headers = ORIGIN + (await sync_to_async(as_user)(client, user) if user else [])
    communicator = WebsocketCommunicator(
        application, f"/ws/cases/{pseudonym}/alarms/", headers=headers
    )
    connected, code = await communicator.connect()
    return communicator, connected, code


def raise_alarm(exam, reason="WT by NODE: Dice 0.41 below 0.62") -> Alarm:
    return raise_unreliable(exam, reason)


@pytest.fixture
def case(db):
    return patient_with_exams(exams=2, pseudonym="NR-ALARMS1")


async def test_the_open_alarms_and_risk_scores_arrive_on_connect(client, make_user, case):
    first, second = await sync_to_async(lambda: list(case.exams.order_by("order")))()
    alarm = await sync_to_async(raise_alarm)(second)
    await sync_to_async(raise_alarm)(second, "a second flag")
    await sync_to_async(clear_alarm)(await sync_to_async(raise_alarm)(first, "cleared before"))
    communicator, connected, _ = await open_socket(
        client, await sync_to_async(make_user)("qa_admin")
    )

    state = await communicator.receive_json_from(timeout=5)

    assert connected
    assert state["risk_score"] == {str(second.pk): 202}  # two alarms of severity 2
    assert alarm.pk in [a["id"] for a in state["alarms"]]
    assert {a["kind_display"] for a in state["alarms"]} == {"Unreliable output"}
    assert [line["exam"] for line in state["exams"]] == [second.pk, first.pk]
    assert state["exams"][0]["summary"] == "Unreliable output ×2"
    await communicator.disconnect()


async def test_an_alarm_raised_after_connecting_arrives(client, make_user, case):
    exam = await sync_to_async(case.exams.first)()
    communicator, _, _ = await open_socket(client, await sync_to_async(make_user)("qa_admin"))
    assert (await communicator.receive_json_from(timeout=5))["alarms"] == []

    alarm = await sync_to_async(raise_alarm)(exam)

    state = await communicator.receive_json_from(timeout=5)
    assert [a["id"] for a in state["alarms"]] == [alarm.pk]
    assert state["risk_score"] == {str(exam.pk): 201}
    await communicator.disconnect()


async def test_a_cleared_alarm_disappears(client, make_user, case):
    exam = await sync_to_async(case.exams.first)()
    alarm = await sync_to_async(raise_alarm)(exam)
    communicator, _, _ = await open_socket(client, await sync_to_async(make_user)("admin"))
    assert len((await communicator.receive_json_from(timeout=5))["alarms"]) == 1

    await sync_to_async(clear_alarm)(alarm)

    state = await communicator.receive_json_from(timeout=5)
    assert (state["alarms"], state["risk_score"], state["patient_risk_score"]) == ([], {}, 0)
    await communicator.disconnect()


async def test_a_false_alarm_verdict_arrives_and_takes_the_alarm_out_of_the_risk(
    client, make_user, case
):
    exam = await sync_to_async(case.exams.first)()
    alarm = await sync_to_async(raise_alarm)(exam)
    reader = await sync_to_async(make_user)("qa_admin")
    communicator, _, _ = await open_socket(client, reader)
    assert (await communicator.receive_json_from(timeout=5))["risk_score"] == {str(exam.pk): 201}

    await sync_to_async(verdicts.record_verdict)(user=reader, alarm=alarm, true_alarm=False)

    state = await communicator.receive_json_from(timeout=5)
    assert state["alarms"][0]["verdict"]["true_alarm"] is False
    assert state["risk_score"] == {} and state["exams"][1]["dismissed"] == 1
    await communicator.disconnect()


async def test_a_granted_radiologist_may_follow_the_case(client, make_user, case):
    radiologist = await sync_to_async(make_user)("radiologist")
    await sync_to_async(grant_patient)(case, radiologist)

    communicator, connected, _ = await open_socket(client, radiologist)

    assert connected
    await communicator.disconnect()


@pytest.mark.parametrize("role", ["researcher", "radiologist"], ids=["wrong role", "not granted"])
async def test_users_who_may_not_see_the_case_are_refused(client, make_user, case, role):
    user = await sync_to_async(make_user)(role)
    if role == "researcher":
        await sync_to_async(grant_patient)(case, user)

    _, connected, code = await open_socket(client, user)

    assert not connected and code == 4403


async def test_anonymous_sockets_are_refused(client, case):
    _, connected, code = await open_socket(client, None)

    assert not connected and code == 4403


async def test_an_unknown_case_is_refused(client, make_user, case):
    user = await sync_to_async(make_user)("qa_admin")

    _, connected, code = await open_socket(client, user, "NR-NOSUCH1")

    assert not connected and code == 4403
