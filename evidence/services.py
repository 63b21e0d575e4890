"""Every change to evidence happens here, with its audit row in the same transaction."""

import hashlib
import os
import tempfile
import uuid
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes import dates, timeline
from disputes.access import is_manager
from disputes.models import Order
from disputes.timeline import Action

from .capture import FileTime, read_capture_time
from .models import CapturedFrom, EvidenceEvent, EvidenceItem, EvidenceKind, Previews
from .storage import SpooledFile, evidence_storage, incoming_dir
from .validation import Refused, check_name, check_size, clean_name, inspect, sniff

CHUNK = 1024 * 1024
UNNAMED = "evidence"


class EvidenceError(Exception):
    """A change the rules do not allow; the message says why."""


def _audit(item: EvidenceItem, action: Action, *, by, **params) -> EvidenceEvent:
    """The vault's audit row: the claim timeline's vocabulary, kept per item and order."""
    event = timeline.entry(EvidenceEvent(item=item, order_id=item.order_id), action, by=by, **params)
    event.save()
    return event


@dataclass
class Received:
    path: Path
    size: int
    sha256: str
    head: bytes


def _receive(chunks: Iterable[bytes], name: str) -> Received:
    """Spool the upload to a private temporary file, hashing as it is written. Stops as soon
    as the file is over the cap for its type, so an oversized upload costs no more disk."""
    digest = hashlib.sha256()
    fd, raw_path = tempfile.mkstemp(dir=incoming_dir(), prefix="upload-")
    path = Path(raw_path)
    size, head = 0, b""
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                if len(head) < 4096:
                    head += chunk[: 4096 - len(head)]
                size += len(chunk)
                check_size(name, size, sniff(head))
                digest.update(chunk)
                out.write(chunk)
        return Received(path, size, digest.hexdigest(), head)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def evidence_add(
    *,
    order: Order,
    chunks: Iterable[bytes],
    name: str,
    declared_type: str = "",
    kind: str,
    caption: str = "",
    captured_at: datetime | None = None,
    by: User | None,
) -> EvidenceItem:
    """Check an upload by its content and keep it: spooled and hashed, inspected, moved into
    private storage under a generated name, recorded. A refused file leaves nothing behind.

    Not callable inside an outer transaction: a rolled-back outer block would leave the stored
    file without its row, so this function owns its transaction."""
    if kind not in EvidenceKind.values:
        raise EvidenceError(_("Choose what kind of evidence this is."))
    # Kept as a person reads it; a name of invisible characters only gets a plain one.
    name = clean_name(name) or UNNAMED
    check_name(name)
    received = _receive(chunks, name)
    stored = ""
    try:
        check_size(name, received.size, sniff(received.head))
        inspected = inspect(
            received.path, name=name, declared=declared_type, size=received.size, head=received.head
        )
        duplicate = (
            EvidenceItem.objects.present()
            .filter(order=order, sha256=received.sha256)
            .values_list("original_name", "added_at")
            .first()
        )
        if duplicate:
            raise Refused(
                "duplicate",
                _("“%(name)s” is already in this order's evidence, as “%(existing)s” (added %(date)s).")
                % {
                    "name": name,
                    "existing": duplicate[0],
                    "date": dates.moment_text(duplicate[1]),
                },
            )
        info = inspected.info
        in_file = read_capture_time(
            received.path, inspected.file_type, local_zone=_store_zone(order.store.time_zone)
        )
        when, source = _capture_time(captured_at, in_file)
        if name == UNNAMED:
            name = f"{UNNAMED}.{info.extensions[0]}"
        storage_name = f"originals/{received.sha256[:2]}/{uuid.uuid4().hex}.{info.extensions[0]}"
        with transaction.atomic(durable=True):
            with SpooledFile(received.path) as spooled:
                stored = evidence_storage().save(storage_name, spooled)
            item = _create_once(
                name,
                store_id=order.store_id,
                order=order,
                kind=kind,
                caption=caption.strip(),
                captured_at=when,
                captured_from=source,
                file_captured_at=in_file.at if in_file else None,
                added_by=by,
                original_name=name,
                size=received.size,
                file_type=inspected.file_type,
                content_type=info.content_type,
                sha256=received.sha256,
                storage_name=stored,
                width=inspected.width,
                height=inspected.height,
                verified_at=timezone.now(),
            )
            _audit(
                item,
                Action.EVIDENCE_ADDED,
                by=by,
                evidence_kind=item.kind,
                name=name,
                sha256=received.sha256,
            )
            transaction.on_commit(lambda: queue_previews(item.pk))
        return item
    except BaseException:
        if stored:
            evidence_storage().delete(stored)
        raise
    finally:
        received.path.unlink(missing_ok=True)


