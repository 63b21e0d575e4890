"""Inbound relay mail against a real IMAP server (Dovecot, started by the test)."""

import os

import pytest
from imapclient import IMAPClient

from messaging.models import Message, StoreMessaging, UnmatchedMail
from messaging.tasks import poll_mailbox, poll_mailboxes

from .mailservers import dovecot_available, dovecot_server
from .test_mail import relay_mail


@pytest.fixture
def imap():
    if not dovecot_available():
        if os.environ.get("CI"):
            pytest.fail(
                "CI must run the IMAP test: dovecot-imapd is missing or we are not root (see .ci/run)"
            )
        pytest.skip("needs Debian's dovecot-imapd and root (apt-get install dovecot-imapd)")
    with dovecot_server() as server:
        yield server


@pytest.mark.slow
def test_relay_mail_in_the_mailbox_is_filed_once_even_when_polled_twice(world, imap):
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
        client.append("INBOX", relay_mail())
        client.append("INBOX", relay_mail(sender="stranger@example.com", subject="Hi", message_id="<lost@x>"))

    assert poll_mailbox(account.pk) == {"filed": 1, "unmatched": 1, "duplicate": 0}
    assert poll_mailbox(account.pk) == {"filed": 0, "unmatched": 0, "duplicate": 2}

    message = Message.objects.get()
    assert message.thread.order == world.order_a
    assert message.rfc_message_id == "<m1@marketplace.example>"
    assert UnmatchedMail.objects.get().sender == "stranger@example.com"
    account.refresh_from_db()
    assert account.last_polled_at is not None and account.last_poll_error == ""
    # Read with PEEK: the mailbox still shows the messages as unread for people using it.
    with IMAPClient(imap.host, port=imap.port, ssl=False) as client:
        client.login(imap.user, imap.password)
        client.select_folder("INBOX", readonly=True)
        assert len(client.search(["UNSEEN"])) == 2


@pytest.mark.slow
def test_a_wrong_password_is_recorded_on_the_mailbox_settings(world, imap):
    from imapclient.exceptions import LoginError

    account = StoreMessaging.objects.create(
        store=world.store_a,
        imap_host=imap.host,
        imap_port=imap.port,
        imap_ssl=False,
        imap_user=imap.user,
        imap_password="wrong",
        polling_enabled=True,
    )
    with pytest.raises(LoginError):
        poll_mailbox(account.pk)
    account.refresh_from_db()
    assert "LoginError" in account.last_poll_error


def test_the_beat_task_is_a_no_op_without_mailboxes(db):
    assert poll_mailboxes() == 0
