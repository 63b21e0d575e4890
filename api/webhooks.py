"""Outgoing webhooks: an event of a store becomes one `WebhookDelivery` per subscription that
wants it, written in the transaction of the change it announces, and the mail worker POSTs it
from that outbox like the team chat messages (`disputes/chat.py`, `disputes/outbox.py`).

Every attempt carries the same body and these headers:
  Desk-Event      the event's name, e.g. "claim.opened"
  Desk-Delivery   the delivery's id, the same on every attempt: a receiver drops a copy by it
  Desk-Signature  "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret>"
A receiver checks the signature and that t is recent (DESK_WEBHOOK_TOLERANCE), which stops an
old request being played again.

Only a 2xx answer marks a delivery sent. No answer, a timeout, 429 or 5xx put it off with a
growing wait; any other answer ends it at once. Either is shown to the store's managers at
/set-aside/ (a passing one after a few tries), and each delivery keeps its last answer for
the webhooks page. As with chat messages, a receiver may take a delivery and the sender die
before the row is marked sent; it is then sent again after its lease, with the same
Desk-Delivery id."""

import hashlib
import hmac
import http.client
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from disputes import setaside
from disputes.models import SetAsideKind, Store
from disputes.outbox import SHOW_AFTER_ATTEMPTS, Columns, backoff, drain, take_due
from disputes.sweep import open_set_aside

from .models import WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)

BATCH = 50
COLUMNS = Columns(sent="sent_at", due="due_at", attempts="attempts")
# How much of an answer is kept to show.
KEPT = 2000


class WebhookError(Exception):
    def __init__(self, reason: str, *, temporary: bool, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.temporary = temporary
        self.unreachable = unreachable


# --- events ---------------------------------------------------------------------------------


def announce(store: Store | int, event: str, data: dict[str, Any]) -> int:
    """Write a delivery of this event for every subscription of the store that wants it; sent
    after commit. Returns how many were written."""
    store_id = store if isinstance(store, int) else store.pk
    subscriptions = [
        sub for sub in WebhookSubscription.objects.filter(store_id=store_id, enabled=True) if sub.wants(event)
    ]
    if not subscriptions:
        return 0
    now = timezone.now()
    rows = []
    for sub in subscriptions:
        event_id = uuid.uuid4().hex
        payload = {"id": event_id, "event": event, "at": now.isoformat(), "store": store_id, "data": data}
        rows.append(WebhookDelivery(subscription=sub, event=event, event_id=event_id, payload=payload))
    WebhookDelivery.objects.bulk_create(rows)
    transaction.on_commit(_queue_send)
    return len(rows)


def _queue_send() -> None:
    from .tasks import send_webhooks

    try:
        send_webhooks.delay()
    except Exception:
        # Beat's run sends it anyway: the row is due.
        log.warning("could not queue the webhook sender; beat's run will send it", exc_info=True)


# --- signing --------------------------------------------------------------------------------


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, *, now: float, tolerance: int) -> bool:
    """What a receiver does: the signature matches and was made within `tolerance` seconds."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()


# --- sending --------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(delivery: WebhookDelivery, now: float) -> tuple[int, str]:
    """POST one delivery; returns the answer's status and text, or raises WebhookError."""
    sub = delivery.subscription
    body = body_of(delivery)
    request = urllib.request.Request(
        sub.url,
        data=body,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "DisputeDesk-Webhooks/1",
            "Desk-Event": delivery.event,
            "Desk-Delivery": delivery.event_id,
            "Desk-Signature": signature(sub.secret, int(now), body),
        },
        method="POST",
    )
    try:
        with _opener.open(request, timeout=settings.DESK_CHAT_TIMEOUT) as response:
            status, answer = response.status, response.read(KEPT)
    except urllib.error.HTTPError as error:
        status, answer = error.code, error.read(KEPT)
    except (OSError, http.client.HTTPException) as error:
        raise WebhookError(setaside.describe_error(error), temporary=True, unreachable=True) from error
    except ValueError as error:
        raise WebhookError(setaside.describe_error(error), temporary=False) from error
    return status, answer.decode("utf-8", "replace")


