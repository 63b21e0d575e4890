"""A user's language and time zone travel in the session, so pages pay no query for them."""

import zoneinfo

from django.http import HttpRequest
from django.utils import timezone, translation

SESSION_LANGUAGE = "desk_language"
SESSION_TIME_ZONE = "desk_time_zone"


def remember_preferences(request: HttpRequest, profile) -> None:
    request.session[SESSION_LANGUAGE] = profile.language
    request.session[SESSION_TIME_ZONE] = profile.time_zone


def activate_preferences(request: HttpRequest) -> None:
    language = request.session.get(SESSION_LANGUAGE)
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
    tz_name = request.session.get(SESSION_TIME_ZONE)
    if tz_name:
        try:
            timezone.activate(zoneinfo.ZoneInfo(tz_name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
    else:
        timezone.deactivate()
