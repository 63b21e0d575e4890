import hashlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from disputes import services as claim_services
from disputes import timeline
from disputes.models import ClaimKind, Reason
from evidence import services
from evidence.models import EvidenceEvent, EvidenceItem, Previews

from .conftest import client_for
from .evidence_corpus import add_evidence, pdf, photo
from .queries import assert_queries_pinned

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_download_sends_the_original_bytes_with_safe_headers(agent_client, world):
    data = photo(label="original")
    item = add_evidence(world.order_a, world.agent_a, data, name="lamp 1.jpg")
    response = agent_client.get(reverse("evidence:download", args=[item.pk]))
    body = b"".join(response.streaming_content)
    assert body == data and hashlib.sha256(body).hexdigest() == item.sha256
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="lamp 1.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_download_can_be_handed_to_nginx(agent_client, world, settings):
    settings.EVIDENCE_X_ACCEL_REDIRECT = "/_evidence/"
    item = add_evidence(world.order_a, world.agent_a)
    response = agent_client.get(reverse("evidence:download", args=[item.pk]))
    assert response["X-Accel-Redirect"] == f"/_evidence/{item.storage_name}"
    assert response.content == b""
    assert response["Content-Disposition"].startswith("attachment;")


def test_thumbnail_is_served_inline_once_made_and_404_before(agent_client, world):
    item = add_evidence(world.order_a, world.agent_a, previews=False)
    url = reverse("evidence:thumb", args=[item.pk])
    assert agent_client.get(url).status_code == 404
    from evidence.tasks import make_previews

    assert make_previews(item.pk) == Previews.READY
    response = agent_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert response["Content-Disposition"].startswith("inline;")
    assert b"".join(response.streaming_content)[8:12] == b"WEBP"


def test_pending_card_polls_until_its_thumbnail_exists(agent_client, world):
    item = add_evidence(world.order_a, world.agent_a, previews=False)
    url = reverse("evidence:card", args=[item.pk])
    assert 'hx-trigger="load delay:1s"' in agent_client.get(url).content.decode()
    from evidence.tasks import make_previews

    make_previews(item.pk)
    body = agent_client.get(url).content.decode()
    assert 'hx-trigger="load delay:1s"' not in body
    assert reverse("evidence:thumb", args=[item.pk]) in body


def test_caption_is_edited_in_place_and_audited(agent_client, world):
    item = add_evidence(world.order_a, world.agent_a, caption="")
    url = reverse("evidence:edit", args=[item.pk])
    form = agent_client.get(url, **HTMX).content.decode()
    assert 'name="caption"' in form and f'hx-post="{url}"' in form
    response = agent_client.post(url, {"kind": "buyer_media", "caption": "Crack on the left corner"}, **HTMX)
    assert response.status_code == 200
    assert "Crack on the left corner" in response.content.decode()
    assert response["HX-Trigger"] == "evidence-changed"
    item.refresh_from_db()
    assert (item.caption, item.kind) == ("Crack on the left corner", "buyer_media")
    events = {event.action: event for event in EvidenceEvent.objects.filter(item=item)}
    caption = events["evidence_caption"].params
    assert "was_caption" not in caption and caption["caption"] == "Crack on the left corner"
    kind = events["evidence_kind"].params
    assert (kind["was_evidence_kind"], kind["evidence_kind"]) == ("pre_shipment_photo", "buyer_media")
    assert (
        "from Pre-shipment photo to Buyer's photo or video"
        in timeline.worded(events["evidence_kind"]).sentence
    )


def test_an_agent_cannot_delete_evidence(agent_client, world):
    item = add_evidence(world.order_a, world.agent_a)
    response = agent_client.post(reverse("evidence:delete", args=[item.pk]), {"reason": "blurry"})
    assert response.status_code == 403
    assert EvidenceItem.objects.present().filter(pk=item.pk).exists()


def test_a_manager_deletes_softly_with_a_reason(manager_client, world, _private_evidence_storage):
    item = add_evidence(world.order_a, world.agent_a)
    url = reverse("evidence:delete", args=[item.pk])
    refused = manager_client.post(url, {"reason": ""}, **HTMX)
    assert (
        refused.status_code == 400 and "Say why this evidence is being deleted." in refused.content.decode()
    )
    response = manager_client.post(url, {"reason": "Photo of another order"}, **HTMX)
    assert response.status_code == 200 and response.content == b""
    item.refresh_from_db()
    assert (
        item.deleted_at
        and item.deleted_by == world.manager_a
        and item.delete_reason == "Photo of another order"
    )
    # The original stays in storage; the desk no longer shows or serves it.
    assert (_private_evidence_storage / "evidence" / item.storage_name).exists()
    assert manager_client.get(reverse("evidence:download", args=[item.pk])).status_code == 404
    event = EvidenceEvent.objects.get(item=item, action="evidence_deleted")
    assert event.params["note"] == "Photo of another order" and event.actor == world.manager_a


