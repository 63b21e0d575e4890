"""The record of sign-ins: every success, failure and second-factor step, with where it came from."""

from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from disputes.network import client_address

from .models import SignInEvent, SignInKind


def record(
    request: HttpRequest | None,
    kind: SignInKind,
    *,
    user: User | None = None,
    username: str = "",
    method: str = "",
    detail: str = "",
) -> SignInEvent:
    return SignInEvent.objects.create(
        user=user,
        username=(username or (user.get_username() if user else ""))[:150],
        kind=kind,
        method=method,
        address=client_address(request) if request is not None else "",
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:200],
        detail=detail[:200],
    )


@receiver(user_login_failed, dispatch_uid="accounts.audit.password_failed")
def password_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    username = str(credentials.get("username", ""))
    user = User.objects.filter(username=username).first()
    record(request, SignInKind.PASSWORD_FAILED, user=user, username=username, method="password")
