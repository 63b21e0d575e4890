from django.http import HttpRequest

from .models import WorkerHeartbeat


def desk(request: HttpRequest) -> dict:
    """What the layout needs on every page: the staleness of the background workers, for the
    people who must act on it (managers and admins)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if not (user.is_superuser or user.is_staff):
        return {}
    beat = WorkerHeartbeat.objects.filter(source="beat").first()
    return {"workers_stale": beat is None or beat.is_stale(), "workers_last_seen": beat}
