import hashlib
import io
import stat
import struct

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pillow_heif import register_heif_opener

from evidence.models import EvidenceEvent, EvidenceItem, FileType

from .evidence_corpus import BAD_FILES, HERE, HTML, pdf, photo

register_heif_opener()

XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def upload(
    client,
    order,
    data: bytes,
    name: str,
    *,
    content_type: str = "application/octet-stream",
    kind: str = "buyer_media",
    file_name: str | None = None,
    **fields,
):
    return client.post(
        reverse("evidence:upload", args=[order.pk]),
        {
            "kind": kind,
            "file": SimpleUploadedFile(name, data, content_type=content_type),
            "file_name": name if file_name is None else file_name,
            **fields,
        },
        **XHR,
    )


def stored_files(private) -> list:
    return [p for p in private.rglob("*") if p.is_file()]


def mp4() -> bytes:
    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    return (
        box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")
        + box(b"moov", b"\x00" * 32)
        + box(b"mdat", b"\x01" * 64)
    )


def webm() -> bytes:
    # EBML header with DocType "webm", then a (tiny) Segment.
    return b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\x18\x53\x80\x67\x80"


def heic() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, "HEIF")
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(out, "WEBP")
    return out.getvalue()


GOOD = [
    ("box.jpg", photo(), "image/jpeg", FileType.JPEG),
    ("box.png", photo(fmt="PNG"), "image/png", FileType.PNG),
    ("box.webp", webp(), "image/webp", FileType.WEBP),
    ("IMG_0001.HEIC", heic(), "", FileType.HEIC),
    ("tracking.pdf", pdf(), "application/pdf", FileType.PDF),
    ("unboxing.mp4", mp4(), "video/mp4", FileType.MP4),
    ("unboxing.webm", webm(), "video/webm", FileType.WEBM),
]


@pytest.mark.parametrize(("name", "data", "content_type", "file_type"), GOOD, ids=[g[0] for g in GOOD])
def test_each_accepted_type_is_stored_privately_under_a_generated_name(
    agent_client, world, _private_evidence_storage, name, data, content_type, file_type
):
    response = upload(
        agent_client, world.order_a, data, name, content_type=content_type, caption="What it shows"
    )
    assert response.status_code == 201, response.content.decode()
    item = EvidenceItem.objects.get()
    assert (item.file_type, item.original_name, item.size) == (file_type, name, len(data))
    assert item.sha256 == hashlib.sha256(data).hexdigest()
    assert item.caption == "What it shows" and item.added_by == world.agent_a
    assert name.split(".")[0] not in item.storage_name
    stored = _private_evidence_storage / "evidence" / item.storage_name
    assert stored.read_bytes() == data
    # Read-only on disk: the original is never rewritten.
    assert stat.S_IMODE(stored.stat().st_mode) == 0o440
    assert stored_files(_private_evidence_storage) == [stored]
    assert EvidenceEvent.objects.get().action == "evidence_added"
    # The answer is the new card, whose thumbnail is still to come from the worker.
    assert f'id="evidence-{item.pk}"' in response.content.decode()
    assert response["HX-Trigger"] == "evidence-changed"


MESSAGES = {
    "bomb": "decompression bomb",
    "damaged": "damaged or incomplete JPEG",
    "html": "is a web page (HTML)",
    "trailing_data": "data hidden after the end of the picture",
    "svg": "SVG files can carry scripts",
    "empty": "is empty (0 bytes)",
    "bad_name": "contains a folder path",
}


@pytest.mark.parametrize("corpus_file", sorted(BAD_FILES))
def test_every_bad_file_of_the_corpus_is_refused_with_its_own_message_and_nothing_is_stored(
    agent_client, world, _private_evidence_storage, corpus_file
):
    upload_name, code = BAD_FILES[corpus_file]
    data = (HERE / corpus_file).read_bytes()
    response = upload(
        agent_client,
        world.order_a,
        data,
        upload_name,
        content_type="image/jpeg" if upload_name.endswith(".jpg") else "application/octet-stream",
    )
    assert response.status_code == 400
    assert MESSAGES[code] in response.content.decode()
    assert not EvidenceItem.objects.exists() and not EvidenceEvent.objects.exists()
    assert stored_files(_private_evidence_storage) == []


def test_an_oversized_file_is_refused_before_it_is_all_written(
    agent_client, world, settings, _private_evidence_storage
):
    settings.EVIDENCE_MAX_BYTES = {**settings.EVIDENCE_MAX_BYTES, "image": 20_000}
    big = photo(1600, 1200)
    assert len(big) > 20_000
    response = upload(agent_client, world.order_a, big, "big.jpg", content_type="image/jpeg")
    assert response.status_code == 400
    assert "is larger than 19.5\xa0KB: Photos may be at most 19.5\xa0KB" in response.content.decode()
    assert not EvidenceItem.objects.exists()
    assert stored_files(_private_evidence_storage) == []