def _store_zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _capture_time(entered: datetime | None, in_file: FileTime | None) -> tuple[datetime, str]:
    """A time the user entered wins; else the file's own; else the moment of upload."""
    if entered is not None:
        return entered, CapturedFrom.ENTERED
    if in_file is not None:
        return in_file.at, CapturedFrom.FILE if in_file.zone_known else CapturedFrom.FILE_LOCAL
    return timezone.now(), CapturedFrom.UPLOAD


def _create_once(name: str, **fields) -> EvidenceItem:
    """The row; the same file added twice at the same moment loses to the constraint."""
    try:
        with transaction.atomic():
            return EvidenceItem.objects.create(**fields)
    except IntegrityError:
        raise Refused(
            "duplicate",
            _("“%(name)s” was just added to this order's evidence by someone else.") % {"name": name},
        ) from None


def queue_previews(item_id: int) -> None:
    from .tasks import make_previews

    make_previews.apply_async(args=[item_id], queue=settings.EVIDENCE_TASK_QUEUE)


@transaction.atomic
def evidence_edit(
    *, item: EvidenceItem, caption: str, kind: str, by, captured_at: datetime | None = None
) -> EvidenceItem:
    """Caption, kind and (when given and different) the capture time, each change audited."""
    item = EvidenceItem.objects.select_for_update().get(pk=item.pk)
    if item.deleted_at:
        raise EvidenceError(_("This evidence has been deleted."))
    if item.is_locked():
        raise EvidenceError(locked_edit_message(item))
    if kind not in EvidenceKind.values:
        raise EvidenceError(_("Choose what kind of evidence this is."))
    caption = caption.strip()
    changed = []
    if caption != item.caption:
        _audit(
            item,
            Action.EVIDENCE_CAPTION,
            by=by,
            name=item.original_name,
            was_caption=item.caption,
            caption=caption,
        )
        item.caption = caption
        changed.append("caption")
    if kind != item.kind:
        _audit(
            item,
            Action.EVIDENCE_KIND,
            by=by,
            name=item.original_name,
            was_evidence_kind=item.kind,
            evidence_kind=kind,
        )
        item.kind = kind
        changed.append("kind")
    if captured_at is not None and captured_at != item.captured_at:
        _audit(
            item,
            Action.EVIDENCE_CAPTURE_TIME,
            by=by,
            name=item.original_name,
            was_captured_at=item.captured_at,
            captured_at=captured_at,
        )
        item.captured_at, item.captured_from = captured_at, CapturedFrom.ENTERED
        changed += ["captured_at", "captured_from"]
    if changed:
        item.save(update_fields=changed)
    return item


def locked_edit_message(item: EvidenceItem) -> str:
    # What the appeal was shown is what stays: its caption and kind with it.
    return _(
        "This evidence was used in a submitted appeal (%(why)s): its caption and kind can no longer "
        "be changed."
    ) % {"why": item.locked_reason or _("locked")}


@transaction.atomic
def evidence_delete(*, item: EvidenceItem, by, reason: str) -> EvidenceItem:
    """Soft delete: the original stays in storage, the row stays, the gallery forgets it."""
    item = EvidenceItem.objects.select_for_update().select_related("store").get(pk=item.pk)
    if item.deleted_at:
        raise EvidenceError(_("This evidence has been deleted already."))
    if by is None or not is_manager(by, item.store):
        raise EvidenceError(_("Only a manager of the store can delete evidence."))
    reason = reason.strip()
    if not reason:
        raise EvidenceError(_("Say why this evidence is being deleted."))
    if item.is_locked():
        raise EvidenceError(
            _("This evidence was used in a submitted appeal (%(why)s) and cannot be deleted.")
            % {"why": item.locked_reason or _("locked")}
        )
    item.deleted_at, item.deleted_by, item.delete_reason = timezone.now(), by, reason
    item.save(update_fields=["deleted_at", "deleted_by", "delete_reason"])
    _audit(
        item, Action.EVIDENCE_DELETED, by=by, evidence_kind=item.kind, name=item.original_name, note=reason
    )
    return item


