"""Malformed relay mail through the real entry points (`import_eml`, the IMAP poll against a real
Dovecot): every mail is filed or kept in the unmatched list with its reason, the good mail around
a poisoned one is filed, nothing is filed twice, errors are set aside for a retry, and every mail
connection gives up on a silent server."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.functional import empty
from imapclient import IMAPClient

from disputes import setaside
from disputes.models import SetAside, SetAsideKind
from messaging.models import Attachment, Message, StoreMessaging, UnmatchedMail
from messaging.storage import _storage
from messaging.tasks import poll_mailbox, refile_mail

from .mailservers import silent_server
from .test_mail_imap import imap  # noqa: F401  (the Dovecot fixture)
from .worker import ROOT

CORPUS = Path(__file__).parent / "bad_inputs" / "mail"


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


@pytest.fixture
def message_files(settings, tmp_path):
    """Attachments in a fresh private folder for the test."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    _storage._wrapped = empty
    yield tmp_path / "private" / "messages"
    _storage._wrapped = empty


def import_eml(world, *paths: Path) -> str:
    out = StringIO()
    with translation.override("en"):  # the reasons are stored in the language of the process
        call_command("import_eml", *[str(path) for path in paths], "--store", world.store_a.name, stdout=out)
    return out.getvalue()


def with_huge_header(raw: bytes) -> bytes:
    trace = b"".join(b"X-Relay-Trace: hop %d via relay.marketplace.example\r\n" % n for n in range(3000))
    return trace + raw


# --- import_eml ---------------------------------------------------------------------------

# Mail that is malformed but still says who wrote about which order is filed, made safe.
FILED = {
    "unknown_charset.eml": "The shade is broken",
    "unknown_charset_subject.eml": "Where is my parcel?",
    "attachment_dotdot.eml": "Photo attached.",
    "attachment_parent_path.eml": "Photo attached.",
    "attachment_with_path_parts.eml": "Two photos attached.",
    "broken_mime.eml": "Photos (Order: 111-0000001-0000001)",
    "missing_headers.eml": "The parcel never came.",
    "garbled_headers.eml": "(Order: 111-0000001-0000001)",  # marked as an attachment: the subject stands in
    "nul_bytes.eml": "The shade is cracked.",
}


@pytest.mark.parametrize("name", FILED)
def test_a_malformed_but_readable_mail_is_filed_safely(world, message_files, name):
    assert import_eml(world, CORPUS / name).startswith(f"{CORPUS / name}: filed")
    message = Message.objects.get()
    assert message.thread.order == world.order_a
    assert FILED[name] in message.body
    assert "\x00" not in message.body + message.subject
    for attachment in message.attachments.all():
        stored = Path(attachment.file.path).resolve()
        assert stored.is_relative_to(message_files.resolve()), stored
        assert (
            "/" not in attachment.name and "\\" not in attachment.name and attachment.name not in (".", "..")
        )


def test_attachment_names_keep_only_their_last_part(world, message_files):
    import_eml(
        world,
        CORPUS / "attachment_with_path_parts.eml",
        CORPUS / "attachment_dotdot.eml",
        CORPUS / "attachment_parent_path.eml",
    )
    assert sorted(Attachment.objects.values_list("name", flat=True)) == [
        "attachment",
        "attachment",
        "box photo.jpg",
        "shade.jpg",
        "x",
    ]


def test_a_poisoned_mail_is_kept_unmatched_with_its_reason_and_the_rest_is_filed(
    world, message_files, tmp_path
):
    huge = tmp_path / "huge_headers.eml"
    huge.write_bytes(with_huge_header(corpus("good_second.eml")))
    files = [
        CORPUS / "good_order_id.eml",
        CORPUS / "nested_comments_in_from.eml",
        huge,
        CORPUS / "good_third.eml",
    ]
    out = import_eml(world, *files)
    assert "2 filed, 2 unmatched, 0 duplicate" in out
    assert "nested_comments_in_from.eml: unmatched (The mail could not be read. RecursionError" in out
    assert "huge_headers.eml: unmatched (The mail's headers take" in out
    assert set(Message.objects.values_list("rfc_message_id", flat=True)) == {
        "<good-1@marketplace.example>",
        "<good-3@marketplace.example>",
    }
    kept = {mail.rfc_message_id: mail for mail in UnmatchedMail.objects.all()}
    assert bytes(kept["<bad-nested-from@marketplace.example>"].raw) == corpus("nested_comments_in_from.eml")
    assert "Inquiry from Marketplace customer Sam" in kept["<bad-nested-from@marketplace.example>"].subject
    # Headers too large to read: the mail is known by its content's fingerprint.
    huge_kept = UnmatchedMail.objects.get(why__contains="the desk reads at most 64.0")
    assert huge_kept.rfc_message_id.startswith("<sha256-") and bytes(huge_kept.raw) == huge.read_bytes()
    # Importing the same files again files nothing twice.
    assert "0 filed, 0 unmatched, 4 duplicate" in import_eml(world, *files)


