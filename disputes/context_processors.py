from datetime import UTC, datetime

from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

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
    one query the bell alone used to cost (the nav shows the managers' pages only to managers).
    Written out rather than built with the ORM: every page asks it, and building the statement
    cost several times what running it does (issue #18). Same statement on PostgreSQL and SQLite."""
    sql = f"""
        SELECT
          (SELECT COUNT(*) FROM {Notification._meta.db_table}
           WHERE user_id = %s AND acknowledged_at IS NULL),
          EXISTS (SELECT 1 FROM {Membership._meta.db_table} WHERE user_id = %s AND role = %s),
          (SELECT last_seen FROM {WorkerHeartbeat._meta.db_table} WHERE source = %s)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, user.pk, Role.MANAGER.value, "beat"])
        unread, manages, beat_seen = cursor.fetchone()
    return unread or 0, bool(user.is_superuser or manages), _moment(beat_seen)


def _moment(value: datetime | str | None) -> datetime | None:
    """A time read by a written-out query: PostgreSQL gives it with its zone, SQLite the text it
    stored, in UTC."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value