def webhooks_send(*, budget: float | None = None) -> int:
    """Send every webhook delivery that is due, batch after batch until none is left or `budget`
    seconds went by. Returns how many were sent."""
    shown = open_set_aside(SetAsideKind.WEBHOOK_DELIVERY)
    return drain(
        WebhookDelivery,
        COLUMNS,
        take=_take_batch,
        send=lambda row: _send_one(row, shown),
        destination=lambda row: row.subscription_id,
        budget=budget,
        timeout=settings.DESK_CHAT_TIMEOUT,
    )


def _take_batch() -> list[WebhookDelivery]:
    ids = take_due(WebhookDelivery.objects.all(), COLUMNS, batch=BATCH)
    return list(
        WebhookDelivery.objects.filter(pk__in=ids)
        .select_related("subscription", "subscription__store")
        .order_by("due_at", "pk")
    )


def _send_one(row: WebhookDelivery, shown: set[int]) -> int | None:
    """1 when sent, 0 when not, None when the receiver could not be reached at all."""
    if not row.subscription.enabled:
        WebhookDelivery.objects.filter(pk=row.pk).update(due_at=None, last_error="webhook switched off")
        return 0
    try:
        status, answer = post(row, time.time())
    except SoftTimeLimitExceeded:
        raise  # the outcome is unknown: the lease brings it back
    except WebhookError as error:
        _failed(row, error, shown, None, "")
        return None if error.unreachable else 0
    if not 200 <= status < 300:
        _failed(
            row,
            WebhookError(f"HTTP {status}", temporary=status == 429 or status >= 500),
            shown,
            status,
            answer,
        )
        return 0
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=row.pk).update(
        sent_at=now,
        due_at=None,
        last_status=status,
        last_response=answer[:KEPT],
        last_error="",
        last_tried_at=now,
    )
    if row.pk in shown:
        setaside.resolve(kind=SetAsideKind.WEBHOOK_DELIVERY, subject_id=row.pk)
    return 1


def _failed(
    row: WebhookDelivery, error: WebhookError, shown: set[int], status: int | None, answer: str
) -> None:
    now = timezone.now()
    reason = str(error)
    too_old = now - row.created_at > settings.DESK_ALERT_EMAIL_GIVE_UP_AFTER
    due = now + backoff(row.attempts) if error.temporary and not too_old else None
    if error.temporary and due is None:
        reason = f"gave up after {row.attempts} attempts: {reason}"
    WebhookDelivery.objects.filter(pk=row.pk).update(
        due_at=due,
        last_status=status,
        last_response=(answer or "")[:KEPT],
        last_error=reason,
        last_tried_at=now,
    )
    log.warning(
        "webhook delivery %s to %s failed (attempt %d): %s",
        row.pk,
        row.subscription.url,
        row.attempts,
        reason,
    )
    if due is None or row.attempts >= SHOW_AFTER_ATTEMPTS:
        setaside.record(
            kind=SetAsideKind.WEBHOOK_DELIVERY,
            subject_id=row.pk,
            store_id=row.subscription.store_id,
            label=f"{row.event} → {row.subscription.url}"[:200],
            reason=reason,
        )
        shown.add(row.pk)


def send_again(delivery_id: int) -> None:
    """A manager's retry of a delivery that was set aside: due now (if still unsent)."""
    if WebhookDelivery.objects.filter(pk=delivery_id, sent_at__isnull=True).update(due_at=timezone.now()):
        transaction.on_commit(_queue_send)


def delivery_url(delivery_id: int) -> str | None:
    """Where a set-aside delivery is shown: its store's webhooks page."""
    store_id = (
        WebhookDelivery.objects.filter(pk=delivery_id)
        .values_list("subscription__store_id", flat=True)
        .first()
    )
    return reverse("integrations:webhooks", args=[store_id]) if store_id else None