def test_evidence_locked_by_a_submitted_appeal_cannot_be_deleted(manager_client, world):
    item = add_evidence(world.order_a, world.agent_a)
    services.evidence_lock(item=item, reason="Appeal #7 submitted 2026-05-03")
    assert EvidenceItem.objects.get(pk=item.pk).is_locked()
    response = manager_client.post(reverse("evidence:delete", args=[item.pk]), {"reason": "tidy up"}, **HTMX)
    assert response.status_code == 400
    assert "used in a submitted appeal (Appeal #7 submitted 2026-05-03)" in response.content.decode()
    assert EvidenceItem.objects.present().filter(pk=item.pk).exists()


def test_evidence_locked_by_a_submitted_appeal_keeps_its_caption_and_kind(agent_client, world):
    item = add_evidence(world.order_a, world.agent_a, caption="Lamp intact", kind="pre_shipment_photo")
    url = reverse("evidence:edit", args=[item.pk])
    assert 'name="caption"' in agent_client.get(url, **HTMX).content.decode()
    services.evidence_lock(item=item, reason="Appeal #7 submitted 2026-05-03")
    message = (
        "This evidence was used in a submitted appeal (Appeal #7 submitted 2026-05-03): its caption "
        "and kind can no longer be changed."
    )
    # Asking for the form shows why there is none.
    form = agent_client.get(url, **HTMX).content.decode()
    assert message in form and 'name="caption"' not in form and "data-edit>" not in form
    response = agent_client.post(url, {"kind": "buyer_media", "caption": "Cracked"}, **HTMX)
    assert response.status_code == 400 and message in response.content.decode()
    item.refresh_from_db()
    assert (item.caption, item.kind) == ("Lamp intact", "pre_shipment_photo")
    assert not EvidenceEvent.objects.filter(
        item=item, action__in=["evidence_caption", "evidence_kind"]
    ).exists()


def test_checklist_fills_as_evidence_arrives(agent_client, world):
    claim = world.claim_a  # item not received: tracking, proof of delivery, carrier
    url = reverse("evidence:checklist", args=[claim.pk])
    assert "0 of 3 present" in agent_client.get(url).content.decode()
    add_evidence(
        world.order_a, world.agent_a, pdf("USPS tracking"), name="tracking.pdf", kind="tracking_history"
    )
    add_evidence(world.order_a, world.agent_a, kind="proof_of_delivery")
    body = agent_client.get(url).content.decode()
    assert "2 of 3 present" in body and 'value="2"' in body
    assert body.count('class="missing"') == 1 and "Carrier correspondence" in body


def test_damaged_claim_needs_photos_packaging_buyer_media_and_carrier(world):
    from evidence.checklist import checklist

    found = checklist(Reason.DAMAGED, ["pre_shipment_photo", "buyer_media", "buyer_media"])
    assert (found.done, found.total, found.percent) == (2, 4, 50)
    assert [str(need.label) for need in found.missing] == [
        "Packaging (packing video)",
        "Carrier correspondence",
    ]


def test_claim_page_shows_panel_checklist_and_evidence_in_the_timeline_at_capture_time(agent_client, world):
    claim = claim_services.claim_open(
        order=world.order_a, kind=ClaimKind.A_TO_Z, reason=Reason.DAMAGED, by=world.agent_a
    )
    captured = claim.opened_at - timedelta(days=5)
    add_evidence(world.order_a, world.agent_a, caption="Packed in foam, no damage", captured_at=captured)
    body = agent_client.get(reverse("disputes:claim", args=[claim.pk])).content.decode()
    assert 'id="evidence-panel"' in body and "1 of 4 present" in body
    timeline = body[body.index('class="timeline"') :]
    # Captured five days before the claim: first in the timeline, before "opened".
    assert timeline.index("evidence_captured") < timeline.index("opened")
    assert "Packed in foam, no damage" in timeline and "evidence_added" in timeline


def test_claim_page_queries_do_not_grow_with_evidence(agent_client, world):
    add_evidence(world.order_a, world.agent_a, previews=False)

    def more_evidence():
        for n in range(4):
            item = add_evidence(world.order_a, world.agent_a, photo(label=f"n{n}"), name=f"p{n}.jpg")
            services.evidence_edit(item=item, caption=f"caption {n}", kind="buyer_media", by=world.agent_a)

    # The claim page's own queries (its appeals card, the Amazon card's connection check, the
    # fight-or-refund card and the macros card included; whether the viewer manages the store,
    # for the vault and the thread, comes with the store's members while the claim is open) plus 2 for the vault, however many items
    # and events, and 2 for the tags card (the store's tags, marked on the claim) and a
    # draft reply a rule may have put in the composer, and 1 for the thread's tags (the store's,
    # marked).
    assert_queries_pinned(
        agent_client, reverse("disputes:claim", args=[world.claim_a.pk]), expected=24, add_rows=more_evidence
    )