def test_corpus_messages_are_all_different(agent_client, world, settings):
    settings.EVIDENCE_MAX_BYTES = {**settings.EVIDENCE_MAX_BYTES, "image": 20_000}
    seen = set()
    for corpus_file, (upload_name, _code) in BAD_FILES.items():
        seen.add(upload(agent_client, world.order_a, (HERE / corpus_file).read_bytes(), upload_name).content)
    seen.add(upload(agent_client, world.order_a, photo(1600, 1200), "big.jpg").content)
    assert len(seen) == len(BAD_FILES) + 1


@pytest.mark.parametrize(
    ("name", "data", "content_type", "expected"),
    [
        ("photo.png", photo(), "image/png", "is named as a .png file but its content is JPEG"),
        ("photo.jpg", photo(), "text/html", "was sent as text/html, but its content is JPEG"),
        ("notes.jpg", b"PK\x03\x04" + b"\x00" * 100, "image/jpeg", "is not a type the vault accepts"),
        ("clip.mp4", mp4()[:-10], "video/mp4", "damaged or incomplete MP4"),
        ("scan.pdf", pdf()[:200], "application/pdf", "damaged or incomplete PDF"),
    ],
    ids=["name", "declared", "unknown", "cut-video", "cut-pdf"],
)
def test_disagreeing_or_unknown_files_are_refused(
    agent_client, world, _private_evidence_storage, name, data, content_type, expected
):
    response = upload(agent_client, world.order_a, data, name, content_type=content_type)
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not EvidenceItem.objects.exists()
    assert stored_files(_private_evidence_storage) == []


def test_the_same_file_twice_on_one_order_is_refused(agent_client, world, _private_evidence_storage):
    data = photo()
    assert upload(agent_client, world.order_a, data, "first.jpg").status_code == 201
    response = upload(agent_client, world.order_a, data, "again.jpg")
    assert response.status_code == 400
    assert "is already in this order&#x27;s evidence, as “first.jpg”" in response.content.decode()
    assert EvidenceItem.objects.count() == 1 and len(stored_files(_private_evidence_storage)) == 1


def test_a_plain_form_post_takes_several_files_and_reports_each(agent_client, world):
    response = agent_client.post(
        reverse("evidence:upload", args=[world.order_a.pk]),
        {
            "kind": "pre_shipment_photo",
            "caption": "",
            "file": [
                SimpleUploadedFile("a.jpg", photo(label="a"), "image/jpeg"),
                SimpleUploadedFile("b.jpg", photo(label="b"), "image/jpeg"),
                SimpleUploadedFile("c.jpg", HTML, "image/jpeg"),
            ],
        },
        follow=True,
    )
    body = response.content.decode()
    assert "2 file(s) added to the evidence." in body and "is a web page (HTML)" in body
    assert sorted(EvidenceItem.objects.values_list("original_name", flat=True)) == ["a.jpg", "b.jpg"]


def test_an_unknown_kind_is_refused(agent_client, world):
    response = upload(agent_client, world.order_a, photo(), "a.jpg", kind="selfie")
    assert response.status_code == 400
    assert not EvidenceItem.objects.exists()


class CountingPayload:
    """Counts what the request handler reads of the body the test client sends."""

    def __init__(self, monkeypatch):
        from django.test import client

        self.read = 0
        original = client.FakePayload.read

        def read(payload, *args):
            data = original(payload, *args)
            self.read += len(data)
            return data

        monkeypatch.setattr(client.FakePayload, "read", read)


def post_large(client, order, head: bytes, size: int, name: str):
    """A multipart upload of `size` bytes starting with `head`, built as a browser sends it:
    the form's fields first, then the file."""
    boundary = "----desk-test-boundary"
    fields = b"".join(
        b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary.encode(), key, value)
        for key, value in ((b"kind", b"buyer_media"), (b"file_name", name.encode()))
    )
    body = (
        fields + b'--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n"
        % (boundary.encode(), name.encode())
        + head
        + b"\x00" * (size - len(head))
        + b"\r\n--%s--\r\n" % boundary.encode()
    )
    return client.post(
        reverse("evidence:upload", args=[order.pk]),
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
        **XHR,
    )


