"""The appeal builder: drafting, versions, the frozen submission, the decision, the policy check in
appeal context, access, the builder's query count and the exported PDF and text."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from appeals import document, services
from appeals.models import Appeal, AppealDecision, AppealKind, Funding
from appeals.services import AppealDraft, AppealFrozen
from disputes import services as claim_services
from disputes import timeline
from disputes.models import (
    ClaimEvent,
    ClaimKind,
    Outcome,
    Platform,
    Reason,
    Shipment,
    TrackingEvent,
)
from disputes.services import ClaimConflict, ClaimError
from evidence import services as evidence_services
from evidence.models import EvidenceKind
from evidence.services import EvidenceError
from messaging import services as messaging_services

from .conftest import client_for
from .drafts import post_mortem
from .evidence_corpus import add_evidence, photo
from .queries import assert_queries_pinned

pytestmark = pytest.mark.django_db


def shipped(order, *, delivered=True) -> Shipment:
    now = timezone.now()
    shipment = Shipment.objects.create(
        order=order,
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        shipped_at=now - timedelta(days=9),
        delivered_at=now - timedelta(days=5) if delivered else None,
        proof_of_delivery="Left at front door, 12 Elm Street" if delivered else "",
    )
    TrackingEvent.objects.create(
        shipment=shipment, occurred_at=now - timedelta(days=7), status="In transit", location="Louisville, KY"
    )
    return shipment


def new_claim(world, reason=Reason.NOT_RECEIVED, kind=ClaimKind.A_TO_Z):
    return claim_services.claim_open(
        order=world.order_a,
        kind=kind,
        reason=reason,
        by=world.agent_a,
        opened_at=timezone.now() - timedelta(days=2),
    )


def appeal_with(world, claim, items, *, kind=AppealKind.CLAIM_RESPONSE, facts=None, conclusion=None):
    appeal = services.appeal_create(claim=claim, kind=kind, by=world.agent_a)
    version = services.appeal_save(
        appeal=appeal,
        by=world.agent_a,
        based_on=0,
        draft=AppealDraft(
            facts=facts or ["The buyer placed the order.", "We shipped it with tracking."],
            evidence=[(item.pk, f"Caption for {item.original_name}") for item in items],
            conclusion=conclusion or "Tracking confirms delivery; we ask that the claim be denied.",
        ),
    )
    return appeal, version


def pdf_images(data: bytes) -> int:
    """Image XObjects over all pages of the PDF."""
    count = 0
    for page in PdfReader(io.BytesIO(data)).pages:
        xobjects = page["/Resources"].get_object().get("/XObject")
        if xobjects is None:
            continue
        count += sum(1 for ref in xobjects.get_object().values() if ref.get_object()["/Subtype"] == "/Image")
    return count


def pdf_text(data: bytes) -> str:
    return " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages
    )


# --- Drafting -----------------------------------------------------------------------------


def test_facts_are_drafted_from_order_shipment_messages_and_claim_events(world):
    shipped(world.order_a)
    messaging_services.message_receive(
        order=world.order_a, body="Where is my parcel?", at=timezone.now() - timedelta(days=4)
    )
    messaging_services.reply_send(
        order=world.order_a,
        body="We are sorry. We can offer a refund or a replacement.",
        by=world.agent_a,
        now=timezone.now() - timedelta(days=3, hours=20),
    )
    messaging_services.note_add(order=world.order_a, body="Internal: buyer seems confused.", by=world.agent_a)
    claim = new_claim(world)
    claim_services.claim_platform_request(
        claim=claim, requested_at=timezone.now() - timedelta(days=1), by=world.agent_a, version=claim.version
    )

    facts = document.draft_facts(claim)

    assert [fact.split(": ", 1)[1] for fact in facts] == [
        "the buyer placed order 111-0000001-0000001.",
        "we shipped the order with UPS with tracking number 1Z999AA10123456784.",
        "tracking shows “In transit” (Louisville, KY).",
        "UPS recorded the parcel as delivered. Proof of delivery: Left at front door, 12 Elm Street.",
        "the buyer contacted us through the platform's messages.",
        "we replied in the platform thread and offered a solution (refund, replacement).",
        "the buyer opened a claim (A-to-Z Guarantee claim, “Item not received”).",
        "the platform asked us for information.",
    ]
    assert not any("Internal" in fact for fact in facts)


def test_the_appeal_is_drafted_in_english_whatever_the_desk_speaks(world):
    from django.utils import translation

    claim = new_claim(world)
    with translation.override("zh-hans"):
        facts = document.draft_facts(claim)
        text = document.plain_text(claim, facts, [], "We ask that the claim be denied.")
    assert "A-to-Z Guarantee claim, “Item not received”" in facts[-1]
    assert "FACTS" in text and not any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_conclusion_names_the_delivery_date_when_tracking_is_at_hand(world):
    shipment = shipped(world.order_a)
    claim = new_claim(world)
    text = document.draft_conclusion(claim, AppealKind.CLAIM_RESPONSE, [EvidenceKind.TRACKING_HISTORY])
    day = timezone.localtime(
        shipment.delivered_at, timezone=__import__("zoneinfo").ZoneInfo("America/Los_Angeles")
    )
    assert text == (
        f"Tracking 1Z999AA10123456784 confirms delivery on {day.day} {day:%B %Y} to the buyer's "
        "address; we ask that the claim be denied."
    )


def test_conclusion_follows_the_reason_the_evidence_and_the_kind_of_appeal(world):
    damaged = new_claim(world, Reason.DAMAGED)
    assert document.draft_conclusion(
        damaged, AppealKind.APPEAL, [EvidenceKind.PRE_SHIPMENT_PHOTO]
    ).startswith("Our pre-shipment photos show the item intact")
    assert document.draft_conclusion(damaged, AppealKind.APPEAL, []).endswith(
        "we ask that the decision be reviewed and reversed."
    )
    chargeback = new_claim(world, Reason.PRICE, ClaimKind.CHARGEBACK)
    assert document.draft_conclusion(chargeback, AppealKind.CLAIM_RESPONSE, []).endswith(
        "we ask that the chargeback be reversed in our favour."
    )


def test_builder_starts_from_the_drafted_facts_and_conclusion(world, agent_client):
    shipped(world.order_a)
    claim = new_claim(world)
    response = agent_client.post(reverse("appeals:new", args=[claim.pk]), {"kind": AppealKind.CLAIM_RESPONSE})
    appeal = Appeal.objects.get(claim=claim)
    assert response.status_code == 302 and response["Location"] == reverse("appeals:appeal", args=[appeal.pk])
    page = agent_client.get(response["Location"]).content.decode()
    assert "we shipped the order with UPS with tracking number 1Z999AA10123456784." in page
    assert "we ask that the claim be denied." in page
    assert "No version saved yet." in page
    claim_page = agent_client.get(reverse("disputes:claim", args=[claim.pk])).content.decode()
    assert reverse("appeals:appeal", args=[appeal.pk]) in claim_page


# --- Versions -----------------------------------------------------------------------------


def test_each_save_is_a_new_numbered_version_in_the_chosen_order(world, agent_client):
    first = add_evidence(world.order_a, world.agent_a, photo(label="one"), name="one.jpg")
    second = add_evidence(world.order_a, world.agent_a, photo(label="two"), name="two.jpg")
    appeal, v1 = appeal_with(world, world.claim_a, [first])
    url = reverse("appeals:save", args=[appeal.pk])
    response = agent_client.post(
        url,
        {
            "based_on": "1",
            "fact": ["Second fact", "  First   fact ", ""],
            "item": [str(second.pk), str(first.pk)],
            f"caption-{second.pk}": "Two proves packing",
            f"caption-{first.pk}": "One proves the label",
            "conclusion": "We ask that the claim be denied.",
        },
    )
    assert response.status_code == 302
    v2 = appeal.versions.get(number=2)
    assert v2.facts == ["Second fact", "First fact"]
    assert [(row.item_id, row.position, row.caption) for row in v2.evidence.all()] == [
        (second.pk, 1, "Two proves packing"),
        (first.pk, 2, "One proves the label"),
    ]
    assert [row.item_id for row in v1.evidence.all()] == [first.pk]
    old = agent_client.get(reverse("appeals:appeal", args=[appeal.pk]) + "?version=1").content.decode()
    assert "Caption for one.jpg" in old and "Back to the latest version" in old
    assert ClaimEvent.objects.filter(claim=world.claim_a, action="appeal_saved").count() == 2


def test_a_stale_save_is_refused_as_a_conflict(world, agent_client):
    appeal, _v1 = appeal_with(world, world.claim_a, [])
    response = agent_client.post(
        reverse("appeals:save", args=[appeal.pk]),
        {"based_on": "0", "fact": ["Mine"], "conclusion": "We ask that the claim be denied."},
    )
    assert response.status_code == 409
    assert "Someone else saved version 1" in response.content.decode()
    assert appeal.versions.count() == 1
    with pytest.raises(ClaimConflict):
        services.appeal_save(appeal=appeal, by=world.agent_a, based_on=0, draft=AppealDraft(["x"], [], "y"))


def test_save_refuses_foreign_evidence_missing_captions_and_empty_parts(world):
    from .conftest import make_user  # noqa: F401  (the world has everything needed)

    other_order = world.order_a.__class__.objects.create(
        store=world.store_a,
        platform_order_id="111-0000002-0000002",
        purchased_at=timezone.now(),
        currency="USD",
    )
    foreign = add_evidence(other_order, world.agent_a, photo(label="other"), name="other.jpg")
    mine = add_evidence(world.order_a, world.agent_a, photo(label="mine"), name="mine.jpg")
    appeal = services.appeal_create(claim=world.claim_a, kind=AppealKind.CLAIM_RESPONSE, by=world.agent_a)
    with pytest.raises(ClaimError, match="only from this order's vault"):
        services.appeal_save(
            appeal=appeal,
            by=world.agent_a,
            based_on=0,
            draft=AppealDraft(["fact"], [(foreign.pk, "caption")], "conclusion"),
        )
    with pytest.raises(ClaimError, match="give every picked item a caption"):
        services.appeal_save(
            appeal=appeal,
            by=world.agent_a,
            based_on=0,
            draft=AppealDraft(["fact"], [(mine.pk, "  ")], "conclusion"),
        )
    with pytest.raises(ClaimError, match="keep at least one fact; write the conclusion"):
        services.appeal_save(appeal=appeal, by=world.agent_a, based_on=0, draft=AppealDraft([" "], [], ""))
    assert appeal.versions.count() == 0


# --- Submission freezes -------------------------------------------------------------------


def test_submitting_freezes_the_text_and_locks_the_evidence(world, agent_client, manager_client):
    item = add_evidence(world.order_a, world.agent_a, photo(label="packed"), name="packed.jpg")
    appeal, version = appeal_with(world, world.claim_a, [item])
    response = agent_client.post(
        reverse("appeals:submit", args=[appeal.pk]),
        {"version": "1", "where": "Seller Central A-to-Z form"},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.submitted_version, appeal.submitted_where, appeal.submitted_by) == (
        version,
        "Seller Central A-to-Z form",
        world.agent_a,
    )
    item.refresh_from_db()
    assert item.is_locked() and f"appeal #{appeal.pk}, version 1" in item.locked_reason

    # The text cannot change: the service and the page refuse a new version.
    with pytest.raises(AppealFrozen, match="frozen"):
        services.appeal_save(
            appeal=appeal, by=world.agent_a, based_on=1, draft=AppealDraft(["changed"], [], "changed")
        )
    response = agent_client.post(
        reverse("appeals:save", args=[appeal.pk]),
        {"based_on": "1", "fact": ["changed"], "conclusion": "changed"},
    )
    assert response.status_code == 400 and "frozen" in response.content.decode()
    assert appeal.versions.count() == 1
    page = agent_client.get(reverse("appeals:appeal", args=[appeal.pk])).content.decode()
    assert 'id="appeal-form"' not in page and "Submitted — frozen" in page

    # Its evidence cannot be deleted, even by a manager, through the service or the page.
    with pytest.raises(EvidenceError, match="submitted appeal"):
        evidence_services.evidence_delete(item=item, by=world.manager_a, reason="Duplicate")
    response = manager_client.post(reverse("evidence:delete", args=[item.pk]), {"reason": "Duplicate"})
    item.refresh_from_db()
    assert item.deleted_at is None
    with pytest.raises(ClaimError, match="frozen"):
        services.appeal_submit(appeal=appeal, version=version, where="again", by=world.agent_a)
    assert ClaimEvent.objects.filter(claim=world.claim_a, action="appeal_submitted").count() == 1


def test_submission_needs_where_and_no_blocking_policy_finding(world, agent_client):
    appeal, _version = appeal_with(world, world.claim_a, [], conclusion="The buyer is lying; deny the claim.")
    response = agent_client.post(reverse("appeals:submit", args=[appeal.pk]), {"version": "1", "where": " "})
    assert response.status_code == 400
    response = agent_client.post(
        reverse("appeals:submit", args=[appeal.pk]), {"version": "1", "where": "Seller Central"}
    )
    assert response.status_code == 400
    assert "breaks the appeal policy" in response.content.decode()
    appeal.refresh_from_db()
    assert not appeal.is_submitted


def test_evidence_deleted_before_submission_drops_out_of_the_draft(world, agent_client):
    kept = add_evidence(world.order_a, world.agent_a, photo(label="kept"), name="kept.jpg")
    gone = add_evidence(world.order_a, world.agent_a, photo(label="gone"), name="gone.jpg")
    appeal, _version = appeal_with(world, world.claim_a, [kept, gone])
    evidence_services.evidence_delete(item=gone, by=world.manager_a, reason="Wrong order")
    text = agent_client.get(reverse("appeals:text", args=[appeal.pk])).content.decode()
    assert "kept.jpg" in text and "gone.jpg" not in text


# --- Decision -----------------------------------------------------------------------------


def submitted(world, claim=None):
    appeal, version = appeal_with(world, claim or world.claim_a, [])
    services.appeal_submit(
        appeal=appeal,
        version=version,
        where="Seller Central",
        by=world.agent_a,
        at=timezone.now() - timedelta(days=1),
    )
    return appeal


def test_a_lost_platform_funded_decision_shows_its_odr_effect_and_asks_to_close_the_claim(
    world, manager_client
):
    appeal = submitted(world)
    response = manager_client.post(
        reverse("appeals:decide", args=[appeal.pk]),
        {"decision": AppealDecision.LOST, "funding": Funding.PLATFORM, "note": "Amazon funded it."},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.decision, appeal.funding, appeal.matching_outcome) == (
        AppealDecision.LOST,
        Funding.PLATFORM,
        Outcome.GRANTED_PLATFORM_FUNDED,
    )
    page = manager_client.get(reverse("appeals:appeal", args=[appeal.pk])).content.decode()
    # DOMAIN.md: granted claims count toward ODR even when the platform funds them.
    assert "This outcome counts toward the store&#x27;s Order Defect Rate." in page
    assert "close it as “Granted — platform-funded” there" in page
    decided = ClaimEvent.objects.get(claim=world.claim_a, action="appeal_decided")
    assert timeline.worded(decided).sentence == "Appeal decided: Lost: granted to the buyer · Platform-funded"


def test_a_won_appeal_does_not_count_and_needs_no_hint_once_the_claim_is_closed_so(world, agent_client):
    appeal = submitted(world)
    services.appeal_decide(appeal=appeal, decision=AppealDecision.WON, funding="", by=world.manager_a)
    page = agent_client.get(reverse("appeals:appeal", args=[appeal.pk])).content.decode()
    assert "does not count toward the store&#x27;s Order Defect Rate" in page and 'id="close-hint"' in page
    claim_services.claim_close(
        claim=world.claim_a,
        outcome=Outcome.DENIED,
        by=world.agent_a,
        version=None,
        post_mortem=post_mortem(world.agent_a),
    )
    page = agent_client.get(reverse("appeals:appeal", args=[appeal.pk])).content.decode()
    assert 'id="close-hint"' not in page


def test_a_decision_needs_a_submission_and_funding_when_lost(world):
    appeal, _version = appeal_with(world, world.claim_a, [])
    with pytest.raises(ClaimError, match="submission before"):
        services.appeal_decide(appeal=appeal, decision=AppealDecision.WON, funding="", by=world.manager_a)
    appeal = submitted(world)
    with pytest.raises(ClaimError, match="who funds"):
        services.appeal_decide(appeal=appeal, decision=AppealDecision.LOST, funding="", by=world.manager_a)
    services.appeal_decide(
        appeal=appeal, decision=AppealDecision.LOST, funding=Funding.SELLER, by=world.manager_a
    )
    with pytest.raises(ClaimError, match="already recorded"):
        services.appeal_decide(appeal=appeal, decision=AppealDecision.WON, funding="", by=world.manager_a)


def test_an_agent_is_refused_the_decision_with_a_message_and_nothing_is_recorded(world, agent_client):
    appeal = submitted(world)
    builder = agent_client.get(reverse("appeals:appeal", args=[appeal.pk])).content.decode()
    assert "A manager of the store records the platform's decision" in builder
    assert 'id="decision-form"' not in builder
    response = agent_client.post(
        reverse("appeals:decide", args=[appeal.pk]),
        {"decision": AppealDecision.WON, "funding": "", "note": "We won."},
    )
    assert response.status_code == 403
    assert "Only a manager of the store can record the platform&#x27;s decision." in response.content.decode()
    appeal.refresh_from_db()
    assert not appeal.is_decided
    assert not ClaimEvent.objects.filter(claim=world.claim_a, action="appeal_decided").exists()


def test_a_manager_is_offered_the_decision_form_and_records_it(world, manager_client):
    appeal = submitted(world)
    builder = manager_client.get(reverse("appeals:appeal", args=[appeal.pk])).content.decode()
    assert 'id="decision-form"' in builder and 'id="decision-by-managers"' not in builder
    response = manager_client.post(
        reverse("appeals:decide", args=[appeal.pk]),
        {"decision": AppealDecision.WON, "funding": "", "note": "We won."},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.decision, appeal.decided_by) == (AppealDecision.WON, world.manager_a)


def test_the_decision_service_refuses_an_agent_of_the_store(world):
    appeal = submitted(world)
    with pytest.raises(ClaimError, match="Only a manager of the store"):
        services.appeal_decide(appeal=appeal, decision=AppealDecision.WON, funding="", by=world.agent_a)
    appeal.refresh_from_db()
    assert not appeal.is_decided


def test_the_builder_shows_the_appeal_deadline(world, agent_client):
    claim_services.claim_close(
        claim=world.claim_a,
        outcome=Outcome.GRANTED_SELLER_FUNDED,
        by=world.agent_a,
        version=None,
        post_mortem=post_mortem(world.agent_a),
    )
    world.claim_a.refresh_from_db()
    assert world.claim_a.appeal_by is not None
    appeal = services.appeal_create(claim=world.claim_a, kind=AppealKind.APPEAL, by=world.agent_a)
    response = agent_client.get(reverse("appeals:appeal", args=[appeal.pk]))
    deadline = response.context["claim"].appeal_by
    assert deadline == world.claim_a.appeal_by
    assert (deadline - world.claim_a.closed_at).days in (29, 30)
    assert 'id="appeal-deadline"' in response.content.decode()


# --- Live preview and policy --------------------------------------------------------------


def test_preview_runs_the_policy_check_in_appeal_context(world, agent_client):
    appeal = services.appeal_create(claim=world.claim_a, kind=AppealKind.CLAIM_RESPONSE, by=world.agent_a)
    response = agent_client.post(
        reverse("appeals:preview", args=[appeal.pk]),
        {
            "fact": ["The parcel was delivered."],
            "conclusion": "This claim is outrageous and the buyer is lying.",
        },
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<section class="card" id="appeal-live"')
    assert 'data-code="appeal.emotion"' in body and 'data-code="appeal.attack"' in body
    assert 'data-blocking="true"' in body
    # The same words in a buyer message are not appeal findings.
    assert "appeal.emotion" not in {
        f.code for f in __import__("messaging.policy").policy.check("This claim is outrageous.", "amazon")
    }


def test_preview_warns_about_evidence_the_reason_needs_and_about_the_form_limit(world, agent_client):
    appeal = services.appeal_create(claim=world.claim_a, kind=AppealKind.CLAIM_RESPONSE, by=world.agent_a)
    response = agent_client.post(
        reverse("appeals:preview", args=[appeal.pk]),
        {"fact": ["word " * 900], "conclusion": "We ask that the claim be denied."},
    )
    body = response.content.decode()
    assert "The reason needs “Tracking history”; this appeal shows none." in body
    assert 'id="appeal-truncated"' in body and "of 4000 characters" in body
    text = response.context["text"]
    assert len(text) <= 4000 and text.endswith("…")


def test_each_platform_sizes_the_text_to_its_own_form(world, agent_client):
    from disputes.models import Store

    Store.objects.filter(pk=world.claim_a.store_id).update(platform="ebay")
    appeal = services.appeal_create(claim=world.claim_a, kind=AppealKind.CLAIM_RESPONSE, by=world.agent_a)
    response = agent_client.post(
        reverse("appeals:preview", args=[appeal.pk]),
        {"fact": ["word " * 500], "conclusion": "We ask that the claim be denied."},
    )
    body = response.content.decode()
    # eBay's box is smaller than Amazon's, and eBay publishes no figure: the desk says so.
    assert "of 2000 characters" in body and 'id="appeal-truncated"' in body
    assert 'id="appeal-limit-assumed"' in body
    assert len(response.context["text"]) <= 2000

    Store.objects.filter(pk=world.claim_a.store_id).update(platform="shopify")
    response = agent_client.post(
        reverse("appeals:preview", args=[appeal.pk]),
        {"fact": ["word " * 500], "conclusion": "We ask that the claim be denied."},
    )
    body = response.content.decode()
    assert "of 20000 characters" in body and 'id="appeal-truncated"' not in body
    assert 'id="appeal-limit-assumed"' not in body and 'id="appeal-length"' in body
    assert {platform for platform, _label in Platform.choices} - {"other"} <= set(document.FORM_LIMITS)


def test_plain_text_download_is_sized_and_lists_captions(world, agent_client):
    item = add_evidence(world.order_a, world.agent_a, photo(label="label"), name="label.jpg")
    appeal, _version = appeal_with(world, world.claim_a, [item])
    response = agent_client.get(reverse("appeals:text", args=[appeal.pk]))
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    assert "attachment" in response["Content-Disposition"]
    assert "- We shipped it with tracking." in text and "1. Caption for label.jpg [label.jpg]" in text
    assert text.endswith("Tracking confirms delivery; we ask that the claim be denied.")


# --- PDF ----------------------------------------------------------------------------------


def carrier_letter(pages: int) -> bytes:
    """A carrier's letter as carriers send them: real text on A4-less US Letter pages."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out, pagesize=letter)
    for n in range(1, pages + 1):
        canvas.setFont("Helvetica", 12)
        canvas.drawString(72, 700, f"UPS claim investigation, sheet {n}")
        canvas.drawString(72, 680, "Delivered 12 Elm Street, signed by the receiver.")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


