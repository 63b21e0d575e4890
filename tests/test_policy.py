import json
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from messaging import policy
from messaging.filling import SAMPLE, fill
from messaging.library import TEMPLATES, install_reply_library
from messaging.models import ReplyTemplate, Stage

from .worker import ROOT


def codes(text: str, platform: str = "amazon", context: str = "message") -> list[str]:
    return [finding.code for finding in policy.check(text, platform, context)]


# --- one test per rule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, code, excerpt",
    [
        ("Write to me at help.desk@example.com today.", "contact.email", "help.desk@example.com"),
        ("Call us on +1 415 555 2671 any time.", "contact.phone", "+1 415 555 2671"),
        ("Our number is (415) 555-2671.", "contact.phone", "(415) 555-2671"),
        ("Позвоните: 8 (495) 123-45-67.", "contact.phone", "8 (495) 123-45-67"),
        ("Message us on WhatsApp for a quicker answer.", "contact.messenger", "WhatsApp"),
        ("Add our WeChat and we will help.", "contact.messenger", "WeChat"),
        ("加我微信吧", "contact.messenger", "微信"),
        (
            "See the manual at https://example.org/manual.pdf please.",
            "link.url",
            "https://example.org/manual.pdf",
        ),
        ("Our site www.bestlamps.shop has details.", "link.url", "www.bestlamps.shop"),
        ("Please leave us a 5-star review.", "review.positive", "5-star review"),
        ("We would love some positive feedback.", "review.positive", "positive feedback"),
        (
            "Leave a review and we will send you a gift card.",
            "review.incentive",
            "Leave a review and we will send you a gift card.",
        ),
        (
            "We will refund you once you update your review.",
            "review.refund_coupled",
            "We will refund you once you update your review.",
        ),
        ("Could you remove your negative review?", "review.change_request", "remove your negative review"),
        (
            "Please leave a review. And please write a review on the listing too.",
            "review.repeated",
            "write a review",
        ),
        ("Use coupon SPRING on your next order.", "marketing.promotion", "coupon"),
        ("Everything is 20% off this week.", "marketing.promotion", "20% off"),
        (
            "Check out our other products while you wait.",
            "marketing.other_products",
            "Check out our other products",
        ),
        ("This is NOT what we sent.", "shouting.caps", "NOT"),
        ("We are sorry!!!", "shouting.exclamations", "!!!"),
        ("You are lying about the delivery.", "blame.accusation", "You are lying"),
        ("This claim is a scam.", "blame.accusation", "scam"),
        ("You must have dropped the parcel.", "blame.fault", "You must have"),
        ("It is your fault the box was opened.", "blame.fault", "your fault"),
        ("Thank you 😊", "emoji.char", "😊"),
        ("See you soon :)", "emoji.char", ":)"),
    ],
)
def test_each_rule_flags_its_case_with_a_span(text, code, excerpt):
    found = [f for f in policy.check(text, "amazon") if f.code == code]
    assert found, codes(text)
    assert found[0].excerpt == excerpt
    assert text[found[0].start : found[0].end] == excerpt
    assert found[0].category == code.split(".")[0]
    assert found[0].explanation and found[0].suggestion


@pytest.mark.parametrize(
    "text",
    [
        "Hello Alex,\n\nThank you for your message. We are sorry the lamp arrived late and we are looking into it now.",
        "Your order 113-4567890-1234567 shipped on 2026-05-03 with USPS, tracking number 9400111899223344556677.",
        "UPS tracking 1Z999AA10123456784 shows it in Memphis; it should arrive by 05/08/2026.",
        "We refunded $1,234.56 today, and 24.99 USD for the cable on 3 May.",
        "Ozon posting 12345678-0001-1 and eBay order 12-34567-89012 are both on their way.",
        "China Post RR123456789CN and YT2412345678901234 are moving normally.",
        "Could you send a few clear photos of the box and the lamp from several angles?",
        "According to our records, the parcel was delivered to the front door. Could you check with your neighbours?",
        "The LED lamp uses a USB-C cable; the FAQ on the listing explains the dimmer. Track it on https://www.ups.com/track",
        "Please choose: keep the item with a partial refund, or return it for a full refund.",
        "If you have a moment, please share your honest experience of the order on the platform.",
    ],
)
def test_ordinary_customer_service_replies_have_no_findings(text):
    assert policy.check(text, "amazon") == []


def test_order_ids_tracking_numbers_and_amounts_are_not_phone_numbers():
    text = (
        "Order 113-4567890-1234567, tracking 9400111899223344556677 and 420940079400111899223344, "
        "FedEx 123456789012, total $415.55, refund 5552671.00 RUB, posted 2026-05-03."
    )
    assert "contact.phone" not in codes(text)
    # A real number next to them is still found.
    assert codes(text + " Or call 415-555-2671.").count("contact.phone") == 1


def test_a_refund_in_its_own_sentence_is_not_coupled_with_a_review():
    assert codes("We refunded you today. If you have a moment, please leave a review.") == []


