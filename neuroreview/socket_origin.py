"""Which WebSockets are accepted at all: those opened by a page of this very site, and those
whose path has a consumer.

channels' AllowedHostsOriginValidator compares an Origin's host name with ALLOWED_HOSTS and
ignores its port, so a page served by another program on another port of the same host could
open a reader's sockets with the reader's cookies. Here the Origin (scheme, host and port) must
be the address the socket was opened on, or one of CSRF_TRUSTED_ORIGINS, and that address one of
ALLOWED_HOSTS. A path without a consumer is closed with 4404 instead of failing in the router."""

from urllib.parse import urlsplit

from channels.generic.websocket import WebsocketConsumer
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

NOT_FOUND = 4404


class SameOriginValidator:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not _same_origin(dict(scope.get("headers", []))):
            return await WebsocketDenier.as_asgi()(scope, receive, send)
        return await self.app(scope, receive, send)


def _same_origin(headers: dict[bytes, bytes]) -> bool:
    origin = headers.get(b"origin", b"").decode("latin-1")
    host = headers.get(b"host", b"").decode("latin-1")
    domain, _ = split_domain_port(host)
    if not origin or not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc == host


class NoSuchSocket(WebsocketConsumer):
    def connect(self):
        self.close(code=NOT_FOUND)