def test_a_file_of_no_accepted_type_is_refused_from_its_first_bytes_and_the_rest_is_never_read(
    agent_client, world, settings, tmp_path, monkeypatch, _private_evidence_storage
):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    payload = CountingPayload(monkeypatch)
    size = 40 * 1024 * 1024
    response = post_large(agent_client, world.order_a, b"PK\x03\x04" + b"\x14" * 60, size, "photos.jpg")
    assert response.status_code == 400
    assert "The content of “photos.jpg” is not a type the vault accepts" in response.content.decode()
    # The decision came from the first chunk: a sliver of the 40 MB was read, none of it kept.
    assert 0 < payload.read < 1024 * 1024
    assert list(tmp_path.iterdir()) == []
    assert not EvidenceItem.objects.exists() and stored_files(_private_evidence_storage) == []


def test_a_file_growing_past_its_types_cap_stops_being_read_there(
    agent_client, world, settings, monkeypatch, _private_evidence_storage
):
    settings.EVIDENCE_MAX_BYTES = {**settings.EVIDENCE_MAX_BYTES, "image": 2 * 1024 * 1024}
    payload = CountingPayload(monkeypatch)
    response = post_large(agent_client, world.order_a, photo()[:4096], 30 * 1024 * 1024, "huge.jpg")
    assert response.status_code == 400
    assert (
        "“huge.jpg” is larger than 2.0\xa0MB: Photos may be at most 2.0\xa0MB." in response.content.decode()
    )
    assert 2 * 1024 * 1024 < payload.read < 3 * 1024 * 1024
    assert not EvidenceItem.objects.exists() and stored_files(_private_evidence_storage) == []


def test_a_plain_form_post_keeps_the_files_before_one_stopped_at_its_first_bytes(agent_client, world):
    response = agent_client.post(
        reverse("evidence:upload", args=[world.order_a.pk]),
        {
            "kind": "pre_shipment_photo",
            "caption": "",
            "file": [
                SimpleUploadedFile("a.jpg", photo(label="a"), "image/jpeg"),
                SimpleUploadedFile("b.jpg", b"MZ" + b"\x90" * 70_000, "image/jpeg"),
            ],
        },
        follow=True,
    )
    body = response.content.decode()
    assert "1 file(s) added to the evidence." in body
    assert "The content of “b.jpg” is not a type the vault accepts" in body
    assert "The upload stopped at this file" in body
    assert list(EvidenceItem.objects.values_list("original_name", flat=True)) == ["a.jpg"]


def test_other_uploads_of_the_desk_are_not_judged_as_evidence(rf):
    from evidence.uploads import FirstBytesHandler

    request = rf.post("/imports/")
    handler = FirstBytesHandler(request)
    handler.new_file("file", "orders.csv", "text/csv", None)
    assert not handler.active
    assert handler.receive_data_chunk(b"order id,sku\n" * 1000, 0) == b"order id,sku\n" * 1000


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("invoice\u202efdp.jpg", "invoicefdp.jpg"),
        ("rec\u200beipt\u2060.jpg", "receipt.jpg"),
        ("cafe\u0301 box.jpg", "caf\u00e9 box.jpg"),
        ("  box\u0007.jpg ", "box.jpg"),
        ("\u202e\u200b", "evidence.jpg"),
    ],
    ids=["bidi-override", "zero-width", "decomposed", "control-and-spaces", "nothing-visible"],
)
def test_file_names_are_kept_as_a_person_reads_them(agent_client, world, given, kept):
    # The uploader sends the file's own name beside the file (Django drops a multipart name
    # with nothing printable in it).
    response = upload(
        agent_client, world.order_a, photo(), "upload.jpg", file_name=given, content_type="image/jpeg"
    )
    assert response.status_code == 201, response.content.decode()
    assert EvidenceItem.objects.get().original_name == kept
    assert EvidenceEvent.objects.get().params["name"] == kept


def test_a_name_cleaned_of_invisible_characters_is_still_checked_for_folders(agent_client, world):
    response = upload(
        agent_client, world.order_a, photo(), "\u200b../\u202eetc/box.jpg", content_type="image/jpeg"
    )
    assert response.status_code == 400
    assert "contains a folder path" in response.content.decode()
    assert not EvidenceItem.objects.exists()


def test_an_ordinary_pdf_with_an_open_destination_and_a_web_link_is_accepted(agent_client, world):
    from .evidence_corpus import one_page_pdf

    data = one_page_pdf(
        b"/OpenAction [3 0 R /Fit] ",
        page_extra=b"/Annots [5 0 R] ",
        more=(
            b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 20] "
            b"/A << /S /URI /URI (https://track.example/123) >> >>",
        ),
    )
    response = upload(agent_client, world.order_a, data, "tracking.pdf", content_type="application/pdf")
    assert response.status_code == 201, response.content.decode()
    assert EvidenceItem.objects.get().file_type == FileType.PDF
