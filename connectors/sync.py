"""One store's sync: every stream of its platform read from its cursor, page by page.

A sync first takes the connection's lease (a conditional UPDATE), so two workers never sync one
store at once, and a worker that dies lets go when the lease runs out. Each page is written and
its stream's cursor moved in one transaction: cut short anywhere, the next sync starts after the
last page committed and writes nothing twice. A record that cannot be written is kept
(FailedRecord), set aside for the store's managers with its reason, and the page goes on. What
went wrong is kept on the connection in words (`last_error`), never with a secret in it."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes import setaside
from disputes.models import SetAsideKind

from . import crypto
from .base import Page, Platform
from .http import ConnectorError
from .models import Connection, ConnectionState, FailedRecord, SyncCursor
from .platforms import platform_class
from .records import Record, to_json, type_name
from .writing import Written, write_page

log = logging.getLogger(__name__)

ERROR_CHARS = 1000


@dataclass
class SyncResult:
    outcome: str  # "synced", "failed", "stopped" (time limit), "busy", "paused"
    written: Written = field(default_factory=Written)
    pages: int = 0
    error: str = ""
    seconds: float = 0.0


def _lease_free(now: datetime) -> Q:
    return Q(lease_until__isnull=True) | Q(lease_until__lte=now)


def take_lease(connection_id: int, now: datetime) -> bool:
    until = now + timedelta(seconds=settings.DESK_CONNECTOR_LEASE_SECONDS)
    taken = Connection.objects.filter(_lease_free(now), pk=connection_id, is_paused=False).update(
        lease_until=until, last_attempt_at=now
    )
    return taken == 1


def due_connections(now: datetime | None = None) -> list[int]:
    """Connections whose next sync time has come and that no worker holds (beat's minute)."""
    now = now or timezone.now()
    return list(
        Connection.objects.filter(_lease_free(now), next_sync_at__lte=now, is_paused=False)
        .order_by("next_sync_at")
        .values_list("pk", flat=True)
    )


def platform_for(connection: Connection) -> Platform:
    cls = platform_class(connection.store.platform)
    if cls is None:
        raise ConnectorError(
            _("The desk cannot connect to %(platform)s stores yet.")
            % {"platform": connection.store.get_platform_display()}
        )
    if not connection.has_credentials:
        raise ConnectorError(_("No credentials are saved: connect the store first."))
    return cls(connection)


def words_for(error: BaseException) -> str:
    """What a manager reads about a failure: the connector's own sentence, or a safe summary
    (an unexpected error's text may quote a request, so only its type is shown)."""
    if isinstance(error, ConnectorError):
        return str(error)[:ERROR_CHARS]
    if isinstance(error, crypto.Unreadable):
        return _("The saved credentials cannot be read with the desk's current key: connect the store again.")
    return _("The sync stopped on an unexpected error (%(type)s); the next sync tries again.") % {
        "type": type(error).__name__
    }


def check_connection(connection: Connection) -> tuple[bool, str]:
    """Test the saved credentials: (True, "Connected as …") or (False, what went wrong)."""
    try:
        return True, platform_for(connection).check()
    except Exception as error:
        if not isinstance(error, ConnectorError | crypto.Unreadable):
            log.exception("testing connection %s failed", connection.pk)
        return False, words_for(error)


def sync_connection(connection: Connection, *, now: datetime | None = None) -> SyncResult:
    """Sync one store now, unless it is paused or another worker holds it."""
    started = time.monotonic()
    now = now or timezone.now()
    if connection.is_paused:
        return SyncResult("paused")
    if not take_lease(connection.pk, now):
        return SyncResult("busy")
    result = SyncResult("synced")
    try:
        platform = platform_for(connection)
        for stream in platform.streams():
            _sync_stream(connection, stream.name, stream.pull(_cursor(connection, stream.name)), result)
    except SoftTimeLimitExceeded:
        # What was written stays written; the next run (due at once) carries on from the cursors.
        result.outcome = "stopped"
        _finish(connection, now=timezone.now(), error="", next_at=timezone.now(), success=False)
    except Exception as error:
        if not isinstance(error, ConnectorError | crypto.Unreadable):
            log.exception("sync of connection %s (store %s) failed", connection.pk, connection.store_id)
        result.outcome, result.error = "failed", words_for(error)
        log.warning("sync of store %s failed: %s", connection.store_id, result.error)
        _finish(connection, now=timezone.now(), error=result.error, success=False)
    else:
        _finish(connection, now=timezone.now(), error="", success=True)
    result.seconds = time.monotonic() - started
    log.info(
        "sync of store %s: %s, %d pages, %s",
        connection.store_id,
        result.outcome,
        result.pages,
        dict(result.written.counts),
    )
    return result


def _cursor(connection: Connection, stream: str) -> str | None:
    value = (
        SyncCursor.objects.filter(connection=connection, stream=stream)
        .values_list("value", flat=True)
        .first()
    )
    return value or None


def _sync_stream(connection: Connection, stream: str, pages: Iterator[Page], result: SyncResult) -> None:
    store = connection.store
    label = str(store.get_platform_display())
    for page in pages:
        with transaction.atomic():
            written = write_page(store, page.records, platform=label)
            failed = _keep_failures(connection, stream, written.failed)
            _clear_failures(connection, page.records, written)
            if page.cursor is not None:
                SyncCursor.objects.update_or_create(
                    connection=connection,
                    stream=stream,
                    defaults={"value": page.cursor, "updated_at": timezone.now()},
                )
            # Still working: hold the connection a while longer.
            Connection.objects.filter(pk=connection.pk).update(
                lease_until=timezone.now() + timedelta(seconds=settings.DESK_CONNECTOR_LEASE_SECONDS)
            )
        for kept, reason in failed:
            setaside.record(
                kind=SetAsideKind.CONNECTOR_RECORD,
                subject_id=kept.pk,
                store_id=store.pk,
                label=f"{store.name}: {kept.record_type} {kept.platform_id}",
                reason=reason,
            )
        result.pages += 1
        result.written.add(written)


def _keep_failures(
    connection: Connection, stream: str, failed: list[tuple[Record, str]]
) -> list[tuple[FailedRecord, str]]:
    kept = []
    for item, reason in failed:
        row, _created = FailedRecord.objects.update_or_create(
            connection=connection,
            record_type=type_name(item),
            platform_id=item.key[:200],
            defaults={
                "stream": stream,
                "record": to_json(item),
                "reason": reason,
                "failed_at": timezone.now(),
            },
        )
        kept.append((row, reason))
    return kept


def _clear_failures(connection: Connection, records: Sequence[Record], written: Written) -> None:
    """Records set aside before that went through this time: their entries are resolved."""
    failed_now = {(type_name(item), item.key) for item, _reason in written.failed}
    went_through = [(type_name(r), r.key[:200]) for r in records if (type_name(r), r.key) not in failed_now]
    if not went_through or not connection.failed_records.exists():
        return
    keys = {key for _type, key in went_through}
    for row in FailedRecord.objects.filter(connection=connection, platform_id__in=keys):
        if (row.record_type, row.platform_id) in went_through:
            setaside.resolve(kind=SetAsideKind.CONNECTOR_RECORD, subject_id=row.pk)
            row.delete()


def _finish(
    connection: Connection, *, now: datetime, error: str, success: bool, next_at: datetime | None = None
) -> None:
    fields: dict[str, object] = {"lease_until": None}
    # A manager may have paused it or changed its interval while it ran.
    fresh = Connection.objects.filter(pk=connection.pk).values_list("is_paused", "interval").first()
    paused, interval = fresh or (connection.is_paused, connection.interval)
    if paused:
        fields["next_sync_at"] = None
        fields["state"] = ConnectionState.PAUSED
    else:
        fields["next_sync_at"] = next_at or now + timedelta(minutes=interval)
    if success:
        fields.update(last_success_at=now, last_error="")
        if not paused:
            fields["state"] = ConnectionState.OK
    elif error:
        fields["last_error"] = error
        if not paused:
            fields["state"] = ConnectionState.FAILING
    Connection.objects.filter(pk=connection.pk).update(**fields)
    for name, value in fields.items():
        setattr(connection, name, value)


def write_again(failed_id: int) -> str:
    """A manager's retry of a record set aside: written again as the platform gave it."""
    from .records import RECORD_TYPES, from_json

    row = FailedRecord.objects.select_related("connection__store").filter(pk=failed_id).first()
    if row is None:
        return "gone"
    connection = row.connection
    store = connection.store
    item = from_json(RECORD_TYPES[row.record_type], row.record)
    with transaction.atomic():
        written = write_page(store, [item], platform=str(store.get_platform_display()))
        if not written.failed:
            row.delete()
    if written.failed:
        reason = written.failed[0][1]
        FailedRecord.objects.filter(pk=row.pk).update(reason=reason, failed_at=timezone.now())
        setaside.record(
            kind=SetAsideKind.CONNECTOR_RECORD,
            subject_id=row.pk,
            store_id=store.pk,
            label=f"{store.name}: {row.record_type} {row.platform_id}",
            reason=reason,
        )
        return "failed"
    return "written"