CHINESE = "包裹完好无损，封箱胶带没有被拆开"
RUSSIAN = "Посылка вручена покупателю лично"
JAPANESE = "梱包は発送前に撮影しました"


def test_pdf_holds_the_facts_the_captions_and_every_picture(world, agent_client):
    photos = [
        add_evidence(
            world.order_a,
            world.agent_a,
            photo(2400, 1600, label=f"p{n}"),
            name=f"photo-{n}.jpg",
            previews=False,
        )
        for n in range(3)
    ]
    letter = add_evidence(
        world.order_a,
        world.agent_a,
        carrier_letter(2),
        name="carrier.pdf",
        kind=EvidenceKind.CARRIER_CORRESPONDENCE,
        previews=False,
    )
    appeal = services.appeal_create(claim=world.claim_a, kind=AppealKind.CLAIM_RESPONSE, by=world.agent_a)
    services.appeal_save(
        appeal=appeal,
        by=world.agent_a,
        based_on=0,
        draft=AppealDraft(
            facts=["The buyer placed order 111-0000001-0000001.", "UPS recorded the parcel as delivered."],
            evidence=[
                (photos[0].pk, CHINESE),
                (photos[1].pk, RUSSIAN),
                (photos[2].pk, JAPANESE),
                (letter.pk, "Caption for carrier.pdf"),
            ],
            conclusion="Tracking confirms delivery; we ask that the claim be denied.",
        ),
    )
    response = agent_client.get(reverse("appeals:pdf", args=[appeal.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="appeal-111-0000001-0000001-v1.pdf"'
    text = pdf_text(response.content)
    for expected in [
        "The buyer placed order 111-0000001-0000001.",
        "UPS recorded the parcel as delivered.",
        CHINESE,
        RUSSIAN,
        JAPANESE,
        "Caption for carrier.pdf",
        "we ask that the claim be denied.",
        # The carrier's letter is in the document itself, both its pages.
        "UPS claim investigation, sheet 1",
        "UPS claim investigation, sheet 2",
    ]:
        assert expected in text, expected
    assert "attached separately" not in text
    reader = PdfReader(io.BytesIO(response.content))
    # The captions are set in the embedded face (a subset of Noto Sans CJK named for its
    # characters), not in Helvetica (which would drop the glyphs).
    used = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].get_object().values()
    }
    assert any(name.split("+")[-1].startswith("DeskSans-") and "Bold" not in name for name in used), used

    # Three photos, two to a page at most; the letter's pages carry no pictures.
    per_page = [len(page.images) for page in reader.pages]
    assert sum(per_page) == pdf_images(response.content) == 3
    assert max(per_page) == 2
    sizes = [max(img.image.size) for page in reader.pages for img in page.images]
    assert max(sizes) <= document.PDF_IMAGE_MAX

    # Every page says which of how many it is.
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, 1):
        assert f"Page {number} of {total}" in " ".join(page.extract_text().split()), number

    # The annex, on the last page: every file's fingerprint, who added it, where its time came from.
    annex = " ".join(reader.pages[-1].extract_text().split())
    assert annex.startswith("Evidence annex") or "Evidence annex" in annex
    for item in [*photos, letter]:
        item.refresh_from_db()
        assert len(item.sha256) == 64 and item.sha256 in annex, item.original_name
    assert annex.count(f"by {world.agent_a.get_username()} on") == 4
    assert "time of upload; the file records none" in annex
    # An export is a GET that changes nothing: the claim's timeline is as it was.
    assert ClaimEvent.objects.filter(claim=world.claim_a).exists()
    assert not ClaimEvent.objects.filter(claim=world.claim_a, action="appeal_exported").exists()


