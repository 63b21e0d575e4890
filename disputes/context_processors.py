from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Subquery
from django.http import HttpRequest
from django.utils import timezone

from .models import Membership, Notification, Role, WorkerHeartbeat


def desk(request: HttpRequest) -> dict:
    """What the layout needs on every page: the bell's count, whether the nav offers the
    managers' pages, and the staleness of the background workers for the people who must act
    on it (admins)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    unread, manages = unread_and_role(user)
    context = {
        "unread_alerts": unread,
        "manages_a_store": manages,
        "today": timezone.localdate(),
    }
    if user.is_superuser or user.is_staff:
        beat = WorkerHeartbeat.objects.filter(source="beat").first()
        context.update(workers_stale=beat is None or beat.is_stale(), workers_last_seen=beat)
    return context


def unread_alerts(user) -> int:
    return Notification.objects.filter(user=user, acknowledged_at__isnull=True).count()


def unread_and_role(user) -> tuple[int, bool]:
    """The bell's count and whether the user manages any store, in the one query the bell
    alone used to cost (the nav shows the managers' pages only to managers)."""
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
        )
        .values("unread", "manages")
        .first()
    ) or {"unread": 0, "manages": False}
    return row["unread"] or 0, bool(user.is_superuser or row["manages"])
