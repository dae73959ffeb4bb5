"""An upload limit enforced while the request streams. Django's ASGI handler spools a whole request
body to disk before any view sees it, so a view's check would come after the disk has filled:
this middleware answers 413 as soon as a body declares, or has sent, more than
NEUROREVIEW_UPLOAD_MAX_BYTES, and the application never runs."""

import json

from django.conf import settings


class BodyTooLarge(Exception):
    pass


class RequestBodyLimit:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = settings.NEUROREVIEW_UPLOAD_MAX_BYTES
        if _declared_length(scope) > limit:
            return await _refuse(send, limit)
        received = 0

        async def counted():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await _refuse(send, limit)


def _declared_length(scope) -> int:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


async def _refuse(send, limit: int) -> None:
    body = json.dumps(
        {
            "detail": f"The upload is larger than the limit of {limit} bytes "
            f"({limit / 1024**3:.1f} GiB; NEUROREVIEW_UPLOAD_MAX_BYTES)."
        }
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
