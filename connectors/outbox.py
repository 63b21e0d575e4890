"""What a person asks of a marketplace from a page (answer an eBay return, inquiry or case; have
Amazon send its review request or a message) goes through an outbox, so nobody waits on the
platform and nothing asked is lost with a request or a worker.

1. The page checks what the desk can check (the action is offered, the tracking is given, the
   message keeps Amazon's rules, the store is connected) and writes a `PlatformAction` row,
   pending and due now. One pending row per claim (or order) and action: a second click while
   one is on its way is refused by the database. No timeline entry yet: the timeline says what
   the platform accepted, and the card shows what is on its way.
2. The worker (`tasks.send_platform_actions`, after commit and every half minute from beat)
   takes due rows as the other outboxes do (`disputes/outbox.py`: `take_due`, `drain`), and
   sends each through connectors/http.py: a 429 or 5xx is tried again there after a short wait,
   then put off here with a growing wait (`backoff`).
3. The platform accepted: in one transaction the row is marked done and the desk writes what
   it means (the claim's timeline, its status or decision, the order's Amazon list). The
   platform refused (or the action is no longer allowed, e.g. the claim was decided meanwhile):
   the row is marked refused with the reason in words, shown on the card and set aside for the
   managers at /set-aside/; nothing changes on the claim. Retrying still fails after
   DESK_PLATFORM_ACTION_GIVE_UP_HOURS: the same.

A worker that dies holding a row leaves it leased; it is due again once the lease ends (twice
the task's hard limit). Neither eBay's Post-Order calls nor Amazon's Solicitations and Messaging
calls take an idempotency key, so a worker killed after the platform accepted and before the row
was marked done sends the action again after the lease: Amazon refuses a second review request
for an order (the row is then refused, with Amazon's words); eBay answers a repeated step on a
return it already moved with a refusal, and takes the same tracking twice; an Amazon message
may reach the buyer twice. Short of that window (one HTTP answer and one UPDATE long) each
action is sent once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from disputes import setaside
from disputes.models import Claim, Order, SetAsideKind, Store
from disputes.outbox import SHOW_AFTER_ATTEMPTS, Columns, backoff, drain, take_due
from disputes.sweep import open_set_aside

from .base import Refusal
from .http import ConnectorError, Transient
from .models import ActionState, PlatformAction

if TYPE_CHECKING:
    from django.db.models import QuerySet

log = logging.getLogger(__name__)

BATCH = 20
COLUMNS = Columns(sent="settled_at", due="due_at", attempts="attempts")
# The longest one send may take (connect 5 s, answer 15 s: Http.for_an_outbox), so a run starts
# none it could not finish within its budget.
SEND_SECONDS = 20.0

# What a platform's sender returns once the platform accepted: it writes the desk's side.
Apply = Callable[[], None]


def enqueue(
    *,
    store: Store,
    order: Order,
    claim: Claim | None,
    name: str,
    params: dict[str, Any],
    by,
    already: str,
) -> PlatformAction:
    """Write the pending row; the worker is told after commit. Raises Refusal(`already`) when
    the same action is already on its way for this claim (or order)."""
    try:
        with transaction.atomic():
            row = PlatformAction.objects.create(
                store=store, order=order, claim=claim, name=name, params=params, by=by
            )
    except IntegrityError:
        raise Refusal(already) from None
    transaction.on_commit(_queue_send)
    return row


def _queue_send() -> None:
    from .tasks import send_platform_actions

    try:
        send_platform_actions.delay()
    except Exception:
        # Beat's run sends it anyway: the row is due.
        log.warning("could not queue the platform action sender; beat's run will send it", exc_info=True)


# How often a card polls while an action is on its way: soon while one is due or being sent,
# less often while every one waits out its backoff (minutes), never once none is pending.
POLL_SENDING_SECONDS = 2
POLL_WAITING_SECONDS = 10


def poll_seconds(pending: list[PlatformAction]) -> int | None:
    """Every how many seconds a card showing these pending actions polls; None: it does not."""
    if not pending:
        return None
    now = timezone.now()
    if all(row.backing_off(now) for row in pending):
        return POLL_WAITING_SECONDS
    return POLL_SENDING_SECONDS


def pending_for(rows: QuerySet[PlatformAction]) -> list[PlatformAction]:
    return list(rows.filter(state=ActionState.PENDING).order_by("created_at", "pk"))


def last_settled(rows: QuerySet[PlatformAction]) -> PlatformAction | None:
    return rows.exclude(state=ActionState.PENDING).select_related("by").order_by("-settled_at", "-pk").first()


# --- sending --------------------------------------------------------------------------------


def _senders() -> dict[str, Callable[[PlatformAction], Apply]]:
    from .platforms import amazon_actions, ebay_actions

    return {"ebay": ebay_actions.send, "amazon": amazon_actions.send}


def platform_actions_send(*, budget: float | None = None) -> int:
    """Send every due action, batch after batch until none is left or `budget` seconds went by.
    Returns how many the platforms accepted."""
    shown = open_set_aside(SetAsideKind.PLATFORM_ACTION)
    return drain(
        PlatformAction,
        COLUMNS,
        take=_take_batch,
        send=lambda row: _send_one(row, shown),
        destination=lambda row: row.store_id,
        budget=budget,
        timeout=SEND_SECONDS,
    )


def _take_batch() -> list[PlatformAction]:
    ids = take_due(PlatformAction.objects.all(), COLUMNS, batch=BATCH)
    return list(
        PlatformAction.objects.filter(pk__in=ids)
        .select_related("store", "order", "order__store", "claim", "by")
        .order_by("due_at", "pk")
    )


def _send_one(row: PlatformAction, shown: set[int]) -> int | None:
    """1 when the platform accepted, 0 when not, None when it could not be reached (or kept
    throttling): the store's other rows then wait for the next run."""
    sender = _senders().get(row.store.platform)
    try:
        if sender is None:
            raise Refusal(f"no sender for {row.store.platform}")
        apply = sender(row)
    except SoftTimeLimitExceeded:
        raise  # the outcome is unknown: the lease brings it back
    except Transient as error:
        _failed(row, str(error), shown, temporary=True)
        return None
    except (Refusal, ConnectorError) as error:
        _failed(row, str(error), shown, temporary=False)
        return 0
    except Exception as error:
        log.exception("platform action %s failed", row.pk)
        _failed(row, setaside.describe_error(error), shown, temporary=False)
        return 0
    problem = ""
    with transaction.atomic():
        settled = PlatformAction.objects.filter(pk=row.pk, settled_at__isnull=True).update(
            state=ActionState.DONE, settled_at=timezone.now(), due_at=None, reason=""
        )
        if settled:
            try:
                with transaction.atomic():
                    apply()
            except Exception as error:
                # The platform took it: the row stays done (never sent again); a manager sees
                # what the desk failed to write.
                log.exception("platform action %s accepted but not recorded", row.pk)
                problem = setaside.describe_error(error)
    if problem:
        setaside.record(
            kind=SetAsideKind.PLATFORM_ACTION,
            subject_id=row.pk,
            store_id=row.store_id,
            label=label(row),
            reason=f"accepted by the platform, but the desk could not record it: {problem}",
        )
    elif row.pk in shown:
        setaside.resolve(kind=SetAsideKind.PLATFORM_ACTION, subject_id=row.pk)
    return 1


