"""The policy checker on long and hostile text: the same matches as the plain patterns, work
that grows with the length of the text (not its square), and a clear refusal past the cap
wherever text reaches the checker."""

import random
import time

import pytest
from django.urls import reverse

from appeals import services as appeal_services
from appeals.models import AppealVersion
from appeals.services import AppealDraft
from disputes.services import ClaimError
from messaging import policy
from messaging.models import Direction, Message, ReplyTemplate

from .test_appeals import appeal_with

HTMX = {"HTTP_HX_REQUEST": "true"}

# Pieces that make the patterns start, fail and overlap: host names, addresses, amounts, dates.
PIECES = [
    "a",
    "A",
    "1",
    "9",
    ".",
    "-",
    "@",
    " ",
    "!",
    "/",
    ",",
    "'",
    "\n",
    "_",
    "+",
    "%",
    "微",
    "K",
    "ſ",
    "é",
    "www.",
    ".com",
    ".co",
    "http://",
    "x@y.com",
    " USD",
    "1,234",
    ".99",
    "$",
    "2026-05-03",
    "5/8/26",
    "113-4567890-1234567",
    "1Z999AA10123456784",
    "RR123456789CN",
    "415-555-2671",
    "amazon.com",
    "x.shop",
]


@pytest.mark.parametrize("seed", range(4))
def test_the_linear_scans_find_exactly_what_the_patterns_find(seed):
    rng = random.Random(seed)
    for _ in range(1500):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 50)))
        assert [m.span() for m in policy.find_emails(text)] == [
            m.span() for m in policy.EMAIL.finditer(text)
        ], text
        assert [m.span() for m in policy.find_links(text)] == [m.span() for m in policy.URL.finditer(text)], (
            text
        )
        assert [m.span() for m in policy.find_protected(text)] == [
            m.span() for m in policy.PROTECTED.finditer(text)
        ], text


RULE_WORDS = [
    "You idiot",
    "ſhut up",
    "FOOL",
    "fooliſh",
    "Вы ИДИОТ",
    "дураком",
    "白痴",
    "review",
    "Leave a",
    "5 stars",
    "rate us",
    "refund",
    "free gift",
    "coupon",
    "20% off",
    "YOU ARE",
    "lying",
    "ſcam",
    "fraud",
    "your fault",
    "WhatsApp",
    "İnstagram",
    "@handle",
    "visit our store",
    "check out our new items",
    "outrageous",
    "The buyer is lying",
    "serial scammer",
    "!!",
    "Read the description carefully",
    "wa.me",
    "ﬁ",
    "ı",
    "K",
    " ",
    ".",
    "\n",
    "you must have",
    "t.me/x",
]


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
def test_skipping_a_rule_whose_words_are_absent_changes_no_finding(seed, monkeypatch):
    rng = random.Random(seed)
    texts = ["".join(rng.choice(RULE_WORDS + PIECES) for _ in range(rng.randint(1, 30))) for _ in range(800)]
    skipping = [[f.as_dict() for f in policy.check(text, "amazon", "appeal")] for text in texts]
    monkeypatch.setattr(policy.Words, "any_of", lambda self, words: True)
    assert skipping == [[f.as_dict() for f in policy.check(text, "amazon", "appeal")] for text in texts]
    assert any(skipping)


def test_findings_inside_long_runs_are_still_found():
    run = "a." * 5000
    found = {
        (f.code, f.excerpt) for f in policy.check(f"{run} mail sam@lamps.example.com or see {run}x.shop now")
    }
    assert ("contact.email", "a." * 5000 + "sam@lamps.example.com") not in found  # the space ends the address
    assert ("contact.email", "sam@lamps.example.com") in found
    assert ("link.url", run + "x.shop") in found
    numbers = "1," * 5000
    assert not [
        f for f in policy.check(f"Refunded {numbers}5 USD, call 415-555-2671") if f.excerpt.startswith("1,")
    ]
    assert [f.code for f in policy.check(f"Refunded {numbers}5 USD, call 415-555-2671")] == ["contact.phone"]