def test_platform_rules_differ_amazon_blocks_what_others_only_warn():
    text = "Could you remove your negative review? Thank you 😊"
    amazon = {f.code: f.severity for f in policy.check(text, "amazon")}
    ebay = {f.code: f.severity for f in policy.check(text, "ebay")}
    shopify = {f.code: f.severity for f in policy.check("See www.mystore.shop for 20% off", "shopify")}
    assert amazon == {"review.change_request": "blocking", "emoji.char": "blocking"}
    assert ebay == {"review.change_request": "warning", "emoji.char": "warning"}
    assert set(shopify.values()) == {"warning"}


def test_appeal_context_adds_emotion_and_attacks():
    text = "This decision is outrageous. The buyer is lying about the delivery."
    assert codes(text, context="message") == []
    appeal = {f.code: f.severity for f in policy.check(text, "amazon", "appeal")}
    assert appeal == {"appeal.emotion": "warning", "appeal.attack": "blocking"}


def test_unknown_context_is_refused():
    with pytest.raises(ValueError):
        policy.check("hello", "amazon", "tweet")


def test_highlight_cuts_the_text_around_findings():
    text = "Call +1 415 555 2671 now!!"
    pieces = policy.highlight(text, policy.check(text))
    assert "".join(piece for piece, _f in pieces) == text
    assert [(piece, f.code) for piece, f in pieces if f] == [
        ("+1 415 555 2671", "contact.phone"),
        ("!!", "shouting.exclamations"),
    ]


# --- the commands --------------------------------------------------------------------------


def run_manage(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


@pytest.mark.slow
def test_lint_message_prints_json_findings_and_exits_1_when_blocking():
    result = run_manage("lint_message", "--platform", "amazon", stdin="Text me on WhatsApp!!")
    assert result.returncode == 1
    found = json.loads(result.stdout)
    assert [(f["code"], f["severity"]) for f in found] == [
        ("contact.messenger", "blocking"),
        ("shouting.exclamations", "warning"),
    ]
    assert found[0]["start"] == 11 and found[0]["end"] == 19


@pytest.mark.slow
def test_lint_message_exits_0_on_warnings_only_and_on_clean_text():
    warned = run_manage("lint_message", stdin="We are so sorry!!")
    assert warned.returncode == 0 and json.loads(warned.stdout)[0]["code"] == "shouting.exclamations"
    clean = run_manage("lint_message", "--platform", "ebay", stdin="Thank you, your parcel is on its way.")
    assert clean.returncode == 0 and json.loads(clean.stdout) == []


@pytest.mark.slow
def test_lint_message_reads_the_appeal_context():
    result = run_manage("lint_message", "--context", "appeal", stdin="The buyer is lying.")
    assert result.returncode == 1 and json.loads(result.stdout)[0]["code"] == "appeal.attack"


# --- the shipped library -------------------------------------------------------------------


@pytest.fixture
def library(db):
    install_reply_library(ReplyTemplate)


def test_lint_templates_passes_on_the_shipped_library(library):
    out = StringIO()
    call_command("lint_templates", stdout=out)
    assert f"{len(TEMPLATES)} template(s) pass" in out.getvalue()


def test_lint_templates_fails_on_a_bad_template(library):
    ReplyTemplate.objects.create(
        code="bad",
        title="Bad",
        stage=Stage.REVIEW,
        body="Leave a 5-star review {buyer}!",
        note_en="no",
        note_zh="不",
    )
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("lint_templates", stdout=out)
    assert "bad: Unknown placeholder(s): {buyer}" in out.getvalue()


def test_the_library_covers_every_stage_and_situation():
    assert len(TEMPLATES) >= 30
    assert {row[1] for row in TEMPLATES} == set(Stage.values)
    codes_shipped = {row[0] for row in TEMPLATES}
    for situation in [
        "payment-pending",
        "payment-unpaid",
        "out-of-stock",
        "remote-area-surcharge",
        "slower-carrier",
        "holiday-delay",
        "shipped-tracking",
        "lost-in-transit",
        "in-transit-wait",
        "held-at-customs",
        "delivered-not-found",
        "delivered-check",
        "not-as-described",
        "partial-delivery",
        "dispute-escalated",
        "evidence-options",
        "partial-refund-done",
        "return-terms",
        "return-not-received",
        "return-received-refund",
        "negative-review-recovery",
        "claim-first-reply",
        "off-platform-notice-file",
        "off-platform-notice-safety",
        "off-platform-summary",
        "damaged-photos",
    ]:
        assert situation in codes_shipped
    for row in TEMPLATES:
        assert row[6] and row[7], row[0]  # a note in English and in Chinese


@pytest.mark.parametrize("row", TEMPLATES, ids=[row[0] for row in TEMPLATES])
def test_every_template_fills_and_passes_on_its_platforms(row):
    code, _stage, platform, *_rest, body = row
    text = fill(body, SAMPLE)
    for name in [platform] if platform else ["amazon", "ebay", "ozon", "walmart"]:
        assert policy.check(text, name) == [], (code, name)
