"""Making, checking and revoking API tokens. A token reads `desk_` followed by 43 URL-safe
characters (32 random bytes); only its SHA-256 is stored."""

import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken

PREFIX = "desk_"
# How many characters of a token are kept in clear to name it.
SHOWN = 10
# How many live tokens one person may hold.
MAX_PER_USER = 20


class TokenError(Exception):
    pass


@dataclass(frozen=True)
class Made:
    token: ApiToken
    secret: str  # shown once, never stored


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, user: User, name: str) -> Made:
    name = name.strip()
    if not name:
        raise TokenError(_("Give the token a name, such as the tool that will use it."))
    if len(name) > 100:
        raise TokenError(_("A token's name is at most 100 characters."))
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_PER_USER:
        raise TokenError(_("You hold %(count)d tokens already: revoke one first.") % {"count": MAX_PER_USER})
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=secret[:SHOWN], digest=digest_of(secret))
    return Made(token, secret)


def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def user_for(secret: str) -> tuple[User, ApiToken] | None:
    """The active user a live token belongs to, or None."""
    if not secret.startswith(PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest_of(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Written at most once a minute, not on every request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token
