from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .preferences import activate_preferences


class UserPreferencesMiddleware:
    """Speak the user's language and show times in the user's time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            activate_preferences(request)
        return self.get_response(request)
