from django.http import HttpRequest
from django.utils import timezone

from .models import Notification, WorkerHeartbeat


def desk(request: HttpRequest) -> dict:
    """What the layout needs on every page: the bell's count, and the staleness of the
    background workers for the people who must act on it (admins)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context = {"unread_alerts": unread_alerts(user), "today": timezone.localdate()}
    if user.is_superuser or user.is_staff:
        beat = WorkerHeartbeat.objects.filter(source="beat").first()
        context.update(workers_stale=beat is None or beat.is_stale(), workers_last_seen=beat)
    return context


def unread_alerts(user) -> int:
    return Notification.objects.filter(user=user, acknowledged_at__isnull=True).count()
