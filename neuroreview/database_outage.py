"""A request that meets the database down (restarting, failing over, unreachable) is answered
503 with Retry-After and a JSON message saying to send it again, not a 500 error page: the
client can tell an outage from a bug. The next request connects anew (connections are closed
after each request). Sending again is safe where the API makes it so: an assessment or verdict
that did land answers its resubmission with 409, as its history has moved on."""

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse

RETRY_AFTER_S = 5


class DatabaseOutage:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        return JsonResponse(
            {
                "detail": "The database is unavailable (restarting or unreachable): send the "
                f"request again in {RETRY_AFTER_S} seconds."
            },
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
