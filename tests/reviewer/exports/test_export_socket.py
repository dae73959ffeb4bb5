"""An export job's live progress over the WebSocket, for its owner alone."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from neuroreview.asgi import application
from reviewer.core import progress
from reviewer.core.consumers import FORBIDDEN
from reviewer.exports.models import ExportJob

pytestmark = pytest.mark.django_db(transaction=True)


async def open_socket(client, user, job):
    await sync_to_async(client.force_login)(user)
    headers = [
        (b"origin", b"http://127.0.0.1"),
        (b"host", b"127.0.0.1"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]
    communicator = WebsocketCommunicator(application, f"/ws/exports/{job.pk}/", headers=headers)
    return communicator, *(await communicator.connect())


async def test_the_owner_follows_the_progress_of_their_export(client, make_user):
    owner = await sync_to_async(make_user)("researcher")
    job = await sync_to_async(ExportJob.objects.create)(created_by=owner)
    await sync_to_async(progress.reporter(job))(1, 4, "segmentation 7")
    communicator, connected, _ = await open_socket(client, owner, job)
    assert connected
    state = await communicator.receive_json_from(timeout=5)
    assert (state["progress"], state["message"]) == (25, "segmentation 7")
    await communicator.disconnect()


async def test_another_researcher_may_not_follow_it(client, make_user):
    owner = await sync_to_async(make_user)("researcher")
    job = await sync_to_async(ExportJob.objects.create)(created_by=owner)
    other = await sync_to_async(make_user)("researcher")
    communicator, connected, code = await open_socket(client, other, job)
    assert not connected and code == FORBIDDEN
