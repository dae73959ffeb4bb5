"""Live import progress over WebSocket, for the job's owner only."""

import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from neuroreview.asgi import application
from reviewer.core import progress
from reviewer.core.consumers import RE_READ_S
from reviewer.core.progress import job_state
from reviewer.imports.models import ImportJob

pytestmark = pytest.mark.django_db(transaction=True)


def make_job(user, status=ImportJob.Status.RUNNING) -> ImportJob:
    return ImportJob.objects.create(
        kind="brats", upload="/nonexistent.zip", upload_name="c.zip", created_by=user, status=status
    )


def as_user(client, user):
    """The session cookie a logged-in browser would send."""
    client.force_login(user)
    return [(b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


async def open_socket(client, user, job):
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")] + await sync_to_async(
        as_user
    )(client, user)
    communicator = WebsocketCommunicator(application, f"/ws/imports/{job.pk}/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def test_the_owner_receives_the_current_state_then_the_final_one(client, make_user):
    owner = await sync_to_async(make_user)("qa_admin")
    job = await sync_to_async(make_job)(owner)
    await sync_to_async(progress.reporter(job))(2, 5, "exam 2 of 5")
    communicator, connected, _ = await open_socket(client, owner, job)

    assert connected
    first = await communicator.receive_json_from(timeout=5)
    assert (first["status"], first["progress"], first["message"]) == ("running", 40, "exam 2 of 5")
    await sync_to_async(progress.finish)(job, status="succeeded", message="Imported 1 patient(s)")
    final = await communicator.receive_json_from(timeout=5)
    assert final["status"] == "succeeded" and final["progress"] == 100
    await communicator.wait()


async def following_a_job(client, make_user):
    """A QA admin's running job and the owner's socket, past the state sent on connect."""
    owner = await sync_to_async(make_user)("qa_admin")
    job = await sync_to_async(make_job)(owner)
    communicator, _, _ = await open_socket(client, owner, job)
    await communicator.receive_json_from(timeout=5)
    return job, communicator


async def test_progress_reported_elsewhere_is_pushed_as_it_comes(client, make_user):
    job, communicator = await following_a_job(client, make_user)
    message = f"exam 1 of 4, {uuid.uuid4()}"  # the cache outlives test databases' job ids

    await sync_to_async(progress.reporter(job))(1, 4, message)

    pushed = await communicator.receive_json_from(timeout=5)
    assert (pushed["progress"], pushed["message"]) == (25, message)
    await communicator.disconnect()


async def test_sockets_do_not_poll_a_change_nobody_announced_is_not_sent(client, make_user):
    job, communicator = await following_a_job(client, make_user)

    await sync_to_async(ImportJob.objects.filter(pk=job.pk).update)(message="unannounced")

    assert await communicator.receive_nothing(timeout=2 * RE_READ_S)
    await communicator.disconnect()


async def test_without_redis_a_socket_reads_the_state_again_as_no_push_can_reach_it(
    client, make_user, settings
):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    job, communicator = await following_a_job(client, make_user)

    await sync_to_async(ImportJob.objects.filter(pk=job.pk).update)(message="from the worker")

    assert (await communicator.receive_json_from(timeout=2 * RE_READ_S))["message"] == (
        "from the worker"
    )
    await communicator.disconnect()


@pytest.mark.parametrize("role", ["radiologist", "researcher"])
async def test_roles_that_cannot_import_are_refused(client, make_user, role):
    owner = await sync_to_async(make_user)("qa_admin")
    job = await sync_to_async(make_job)(owner)
    intruder = await sync_to_async(make_user)(role)

    communicator, connected, code = await open_socket(client, intruder, job)
    await communicator.disconnect()

    assert not connected and code == 4403


async def test_another_qa_admins_job_is_refused(client, make_user):
    job = await sync_to_async(make_job)(await sync_to_async(make_user)("qa_admin"))
    other = await sync_to_async(make_user)("qa_admin")

    communicator, connected, code = await open_socket(client, other, job)
    await communicator.disconnect()  # no application task may outlive the test's event loop

    assert not connected and code == 4403


async def test_anonymous_sockets_are_refused(make_user):
    job = await sync_to_async(make_job)(await sync_to_async(make_user)("qa_admin"))
    communicator = WebsocketCommunicator(
        application,
        f"/ws/imports/{job.pk}/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")],
    )

    connected, code = await communicator.connect()
    await communicator.disconnect()

    assert not connected and code == 4403


def test_job_state_reads_live_progress_until_the_job_ends(make_user):
    job = make_job(make_user("qa_admin"))
    progress.reporter(job)(11, 20, "reading")

    assert job_state(job)["progress"] == 55
    job.status = ImportJob.Status.FAILED
    assert job_state(job)["progress"] == 0
