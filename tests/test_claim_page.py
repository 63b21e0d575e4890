import re
from datetime import timedelta

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from appeals import services as appeal_services
from disputes import services
from disputes.access import get_claim_for_user
from disputes.models import Claim, ClaimKind, ClaimStatus, Order, Outcome, Reason, Shipment, TrackingEvent

from .conftest import client_for
from .drafts import closing_post
from .page_forms import form_data
from .queries import assert_queries_pinned


def test_claim_page_shows_order_deadline_and_timeline(agent_client, world):
    claim = services.claim_open(
        order=world.order_a, kind=ClaimKind.A_TO_Z, reason=Reason.NOT_RECEIVED, by=world.agent_a
    )
    shipment = Shipment.objects.create(
        order=world.order_a, carrier="USPS", tracking_number="9400111899223344556677"
    )
    TrackingEvent.objects.create(
        shipment=shipment, occurred_at=timezone.now(), status="Delivered, in mailbox"
    )
    body = agent_client.get(reverse("disputes:claim", args=[claim.pk])).content.decode()
    assert world.order_a.platform_order_id in body
    assert "9400111899223344556677" in body and "Delivered, in mailbox" in body
    assert claim.respond_explained in body
    assert "Deadline set: respond by" in body


def test_claim_page_query_count_is_pinned(agent_client, world):
    claim = world.claim_a
    # A claim that names people (read in one query of their own, whoever they are).
    Claim.objects.filter(pk=claim.pk).update(assignee=world.agent_a, created_by=world.manager_a)
    first = Shipment.objects.create(order=world.order_a, carrier="USPS", tracking_number="9400")
    TrackingEvent.objects.create(shipment=first, occurred_at=timezone.now(), status="Accepted")

    def more_history():
        shipment = Shipment.objects.create(order=world.order_a, carrier="UPS", tracking_number="1Z999")
        for i in range(5):
            TrackingEvent.objects.create(shipment=shipment, occurred_at=timezone.now(), status=f"Scan {i}")
            other = Order.objects.create(
                store=world.store_a,
                buyer=world.order_a.buyer,
                platform_order_id=f"H-{i}",
                purchased_at=timezone.now(),
                currency="USD",
            )
            Claim.objects.create(
                store=world.store_a,
                order=other,
                kind=ClaimKind.A_TO_Z,
                reason=Reason.DAMAGED,
                opened_at=timezone.now(),
            )
        services.claim_set_priority(claim=claim, priority=3, by=world.agent_a, loaded=claim.priority)
        appeal_services.appeal_create(claim=claim, kind="claim_response", by=world.agent_a)

    # 14 for the claim (the people it names, post-mortems, the order's lines, and the store's
    # members for both the assignee and the close form's action owner, once, included; the
    # order's store is the claim's; whether the viewer manages the store, for the two panels
    # below, comes with the members while the claim is open), 2 for the
    # evidence panel (items, evidence events), 3 for the buyer thread (the thread, a draft reply a
    # rule put in, the store's tags marked on the thread),
    # 1 for the appeals card, 1 for whether the store is connected to Amazon's API (its card), 1
    # for the tags card (the store's tags, marked on the claim), 1 for the macros card (the
    # store's), 3 for the fight-or-refund card (the viewer's stores, the team's record by reason,
    # the store's orders and defective orders in the ODR window; the SKUs from the lines the page
    # read, and no SKU record for an order without lines).
    assert_queries_pinned(
        agent_client, reverse("disputes:claim", args=[claim.pk]), expected=26, add_rows=more_history
    )


def claim_on_new_order(world, order_id: str, buyer, **claim) -> Claim:
    order = Order.objects.create(
        store=world.store_a,
        buyer=buyer,
        platform_order_id=order_id,
        purchased_at=timezone.now(),
        currency="USD",
    )
    claim = {"kind": ClaimKind.A_TO_Z, "reason": Reason.NOT_RECEIVED, "opened_at": timezone.now(), **claim}
    return Claim.objects.create(store=world.store_a, order=order, **claim)


