"""Evidence is dated by the file when the file says when it was made: EXIF (with its offset),
QuickTime/MP4 metadata and PDF CreationDate; the card says where the time came from; a user may
correct it, audited on the timeline; the timeline places the item at its capture time."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from disputes import claim_page, timeline
from evidence.models import CapturedFrom, EvidenceEvent, EvidenceItem
from evidence.selectors import Captured

from .capture_files import android_mp4, camera_jpeg, iphone_mov, pdf_with_date, phone_heic
from .evidence_corpus import add_evidence, photo
from .test_evidence_upload import upload

HTMX = {"HTTP_HX_REQUEST": "true"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


CASES = [
    # A camera with its offset: 14:02 in Shenzhen is 06:02 UTC.
    (
        "IMG_4471.JPG",
        camera_jpeg("2026:10:28 14:02:11", "+08:00"),
        "pre_shipment_photo",
        at("2026-10-28T06:02:11+00:00"),
        CapturedFrom.FILE,
    ),
    # A negative offset, and only DateTimeDigitized (a scanner).
    (
        "scan.jpg",
        camera_jpeg(None, "-05:00", digitized="2026:11:03 09:30:00", make="Epson", model="DS-530"),
        "packing_list",
        at("2026-11-03T14:30:00+00:00"),
        CapturedFrom.FILE,
    ),
    # An iPhone photo in HEIC, with its offset.
    (
        "IMG_0042.HEIC",
        phone_heic("2026:10:29 18:45:00", "+03:00"),
        "pre_shipment_photo",
        at("2026-10-29T15:45:00+00:00"),
        CapturedFrom.FILE,
    ),
    # An Android video: mvhd only, in UTC by the format's definition (and a version-1 mvhd).
    (
        "VID_20261030_101500.mp4",
        android_mp4(at("2026-10-30T10:15:00+00:00")),
        "packing_video",
        at("2026-10-30T10:15:00+00:00"),
        CapturedFrom.FILE,
    ),
    (
        "packing-64bit.mp4",
        android_mp4(at("2026-10-30T11:00:00+00:00"), version=1),
        "packing_video",
        at("2026-10-30T11:00:00+00:00"),
        CapturedFrom.FILE,
    ),
    # An iPhone video: Apple's local creation date with its offset wins over mvhd.
    (
        "IMG_0051.MOV",
        iphone_mov("2026-10-31T08:20:05+0800", at("2026-10-31T00:20:06+00:00")),
        "packing_video",
        at("2026-10-31T00:20:05+00:00"),
        CapturedFrom.FILE,
    ),
    # A PDF written with its zone.
    (
        "carrier-letter.pdf",
        pdf_with_date("D:20261101093000+01'00'"),
        "carrier_correspondence",
        at("2026-11-01T08:30:00+00:00"),
        CapturedFrom.FILE,
    ),
]


@pytest.mark.parametrize(("name", "data", "kind", "expected", "source"), CASES)
def test_the_capture_time_is_read_from_the_file(agent_client, world, name, data, kind, expected, source):
    response = upload(agent_client, world.order_a, data, name, kind=kind)
    assert response.status_code == 201, response.content.decode()
    item = EvidenceItem.objects.get()
    assert (item.captured_at, item.captured_from, item.file_captured_at) == (expected, source, expected)
    assert item.added_at - item.captured_at > timedelta(days=20)
    card = response.content.decode()
    assert 'data-captured-from="file"' in card and "(from the file)" in card


def test_a_local_time_without_its_zone_is_read_in_the_stores_zone_and_said_so(agent_client, world):
    # Store A is in Los Angeles: 09:00 there on 28 October is 16:00 UTC (summer time).
    response = upload(agent_client, world.order_a, camera_jpeg("2026:10:28 09:00:00"), "IMG_1.JPG")
    assert response.status_code == 201
    item = EvidenceItem.objects.get(original_name="IMG_1.JPG")
    assert item.captured_at == at("2026-10-28T16:00:00+00:00")
    assert item.captured_from == CapturedFrom.FILE_LOCAL
    assert "read in the store&#x27;s time zone" in response.content.decode()
    # A PDF date without its zone: the same, on the day Los Angeles leaves summer time.
    response = upload(agent_client, world.order_a, pdf_with_date("D:20261101093000"), "letter.pdf")
    assert response.status_code == 201
    letter = EvidenceItem.objects.get(original_name="letter.pdf")
    assert (letter.captured_at, letter.captured_from) == (
        at("2026-11-01T17:30:00+00:00"),
        CapturedFrom.FILE_LOCAL,
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("blank.jpg", camera_jpeg("0000:00:00 00:00:00", "+08:00")),  # the camera did not know
        ("reset-clock.jpg", camera_jpeg("1980:01:01 00:00:00")),  # never set
        ("tomorrow-and-more.jpg", camera_jpeg("2099:01:01 00:00:00", "+00:00")),
        ("no-exif.jpg", photo()),
        ("garbled.jpg", camera_jpeg("28/10/2026 14:02", "+8")),
        ("unset.mp4", android_mp4(None)),
        ("no-date.pdf", pdf_with_date(None)),
    ],
)
def test_a_file_without_a_believable_time_is_dated_at_upload(agent_client, world, name, data):
    before = timezone.now()
    response = upload(agent_client, world.order_a, data, name)
    assert response.status_code == 201, response.content.decode()
    item = EvidenceItem.objects.get()
    assert item.captured_from == CapturedFrom.UPLOAD and item.file_captured_at is None
    assert before <= item.captured_at <= timezone.now()
    assert "(time of upload)" in response.content.decode()


def test_an_entered_time_wins_and_the_files_own_is_kept(agent_client, world):
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        response = upload(
            agent_client,
            world.order_a,
            camera_jpeg("2026:10:28 14:02:11", "+08:00"),
            "IMG_4471.JPG",
            captured_at="2026-10-27T10:00",
        )
    assert response.status_code == 201
    item = EvidenceItem.objects.get()
    assert item.captured_from == CapturedFrom.ENTERED
    assert item.captured_at == at("2026-10-27T10:00:00+00:00")
    assert item.file_captured_at == at("2026-10-28T06:02:11+00:00")
    body = response.content.decode()
    assert "(entered)" in body and "The file says 2026-10-28 06:02 UTC." in body


def test_the_capture_time_is_corrected_audited_and_moves_on_the_timeline(agent_client, world):
    item = add_evidence(
        world.order_a, world.agent_a, camera_jpeg("2026:10:28 14:02:11", "+08:00"), name="IMG_4471.JPG"
    )
    url = reverse("evidence:edit", args=[item.pk])
    form = agent_client.get(url, **HTMX).content.decode()
    # The form shows the time in the reader's zone (UTC here), to the minute.
    assert 'name="captured_at"' in form and 'value="2026-10-28T06:02"' in form

    # Saved as shown (seconds dropped by the picker): no correction.
    response = agent_client.post(
        url, {"kind": item.kind, "caption": "", "captured_at": "2026-10-28T06:02"}, **HTMX
    )
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.captured_at == at("2026-10-28T06:02:11+00:00") and item.captured_from == CapturedFrom.FILE
    assert not EvidenceEvent.objects.filter(item=item, action="evidence_capture_time").exists()

    # The camera's clock was a day ahead: corrected.
    response = agent_client.post(
        url, {"kind": item.kind, "caption": "", "captured_at": "2026-10-27T06:02"}, **HTMX
    )
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.captured_at == at("2026-10-27T06:02:00+00:00")
    assert item.captured_from == CapturedFrom.ENTERED
    assert item.file_captured_at == at("2026-10-28T06:02:11+00:00")
    assert "The file says 2026-10-28 06:02 UTC." in response.content.decode()
    event = EvidenceEvent.objects.get(item=item, action="evidence_capture_time")
    assert event.actor == world.agent_a
    assert event.params == {
        "name": "IMG_4471.JPG",
        "was_captured_at": "2026-10-28T06:02:11+00:00",
        "captured_at": "2026-10-27T06:02:00+00:00",
    }
    # Worded in the reader's zone: Shanghai reads 14:02 and 14:02 a day earlier.
    with translation.override("en"), timezone.override(zoneinfo.ZoneInfo("Asia/Shanghai")):
        sentence = timeline.worded(event).sentence
    assert sentence.startswith("Capture time of “IMG_4471.JPG” corrected from ")
    assert "from 2026-10-28 14:02 CST to 2026-10-27 14:02 CST" in sentence

    # The claim's timeline: the photo first, at its corrected capture time, weeks before the
    # claim was opened (not at its upload, after it); the correction last, now.
    timeline.record(world.claim_a, timeline.Action.OPENED, at=world.claim_a.opened_at)
    entries = claim_page.timeline(world.claim_a)
    assert isinstance(entries[0], Captured) and entries[0].item == item
    assert entries[0].at == at("2026-10-27T06:02:00+00:00") < world.claim_a.opened_at
    with translation.override("en"):
        assert timeline.worded(entries[0]).sentence == "Evidence captured: Pre-shipment photo (entered)"
    assert entries[1].action == "opened"
    assert entries[-1].action == "evidence_capture_time"


def test_a_capture_time_cannot_be_corrected_on_locked_evidence(agent_client, world):
    from evidence import services

    item = add_evidence(world.order_a, world.agent_a, camera_jpeg("2026:10:28 14:02:11", "+08:00"))
    services.evidence_lock(item=item, reason="appeal #1")
    with pytest.raises(services.EvidenceError):
        services.evidence_edit(
            item=item,
            caption="",
            kind=item.kind,
            captured_at=datetime(2026, 10, 1, tzinfo=UTC),
            by=world.agent_a,
        )
    item.refresh_from_db()
    assert item.captured_at == at("2026-10-28T06:02:11+00:00")


def _read(tmp_path, data: bytes, file_type: str):
    from evidence.capture import read_capture_time

    path = tmp_path / "file"
    path.write_bytes(data)
    return read_capture_time(path, file_type, local_zone=zoneinfo.ZoneInfo("UTC"))


def test_broken_video_metadata_gives_no_time_and_never_an_error(tmp_path):
    from evidence.models import FileType

    from .capture_files import apple_meta, box, full_box, mvhd, trak

    ftyp = box(b"ftyp", b"qt  \x00\x00\x00\x00qt  ")
    cases = [
        # mvhd cut short inside its times.
        ftyp + box(b"moov", full_box(b"mvhd", 0, b"\x00\x00")),
        # A box claiming more bytes than the file has.
        ftyp + b"\xff\xff\xff\xf0moov" + b"\x00" * 40,
        # A 64-bit size smaller than its own header.
        ftyp + b"\x00\x00\x00\x01moov" + (4).to_bytes(8, "big"),
        # keys announcing four billion entries, and an ilst item pointing past them.
        ftyp
        + box(
            b"moov",
            mvhd(None)
            + trak()
            + box(
                b"meta",
                full_box(b"keys", 0, b"\xff\xff\xff\xff") + box(b"ilst", b"\x00\x00\x00\x08\x00\x00\x00\x09"),
            ),
        ),
        # Apple's creation date that is not a date.
        ftyp + box(b"moov", mvhd(None) + apple_meta("yesterday afternoon")),
    ]
    for data in cases:
        assert _read(tmp_path, data, FileType.MOV) is None


def test_apple_date_without_offset_is_local_and_mvhd_version_one_is_read(tmp_path):
    from evidence.models import FileType

    from .capture_files import box, iphone_mov, mvhd, trak

    found = _read(tmp_path, iphone_mov("2026-10-31T08:20:05", at("2026-10-31T00:20:06+00:00")), FileType.MOV)
    assert found is not None and (found.at, found.zone_known) == (at("2026-10-31T08:20:05+00:00"), False)
    # mvhd version 1 (64-bit times) in a file whose moov comes before the media data.
    moov_first = (
        box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")
        + box(b"moov", mvhd(at("2026-10-30T11:00:00+00:00"), version=1) + trak())
        + box(b"mdat", b"\x00" * 64)
    )
    found = _read(tmp_path, moov_first, FileType.MP4)
    assert found is not None and (found.at, found.zone_known) == (at("2026-10-30T11:00:00+00:00"), True)
