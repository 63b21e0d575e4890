import io
import re
import shutil
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from PIL import Image

from disputes.models import SetAside, SetAsideKind
from evidence.models import EvidenceEvent, EvidenceItem, PreviewProblem, Previews
from evidence.tasks import make_previews, verify_fingerprint, verify_fingerprints

from .evidence_corpus import BAD_INPUTS_DIR, HERE, add_evidence, pdf, photo
from .test_evidence_upload import mp4, stored_files
from .worker import celery_worker, wait_for


def stored_image(private, name: str) -> Image.Image:
    return Image.open(io.BytesIO((private / "evidence" / name).read_bytes()))


def test_photo_previews_are_small_upright_webp_files(world, _private_evidence_storage):
    item = add_evidence(world.order_a, world.agent_a, photo(4000, 3000), previews=False)
    assert item.previews == Previews.PENDING
    assert make_previews(item.pk) == Previews.READY
    item.refresh_from_db()
    thumb = stored_image(_private_evidence_storage, item.thumb_name)
    preview = stored_image(_private_evidence_storage, item.preview_name)
    assert (thumb.format, thumb.size) == ("WEBP", (400, 300))
    assert (preview.format, preview.size) == ("WEBP", (1600, 1200))
    # A second run (a retried task) changes nothing.
    assert make_previews(item.pk) == "skipped"


def test_a_pdf_preview_is_its_first_page(world, _private_evidence_storage):
    item = add_evidence(
        world.order_a, world.agent_a, pdf("Delivered 3 May"), name="pod.pdf", kind="proof_of_delivery"
    )
    assert item.previews == Previews.READY
    preview = stored_image(_private_evidence_storage, item.preview_name)
    assert preview.height > preview.width  # an A4 page, portrait


@pytest.mark.skipif(shutil.which("ffmpeg") is not None, reason="ffmpeg present: a real poster would be tried")
def test_a_video_without_ffmpeg_gets_the_generic_icon(world):
    item = add_evidence(world.order_a, world.agent_a, mp4(), name="packing.mp4", kind="packing_video")
    assert item.previews == Previews.NONE and item.thumb_name == ""


def test_nightly_rehash_alerts_managers_once_on_a_mismatch(world, _private_evidence_storage):
    world.manager_a.email = "manager@example.com"
    world.manager_a.save()
    good = add_evidence(world.order_a, world.agent_a, photo(label="good"), name="good.jpg")
    bad = add_evidence(world.order_a, world.agent_a, photo(label="bad"), name="bad.jpg")
    path = _private_evidence_storage / "evidence" / bad.storage_name
    path.chmod(0o640)
    path.write_bytes(path.read_bytes()[:-1] + b"\x00")
    mail.outbox.clear()

    assert verify_fingerprints() == {"ok": 1, "mismatch": 1, "known": 0, "set_aside": 0}
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.integrity_failed_at is not None and good.integrity_failed_at is None
    assert EvidenceEvent.objects.filter(item=bad, action="evidence_integrity_failed").count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["manager@example.com"]
    assert "bad.jpg" in mail.outbox[0].body and bad.sha256 in mail.outbox[0].body
    # The next night reports it as known, without a second alert.
    assert verify_fingerprints() == {"ok": 1, "mismatch": 0, "known": 1, "set_aside": 0}
    assert len(mail.outbox) == 1


def test_a_missing_original_is_a_mismatch(world, _private_evidence_storage):
    item = add_evidence(world.order_a, world.agent_a)
    (_private_evidence_storage / "evidence" / item.storage_name).unlink()
    assert verify_fingerprints()["mismatch"] == 1
    assert EvidenceEvent.objects.get(action="evidence_integrity_failed").params["actual"] == "missing"


def test_the_rehash_runs_nightly_from_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["evidence-fingerprints"]
    assert entry["task"] == "evidence.tasks.verify_fingerprints"
    assert entry["schedule"].hour == {3}


