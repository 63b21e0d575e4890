from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .signin import ENROL_DUE

# Where a user who must enrol a second factor may still go.
OPEN_PREFIXES = ("/account/", "/logout/", "/static/", "/jsi18n/", "/login/")


class SecondFactorEnrolmentMiddleware:
    """A user whose store requires a second factor and who has none is sent to enrol it first.
    The need is noted in the session at sign-in, so other requests cost no query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.session.get(ENROL_DUE) and not request.path.startswith(OPEN_PREFIXES):
            return redirect("accounts:account")
        return self.get_response(request)
