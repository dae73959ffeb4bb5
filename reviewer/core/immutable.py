"""Content-addressed binary endpoints (voxels, flow frames). The URL names the content, so the
body never changes: it is stored gzip-compressed and sent as such (Content-Encoding, decoded by
the browser), with an ETag and an immutable Cache-Control, and a revalidation is answered 304."""

from pathlib import Path

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags
from rest_framework.views import APIView

from reviewer.core.permissions import CLINICAL_ROLES, role_permission

IMMUTABLE = "private, max-age=31536000, immutable"


class ImmutableBinaryView(APIView):
    """Clinical roles only; the subclass checks visibility before it names any file."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]

    def perform_content_negotiation(self, request, force=False):
        # A client asking for application/octet-stream still gets errors, as JSON, not 406.
        return super().perform_content_negotiation(request, force=True)


def immutable_gzip_response(request, tag: str, gzip_file: Path) -> HttpResponse:
    """The gzip-compressed ``gzip_file`` under ETag ``tag``, or 304 when the client has it."""
    etag = f'"{tag}"'
    revalidating = parse_etags(request.headers.get("If-None-Match", ""))
    if etag in revalidating or "*" in revalidating:
        response = HttpResponseNotModified()
    else:
        # One body, not a stream: under ASGI a file stream is read in thread hops, and a few MB
        # of compressed voxels or frames are sent fastest whole.
        response = HttpResponse(gzip_file.read_bytes(), content_type="application/octet-stream")
        response["Content-Encoding"] = "gzip"
    response["ETag"] = etag
    response["Cache-Control"] = IMMUTABLE
    return response
