"""One way in after the first step (a password, or a single sign-on provider): a user with a second
factor is held until it is given; a user whose store requires one and has none is signed in but
sent to enrol before anything else."""

import time

from django.contrib.auth import login
from django.contrib.auth.models import User
from django.http import HttpRequest

from . import twofactor
from .audit import record
from .models import SignInKind

PENDING = "signin_pending"
ENROL_DUE = "two_factor_due"
PENDING_SECONDS = 300


def begin(request: HttpRequest, user: User, *, method: str, backend: str, next_url: str) -> bool:
    """True when the user is signed in now; False when a second factor is awaited."""
    if twofactor.has_second_factor(user):
        request.session.cycle_key()
        request.session[PENDING] = {
            "user": user.pk,
            "backend": backend,
            "method": method,
            "next": next_url,
            "since": time.time(),
        }
        return False
    finish(request, user, backend=backend, method=method)
    if twofactor.requires_second_factor(user):
        request.session[ENROL_DUE] = True
    return True


def pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["since"] > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=pending["user"], is_active=True).first()


def pending_next(request: HttpRequest) -> str:
    return str(request.session.get(PENDING, {}).get("next", ""))


def complete(request: HttpRequest, user: User, *, factor: str) -> None:
    pending = request.session.pop(PENDING)
    finish(request, user, backend=pending["backend"], method=f"{pending['method']}+{factor}")


def finish(request: HttpRequest, user: User, *, backend: str, method: str) -> None:
    login(request, user, backend=backend)
    record(request, SignInKind.SIGNED_IN, user=user, method=method)
