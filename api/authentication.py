"""`Authorization: Bearer desk_…` for the API (REST framework's hooks); no sessions, so no CSRF."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.throttling import SimpleRateThrottle

from .tokens import user_for


class BearerToken(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send one token after “Bearer”."))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        found = user_for(secret)
        if found is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid, or was revoked."))
        return found

    def authenticate_header(self, request) -> str:
        # Makes REST framework answer 401 (with this challenge) rather than 403.
        return 'Bearer realm="api"'


class PerToken(SimpleRateThrottle):
    """So many requests a minute for each token (DESK_API_RATE); over it, 429 with Retry-After."""

    scope = "token"

    def get_cache_key(self, request, view) -> str | None:
        token = request.auth
        if token is None:
            return None
        # The digest, not the row's id: unique across databases sharing one cache.
        return self.cache_format % {"scope": self.scope, "ident": token.digest[:32]}
