"""Work a worker loop set aside instead of stopping on it.

Every loop (the deadline sweeps, alert e-mails, the IMAP poll, previews, the nightly re-hash)
handles each item on its own. When one item fails, the loop logs it with the item's id, calls
`record(...)` and goes on with the rest. Managers see the open entries of their stores at
/set-aside/ and can retry one: each app registers how its kind of item is put back in its loop,
so this module never imports from the apps above it."""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import SetAside

log = logging.getLogger(__name__)

REASON_LIMIT = 2000


@dataclass(frozen=True)
class Handler:
    retry: Callable[[int], object]
    # Where a person looks at the item, or None.
    url: Callable[[int], str | None]


_handlers: dict[str, Handler] = {}


def register(
    kind: str, *, retry: Callable[[int], object], url: Callable[[int], str | None] = lambda _pk: None
) -> None:
    """An app says how to put one of its items back in its loop (called from AppConfig.ready)."""
    _handlers[kind] = Handler(retry=retry, url=url)


def handler(kind: str) -> Handler | None:
    return _handlers.get(kind)


def describe_error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:REASON_LIMIT]


def record(*, kind: str, subject_id: int, store_id: int, label: str, reason: str) -> None:
    """Note that this item was set aside (or failed again). Runs in its own transaction, so
    call it outside the block that failed. Never raises: a loop that sets an item aside must
    be able to go on even when this write fails."""
    log.warning("set aside %s %s (store %s): %s", kind, subject_id, store_id, reason)
    now = timezone.now()
    reason = (reason or "")[:REASON_LIMIT] or "?"
    label = (label or str(subject_id))[:200]
    try:
        for _attempt in range(2):
            try:
                with transaction.atomic():
                    updated = SetAside.objects.filter(
                        kind=kind, subject_id=subject_id, resolved_at__isnull=True
                    ).update(attempts=F("attempts") + 1, last_at=now, reason=reason, label=label)
                    if not updated:
                        SetAside.objects.create(
                            kind=kind,
                            subject_id=subject_id,
                            store_id=store_id,
                            label=label,
                            reason=reason,
                            first_at=now,
                            last_at=now,
                        )
                return
            except IntegrityError:
                # Another worker recorded the same item at the same moment: update theirs.
                continue
    except Exception:
        log.exception("could not record set-aside %s %s", kind, subject_id)


def resolve(*, kind: str, subject_id: int, by=None) -> int:
    """The item went through after all: close its open entry. Returns how many closed."""
    return SetAside.objects.filter(kind=kind, subject_id=subject_id, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=by
    )


def retry(entry: SetAside, *, by) -> bool:
    """Put the item back in its loop and close the entry; if it fails again, the loop records
    a new one. False when no app knows how to retry this kind (the entry stays open)."""
    found = handler(entry.kind)
    if found is None:
        return False
    with transaction.atomic():
        resolve(kind=entry.kind, subject_id=entry.subject_id, by=by)
        # Handlers queue their task with on_commit, so a failure records a fresh entry.
        found.retry(entry.subject_id)
    return True