@transaction.atomic
def evidence_lock(
    *, item: EvidenceItem, reason: str, by=None, appeal: int | None = None, version: int | None = None
) -> EvidenceItem:
    """Called when an appeal that uses this evidence is submitted: from then on it stays. The
    audit row names the appeal and its version when given, else keeps the reason as text."""
    item = EvidenceItem.objects.select_for_update().get(pk=item.pk)
    if item.locked_at is None:
        item.locked_at, item.locked_reason = timezone.now(), reason[:300]
        item.save(update_fields=["locked_at", "locked_reason"])
        why = {"appeal": appeal, "version": version} if appeal else {"note": reason}
        _audit(item, Action.EVIDENCE_LOCKED, by=by, name=item.original_name, **why)
    return item


def previews_begin(item_id: int) -> EvidenceItem | None:
    """A delivery of the preview task starts: count it as unfinished until previews_end. None
    when the item is gone or its previews are settled already (a repeated delivery)."""
    with transaction.atomic():
        started = EvidenceItem.objects.filter(pk=item_id, previews=Previews.PENDING).update(
            preview_unfinished=F("preview_unfinished") + 1
        )
        if not started:
            return None
        return EvidenceItem.objects.select_related("order").get(pk=item_id)


def previews_end(item_id: int, status: str, thumb: str = "", preview: str = "", problem: str = "") -> None:
    EvidenceItem.objects.filter(pk=item_id).update(
        previews=status, thumb_name=thumb, preview_name=preview, preview_problem=problem, preview_unfinished=0
    )


def previews_pause(item_id: int) -> None:
    """The delivery ends cleanly without an outcome (a retry is queued): it is not unfinished."""
    EvidenceItem.objects.filter(pk=item_id).update(preview_unfinished=0)


def previews_retry(item_id: int) -> None:
    """A manager puts an item whose preview failed back in the queue."""
    with transaction.atomic():
        EvidenceItem.objects.filter(pk=item_id).update(
            previews=Previews.PENDING, preview_problem="", preview_unfinished=0
        )
        transaction.on_commit(lambda: queue_previews(item_id))


def verify_item(item: EvidenceItem, now: datetime | None = None) -> str:
    """Re-hash the stored original: "ok", "mismatch" the first time it differs (or is missing;
    recorded once), "known" when an earlier run already reported it."""
    now = now or timezone.now()
    digest = hashlib.sha256()
    try:
        with evidence_storage().open(item.storage_name, "rb") as f:
            for chunk in iter(lambda: f.read(CHUNK), b""):
                digest.update(chunk)
        actual = digest.hexdigest()
    except FileNotFoundError:
        actual = "missing"
    if actual == item.sha256:
        EvidenceItem.objects.filter(pk=item.pk).update(verified_at=now)
        return "ok"
    with transaction.atomic():
        # Claim the failure with a conditional UPDATE: a second run does not alert again.
        first = EvidenceItem.objects.filter(pk=item.pk, integrity_failed_at__isnull=True).update(
            integrity_failed_at=now, verified_at=now
        )
        if first:
            _audit(
                item,
                Action.EVIDENCE_INTEGRITY_FAILED,
                by=None,
                name=item.original_name,
                expected=item.sha256,
                actual=actual,
            )
    return "mismatch" if first else "known"


def fingerprint_retry(item_id: int) -> None:
    """A manager asks for a set-aside fingerprint check to run again."""
    from .tasks import verify_fingerprint

    transaction.on_commit(
        lambda: verify_fingerprint.apply_async(args=[item_id], queue=settings.EVIDENCE_TASK_QUEUE)
    )


def item_url(item_id: int) -> str | None:
    """Where a person sees the item: its card on the order's page."""
    order_id = EvidenceItem.objects.filter(pk=item_id).values_list("order_id", flat=True).first()
    return f"{reverse('disputes:order', args=[order_id])}#evidence-{item_id}" if order_id else None
