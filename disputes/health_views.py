"""/healthz: the load balancer's probe. No login, no session, no detail an outsider could use:
each check is "ok" or "down" (the reason goes to the log), 200 when all are ok, else 503."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import health


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": health.database_ok(), "broker": health.broker_ok()}
    healthy = all(checks.values())
    answer = {"status": "ok" if healthy else "down"} | {
        name: "ok" if up else "down" for name, up in checks.items()
    }
    return JsonResponse(answer, status=200 if healthy else 503)
