"""Writes a client may send again: an ``Idempotency-Key`` header (any string of 1–64 visible
ASCII characters, a UUID for instance) makes a POST happen at most once per user and key.

The first request runs, and its success is stored with the key in the same transaction as the
write. A repeat with the same key gets that stored answer again, whether the client saw it or
not, and writes nothing; a repeat of a failure runs again. Two repeats at the same moment: the
second waits on the unique key and then gets the first one's answer."""

import functools
import re

from django.db import IntegrityError, transaction
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from reviewer.core.models import Submission

HEADER = "Idempotency-Key"
_KEY = re.compile(r"[\x21-\x7e]{1,64}")
PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    description="sent again with the same key, the write happens once and gets the same answer",
)


def idempotent(post):
    """Decorates an APIView's post (its schema names the header: neuroreview.api_schema)."""

    @functools.wraps(post)
    def once(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return post(view, request, *args, **kwargs)
        if not _KEY.fullmatch(key):
            raise ValidationError({HEADER: ["1 to 64 visible ASCII characters, e.g. a UUID"]})
        try:
            with transaction.atomic():
                done = _stored(request, key)
                if done is not None:
                    return done
                response = post(view, request, *args, **kwargs)
                if 200 <= response.status_code < 300:
                    Submission.objects.create(
                        user=request.user,
                        key=key,
                        method=request.method,
                        path=request.path[:255],
                        status=response.status_code,
                        answer=response.data,
                    )
                return response
        except IntegrityError:  # the same key, committed meanwhile by a concurrent repeat
            done = _stored(request, key)
            if done is None:
                raise
            return done

    once.idempotent = True
    return once


def _stored(request, key: str) -> Response | None:
    done = Submission.objects.filter(user=request.user, key=key).first()
    if done is None:
        return None
    if (done.method, done.path) != (request.method, request.path[:255]):
        raise ValidationError({HEADER: [f"this key was used for {done.method} {done.path}"]})
    return Response(done.answer, status=done.status, headers={"Idempotent-Replayed": "true"})
