"""The token endpoint: a current token (reviewer.core.tokens), refused while django-axes holds the
username or the address locked out after too many failed sign-ins (the login page gets the same
refusal from axes' middleware, which cannot see a DRF request's lockout)."""

from collections.abc import Mapping

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from reviewer.core.tokens import current_token


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"Too many failed sign-ins for this user or from this address: sign-in is locked for "
        f"{minutes} minutes, or until a data steward lifts the lockout."
    )


class TokenView(ObtainAuthToken):
    # Credentials are what this asks for: none are read from the request (a stale token in its
    # header must not refuse the sign-in), and anyone may ask.
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: AuthTokenSerializer,
            400: OpenApiResponse(description="wrong or missing credentials"),
            429: OpenApiResponse(description="sign-in locked after too many failures"),
        }
    )
    def post(self, request, *args, **kwargs):
        given = request.data if isinstance(request.data, Mapping) else {}  # a list: refused below
        credentials = {"username": given.get("username", "")}
        if "\x00" in str(credentials["username"]):  # no user has one; PostgreSQL refuses it
            raise ValidationError({"username": ["a NUL character is not allowed"]})
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