def test_an_agent_filing_an_unreadable_mail_by_hand_is_told_why(world, message_files, agent_client):
    import_eml(world, CORPUS / "nested_comments_in_from.eml")
    mail = UnmatchedMail.objects.get()
    response = agent_client.post(
        reverse("messaging:unmatched_file", args=[mail.pk]),
        {"order": world.order_a.platform_order_id},
        follow=True,
    )
    assert response.status_code == 200
    assert "The mail could not be read. RecursionError" in response.content.decode()
    assert not Message.objects.exists()


def test_only_a_mail_that_failed_with_an_error_is_set_aside(world, message_files, tmp_path):
    huge = tmp_path / "huge_headers.eml"
    huge.write_bytes(with_huge_header(corpus("good_second.eml")))
    stranger = tmp_path / "stranger.eml"
    stranger.write_bytes(
        corpus("good_order_id.eml")
        .replace(b"q7x2buyer@", b"someone.else@")
        .replace(b"111-0000001-0000001", b"999-0000000-0000000")
    )
    import_eml(world, CORPUS / "nested_comments_in_from.eml", huge, stranger)
    assert UnmatchedMail.objects.count() == 3
    entry = SetAside.objects.get()
    mail = UnmatchedMail.objects.get(rfc_message_id="<bad-nested-from@marketplace.example>")
    assert (entry.kind, entry.subject_id, entry.store_id) == (
        SetAsideKind.INBOUND_MAIL,
        mail.pk,
        world.store_a.pk,
    )
    assert "RecursionError" in entry.reason and "Inquiry from Marketplace customer Sam" in entry.label


def test_an_attachment_over_the_cap_keeps_the_mail_unmatched_and_an_agent_is_told_why(
    world, message_files, settings, agent_client
):
    settings.DESK_MAIL_ATTACHMENT_MAX_BYTES = 20
    out = import_eml(world, CORPUS / "good_third.eml")
    assert "unmatched (The attachment “shade.jpg” is 57" in out and "up to 20" in out
    mail = UnmatchedMail.objects.get()
    assert not Message.objects.exists() and not SetAside.objects.exists()
    page = agent_client.get(reverse("messaging:unmatched")).content.decode()
    assert "The attachment “shade.jpg” is 57" in page
    response = agent_client.post(
        reverse("messaging:unmatched_file", args=[mail.pk]),
        {"order": world.order_a.platform_order_id},
        follow=True,
    )
    assert response.status_code == 200 and "The attachment “shade.jpg” is 57" in response.content.decode()
    assert not Message.objects.exists()


def test_a_mail_set_aside_by_an_error_is_filed_again_by_the_managers_retry(
    world, message_files, settings, tmp_path, manager_client, django_capture_on_commit_callbacks
):
    # The attachment folder cannot be created (a file stands where it should be): filing fails.
    blocker = tmp_path / "blocked"
    blocker.write_text("not a folder")
    settings.PRIVATE_MEDIA_ROOT = blocker / "private"
    _storage._wrapped = empty
    assert "unmatched (The mail could not be filed." in import_eml(world, CORPUS / "good_third.eml")
    mail = UnmatchedMail.objects.get()
    entry = SetAside.objects.get(kind=SetAsideKind.INBOUND_MAIL, resolved_at__isnull=True)
    assert entry.subject_id == mail.pk and "Error" in entry.reason
    assert (
        "Photos (Order: 111-0000001-0000001)"
        in manager_client.get(reverse("disputes:set_aside")).content.decode()
    )
    assert setaside.handler(SetAsideKind.INBOUND_MAIL).url(mail.pk) == reverse("messaging:unmatched")

    with django_capture_on_commit_callbacks() as queued:
        manager_client.post(reverse("disputes:set_aside_retry", args=[entry.pk]))
    assert len(queued) == 1  # the retry task is queued once the retry commits
    # A retry while the folder is still blocked sets the mail aside again.
    assert refile_mail(mail.pk) == "failed"
    assert SetAside.objects.filter(kind=SetAsideKind.INBOUND_MAIL, resolved_at__isnull=True).count() == 1

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "fixed"
    _storage._wrapped = empty
    assert refile_mail(mail.pk) == "filed"
    message = Message.objects.get()
    assert message.rfc_message_id == "<good-3@marketplace.example>"
    assert message.attachments.get().name == "shade.jpg"
    mail.refresh_from_db()
    assert mail.filed_message == message
    assert "0 filed, 0 unmatched, 1 duplicate" in import_eml(world, CORPUS / "good_third.eml")