def _failed(row: PlatformAction, reason: str, shown: set[int], *, temporary: bool) -> None:
    """Put the action off, or end it as refused; show it to the managers when it is stuck."""
    now = timezone.now()
    too_old = now - row.created_at > settings.DESK_PLATFORM_ACTION_GIVE_UP_AFTER
    if temporary and not too_old:
        PlatformAction.objects.filter(pk=row.pk, settled_at__isnull=True).update(
            due_at=now + backoff(row.attempts), reason=reason
        )
    else:
        if temporary:
            reason = f"gave up after {row.attempts} attempts: {reason}"
        PlatformAction.objects.filter(pk=row.pk, settled_at__isnull=True).update(
            state=ActionState.REFUSED, settled_at=now, due_at=None, reason=reason
        )
    log.warning("platform action %s (%s) failed (attempt %d): %s", row.pk, row.name, row.attempts, reason)
    if not temporary or too_old or row.attempts >= SHOW_AFTER_ATTEMPTS:
        setaside.record(
            kind=SetAsideKind.PLATFORM_ACTION,
            subject_id=row.pk,
            store_id=row.store_id,
            label=label(row),
            reason=reason,
        )
        shown.add(row.pk)


def label(row: PlatformAction) -> str:
    target = row.claim.platform_claim_id if row.claim else row.order.platform_order_id
    return f"{row.store.get_platform_display()} {row.name} · {target}"


# --- managers' retry from /set-aside/ ---------------------------------------------------------


def send_again(action_id: int) -> None:
    """Due now: a refused action pending again (unless the same one was asked again meanwhile),
    one still retrying tried at once. An accepted one is never sent again."""
    try:
        with transaction.atomic():
            updated = (
                PlatformAction.objects.filter(pk=action_id)
                .exclude(state=ActionState.DONE)
                .update(state=ActionState.PENDING, settled_at=None, due_at=timezone.now())
            )
    except IntegrityError:
        updated = 0
    if updated:
        transaction.on_commit(_queue_send)


def action_url(action_id: int) -> str | None:
    row = PlatformAction.objects.filter(pk=action_id).values("claim_id", "order_id").first()
    if row is None:
        return None
    if row["claim_id"]:
        return reverse("disputes:claim", args=[row["claim_id"]]) + "#ebay-answers"
    return reverse("disputes:order", args=[row["order_id"]]) + "#amazon-actions"