def test_repeat_complainer_is_flagged(agent_client, world, settings):
    settings.DESK_REPEAT_COMPLAINER_CLAIMS = 2
    url = reverse("disputes:claim", args=[world.claim_a.pk])
    assert "Repeat complainer" not in agent_client.get(url).content.decode()
    claim_on_new_order(world, "R-2", world.order_a.buyer)
    assert "Repeat complainer" in agent_client.get(url).content.decode()


def test_the_buyer_history_lists_the_buyers_claims_newest_first_with_their_orders(agent_client, world):
    month_ago = timezone.now() - timedelta(days=30)
    closed = {"status": ClaimStatus.CLOSED, "outcome": Outcome.WITHDRAWN, "closed_at": month_ago}
    claim_on_new_order(
        world, "R-OLD", world.order_a.buyer, kind=ClaimKind.CHARGEBACK, opened_at=month_ago, **closed
    )
    claim_on_new_order(world, "R-STRANGER", None)
    page = agent_client.get(reverse("disputes:claim", args=[world.claim_a.pk])).content.decode()
    history = page.split("<h2>Buyer history</h2>")[1].split("</section>")[0]
    claims = re.findall(r"<li>(.*?)</li>", history, re.S)
    assert len(claims) == 2 and "R-STRANGER" not in history
    newest, oldest = claims
    assert reverse("disputes:claim", args=[world.claim_a.pk]) in newest
    assert f"{world.claim_a.get_kind_display()}</a> · {world.order_a.platform_order_id} · <time" in newest
    assert newest.endswith(f"· {world.claim_a.get_status_display()}")
    assert "Chargeback</a> · R-OLD · <time" in oldest and oldest.endswith("· Closed (Withdrawn by the buyer)")
    assert "2 orders from this buyer" in history


def test_the_buyer_history_counts_an_order_with_two_claims_once(agent_client, world):
    url = reverse("disputes:claim", args=[world.claim_a.pk])

    def history() -> str:
        return (
            agent_client.get(url).content.decode().split("<h2>Buyer history</h2>")[1].split("</section>")[0]
        )

    assert "1 order from this buyer" in history()
    # A second claim on the same order (a chargeback after the A-to-Z claim), then a new order.
    Claim.objects.create(
        store=world.store_a,
        order=world.order_a,
        kind=ClaimKind.CHARGEBACK,
        reason=Reason.NOT_RECEIVED,
        opened_at=timezone.now(),
    )
    page = history()
    assert len(re.findall(r"<li>", page)) == 2 and "1 order from this buyer" in page
    claim_on_new_order(world, "R-2", world.order_a.buyer)
    page = history()
    assert len(re.findall(r"<li>", page)) == 3 and "2 orders from this buyer" in page