# --- the IMAP poll --------------------------------------------------------------------------


@pytest.mark.slow
def test_the_poll_files_the_good_mail_around_a_poisoned_one_and_nothing_twice(world, imap, message_files):  # noqa: F811
    account = StoreMessaging.objects.create(
        store=world.store_a,
        imap_host=imap.host,
        imap_port=imap.port,
        imap_ssl=False,
        imap_user=imap.user,
        imap_password=imap.password,
        polling_enabled=True,
    )
    with IMAPClient(imap.host, port=imap.port, ssl=False) as client:
        client.login(imap.user, imap.password)
        for raw in [
            corpus("good_order_id.eml"),
            corpus("nested_comments_in_from.eml"),
            with_huge_header(corpus("good_second.eml")),
            corpus("attachment_dotdot.eml"),
            corpus("nul_bytes.eml"),
            corpus("good_third.eml"),
        ]:
            client.append("INBOX", raw)

    with translation.override("en"):
        assert poll_mailbox(account.pk) == {"filed": 4, "unmatched": 2, "duplicate": 0}
        assert poll_mailbox(account.pk) == {"filed": 0, "unmatched": 0, "duplicate": 6}
    assert set(Message.objects.values_list("rfc_message_id", flat=True)) == {
        "<good-1@marketplace.example>",
        "<bad-dotdot@marketplace.example>",
        "<bad-nul@marketplace.example>",
        "<good-3@marketplace.example>",
    }
    whys = dict(UnmatchedMail.objects.values_list("rfc_message_id", "why"))
    assert "RecursionError" in whys["<bad-nested-from@marketplace.example>"]
    assert [why for mail_id, why in whys.items() if mail_id.startswith("<sha256-")][0].startswith(
        "The mail's headers take"
    )
    assert (
        SetAside.objects.get().subject_id
        == UnmatchedMail.objects.get(rfc_message_id="<bad-nested-from@marketplace.example>").pk
    )
    account.refresh_from_db()
    assert account.last_poll_error == "" and account.last_polled_at is not None


# --- timeouts -------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_silent_imap_server_times_out_and_the_error_is_recorded(world, settings):
    settings.DESK_MAIL_TIMEOUT = 1
    with silent_server() as port:
        account = StoreMessaging.objects.create(
            store=world.store_a,
            imap_host="127.0.0.1",
            imap_port=port,
            imap_ssl=False,
            imap_user="relay",
            imap_password="x",
            polling_enabled=True,
        )
        with pytest.raises(OSError):
            poll_mailbox(account.pk)
    account.refresh_from_db()
    assert "timed out" in account.last_poll_error or "Timeout" in account.last_poll_error


@pytest.mark.slow
def test_a_silent_store_smtp_server_times_out_and_the_send_is_marked_failed(world, settings):
    from messaging import services
    from messaging.models import Delivery
    from messaging.tasks import send_reply

    settings.DESK_MAIL_TIMEOUT = 1
    with silent_server() as port:
        StoreMessaging.objects.create(
            store=world.store_a,
            from_address="support@alpha.example",
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_starttls=False,
        )
        message = services.reply_send(
            order=world.order_a, body="Your parcel is on its way.", by=world.agent_a
        )
        with pytest.raises(OSError):
            send_reply.run(message.pk)
    message.refresh_from_db()
    assert message.delivery == Delivery.FAILED and "timed out" in message.delivery_error


@pytest.mark.slow
def test_the_desks_own_mailer_gives_up_on_a_silent_smtp_server():
    send = (
        "from django.core.mail import send_mail\n"
        "send_mail('Overdue claim', 'Claim 1 is overdue.', None, ['manager@alpha.example'])\n"
    )
    with silent_server() as port:
        env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
        env.update({"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port), "DESK_MAIL_TIMEOUT": "1"})
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", send],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert "timed out" in result.stderr or "TimeoutError" in result.stderr, result.stderr[-2000:]
