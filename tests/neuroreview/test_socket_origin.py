"""Which sockets are accepted at all: from a page of this site (scheme, host and port), on a path
that has a consumer."""

import pytest
from channels.testing import WebsocketCommunicator

from neuroreview.asgi import application
from neuroreview.socket_origin import NOT_FOUND

pytestmark = pytest.mark.django_db(transaction=True)


async def opened(path: str, origin: bytes, host: bytes = b"127.0.0.1:8000"):
    communicator = WebsocketCommunicator(
        application, path, headers=[(b"origin", origin), (b"host", host)]
    )
    connected, code = await communicator.connect()
    await communicator.disconnect()
    return connected, code


async def test_a_socket_on_an_unknown_path_is_closed_as_not_found():
    # the probe's 500: the router found no route
    assert await opened("/ws/nothing/here/", b"http://127.0.0.1:8000") == (False, NOT_FOUND)


async def test_a_page_on_another_port_of_the_same_host_cannot_open_a_socket():
    connected, _ = await opened("/ws/nothing/", b"http://127.0.0.1:9999")

    assert not connected


async def test_a_page_of_another_host_cannot_open_a_socket():
    connected, _ = await opened("/ws/nothing/", b"http://evil.example:8000")

    assert not connected


async def test_a_host_outside_allowed_hosts_is_refused_even_from_its_own_page():
    connected, _ = await opened("/ws/nothing/", b"http://evil.example", host=b"evil.example")

    assert not connected


async def test_a_socket_without_origin_is_refused():
    communicator = WebsocketCommunicator(application, "/ws/nothing/", headers=[(b"host", b"x")])
    connected, _ = await communicator.connect()
    await communicator.disconnect()

    assert not connected


async def test_a_trusted_origin_is_accepted(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://reading.hospital.example"]

    assert await opened("/ws/nothing/", b"https://reading.hospital.example") == (False, NOT_FOUND)
