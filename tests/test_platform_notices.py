"""The platforms' notification mails open, update and decide claims by themselves
(tests/notices/: Amazon A-to-z in English, German and Japanese, chargeback, negative feedback;
eBay in English and German; Ozon in Russian; a digest, a look-alike, a forged one and a buyer
who threatens a claim), through `import_eml` and the IMAP poll against a real Dovecot. Each
notice acts once, however often it is read; nothing that is not a trusted notice changes a claim."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from imapclient import IMAPClient

from disputes import deadlines
from disputes.models import (
    Buyer,
    Claim,
    ClaimEvent,
    ClaimKind,
    ClaimStatus,
    Order,
    Outcome,
    Platform,
    Reason,
    RootCause,
    Store,
)
from disputes.services import PostMortemDraft, claim_close
from disputes.timeline import Action
from messaging import notices
from messaging.inbound import file_mail_explained, mail_refile
from messaging.models import Direction, Message, PlatformNotice, ReplyState, StoreMessaging, UnmatchedMail
from messaging.tasks import poll_mailbox

from .conftest import client_for
from .test_mail_imap import imap  # noqa: F401  (the Dovecot fixture)

MAILS = Path(__file__).parent / "notices"
FILED = MAILS / "amazon_en_atoz_filed.eml"
INFO = MAILS / "amazon_en_atoz_info_request.eml"
GRANTED = MAILS / "amazon_en_atoz_decided_granted.eml"
CHARGEBACK = MAILS / "amazon_en_chargeback_notification.eml"
FEEDBACK = MAILS / "amazon_en_negative_feedback.eml"
DIGEST = MAILS / "amazon_en_account_health_digest.eml"
LOOK_ALIKE = MAILS / "amazon_en_lookalike_decision.eml"
FORGED = MAILS / "amazon_en_forged_dmarc_fail.eml"
BUYER = MAILS / "buyer_threatens_atoz.eml"
AMAZON_US = [FILED, INFO, LOOK_ALIKE, FORGED, GRANTED, CHARGEBACK, FEEDBACK, DIGEST, BUYER]
OZON = [
    MAILS / "ozon_return_request.eml",
    MAILS / "ozon_dispute_opened.eml",
    MAILS / "ozon_dispute_decided.eml",
]

LOOK_ALIKE_WHY = (
    "The mail reads like a claim notice from Amazon, but atoz-guarantee-no-reply@amazon-seller-claims.com "
    "is not one of Amazon's own addresses: nothing was changed."
)
FORGED_WHY = (
    "A claim notice from Amazon that cannot be trusted (the receiving server did not confirm SPF, DKIM, "
    "DMARC for amazon.com): nothing was changed."
)
DIGEST_WHY = "A mail from Amazon (seller-notification@amazon.com) that is not a claim notice the desk reads."


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def store(name: str, platform: str, marketplace: str, zone: str, currency: str, *order_ids: str) -> Store:
    created = Store.objects.create(
        name=name, platform=platform, marketplace=marketplace, time_zone=zone, currency=currency
    )
    for order_id in order_ids:
        Order.objects.create(
            store=created,
            platform_order_id=order_id,
            purchased_at=at("2026-11-20T10:00:00"),
            currency=currency,
            total="50.00",
        )
    return created


@pytest.fixture
def shops(world):
    """The world's Amazon US store with the notices' orders, and one store per other
    marketplace the notices come from (Ozon: the world's Bravo Ozon RU)."""
    Buyer.objects.filter(pk=world.order_a.buyer_id).update(alias="q7x2buyer@marketplace.amazon.com")
    for order_id in ("112-3456789-0123456", "113-2468013-5791357", "114-1357913-2468024"):
        Order.objects.create(
            store=world.store_a,
            platform_order_id=order_id,
            purchased_at=at("2026-11-20T10:00:00"),
            currency="USD",
            total="48.97",
        )
    store("Alpha Amazon DE", Platform.AMAZON, "DE", "Europe/Berlin", "EUR", "302-7777777-1234567")
    store("Alpha Amazon JP", Platform.AMAZON, "JP", "Asia/Tokyo", "JPY", "503-2222222-7654321")
    store("Alpha eBay US", Platform.EBAY, "US", "America/Los_Angeles", "USD", "12-34567-89012")
    store("Alpha eBay DE", Platform.EBAY, "DE", "Europe/Berlin", "EUR", "14-98765-43210")
    Order.objects.create(
        store=world.store_b,
        platform_order_id="87654321-0015-1",
        purchased_at=at("2026-11-25T09:00:00"),
        currency="RUB",
        total="2490.00",
    )
    return world


def import_eml(store_name: str, *paths: Path) -> list[str]:
    out = StringIO()
    with translation.override("en"):
        call_command("import_eml", *map(str, paths), "--store", store_name, stdout=out)
    return out.getvalue().splitlines()


def claim_of(order_id: str, kind: str) -> Claim:
    return Claim.objects.get(order__platform_order_id=order_id, kind=kind)


def actions(claim: Claim) -> list[str]:
    """The claim's timeline in the order it was written."""
    return list(claim.events.order_by("pk").values_list("action", flat=True))


def check_amazon_us(world) -> None:
    """What the nine Amazon US mails leave in the database, however they came in."""
    atoz = claim_of("112-3456789-0123456", ClaimKind.A_TO_Z)
    assert (atoz.store, atoz.reason, atoz.amount, atoz.platform_claim_id) == (
        world.store_a,
        Reason.NOT_RECEIVED,
        Decimal("48.97"),
        "4F7K2M9QX1",
    )
    assert atoz.opened_at == at("2026-12-01T17:15:02")
    assert atoz.platform_requested_at == at("2026-12-02T18:10:44")
    # Granted and debited: decided, waiting for its post-mortem; no response owed any more.
    assert (atoz.status, atoz.outcome, atoz.decided_at) == (
        ClaimStatus.DECIDED,
        Outcome.GRANTED_SELLER_FUNDED,
        at("2026-12-04T16:30:11"),
    )
    assert atoz.counts_toward_odr and atoz.closed_at is None and atoz.assignee is None
    assert (atoz.respond_by, atoz.next_alert_at) == (None, None)
    # The deadlines the notices stated: 11:59 PM PST on Dec 4, then 10:10 AM PST on Dec 5.
    stated = atoz.events.filter(action=Action.DEADLINE_SET).order_by("pk")
    assert [event.params["respond_by"] for event in stated] == [
        "2026-12-05T07:59:00+00:00",
        "2026-12-05T18:10:00+00:00",
    ]
    assert actions(atoz) == [
        Action.OPENED,
        Action.DEADLINE_SET,
        Action.PLATFORM_NOTICE,
        Action.PLATFORM_REQUEST,
        Action.DEADLINE_SET,
        Action.PLATFORM_NOTICE,
        Action.STATUS,
        Action.OUTCOME,
        Action.DECIDED,
        Action.PLATFORM_NOTICE,
    ]
    notices_kept = atoz.platform_notices.order_by("received_at")
    assert [notice.event for notice in notices_kept] == ["opened", "request", "decided"]
    assert "granted it to the buyer" in notices_kept[2].body and "Copyright" not in notices_kept[2].subject
    assert atoz.events.filter(action=Action.PLATFORM_NOTICE, params__subject=GRANTED_SUBJECT).exists()

    chargeback = claim_of("113-2468013-5791357", ClaimKind.CHARGEBACK)
    assert (chargeback.reason, chargeback.amount, chargeback.platform_claim_id, chargeback.status) == (
        Reason.NOT_RECEIVED,
        Decimal("129.00"),
        "CB-9X31-77Q2",
        ClaimStatus.NEW,
    )
    # No date in the notice: the rule's 7 days from the notice.
    due = deadlines.for_claim(chargeback)
    assert due is not None and chargeback.respond_by == due.due
    assert chargeback.respond_by - chargeback.opened_at >= timedelta(days=7)

    feedback = claim_of("114-1357913-2468024", ClaimKind.NEGATIVE_FEEDBACK)
    assert (feedback.reason, feedback.opened_at, feedback.status) == (
        Reason.DAMAGED,
        at("2026-12-03T12:15:00"),
        ClaimStatus.NEW,
    )

    # The buyer who threatens a claim wrote a message; the order's own claim is untouched.
    threat = Message.objects.get(thread__order=world.order_a)
    assert threat.direction == Direction.FROM_BUYER and threat.reply_state == ReplyState.AWAITING
    assert "A-to-z Guarantee claim" in threat.body
    assert list(Claim.objects.filter(order=world.order_a)) == [world.claim_a]
    world.claim_a.refresh_from_db()
    assert world.claim_a.status == ClaimStatus.NEW and world.claim_a.platform_notices.count() == 0

    # The rest waits in the unmatched list, each saying why.
    assert {mail.rfc_message_id: mail.why for mail in UnmatchedMail.objects.filter(store=world.store_a)} == {
        "<20261204090240.77aa@amazon-seller-claims.com>": LOOK_ALIKE_WHY,
        "<20261204091500.1b2c@bulk-sender.example>": FORGED_WHY,
        "<0100018c40000000-health-digest-49@email.amazonses.com>": DIGEST_WHY,
    }
    assert Claim.objects.filter(store=world.store_a).count() == 4  # the world's and three opened


GRANTED_SUBJECT = "A-to-z Guarantee claim decision: Order 112-3456789-0123456"


def test_amazon_notices_through_import_eml(shops):
    lines = import_eml(shops.store_a.name, *AMAZON_US)
    assert lines == [
        f"{FILED}: claim opened",
        f"{INFO}: claim updated",
        f"{LOOK_ALIKE}: unmatched ({LOOK_ALIKE_WHY})",
        f"{FORGED}: unmatched ({FORGED_WHY})",
        f"{GRANTED}: claim closed",
        f"{CHARGEBACK}: claim opened",
        f"{FEEDBACK}: claim opened",
        f"{DIGEST}: unmatched ({DIGEST_WHY})",
        f"{BUYER}: filed",
        "1 filed, 3 unmatched, 0 duplicate, 3 claim opened, 1 claim updated, 1 claim closed",
    ]
    check_amazon_us(shops)
    events = ClaimEvent.objects.count()
    # Read again: nothing changes.
    assert import_eml(shops.store_a.name, *AMAZON_US)[-1] == "0 filed, 0 unmatched, 9 duplicate"
    assert ClaimEvent.objects.count() == events and PlatformNotice.objects.count() == 5
    check_amazon_us(shops)


@pytest.mark.slow
def test_notices_through_the_imap_poll_act_once_when_polled_twice(shops, imap):  # noqa: F811
    with IMAPClient(imap.host, port=imap.port, ssl=False) as client:
        client.login(imap.user, imap.password)
        for path in AMAZON_US:
            client.append("INBOX", path.read_bytes())
        client.create_folder("Ozon")
        for path in OZON:
            client.append("Ozon", path.read_bytes())
    accounts = [
        StoreMessaging.objects.create(
            store=shop,
            imap_host=imap.host,
            imap_port=imap.port,
            imap_ssl=False,
            imap_user=imap.user,
            imap_password=imap.password,
            imap_folder=folder,
            polling_enabled=True,
        )
        for shop, folder in ((shops.store_a, "INBOX"), (shops.store_b, "Ozon"))
    ]
    with translation.override("en"):
        assert poll_mailbox(accounts[0].pk) == {
            "filed": 1,
            "unmatched": 3,
            "duplicate": 0,
            "claim opened": 3,
            "claim updated": 1,
            "claim closed": 1,
        }
        assert poll_mailbox(accounts[1].pk) == {
            "filed": 0,
            "unmatched": 0,
            "duplicate": 0,
            "claim opened": 1,
            "claim updated": 1,
            "claim closed": 1,
        }
        assert poll_mailbox(accounts[0].pk) == {"filed": 0, "unmatched": 0, "duplicate": 9}
        assert poll_mailbox(accounts[1].pk) == {"filed": 0, "unmatched": 0, "duplicate": 3}
    check_amazon_us(shops)
    check_ozon(shops)


def check_ozon(world) -> None:
    dispute = claim_of("87654321-0015-1", ClaimKind.OZON_DISPUTE)
    assert (dispute.store, dispute.reason, dispute.amount, dispute.platform_claim_id) == (
        world.store_b,
        Reason.DAMAGED,
        Decimal("2490"),
        "1029384756",
    )
    assert dispute.opened_at == at("2026-12-02T11:20:00")
    assert dispute.platform_requested_at == at("2026-12-03T15:05:00")
    assert (dispute.status, dispute.outcome, dispute.counts_toward_odr) == (
        ClaimStatus.DECIDED,
        Outcome.DENIED,
        False,
    )
    stated = dispute.events.filter(action=Action.DEADLINE_SET).order_by("pk")
    # 24 hours from the request (14:20 Moscow), then the dispute's 18:00 Moscow.
    assert [event.params["respond_by"] for event in stated] == [
        "2026-12-03T11:20:00+00:00",
        "2026-12-05T15:00:00+00:00",
    ]
    assert dispute.platform_notices.count() == 3


# store, files in order, each file's result, then checks of the claim: order id, kind, and
# (reason, amount, platform claim id, status, outcome, stated respond-by of the first notice).
MARKETPLACES = [
    (
        "Alpha Amazon DE",
        ["amazon_de_atoz_eingegangen.eml", "amazon_de_atoz_entscheidung.eml"],
        ["claim opened", "claim closed"],
        ("302-7777777-1234567", ClaimKind.A_TO_Z),
        (Reason.DAMAGED, Decimal("1059.90"), "DE8Q2W7ZP4", ClaimStatus.DECIDED, Outcome.DENIED),
        "2026-12-05T22:59:00+00:00",  # 23:59 MEZ
    ),
    (
        "Alpha Amazon JP",
        ["amazon_ja_hoshou_uketsuke.eml", "amazon_ja_hoshou_kekka.eml"],
        ["claim opened", "claim closed"],
        ("503-2222222-7654321", ClaimKind.A_TO_Z),
        (
            Reason.NOT_RECEIVED,
            Decimal("3980"),
            "JP5T8N3RK6",
            ClaimStatus.DECIDED,
            Outcome.GRANTED_SELLER_FUNDED,
        ),
        "2026-12-05T14:59:00+00:00",  # 23:59 JST
    ),
    (
        "Alpha eBay US",
        ["ebay_en_inr_request_opened.eml", "ebay_en_case_escalated.eml", "ebay_en_case_closed.eml"],
        ["claim opened", "claim updated", "claim closed"],
        ("12-34567-89012", ClaimKind.EBAY_CASE),
        (
            Reason.NOT_RECEIVED,
            Decimal("35.50"),
            "5301234567",
            ClaimStatus.DECIDED,
            Outcome.GRANTED_SELLER_FUNDED,
        ),
        "2026-12-05T07:59:59+00:00",  # the end of Dec 4 in the store's time zone (Los Angeles)
    ),
    (
        "Alpha eBay DE",
        ["ebay_de_fall_eroeffnet.eml"],
        ["claim opened"],
        ("14-98765-43210", ClaimKind.EBAY_CASE),
        (Reason.NOT_AS_DESCRIBED, Decimal("42.00"), "5309876543", ClaimStatus.NEW, ""),
        "2026-12-08T22:59:59+00:00",  # the end of Dec 8 in Berlin
    ),
    (
        "Bravo Ozon RU",
        [path.name for path in OZON],
        ["claim opened", "claim updated", "claim closed"],
        ("87654321-0015-1", ClaimKind.OZON_DISPUTE),
        (Reason.DAMAGED, Decimal("2490"), "1029384756", ClaimStatus.DECIDED, Outcome.DENIED),
        "2026-12-03T11:20:00+00:00",  # 14:20 Moscow
    ),
]


@pytest.mark.parametrize(
    ("store_name", "files", "results", "which", "values", "first_due"),
    MARKETPLACES,
    ids=[row[0] for row in MARKETPLACES],
)
def test_each_marketplace_and_language_opens_updates_and_decides_once(
    shops, store_name, files, results, which, values, first_due
):
    paths = [MAILS / name for name in files]
    lines = import_eml(store_name, *paths)
    assert lines[:-1] == [f"{path}: {result}" for path, result in zip(paths, results, strict=True)]
    claim = claim_of(*which)
    assert claim.store.name == store_name
    assert (claim.reason, claim.amount, claim.platform_claim_id, claim.status, claim.outcome) == values
    first = claim.events.filter(action=Action.DEADLINE_SET).order_by("pk").first()
    assert first is not None and first.params["respond_by"] == first_due
    assert claim.platform_notices.count() == len(files)
    assert claim.events.filter(action=Action.PLATFORM_NOTICE).count() == len(files)
    if store_name == "Bravo Ozon RU":
        check_ozon(shops)
    events = ClaimEvent.objects.count()
    assert import_eml(store_name, *paths)[-1] == f"0 filed, 0 unmatched, {len(files)} duplicate"
    assert ClaimEvent.objects.count() == events and Claim.objects.filter(order=claim.order).count() == 1


def test_a_look_alike_or_forged_decision_never_decides_an_open_claim(shops):
    import_eml(shops.store_a.name, FILED)
    claim = claim_of("112-3456789-0123456", ClaimKind.A_TO_Z)
    before = (claim.status, claim.outcome, claim.respond_by, claim.version)
    assert import_eml(shops.store_a.name, LOOK_ALIKE, FORGED)[-1] == "0 filed, 2 unmatched, 0 duplicate"
    claim.refresh_from_db()
    assert (claim.status, claim.outcome, claim.respond_by, claim.version) == before
    assert claim.respond_by is not None and claim.status == ClaimStatus.NEW
    assert not Message.objects.exists()  # not filed as a buyer's message either


def test_only_the_receiving_servers_own_verdict_counts(shops):
    """A failing verdict added by our server on top of a passing one written further down the
    way (by anyone) is the one believed."""
    raw = FILED.read_bytes()
    raw = (
        b"Authentication-Results: mx.alpha.example; dkim=fail header.i=@amazon.com;\r\n"
        b" spf=fail smtp.mailfrom=x@relay.example; dmarc=fail header.from=amazon.com\r\n"
    ) + raw.replace(b"<0100018c2c9a11d0-atoz-filed-112@", b"<resent-112@")
    with translation.override("en"):
        result, why = file_mail_explained(shops.store_a, raw)
    assert result == "unmatched" and "did not confirm SPF, DKIM, DMARC" in why
    assert not Claim.objects.filter(order__platform_order_id="112-3456789-0123456").exists()
    # The same mail without the added header opens the claim: the header alone made the difference.
    assert file_mail_explained(shops.store_a, FILED.read_bytes()) == ("claim opened", "")


@pytest.mark.parametrize(
    ("results", "problem"),
    [
        (
            "mx.alpha.example; dkim=pass header.d=amazon.com; spf=pass smtp.mailfrom=b@bounces.amazon.com; "
            "dmarc=pass header.from=amazon.com",
            "",
        ),
        # DKIM signed by someone else's domain: not aligned.
        (
            "mx.alpha.example; dkim=pass header.d=mailer.example; spf=pass smtp.mailfrom=b@bounces.amazon.com; "
            "dmarc=pass header.from=amazon.com",
            "DKIM",
        ),
        # DMARC passed for another From domain.
        (
            "mx.alpha.example; dkim=pass header.d=amazon.com; spf=pass smtp.mailfrom=b@amazon.com; "
            "dmarc=pass header.from=amazon.com.evil.example",
            "DMARC",
        ),
        # The words in a comment are not a result.
        (
            "mx.alpha.example; dkim=pass header.d=amazon.com; spf=softfail (spf=pass said nobody) "
            "smtp.mailfrom=b@amazon.com; dmarc=pass header.from=amazon.com",
            "SPF",
        ),
        ("", "SPF, DKIM, DMARC"),
    ],
)
def test_spf_dkim_and_dmarc_must_all_pass_aligned(results, problem):
    with translation.override("en"):
        found = notices.authentication_problem(results, "amazon.com")
    assert (found == "") if not problem else (f"confirm {problem} for amazon.com" in found)


def test_a_notice_for_an_order_the_store_does_not_have_waits_unmatched(shops):
    Order.objects.filter(platform_order_id="112-3456789-0123456").delete()
    assert import_eml(shops.store_a.name, FILED)[0] == (
        f"{FILED}: unmatched (A claim notice from Amazon about order 112-3456789-0123456, which is not among "
        "the orders of Alpha Amazon US.)"
    )
    # An eBay notice in an Amazon store is not acted on either.
    ebay = MAILS / "ebay_de_fall_eroeffnet.eml"
    assert import_eml(shops.store_a.name, ebay)[0] == (
        f"{ebay}: unmatched (A claim notice from eBay, but Alpha Amazon US is not a store on eBay.)"
    )
    assert UnmatchedMail.objects.count() == 2 and not PlatformNotice.objects.exists()


def test_a_notice_about_a_claim_typed_in_by_hand_updates_it(shops):
    """The world's A-to-z claim on 111-0000001-0000001 was typed in by hand; Amazon's notice
    about that order is kept on it instead of opening a second claim, and fills in what the
    person could not know: the platform's claim id, the amount and the stated deadline."""
    typed = shops.claim_a
    assert (typed.platform_claim_id, typed.amount) == ("", None)
    assert typed.respond_by != at("2026-12-05T07:59:00")
    raw = FILED.read_bytes().replace(b"112-3456789-0123456", b"111-0000001-0000001")
    raw = raw.replace(b"<0100018c2c9a11d0-atoz-filed-112@", b"<filed-111@")
    assert b"111-0000001-0000001" in raw
    assert file_mail_explained(shops.store_a, raw) == ("claim updated", "")
    assert list(Claim.objects.filter(order=shops.order_a)) == [shops.claim_a]
    notice = PlatformNotice.objects.get()
    assert (notice.claim, notice.event, notice.rfc_message_id) == (
        shops.claim_a,
        "opened",
        "<filed-111@email.amazonses.com>",
    )
    assert actions(shops.claim_a) == [Action.DEADLINE_SET, Action.PLATFORM_NOTICE]
    typed.refresh_from_db()
    assert (typed.platform_claim_id, typed.amount, typed.respond_by) == (
        "4F7K2M9QX1",
        Decimal("48.97"),
        at("2026-12-05T07:59:00"),
    )
    assert typed.next_alert_at is not None  # its alerts follow the stated deadline
    # What a person entered stays: a second notice with other facts changes nothing of it.
    again = raw.replace(b"<filed-111@", b"<filed-111-again@").replace(b"4F7K2M9QX1", b"ZZZZZZZZZZ")
    assert file_mail_explained(shops.store_a, again) == ("claim updated", "")
    typed.refresh_from_db()
    assert typed.platform_claim_id == "4F7K2M9QX1"


def test_a_decided_claim_closes_with_its_post_mortem_and_keeps_the_platforms_moment(shops):
    import_eml(shops.store_a.name, FILED, GRANTED)
    claim = claim_of("112-3456789-0123456", ClaimKind.A_TO_Z)
    assert claim.status == ClaimStatus.DECIDED
    draft = PostMortemDraft(
        root_cause=RootCause.values[0],
        decided_by="No proof of delivery was uploaded in time.",
        action="Upload tracking on the day of shipping.",
        owner=shops.manager_a,
        due_on=timezone.localdate() + timedelta(days=7),
    )
    closed = claim_close(
        claim=claim,
        outcome=claim.outcome,
        by=shops.manager_a,
        version=claim.version,
        post_mortem=draft,
    )
    assert closed.status == ClaimStatus.CLOSED
    assert closed.decided_at == at("2026-12-04T16:30:11")
    # The appeal window counts from the platform's decision.
    assert closed.appeal_by is not None and closed.appeal_by - closed.decided_at >= timedelta(days=30)


def test_the_claim_page_shows_the_decision_and_the_notices(shops, agent_client):
    import_eml(shops.store_a.name, FILED, GRANTED)
    claim = claim_of("112-3456789-0123456", ClaimKind.A_TO_Z)
    with translation.override("en"):
        page = agent_client.get(reverse("disputes:claim", args=[claim.pk])).content.decode()
    assert "Decided, post-mortem pending" in page
    assert "The platform wrote (atoz-guarantee-no-reply@amazon.com)" in page
    assert GRANTED_SUBJECT in page
    # The closing form offers the platform's outcome to confirm.
    outcome_select = page.split('name="outcome"', 1)[1].split("</select>", 1)[0]
    assert '<option value="granted_seller" selected>' in outcome_select


def test_a_decision_for_a_claim_the_desk_never_saw_opens_and_decides_it(shops):
    assert import_eml(shops.store_a.name, GRANTED)[0] == f"{GRANTED}: claim closed"
    claim = claim_of("112-3456789-0123456", ClaimKind.A_TO_Z)
    assert (claim.status, claim.outcome, claim.platform_claim_id, claim.amount) == (
        ClaimStatus.DECIDED,
        Outcome.GRANTED_SELLER_FUNDED,
        "4F7K2M9QX1",
        Decimal("48.97"),
    )
    assert claim.opened_at == claim.decided_at == at("2026-12-04T16:30:11")
    assert actions(claim)[0] == Action.OPENED and claim.respond_by is None


def test_a_managers_retry_of_a_notice_set_aside_acts_on_it_once(shops):
    """A notice kept unmatched after an error (set aside) is read again on the manager's retry:
    it opens its claim, and a second retry changes nothing."""
    kept = UnmatchedMail.objects.create(
        store=shops.store_a,
        rfc_message_id="<0100018c2c9a11d0-atoz-filed-112@email.amazonses.com>",
        sender="atoz-guarantee-no-reply@amazon.com",
        subject="A-to-z Guarantee claim filed: Order 112-3456789-0123456",
        received_at=at("2026-12-01T17:15:02"),
        raw=FILED.read_bytes(),
        why="The mail could not be filed. OperationalError: database is locked",
    )
    assert mail_refile(mail_id=kept.pk) == "filed"
    claim = claim_of("112-3456789-0123456", ClaimKind.A_TO_Z)
    assert claim.platform_notices.get().rfc_message_id == kept.rfc_message_id
    kept.refresh_from_db()
    assert kept.filed_at is not None
    assert mail_refile(mail_id=kept.pk) == "filed"  # already filed: nothing more
    assert Claim.objects.filter(order=claim.order).count() == 1 and PlatformNotice.objects.count() == 1


def test_admins_see_the_notices_as_they_came(shops):
    import_eml(shops.store_a.name, FILED)
    notice = PlatformNotice.objects.get()
    admin = client_for(shops.superuser)
    listing = admin.get(reverse("admin:messaging_platformnotice_changelist")).content.decode()
    assert "A-to-z Guarantee claim filed: Order 112-3456789-0123456" in listing
    page = admin.get(reverse("admin:messaging_platformnotice_change", args=[notice.pk]))
    assert page.status_code == 200 and "4F7K2M9QX1" in page.content.decode()
    assert admin.get(reverse("admin:messaging_platformnotice_add")).status_code == 403


def test_notice_like_words_from_anyone_else_are_their_own_mail(shops):
    """A customer's "return request" from an ordinary address is not taken for a look-alike eBay
    notice: it goes the way of any mail (here: the order has another buyer)."""
    raw = (
        b"From: Sam Porter <sam.porter@example.net>\r\nTo: support@alpha.example\r\n"
        b"Subject: Return request for order 111-0000001-0000001\r\nMessage-ID: <return-sam@example.net>\r\n"
        b"Date: Sat, 05 Dec 2026 09:00:00 +0000\r\n\r\nHello, I opened a return request, the lamp is cracked.\r\n"
    )
    with translation.override("en"):
        assert file_mail_explained(shops.store_a, raw) == (
            "unmatched",
            "Order 111-0000001-0000001 belongs to another buyer.",
        )
    assert not PlatformNotice.objects.exists()