def test_add_evidence_command_uses_the_same_checks(world, tmp_path, capsys):
    good = tmp_path / "invoice.pdf"
    good.write_bytes(pdf("Refund issued"))
    call_command(
        "add_evidence",
        world.order_a.platform_order_id,
        str(good),
        "--kind",
        "refund_record",
        "--caption",
        "Refund of $25 on 4 May",
        "--captured-at",
        "2026-05-04T10:00",
        "--by",
        "agent_a",
    )
    item = EvidenceItem.objects.get()
    assert (item.kind, item.caption, item.added_by, item.original_name) == (
        "refund_record",
        "Refund of $25 on 4 May",
        world.agent_a,
        "invoice.pdf",
    )
    assert item.captured_at.isoformat().startswith("2026-05-04T10:00")
    assert f"SHA-256 {item.sha256}" in capsys.readouterr().out


def test_add_evidence_command_refuses_a_bad_file_and_stores_nothing(
    world, tmp_path, _private_evidence_storage
):
    before = stored_files(_private_evidence_storage)
    with pytest.raises(CommandError, match="is a web page"):
        call_command(
            "add_evidence", world.order_a.platform_order_id, str(HERE / "page.jpg"), "--kind", "other"
        )
    with pytest.raises(CommandError, match="No order"):
        call_command("add_evidence", "999-nope", str(HERE / "page.jpg"), "--kind", "other")
    assert not EvidenceItem.objects.exists()
    assert stored_files(_private_evidence_storage) == before


def test_seed_demo_attaches_generated_photos(db):
    call_command("seed_demo")
    items = EvidenceItem.objects.select_related("order")
    assert items.count() >= 3
    assert {"pre_shipment_photo", "buyer_media"} <= set(items.values_list("kind", flat=True))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_makes_previews_after_the_upload_commits(world, settings, tmp_path):
    log = tmp_path / "worker.log"
    with celery_worker(log) as queue:
        settings.EVIDENCE_TASK_QUEUE = queue
        item = add_evidence(world.order_a, world.agent_a, photo(1200, 900), previews=False)
        wait_for(lambda: EvidenceItem.objects.get(pk=item.pk).previews == Previews.READY, log_path=log)
    item.refresh_from_db()
    assert item.thumb_name and item.preview_name


def recursive_pdf_item(world):
    data = (BAD_INPUTS_DIR / "recursive-drawing.pdf").read_bytes()
    return add_evidence(
        world.order_a, world.agent_a, data, name="statement.pdf", kind="other", previews=False
    )


@pytest.mark.slow
def test_a_pdf_that_draws_itself_without_end_gets_no_preview_once_with_its_reason(
    world, settings, manager_client
):
    settings.EVIDENCE_PREVIEW_MEMORY_MB = 400
    item = recursive_pdf_item(world)
    assert make_previews(item.pk) == Previews.FAILED
    item.refresh_from_db()
    assert (item.previews, item.preview_problem, item.thumb_name) == (
        Previews.FAILED,
        PreviewProblem.CRASHED,
        "",
    )
    assert item.preview_unfinished == 0
    # The card says why, and keeps the original to download.
    card = manager_client.get(reverse("evidence:card", args=[item.pk])).content.decode()
    assert "data-preview-problem" in card
    assert "No preview: The preview maker stopped on this file" in card
    assert 'hx-trigger="load delay:1s"' not in card
    # Set aside for the managers, once; a repeated delivery does not draw it again.
    entry = SetAside.objects.get(kind=SetAsideKind.EVIDENCE_PREVIEW, subject_id=item.pk)
    assert (entry.store, entry.label, entry.attempts) == (
        world.store_a,
        "111-0000001-0000001 · statement.pdf",
        1,
    )
    assert "within its 400 MB of memory" in entry.reason
    assert make_previews(item.pk) == "skipped"
    assert SetAside.objects.get(pk=entry.pk).attempts == 1


@pytest.mark.slow
def test_a_preview_that_takes_too_long_is_stopped_at_its_time_limit(world, settings):
    settings.EVIDENCE_PREVIEW_SECONDS = 1
    item = recursive_pdf_item(world)
    assert make_previews(item.pk) == Previews.FAILED
    item.refresh_from_db()
    assert item.preview_problem == PreviewProblem.TIME
    assert "1 s" in SetAside.objects.get(subject_id=item.pk).reason


