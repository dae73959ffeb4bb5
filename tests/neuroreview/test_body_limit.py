"""The upload limit, enforced while a request body streams: 413 naming the limit, before the
application (and Django's spooling of the body to disk) ever runs."""

import json

import pytest
from asgiref.testing import ApplicationCommunicator

from neuroreview.asgi import application
from neuroreview.body_limit import RequestBodyLimit

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 1000


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.NEUROREVIEW_UPLOAD_MAX_BYTES = LIMIT


class Recorder:
    """An ASGI app that reads the whole body and says how much it got."""

    def __init__(self):
        self.ran = False

    async def __call__(self, scope, receive, send):
        self.ran = True
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(len(body)).encode()})


def scope(path="/api/imports/", length=None):
    headers = [(b"content-type", b"application/zip")]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    return {"type": "http", "method": "POST", "path": path, "headers": headers, "query_string": b""}


async def respond(app, scope, chunks):
    communicator = ApplicationCommunicator(app, scope)
    for number, chunk in enumerate(chunks):
        await communicator.send_input(
            {"type": "http.request", "body": chunk, "more_body": number < len(chunks) - 1}
        )
    start = await communicator.receive_output(timeout=5)
    body = await communicator.receive_output(timeout=5)
    await communicator.wait(timeout=5)
    return start["status"], body["body"]


async def test_a_body_that_declares_more_than_the_limit_is_refused_before_the_app_runs():
    app = Recorder()

    status, body = await respond(RequestBodyLimit(app), scope(length=LIMIT + 1), [b""])

    assert status == 413 and not app.ran
    assert "larger than the limit of 1000 bytes" in json.loads(body)["detail"]


async def test_a_body_that_streams_past_the_limit_without_declaring_it_is_cut_off():
    status, body = await respond(RequestBodyLimit(Recorder()), scope(), [b"x" * 600] * 2)

    assert status == 413
    assert "NEUROREVIEW_UPLOAD_MAX_BYTES" in json.loads(body)["detail"]


async def test_a_body_within_the_limit_reaches_the_app_whole():
    status, body = await respond(RequestBodyLimit(Recorder()), scope(), [b"x" * 500] * 2)

    assert (status, body) == (200, b"1000")


async def test_the_served_application_refuses_an_oversized_import_upload():
    status, body = await respond(application, scope(length=LIMIT * 1000), [b"x" * 10])

    assert status == 413
    assert "1000 bytes" in json.loads(body)["detail"]