def test_a_pdf_made_after_another_in_the_same_process_reads_back_its_own_characters():
    # A web or worker process exports many appeals. Each document's subset of the face needs a
    # PostScript name of its own: under the face's shared name, a document made after an
    # English-only one set its Chinese and Russian words through the earlier subset (blanks).
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from appeals import fonts

    def pdf_of(text: str) -> str:
        faces = fonts.faces_for(text)
        assert faces.embedded
        out = io.BytesIO()
        style = ParagraphStyle("probe", parent=getSampleStyleSheet()["Normal"], fontName=faces.regular)
        SimpleDocTemplate(out).build([Paragraph(text, style)])
        return pdf_text(out.getvalue())

    assert "The buyer placed order 111." in pdf_of("The buyer placed order 111.")
    second = pdf_of(f"{CHINESE} {RUSSIAN} {JAPANESE}")
    assert CHINESE in second and RUSSIAN in second and JAPANESE in second


def test_without_its_font_the_pdf_is_still_whole_and_the_check_says_why(world):
    from django.core import checks
    from django.test import override_settings

    letter = add_evidence(
        world.order_a,
        world.agent_a,
        carrier_letter(1),
        name="carrier.pdf",
        kind=EvidenceKind.CARRIER_CORRESPONDENCE,
        previews=False,
    )
    appeal, version = appeal_with(world, world.claim_a, [letter])
    assert not [m for m in checks.run_checks() if m.id == "appeals.W001"]
    missing = {"APPEAL_PDF_FONT": "/nonexistent/font.ttc", "APPEAL_PDF_FONT_BOLD": "/nonexistent/b.ttc"}
    with override_settings(**missing):
        warnings = [m for m in checks.run_checks() if m.id == "appeals.W001"]
        data = document.export_pdf(
            appeal, version, ["The parcel was delivered."], [document.Exhibit(letter, "Letter")], "End."
        )
    assert warnings and "/nonexistent/font.ttc" in warnings[0].msg
    reader = PdfReader(io.BytesIO(data))
    fonts_used = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].get_object().values()
    }
    assert "/Helvetica" in fonts_used and not any("DeskSans-" in name for name in fonts_used)
    text = pdf_text(data)
    assert "The parcel was delivered." in text and "UPS claim investigation, sheet 1" in text
    assert letter.sha256 in text and f"Page {len(reader.pages)} of {len(reader.pages)}" in text


