"""Evidence in a private bucket on a real S3-compatible server (moto, on loopback): the same
vault, previews, nightly re-hash and clean-up as on the local folder."""

import hashlib
import io
import urllib.error
import urllib.request

import pytest
from django.core import mail
from django.urls import reverse
from PIL import Image

from evidence import services
from evidence.models import EvidenceEvent, EvidenceItem, Previews
from evidence.storage import evidence_storage
from evidence.tasks import make_previews, verify_fingerprints

from .evidence_corpus import add_evidence, pdf, photo
from .s3server import PREFIX
from .test_evidence_upload import upload
from .worker import celery_worker, wait_for


def test_the_evidence_storage_is_the_bucket(s3_bucket):
    assert type(evidence_storage()).__name__ == "S3Storage"
    assert evidence_storage().bucket_name == s3_bucket.name


def test_an_upload_lands_in_the_bucket_and_downloads_byte_exact(agent_client, world, s3_bucket):
    data = photo(1600, 1200, label="in the bucket")
    response = upload(agent_client, world.order_a, data, "parcel.jpg", content_type="image/jpeg")
    assert response.status_code == 201, response.content.decode()
    item = EvidenceItem.objects.get()
    assert item.sha256 == hashlib.sha256(data).hexdigest()
    assert s3_bucket.object_keys() == [f"{PREFIX}/{item.storage_name}"]
    assert s3_bucket.read(item.storage_name) == data

    download = agent_client.get(reverse("evidence:download", args=[item.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Cache-Control"] == "private, no-store"


def test_bucket_objects_are_private_and_reached_only_through_the_desk(
    agent_client, outsider_client, world, s3_bucket
):
    item = add_evidence(world.order_a, world.agent_a, photo(label="private"), name="private.jpg")
    # The object is there, and its plain address refuses a reader without the bucket's keys.
    assert s3_bucket.read(item.storage_name)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(s3_bucket.plain_url(item.storage_name), timeout=10)
    assert refused.value.code == 403
    acl = s3_bucket.client.get_object_acl(Bucket=s3_bucket.name, Key=f"{PREFIX}/{item.storage_name}")
    assert acl["Grants"] and all("URI" not in grant["Grantee"] for grant in acl["Grants"])
    # The order's page links the desk's views, never the bucket.
    page = agent_client.get(reverse("disputes:order", args=[world.order_a.pk])).content.decode()
    assert reverse("evidence:download", args=[item.pk]) in page
    assert s3_bucket.endpoint not in page and s3_bucket.name not in page
    # Another store's agent gets nothing.
    assert outsider_client.get(reverse("evidence:download", args=[item.pk])).status_code == 404


def test_previews_are_drawn_from_the_bucket_and_kept_in_it(agent_client, world, s3_bucket):
    item = add_evidence(world.order_a, world.agent_a, photo(4000, 3000), previews=False)
    assert make_previews(item.pk) == Previews.READY
    item.refresh_from_db()
    assert s3_bucket.object_keys() == sorted(
        f"{PREFIX}/{name}" for name in (item.storage_name, item.thumb_name, item.preview_name)
    )
    thumb = agent_client.get(reverse("evidence:thumb", args=[item.pk]))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/webp"
    image = Image.open(io.BytesIO(b"".join(thumb.streaming_content)))
    assert (image.format, image.size) == ("WEBP", (400, 300))

    document = add_evidence(world.order_a, world.agent_a, pdf("Delivered"), name="pod.pdf", kind="other")
    assert document.previews == Previews.READY
    page = Image.open(io.BytesIO(s3_bucket.read(document.preview_name)))
    assert page.height > page.width


def test_the_nightly_rehash_reads_the_bucket_and_alerts_on_a_changed_or_missing_object(world, s3_bucket):
    world.manager_a.email = "manager@example.com"
    world.manager_a.save()
    good = add_evidence(world.order_a, world.agent_a, photo(label="good"), name="good.jpg")
    changed = add_evidence(world.order_a, world.agent_a, photo(label="changed"), name="changed.jpg")
    gone = add_evidence(world.order_a, world.agent_a, photo(label="gone"), name="gone.jpg")
    assert verify_fingerprints() == {"ok": 3, "mismatch": 0, "known": 0, "set_aside": 0}

    s3_bucket.write(changed.storage_name, s3_bucket.read(changed.storage_name)[:-1] + b"\x00")
    s3_bucket.remove(gone.storage_name)
    mail.outbox.clear()
    assert verify_fingerprints() == {"ok": 1, "mismatch": 2, "known": 0, "set_aside": 0}
    failed = {
        e.item_id: e.params["actual"]
        for e in EvidenceEvent.objects.filter(action="evidence_integrity_failed")
    }
    assert set(failed) == {changed.pk, gone.pk}
    assert failed[gone.pk] == "missing" and failed[changed.pk] != changed.sha256
    assert sorted(len(m.to) for m in mail.outbox) == [1, 1]
    good.refresh_from_db()
    assert good.integrity_failed_at is None


def test_an_upload_that_fails_after_storing_leaves_nothing_in_the_bucket(world, s3_bucket, monkeypatch):
    def database_gone(*args, **kwargs):
        raise RuntimeError("the database went away")

    # The row's audit entry fails after the object was written: both must go.
    monkeypatch.setattr(services, "_audit", database_gone)
    with pytest.raises(RuntimeError):
        add_evidence(world.order_a, world.agent_a, photo(label="half"), name="half.jpg")
    assert not EvidenceItem.objects.exists()
    assert s3_bucket.object_keys() == []


def test_deleted_evidence_is_no_longer_served_but_its_original_stays_in_the_bucket(
    manager_client, world, s3_bucket
):
    data = photo(label="kept")
    item = add_evidence(world.order_a, world.agent_a, data, name="kept.jpg")
    response = manager_client.post(reverse("evidence:delete", args=[item.pk]), {"reason": "wrong order"})
    assert response.status_code in (200, 302)
    item.refresh_from_db()
    assert item.deleted_at is not None
    assert manager_client.get(reverse("evidence:download", args=[item.pk])).status_code == 404
    assert s3_bucket.read(item.storage_name) == data


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_configured_from_the_environment_draws_previews_into_the_bucket(
    world, settings, tmp_path, s3_bucket
):
    log = tmp_path / "worker.log"
    with celery_worker(log, env=s3_bucket.environment()) as queue:
        settings.EVIDENCE_TASK_QUEUE = queue
        item = add_evidence(world.order_a, world.agent_a, photo(1200, 900), previews=False)
        wait_for(lambda: EvidenceItem.objects.get(pk=item.pk).previews == Previews.READY, log_path=log)
    item.refresh_from_db()
    assert f"{PREFIX}/{item.thumb_name}" in s3_bucket.object_keys()
    assert Image.open(io.BytesIO(s3_bucket.read(item.preview_name))).size == (1200, 900)
