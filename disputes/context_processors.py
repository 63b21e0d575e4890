from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Subquery
from django.http import HttpRequest
from django.utils import timezone

from .models import Membership, Notification, Role, WorkerHeartbeat


def desk(request: HttpRequest) -> dict:
    """What the layout needs on every page: the bell's count, whether the nav offers the
    managers' pages, and the staleness of the background workers for the people who must act
    on it: admins (also before beat first reported) and managers (once it had, then stopped)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    unread, manages, beat_seen = unread_role_and_beat(user)
    context = {
        "unread_alerts": unread,
        "manages_a_store": manages,
        "today": timezone.localdate(),
    }
    stale = beat_seen is not None and WorkerHeartbeat(last_seen=beat_seen).is_stale()
    if user.is_superuser or user.is_staff:
        context.update(workers_stale=beat_seen is None or stale, workers_last_seen=beat_seen)
    elif manages and stale:
        context.update(workers_stale=True, workers_last_seen=beat_seen)
    return context


def unread_alerts(user) -> int:
    return Notification.objects.filter(user=user, acknowledged_at__isnull=True).count()


def unread_role_and_beat(user) -> tuple[int, bool, datetime | None]:
    """The bell's count, whether the user manages any store and when beat last reported, in the
    one query the bell alone used to cost (the nav shows the managers' pages only to managers)."""
    unread = (
        Notification.objects.filter(user=OuterRef("pk"), acknowledged_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(n=Count("*"))
        .values("n")
    )
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            unread=Subquery(unread),
            manages=Exists(Membership.objects.filter(user=OuterRef("pk"), role=Role.MANAGER)),
            beat_seen=Subquery(WorkerHeartbeat.objects.filter(source="beat").values("last_seen")[:1]),
        )
        .values("unread", "manages", "beat_seen")
        .first()
    ) or {"unread": 0, "manages": False, "beat_seen": None}
    return row["unread"] or 0, bool(user.is_superuser or row["manages"]), row["beat_seen"]