def test_a_pdf_that_cannot_be_read_back_is_named_and_still_fingerprinted(world):
    from evidence.storage import evidence_storage

    letter = add_evidence(
        world.order_a,
        world.agent_a,
        carrier_letter(1),
        name="carrier.pdf",
        kind=EvidenceKind.CARRIER_CORRESPONDENCE,
        previews=False,
    )
    appeal, version = appeal_with(world, world.claim_a, [letter])
    # The stored original is damaged after it was accepted (a disk fault, a bad restore).
    storage = evidence_storage()
    storage.delete(letter.storage_name)
    storage.save(letter.storage_name, io.BytesIO(b"%PDF-1.7\n% truncated by a failed restore\n"))
    data = document.export_pdf(
        appeal, version, ["The parcel was delivered."], [document.Exhibit(letter, "Carrier letter")], "End."
    )
    text = pdf_text(data)
    assert "Exhibit 1. Carrier letter" in text
    assert "PDF file, provided with this document: carrier.pdf" in text
    assert "UPS claim investigation" not in text
    assert text.count(letter.sha256) == 2  # under the exhibit and in the annex


# --- Access and cost ----------------------------------------------------------------------


def test_outsider_gets_404_on_every_appeal_url(world):
    item = add_evidence(world.order_a, world.agent_a, photo(label="x"), name="x.jpg")
    appeal, _version = appeal_with(world, world.claim_a, [item])
    outsider = client_for(world.agent_b)
    for name in ["appeal", "pdf", "text"]:
        assert outsider.get(reverse(f"appeals:{name}", args=[appeal.pk])).status_code == 404, name
    for name in ["preview", "save", "submit", "decide"]:
        assert outsider.post(reverse(f"appeals:{name}", args=[appeal.pk])).status_code == 404, name
    assert (
        outsider.post(
            reverse("appeals:new", args=[world.claim_a.pk]), {"kind": AppealKind.APPEAL}
        ).status_code
        == 404
    )
    assert Appeal.objects.count() == 1 and appeal.versions.count() == 1