def test_an_item_whose_worker_died_under_it_twice_is_given_up_on(world):
    item = add_evidence(world.order_a, world.agent_a, previews=False)
    # Two deliveries started and never finished: the worker died under each.
    EvidenceItem.objects.filter(pk=item.pk).update(preview_unfinished=2)
    assert make_previews(item.pk) == Previews.FAILED
    item.refresh_from_db()
    assert (item.preview_problem, item.preview_unfinished) == (PreviewProblem.INTERRUPTED, 0)
    assert "stopped 2 times" in SetAside.objects.get(subject_id=item.pk).reason


def test_a_manager_puts_a_failed_preview_back_and_it_is_drawn(
    world, manager_client, _private_evidence_storage, django_capture_on_commit_callbacks
):
    item = add_evidence(world.order_a, world.agent_a, previews=False)
    path = _private_evidence_storage / "evidence" / item.storage_name
    original = path.read_bytes()
    path.chmod(0o640)
    path.unlink()
    path.mkdir()  # the storage fails on this one file
    assert make_previews(item.pk) == Previews.FAILED
    assert EvidenceItem.objects.get(pk=item.pk).preview_problem == PreviewProblem.STORAGE
    entry = SetAside.objects.get(kind=SetAsideKind.EVIDENCE_PREVIEW)
    page = manager_client.get(reverse("disputes:set_aside")).content.decode()
    assert f'href="{reverse("disputes:order", args=[world.order_a.pk])}#evidence-{item.pk}"' in page
    # The storage is repaired; the retry queues the item once its transaction commits.
    path.rmdir()
    path.write_bytes(original)
    with django_capture_on_commit_callbacks() as queued:
        response = manager_client.post(reverse("disputes:set_aside_retry", args=[entry.pk]))
    assert response.status_code == 302 and len(queued) == 1
    item.refresh_from_db()
    assert (item.previews, item.preview_problem) == (Previews.PENDING, "")
    assert make_previews(item.pk) == Previews.READY
    assert SetAside.objects.get(pk=entry.pk).resolved_at is not None
    assert not SetAside.objects.filter(resolved_at__isnull=True).exists()


def test_the_nightly_rehash_sets_aside_an_item_it_cannot_read_and_checks_the_rest(
    world, _private_evidence_storage, django_capture_on_commit_callbacks, manager_client
):
    from datetime import timedelta

    from django.utils import timezone

    unreadable = add_evidence(world.order_a, world.agent_a, photo(label="first"), name="first.jpg")
    later = add_evidence(world.order_a, world.agent_a, photo(label="second"), name="second.jpg")
    long_ago = timezone.now() - timedelta(days=3)
    # The unreadable one comes first in the walk; the other one must still be checked.
    EvidenceItem.objects.filter(pk=unreadable.pk).update(verified_at=long_ago - timedelta(days=1))
    EvidenceItem.objects.filter(pk=later.pk).update(verified_at=long_ago)
    path = _private_evidence_storage / "evidence" / unreadable.storage_name
    original = path.read_bytes()
    path.chmod(0o640)
    path.unlink()
    path.mkdir()  # a storage error: opening it fails with IsADirectoryError

    assert verify_fingerprints() == {"ok": 1, "mismatch": 0, "known": 0, "set_aside": 1}
    assert EvidenceItem.objects.get(pk=later.pk).verified_at > long_ago
    assert EvidenceItem.objects.get(pk=unreadable.pk).integrity_failed_at is None
    entry = SetAside.objects.get(kind=SetAsideKind.EVIDENCE_FINGERPRINT)
    assert (entry.subject_id, entry.label) == (unreadable.pk, "111-0000001-0000001 · first.jpg")
    assert entry.reason.startswith("IsADirectoryError")
    # The storage is repaired; a manager's retry checks that one item again.
    path.rmdir()
    path.write_bytes(original)
    with django_capture_on_commit_callbacks() as queued:
        manager_client.post(reverse("disputes:set_aside_retry", args=[entry.pk]))
    assert len(queued) == 1
    assert verify_fingerprint(unreadable.pk) == "ok"
    assert not SetAside.objects.filter(resolved_at__isnull=True).exists()


