"""The JavaScript catalogue: the strings the desk's scripts show, in the language the URL names."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils import timezone, translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import last_modified
from django.views.i18n import JavaScriptCatalog

# The catalogue changes only when a new release starts the desk.
STARTED_AT = timezone.now()

# The desk's djangojs.po lives in LOCALE_PATHS, which the catalogue always reads. Naming an app
# with no catalogue of its own keeps the others' (the admin's calendar strings) out of the desk.
_catalog = JavaScriptCatalog.as_view(packages=["disputes"])


# The language is in the URL, not taken from the session: a browser's cached copy is then never in
# the language the user just switched away from. Browsers keep it an hour, then ask again with
# If-Modified-Since and get a 304 until the next release. No server-side cache_page: the session
# middleware adds "Vary: Cookie", so it would hold a copy per session of what takes ~1 ms to build.
@cache_control(max_age=60 * 60)
@last_modified(lambda request, language: STARTED_AT)
def javascript_catalog(request: HttpRequest, language: str) -> HttpResponseBase:
    if language not in dict(settings.LANGUAGES):
        raise Http404
    with translation.override(language):
        response = _catalog(request)
    response["Content-Language"] = language
    return response
