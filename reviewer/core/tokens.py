"""API tokens are valid for NEUROREVIEW_TOKEN_LIFETIME after issue and die when their user logs
out anywhere. (Apart from the token endpoint, reviewer.core.api: DRF imports the authentication
class while it sets up its views.)"""

from django.conf import settings
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if _expired(token):
            token.delete()
            raise AuthenticationFailed("The token has expired: ask /api/auth/token/ for a new one.")
        return user, token


def current_token(user) -> Token:
    """The user's token, a new one in place of an expired one."""
    token = Token.objects.filter(user=user).first()
    if token is not None and _expired(token):
        token.delete()
        token = None
    return token or Token.objects.create(user=user)


def revoke_tokens(sender, user=None, **kwargs) -> None:
    """On logout (django.contrib.auth's user_logged_out): the user's token dies with the session."""
    if user is not None:
        Token.objects.filter(user=user).delete()


def _expired(token: Token) -> bool:
    return timezone.now() - token.created > settings.NEUROREVIEW_TOKEN_LIFETIME