def test_the_nightly_rehash_closes_an_entry_once_the_item_checks_out(world, _private_evidence_storage):
    item = add_evidence(world.order_a, world.agent_a)
    path = _private_evidence_storage / "evidence" / item.storage_name
    original = path.read_bytes()
    path.chmod(0o640)
    path.unlink()
    path.mkdir()
    assert verify_fingerprints()["set_aside"] == 1
    assert verify_fingerprints()["set_aside"] == 1
    assert SetAside.objects.get().attempts == 2
    path.rmdir()
    path.write_bytes(original)
    assert verify_fingerprints() == {"ok": 1, "mismatch": 0, "known": 0, "set_aside": 0}
    assert SetAside.objects.get().resolved_at is not None


def test_the_nightly_rehash_runs_in_short_chunks_each_queueing_the_next(
    world, _private_evidence_storage, monkeypatch, django_capture_on_commit_callbacks
):
    from evidence import tasks

    first, second, third = (
        add_evidence(
            world.order_a, world.agent_a, photo(colour=(n * 60, 90, 40)), name=f"box-{n}.jpg", previews=False
        )
        for n in range(3)
    )
    # A chunk's time is up after its first item: it hands the rest to the next chunk.
    monkeypatch.setattr(tasks, "FINGERPRINT_CHUNK_SECONDS", -1)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert verify_fingerprints() == {"ok": 1, "mismatch": 0, "known": 0, "set_aside": 0}
    [follow_up] = queued
    assert follow_up.args == (first.pk,)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert verify_fingerprints(*follow_up.args)["ok"] == 1
    assert queued[0].args == (second.pk,)
    # The last item ends the walk: nothing more is queued.
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert verify_fingerprints(second.pk)["ok"] == 1
    assert queued == []
    assert EvidenceItem.objects.filter(pk=third.pk, verified_at__isnull=False).exists()


def worker_pid(queue: str) -> int:
    """The worker process started for this queue (its command line names the queue)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"--queues={queue}".encode() in command:
                return int(entry.name)
    raise AssertionError(f"no worker process for {queue}")


def peak_rss_mb(pid: int) -> float:
    """The most resident memory the process ever had (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_draws_every_good_preview_around_a_render_bomb_and_stays_small(
    world, settings, tmp_path, monkeypatch
):
    monkeypatch.setenv("EVIDENCE_PREVIEW_MEMORY_MB", "512")
    log = tmp_path / "worker.log"
    with celery_worker(log) as queue:
        settings.EVIDENCE_TASK_QUEUE = queue
        first = add_evidence(
            world.order_a, world.agent_a, photo(1600, 1200, label="one"), name="one.jpg", previews=False
        )
        bomb = recursive_pdf_item(world)
        document = add_evidence(
            world.order_a,
            world.agent_a,
            pdf("Delivered"),
            name="pod.pdf",
            kind="proof_of_delivery",
            previews=False,
        )
        last = add_evidence(
            world.order_a, world.agent_a, photo(1200, 900, label="two"), name="two.jpg", previews=False
        )
        items = [first, bomb, document, last]
        wait_for(
            lambda: (
                not EvidenceItem.objects.filter(previews=Previews.PENDING).exists()
                and SetAside.objects.filter(subject_id=bomb.pk).exists()
            ),
            timeout=120,
            log_path=log,
        )
        # Time for a redelivery to show up in the log, had the bomb's task been handed out again.
        time.sleep(2)
        peak = peak_rss_mb(worker_pid(queue))
    for item in items:
        item.refresh_from_db()
    assert [item.previews for item in items] == [
        Previews.READY,
        Previews.FAILED,
        Previews.READY,
        Previews.READY,
    ]
    assert all(item.thumb_name and item.preview_name for item in items if item != bomb)
    assert (bomb.preview_problem, bomb.preview_unfinished) == (PreviewProblem.CRASHED, 0)
    assert SetAside.objects.get(kind=SetAsideKind.EVIDENCE_PREVIEW).attempts == 1
    # One delivery per upload: the bomb's task was not handed out again.
    received = re.findall(r"Task evidence\.tasks\.make_previews\[[0-9a-f-]+\] received", log.read_text())
    assert len(received) == len(items)
    # The bomb grew only its own capped child: the worker stayed far below the bomb's appetite.
    assert peak < 300, f"worker peaked at {peak:.0f} MB"