def test_moving_and_closing_through_the_page(agent_client, world):
    claim = world.claim_a
    agent_client.post(
        reverse("disputes:claim_move", args=[claim.pk]),
        {"to_status": "in_progress", "loaded_status": claim.status},
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_PROGRESS
    agent_client.post(
        reverse("disputes:claim_close", args=[claim.pk]),
        {"outcome": "denied", "version": claim.version, **closing_post(world.agent_a)},
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CLOSED and claim.counts_toward_odr is False


def test_a_stale_form_gets_a_conflict_message(agent_client, world):
    claim = world.claim_a
    stale = claim.version
    services.claim_set_priority(claim=claim, priority=4, by=world.manager_a, loaded=claim.priority)
    response = agent_client.post(
        reverse("disputes:claim_close", args=[claim.pk]),
        {"outcome": "refunded", "version": stale, **closing_post(world.agent_a)},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed this claim" in body
    # What the user wrote comes back in the form, not lost with the refusal.
    assert form_data(body, "close-form")["decided_by"] == closing_post(world.agent_a)["decided_by"]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.NEW


def test_closing_without_an_outcome_shows_the_error_in_place(agent_client, world):
    response = agent_client.post(
        reverse("disputes:claim_close", args=[world.claim_a.pk]),
        {"outcome": "", "version": world.claim_a.version},
    )
    assert response.status_code == 400
    body = response.content.decode()
    form = body[body.index('id="close-form"') : body.index("</form>", body.index('id="close-form"'))]
    assert "This field is required." in form
    assert '<div class="field has-error"><label for="id_outcome"' in form
    assert '<ul class="errorlist" id="id_outcome_error"><li>This field is required.</li></ul>' in form
    # Without errors the form's fields carry no error list at all.
    page = agent_client.get(reverse("disputes:claim", args=[world.claim_a.pk])).content.decode()
    clean = page[page.index('id="close-form"') : page.index("</form>", page.index('id="close-form"'))]
    assert 'for="id_outcome"' in clean and "errorlist" not in clean and "has-error" not in clean


def test_assigning_an_outsider_by_id_is_refused(manager_client, world):
    response = manager_client.post(
        reverse("disputes:claim_assign", args=[world.claim_a.pk]),
        {"assignee": world.agent_b.pk, "loaded_assignee": ""},
    )
    assert response.status_code == 400
    world.claim_a.refresh_from_db()
    assert world.claim_a.assignee is None


def claim_page(client, claim) -> str:
    response = client.get(reverse("disputes:claim", args=[claim.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_priority_saved_in_another_tab_does_not_block_saving_the_assignee(agent_client, world):
    claim = world.claim_a
    page = claim_page(agent_client, claim)
    other_tab = claim_page(agent_client, claim)
    priority = {**form_data(other_tab, "priority-form"), "priority": "4"}
    assert agent_client.post(reverse("disputes:claim_priority", args=[claim.pk]), priority).status_code == 302
    assign = {**form_data(page, "assign-form"), "assignee": str(world.agent_a.pk)}
    assert agent_client.post(reverse("disputes:claim_assign", args=[claim.pk]), assign).status_code == 302
    claim.refresh_from_db()
    assert claim.priority == 4 and claim.assignee == world.agent_a


def test_an_assignee_someone_else_saved_meanwhile_is_not_overwritten_and_the_choice_is_kept(
    manager_client, world
):
    claim = world.claim_a
    managers_page = claim_page(manager_client, claim)
    agent = client_for(world.agent_a)
    taken = {**form_data(claim_page(agent, claim), "assign-form"), "assignee": str(world.agent_a.pk)}
    assert agent.post(reverse("disputes:claim_assign", args=[claim.pk]), taken).status_code == 302

    mine = {**form_data(managers_page, "assign-form"), "assignee": str(world.manager_a.pk)}
    response = manager_client.post(reverse("disputes:claim_assign", args=[claim.pk]), mine)
    assert response.status_code == 409
    body = response.content.decode()
    assert "agent_a changed the assignee to agent_a" in body
    assert "Your choice, manager_a, was not saved" in body
    claim.refresh_from_db()
    assert claim.assignee == world.agent_a
    # The form comes back with the manager's choice, now knowing agent_a's: saving it again
    # is a deliberate decision and goes through.
    kept = form_data(body, "assign-form")
    assert kept["assignee"] == str(world.manager_a.pk)
    assert manager_client.post(reverse("disputes:claim_assign", args=[claim.pk]), kept).status_code == 302
    claim.refresh_from_db()
    assert claim.assignee == world.manager_a


def test_a_priority_someone_else_saved_meanwhile_is_refused_with_the_choice_kept(
    agent_client, manager_client, world
):
    claim = world.claim_a
    page = claim_page(agent_client, claim)
    urgent = {**form_data(claim_page(manager_client, claim), "priority-form"), "priority": "4"}
    assert manager_client.post(reverse("disputes:claim_priority", args=[claim.pk]), urgent).status_code == 302
    low = {**form_data(page, "priority-form"), "priority": "1"}
    response = agent_client.post(reverse("disputes:claim_priority", args=[claim.pk]), low)
    assert response.status_code == 409
    body = response.content.decode()
    assert "manager_a changed the priority to Urgent" in body
    assert form_data(body, "priority-form")["priority"] == "1"
    claim.refresh_from_db()
    assert claim.priority == 4


def test_opening_a_claim_from_the_order_page(agent_client, world):
    url = reverse("disputes:claim_open", args=[world.order_a.pk])
    response = agent_client.post(
        url,
        {
            "kind": "a_to_z",
            "reason": "damaged",
            "opened_at": "2026-05-04T09:00",
            "priority": 2,
            "amount": "19.99",
        },
    )
    claim = Claim.objects.exclude(pk=world.claim_a.pk).get()
    assert response["Location"] == reverse("disputes:claim", args=[claim.pk])
    assert claim.created_by == world.agent_a and claim.respond_by is not None


def test_opening_a_claim_with_bad_input_writes_nothing(agent_client, world):
    url = reverse("disputes:claim_open", args=[world.order_a.pk])
    response = agent_client.post(
        url,
        {
            "kind": "a_to_z",
            "reason": "damaged",
            "opened_at": "2026-05-04T09:00",
            "platform_requested_at": "2026-05-01T09:00",
            "priority": 2,
            "amount": "-3",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "cannot ask before the claim was opened" in body and "cannot be negative" in body
    assert Claim.objects.count() == 1


def test_order_search_finds_by_id_prefix_in_own_stores_only(agent_client, outsider_client, world):
    response = agent_client.get(reverse("disputes:orders"), {"q": "111-0000001"})
    assert response["Location"] == reverse("disputes:order", args=[world.order_a.pk])
    assert "111-0000001" not in outsider_client.get(reverse("disputes:orders"), {"q": "111"}).content.decode()


def test_a_claim_is_read_with_the_people_it_names_in_one_query_more(world, django_assert_num_queries):
    Claim.objects.filter(pk=world.claim_a.pk).update(
        assignee=world.agent_a, created_by=world.manager_a, snoozed_by=world.agent_a
    )
    with django_assert_num_queries(2):  # the claim with its store, order and buyer; its people
        claim = get_claim_for_user(world.agent_a, world.claim_a.pk)
        seen = (
            claim.assignee.username,
            claim.created_by.username,
            claim.snoozed_by.username,
            claim.store.name,
            claim.order.buyer.pk == world.order_a.buyer_id,
            claim.respond_rule,
        )
    assert seen == ("agent_a", "manager_a", "agent_a", world.store_a.name, True, None)


def test_a_claim_naming_nobody_is_one_query_and_its_people_read_as_none(world, django_assert_num_queries):
    Claim.objects.filter(pk=world.claim_a.pk).update(assignee=None, created_by=None, snoozed_by=None)
    with django_assert_num_queries(1):
        claim = get_claim_for_user(world.agent_a, world.claim_a.pk)
        assert (claim.assignee, claim.created_by, claim.snoozed_by) == (None, None, None)
    assert claim.pk == world.claim_a.pk


def test_another_teams_claim_is_not_found_by_the_two_query_look_up(world):
    with pytest.raises(Http404):
        get_claim_for_user(world.agent_b, world.claim_a.pk)


def test_whether_the_viewer_manages_the_store_is_right_for_each_role_open_or_closed(world):
    url = reverse("disputes:claim", args=[world.claim_a.pk])

    def manages(user) -> bool:
        response = client_for(user).get(url)
        assert response.status_code == 200
        return response.context["manages_store"]

    assert world.claim_a.is_open
    assert (manages(world.agent_a), manages(world.manager_a), manages(world.superuser)) == (False, True, True)
    Claim.objects.filter(pk=world.claim_a.pk).update(status=ClaimStatus.CLOSED, closed_at=timezone.now())
    assert (manages(world.agent_a), manages(world.manager_a), manages(world.superuser)) == (False, True, True)
