"""The token endpoint: a current token (reviewer.core.tokens), refused while django-axes holds the
username or the address locked out after too many failed sign-ins (the login page gets the same
refusal from axes' middleware, which cannot see a DRF request's lockout)."""

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from rest_framework import status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from reviewer.core.tokens import current_token


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"Too many failed sign-ins for this user or from this address: sign-in is locked for "
        f"{minutes} minutes, or until a data steward lifts the lockout."
    )


class TokenView(ObtainAuthToken):
    def post(self, request, *args, **kwargs):
        credentials = {"username": request.data.get("username", "")}
        if AxesProxyHandler.is_locked(request._request, credentials):
            return _locked_out()
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            if AxesProxyHandler.is_locked(request._request, credentials):  # this failure locked it
                return _locked_out()
            raise
        return Response({"token": current_token(serializer.validated_data["user"]).key})


def _locked_out() -> Response:
    return Response({"detail": lockout_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS)