def cpu_seconds(text: str, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        policy.check(text, "amazon", "appeal")
        best = min(best, time.process_time() - started)
    return best


# Each shape made a quadratic scan before: a run every start of which read to its end.
@pytest.mark.parametrize("unit", ["a.", "a-", "1,", "a", "4155552671"])
def test_checking_eight_times_the_text_costs_about_eight_times_the_work(unit):
    small = (unit * 3000)[:3000]
    large = (unit * 24000)[:24000]
    # CPU time, best of a few runs: linear work gives a ratio near 8, quadratic near 64.
    ratio = cpu_seconds(large, 3) / max(cpu_seconds(small, 5), 1e-4)
    assert ratio < 24, ratio


def test_spans_tell_overlaps_apart_from_neighbours():
    spans = policy.Spans([(10, 20), (15, 25), (40, 41)])
    assert [
        spans.overlaps(*span) for span in [(0, 10), (9, 11), (24, 26), (25, 40), (40, 41), (41, 50), (12, 13)]
    ] == [False, True, True, False, True, False, True]
    many = policy.Spans((n, n + 3) for n in range(0, 30_000, 5))
    assert many.overlaps(29_996, 29_997) and not many.overlaps(29_998, 30_000)


# --- The cap, wherever text reaches the checker ------------------------------------------


HOSTILE = {
    "100k characters": "Hello " + "a." * 50_000,
    "a NUL byte": "Your parcel\x00 is on its way.",
    "emoji": "Thank you 😊🙏🏽👍 we are on it 🚚",
    "right to left": "شكرا لك \u202eWhatsApp\u202c على رسالتك",
    "only marks": "\u0301\u0302\u200d\u200f" * 500,
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_text_at_the_check_endpoint_gets_a_result_or_a_clear_message(world, agent_client, name):
    response = agent_client.post(
        reverse("messaging:check", args=[world.order_a.pk]), {"body": HOSTILE[name]}, **HTMX
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="policy-findings"' in page
    if len(HOSTILE[name]) > policy.MAX_CHARS:
        assert "100,006 characters long; the policy check reads at most 20,000" in page
        assert 'data-blocking="true"' in page and "finding-ok" not in page
    else:
        assert "the policy check reads at most" not in page
        assert "no findings" in page or 'class="finding ' in page


def test_the_check_endpoint_checks_text_up_to_the_cap(world, agent_client):
    text = ("We are sorry. " * 2000)[: policy.MAX_CHARS - 9] + " WhatsApp"
    assert len(text) == policy.MAX_CHARS
    url = reverse("messaging:check", args=[world.order_a.pk])
    page = agent_client.post(url, {"body": text}, **HTMX).content.decode()
    assert 'title="contact.messenger">WhatsApp</mark>' in page and "reads at most" not in page


def test_a_reply_over_the_cap_is_refused_with_the_reason_and_nothing_is_sent(world, agent_client):
    body = "Your parcel is on its way. " * 1000
    url = reverse("messaging:send", args=[world.order_a.pk])
    response = agent_client.post(url, {"body": body, "channel": "platform"})
    assert response.status_code == 400
    assert "27,000 characters long; the policy check reads at most 20,000" in response.content.decode()
    assert not Message.objects.filter(direction=Direction.TO_BUYER).exists()


def test_an_appeal_over_the_cap_is_not_saved_and_says_why(world, agent_client):
    appeal, _v1 = appeal_with(world, world.claim_a, [])
    long_fact = "The parcel was delivered to the front door. " * 500
    with pytest.raises(ClaimError, match="shorten the facts, captions and conclusion to 20,000 characters"):
        appeal_services.appeal_save(
            appeal=appeal,
            by=world.agent_a,
            based_on=1,
            draft=AppealDraft([long_fact], [], "We ask that the claim be denied."),
        )
    response = agent_client.post(
        reverse("appeals:save", args=[appeal.pk]),
        {"based_on": "1", "fact": [long_fact], "conclusion": "We ask that the claim be denied."},
    )
    assert response.status_code == 400
    assert "shorten the facts, captions and conclusion" in response.content.decode()
    assert appeal.versions.count() == 1


def test_an_appeal_saved_long_before_the_cap_opens_with_the_reason_instead_of_findings(world, agent_client):
    appeal, _v1 = appeal_with(world, world.claim_a, [])
    AppealVersion.objects.create(
        appeal=appeal,
        number=2,
        facts=["The buyer is lying. " * 2000],
        conclusion="We ask that the claim be denied.",
        saved_by=world.agent_a,
    )
    page = agent_client.get(reverse("appeals:appeal", args=[appeal.pk])).content.decode()
    assert "the policy check reads at most 20,000" in page
    preview = agent_client.post(
        reverse("appeals:preview", args=[appeal.pk]),
        {"fact": ["The buyer is lying. " * 2000], "conclusion": "We ask that the claim be denied."},
        **HTMX,
    )
    assert preview.status_code == 200 and "the policy check reads at most 20,000" in preview.content.decode()
    short = agent_client.post(
        reverse("appeals:preview", args=[appeal.pk]),
        {"fact": ["The buyer is lying."], "conclusion": "We ask that the claim be denied."},
        **HTMX,
    )
    assert 'data-code="appeal.attack"' in short.content.decode()


def test_a_reply_template_over_the_cap_is_refused_in_admin_and_its_preview_says_why(world):
    from django.test import Client

    admin = Client()
    admin.force_login(world.superuser)
    body = "Hi {buyer_name}, " + "thank you. " * 2000
    preview = admin.post(
        reverse("admin:messaging_replytemplate_preview"), {"body": body, "platform": "amazon"}
    )
    assert preview.status_code == 200 and "the policy check reads at most 20,000" in preview.content.decode()
    response = admin.post(
        reverse("admin:messaging_replytemplate_add"),
        {
            "code": "too-long",
            "title": "Too long",
            "stage": "claim",
            "platform": "",
            "language": "en",
            "purpose": "",
            "note_en": "when",
            "note_zh": "何时",
            "is_active": "on",
            "body": body,
        },
    )
    assert (
        response.status_code == 200 and "the policy check reads at most 20,000" in response.content.decode()
    )
    assert not ReplyTemplate.objects.filter(code="too-long").exists()