def test_builder_page_costs_a_fixed_number_of_queries(world, agent_client):
    shipped(world.order_a)
    items = [
        add_evidence(world.order_a, world.agent_a, photo(label=f"q{n}"), name=f"q{n}.jpg") for n in range(2)
    ]
    appeal, _version = appeal_with(world, world.claim_a, items[:1])
    counter = iter(range(10, 100))

    def more_rows():
        n = next(counter)
        extra = add_evidence(world.order_a, world.agent_a, photo(label=f"more{n}"), name=f"more{n}.jpg")
        latest = appeal.versions.order_by("-number").first()
        services.appeal_save(
            appeal=appeal,
            by=world.agent_a,
            based_on=latest.number,
            draft=AppealDraft(
                facts=[*latest.facts, "Another fact.", "And one more."],
                evidence=[(i.pk, "Caption") for i in [*items, extra]],
                conclusion="We ask that the claim be denied.",
            ),
        )

    assert_queries_pinned(
        agent_client, reverse("appeals:appeal", args=[appeal.pk]), expected=8, add_rows=more_rows
    )


def test_builder_speaks_chinese_and_admin_shows_appeals_read_only(world, agent_client):
    appeal, _version = appeal_with(world, world.claim_a, [])
    agent_client.post(reverse("preferences"), {"language": "zh-hans"})
    page = agent_client.get(reverse("appeals:appeal", args=[appeal.pk])).content.decode()
    assert "保存为新版本" in page and "政策检查" in page
    admin = client_for(world.superuser)
    change = admin.get(reverse("admin:appeals_appeal_change", args=[appeal.pk]))
    assert change.status_code == 200 and "We shipped it with tracking." in change.content.decode()
    assert admin.get(reverse("admin:appeals_appeal_add")).status_code == 403


def test_a_long_running_process_keeps_only_the_latest_font_subsets(monkeypatch):
    from reportlab.pdfbase import pdfmetrics

    from appeals import fonts

    monkeypatch.setattr(fonts, "KEEP_FACES", 2)
    made = [fonts.faces_for(text) for text in ["包裹一", "Посылка два", "梱包三"]]
    assert all(face.embedded for face in made)
    registered = set(pdfmetrics.getRegisteredFontNames())
    # The first document's face made way; the latest two documents' faces (regular and the
    # shared bold) are still there, and asking again for the latest reuses it.
    assert made[0].regular not in registered
    assert made[2].regular in registered and made[2].bold in registered
    assert fonts.faces_for("梱包三") == made[2]