def test_order_page_shows_the_gallery_and_the_uploader(agent_client, world):
    item = add_evidence(world.order_a, world.agent_a, caption="Label on the box")
    body = agent_client.get(reverse("disputes:order", args=[world.order_a.pk])).content.decode()
    assert "data-evidence-upload" in body and "Label on the box" in body
    assert reverse("evidence:thumb", args=[item.pk]) in body
    assert "js/evidence.js" in body


def test_only_managers_see_the_delete_form(agent_client, manager_client, world):
    add_evidence(world.order_a, world.agent_a)
    url = reverse("evidence:panel", args=[world.order_a.pk])
    assert "Delete this evidence" not in agent_client.get(url).content.decode()
    assert "Delete this evidence" in manager_client.get(url).content.decode()


@pytest.mark.parametrize("page", ["claim", "order"])
def test_the_pages_ask_once_who_manages_and_both_panels_follow(agent_client, manager_client, world, page):
    """The claim and order pages ask whether the viewer manages the store once and hand the answer
    to the vault (delete form) and the buyer thread (override of a blocking finding)."""
    add_evidence(world.order_a, world.agent_a)
    pk = world.claim_a.pk if page == "claim" else world.order_a.pk
    url = reverse(f"disputes:{page}", args=[pk])
    as_agent = agent_client.get(url).content.decode()
    as_manager = manager_client.get(url).content.decode()
    assert "data-evidence-upload" in as_agent and 'id="compose-channel"' in as_agent
    for marker in ["Delete this evidence", 'id="override-reason"']:
        assert marker not in as_agent
        assert marker in as_manager


def test_compare_puts_the_buyer_photo_beside_the_pre_shipment_photo(agent_client, world):
    seller = add_evidence(world.order_a, world.agent_a, photo(label="seller"), kind="pre_shipment_photo")
    buyer = add_evidence(
        world.order_a,
        world.agent_a,
        photo(label="buyer", colour=(10, 90, 200)),
        name="b.jpg",
        kind="buyer_media",
    )
    response = agent_client.get(reverse("evidence:compare", args=[world.order_a.pk]))
    body = response.content.decode()
    assert reverse("evidence:preview", args=[buyer.pk]) in body
    assert reverse("evidence:preview", args=[seller.pk]) in body
    assert body.index('data-pane="buyer"') < body.index('data-pane="seller"')
    assert agent_client.get(reverse("evidence:preview", args=[buyer.pk])).status_code == 200


def test_compare_without_photos_says_what_is_missing(agent_client, world):
    body = agent_client.get(reverse("evidence:compare", args=[world.order_a.pk])).content.decode()
    assert "The buyer has not sent a photo for this order yet." in body


@pytest.mark.parametrize("name", ["card", "edit", "download", "thumb", "preview"])
def test_outsider_and_other_store_manager_get_404_on_item_urls(world, name):
    item = add_evidence(world.order_a, world.agent_a)
    outsider = client_for(world.agent_b)
    assert outsider.get(reverse(f"evidence:{name}", args=[item.pk])).status_code == 404


def test_deleted_evidence_leaves_the_timeline_entry_of_its_deletion(manager_client, world):
    item = add_evidence(world.order_a, world.agent_a, caption="wrong order")
    services.evidence_delete(item=item, by=world.manager_a, reason="Belongs to another order")
    body = manager_client.get(reverse("disputes:claim", args=[world.claim_a.pk])).content.decode()
    timeline = body[body.index('class="timeline"') :]
    assert "evidence_deleted" in timeline and "Belongs to another order" in timeline
    assert "evidence_captured" not in timeline


def test_a_deleted_duplicate_can_be_added_again(world):
    data = photo(label="again")
    first = add_evidence(world.order_a, world.agent_a, data)
    services.evidence_delete(item=first, by=world.manager_a, reason="mistake")
    again = add_evidence(world.order_a, world.agent_a, data)
    assert again.sha256 == first.sha256 and again.storage_name != first.storage_name
    assert timezone.now() - again.added_at < timedelta(minutes=1)


def test_the_evidence_panel_and_refusals_speak_chinese(agent_client, world):
    from .test_evidence_upload import upload

    add_evidence(world.order_a, world.agent_a, caption="")
    try:
        agent_client.post(reverse("preferences"), {"language": "zh-hans"})
        body = agent_client.get(reverse("disputes:claim", args=[world.claim_a.pk])).content.decode()
        assert "对比买家照片与发货前照片" in body and "已有 0 / 3 项" in body and "编辑说明" in body
        refused = upload(agent_client, world.order_a, b"<html><body>hi</body></html>", "x.jpg")
        assert "是一个网页（HTML）" in refused.content.decode()
    finally:
        # The requests left Chinese active in this thread; later tests expect English.
        translation.activate(settings.LANGUAGE_CODE)
