import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes import services
from disputes.models import (
    Claim,
    ClaimKind,
    ClaimStatus,
    ImprovementAction,
    Order,
    OrderLine,
    Outcome,
    PostMortem,
    Reason,
    RootCause,
)
from disputes.selectors import post_mortem_report
from disputes.services import ClaimError, PostMortemDraft

from .conftest import client_for
from .drafts import closing_post, post_mortem
from .queries import assert_queries_pinned


def close(world, claim, outcome=Outcome.DENIED, **draft):
    return services.claim_close(
        claim=claim,
        outcome=outcome,
        by=world.agent_a,
        version=claim.version,
        post_mortem=post_mortem(world.agent_a, **draft),
    )


def new_claim(world, sku="KETTLE-1L", reason=Reason.NOT_RECEIVED, store=None):
    store = store or world.store_a
    order = Order.objects.create(
        store=store,
        platform_order_id=f"PM-{Order.objects.count()}",
        purchased_at=timezone.now() - timedelta(days=5),
        currency=store.currency,
    )
    OrderLine.objects.create(order=order, line_key=sku, sku=sku, title=sku, quantity=1, item_price=10)
    return services.claim_open(
        order=order,
        kind=ClaimKind.A_TO_Z if store == world.store_a else ClaimKind.OZON_DISPUTE,
        reason=reason,
        by=world.agent_a,
    )


# --- Closing needs the post-mortem ---------------------------------------------------------


def test_a_claim_cannot_be_closed_without_a_post_mortem(world):
    claim = world.claim_a
    with pytest.raises(ClaimError, match="post-mortem"):
        services.claim_close(
            claim=claim, outcome=Outcome.DENIED, by=world.agent_a, version=claim.version, post_mortem=None
        )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.NEW and not PostMortem.objects.exists()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"root_cause": "weather"}, "root cause"),
        ({"decided_by": "  "}, "what decided"),
        ({"action": ""}, "improvement action"),
        ({"owner": None}, "owner"),
        ({"due_on": None}, "due date"),
        ({"due_on": timezone.localdate() - timedelta(days=1)}, "past"),
    ],
)
def test_an_incomplete_post_mortem_is_refused_and_nothing_is_written(world, change, message):
    draft = post_mortem(world.agent_a)
    fields = {**draft.__dict__, **change}
    with pytest.raises(ClaimError, match=message):
        services.claim_close(
            claim=world.claim_a,
            outcome=Outcome.DENIED,
            by=world.agent_a,
            version=world.claim_a.version,
            post_mortem=PostMortemDraft(**fields),
        )
    assert Claim.objects.get(pk=world.claim_a.pk).status == ClaimStatus.NEW
    assert not PostMortem.objects.exists() and not ImprovementAction.objects.exists()


def test_the_action_owner_must_belong_to_the_store(world):
    with pytest.raises(ClaimError, match="not a member"):
        services.claim_close(
            claim=world.claim_a,
            outcome=Outcome.DENIED,
            by=world.agent_a,
            version=world.claim_a.version,
            post_mortem=post_mortem(world.agent_b),
        )
    assert not PostMortem.objects.exists()


def test_closing_writes_the_post_mortem_its_action_and_the_timeline(world):
    claim = close(world, world.claim_a, Outcome.GRANTED_SELLER_FUNDED, root_cause=RootCause.PACKAGING)
    pm = claim.post_mortems.get()
    assert (pm.outcome, pm.root_cause, pm.won) == (Outcome.GRANTED_SELLER_FUNDED, RootCause.PACKAGING, False)
    action = pm.actions.get()
    assert action.owner == world.agent_a and not action.is_done
    assert {"post_mortem", "action_set"} <= set(claim.events.values_list("action", flat=True))


def test_the_close_form_shows_post_mortem_errors_in_place(agent_client, world):
    url = reverse("disputes:claim_close", args=[world.claim_a.pk])
    response = agent_client.post(
        url,
        {
            "outcome": "denied",
            "version": world.claim_a.version,
            **closing_post(world.agent_a, root_cause="", action=""),
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert body.count("This field is required.") == 2
    assert world.claim_a.post_mortems.count() == 0
    assert 'value="Ask the carrier' not in body  # the action field was empty
    assert "The carrier&#x27;s scan showed delivery" in body  # what the agent typed is still there


def test_an_outsider_cannot_be_named_owner_from_the_form(agent_client, world):
    url = reverse("disputes:claim_close", args=[world.claim_a.pk])
    response = agent_client.post(
        url, {"outcome": "denied", "version": world.claim_a.version, **closing_post(world.agent_b)}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert Claim.objects.get(pk=world.claim_a.pk).status == ClaimStatus.NEW


# --- Actions on the owner's queue -----------------------------------------------------------


def test_open_actions_appear_on_the_owners_queue_until_done(world):
    close(world, world.claim_a, action="Photograph every kettle before packing")
    owner = client_for(world.agent_a)
    assert "Photograph every kettle before packing" in owner.get(reverse("disputes:queue")).content.decode()
    manager = client_for(world.manager_a)
    assert (
        "Photograph every kettle before packing"
        not in manager.get(reverse("disputes:queue")).content.decode()
    )
    action = ImprovementAction.objects.get()
    owner.post(reverse("disputes:action_done", args=[action.pk]))
    action.refresh_from_db()
    assert action.is_done and action.done_by == world.agent_a
    assert (
        "Photograph every kettle before packing" not in owner.get(reverse("disputes:queue")).content.decode()
    )
    assert world.claim_a.events.filter(action="action_done").exists()


def test_only_the_owner_or_a_manager_can_mark_an_action_done(world):
    from disputes.models import Membership, Role

    from .conftest import make_user

    colleague = make_user("colleague")
    Membership.objects.create(user=colleague, store=world.store_a, role=Role.AGENT)
    close(world, world.claim_a)
    action = ImprovementAction.objects.get()
    client_for(colleague).post(reverse("disputes:action_done", args=[action.pk]))
    action.refresh_from_db()
    assert not action.is_done
    client_for(world.manager_a).post(reverse("disputes:action_done", args=[action.pk]))
    action.refresh_from_db()
    assert action.is_done and action.done_by == world.manager_a


def test_queue_query_count_does_not_grow_with_actions(agent_client, world):
    def more_actions():
        for _ in range(3):
            close(world, new_claim(world))

    # As tests/test_queue.py pins it: the actions are one query whatever their number.
    assert_queries_pinned(agent_client, reverse("disputes:queue"), expected=12, add_rows=more_actions)


# --- The managers' report ----------------------------------------------------------------


def test_report_counts_win_rate_and_causes_by_store_sku_and_reason(world):
    close(world, new_claim(world, "KETTLE-1L", Reason.DAMAGED), Outcome.DENIED, root_cause=RootCause.CARRIER)
    close(
        world,
        new_claim(world, "KETTLE-1L", Reason.DAMAGED),
        Outcome.REFUNDED_BY_SELLER,
        root_cause=RootCause.PACKAGING,
    )
    close(
        world,
        new_claim(world, "CABLE-2M", Reason.NOT_RECEIVED),
        Outcome.WITHDRAWN,
        root_cause=RootCause.CARRIER,
    )
    close(
        world,
        new_claim(world, "CABLE-2M", Reason.NOT_RECEIVED),
        Outcome.GRANTED_PLATFORM_FUNDED,
        root_cause=RootCause.CARRIER,
    )

    by_store = post_mortem_report(world.manager_a, group="store")
    assert (by_store.total.closed, by_store.total.won, by_store.total.win_rate) == (4, 2, 50)
    assert by_store.total.causes == {RootCause.CARRIER: 3, RootCause.PACKAGING: 1}
    assert [(r.label, r.closed) for r in by_store.rows] == [("Alpha Amazon US", 4)]
    assert sum(row.closed for _start, row in by_store.weeks) == 4

    by_sku = {r.label: (r.closed, r.won) for r in post_mortem_report(world.manager_a, group="sku").rows}
    assert by_sku == {"KETTLE-1L": (2, 1), "CABLE-2M": (2, 1)}
    by_reason = {r.label: r.causes for r in post_mortem_report(world.manager_a, group="reason").rows}
    assert by_reason[str(Reason.DAMAGED.label)] == {RootCause.CARRIER: 1, RootCause.PACKAGING: 1}


def test_report_leaves_out_stores_the_manager_does_not_run(world):
    from disputes.models import Membership, Role

    Membership.objects.filter(user=world.agent_b, store=world.store_b).update(role=Role.MANAGER)
    claim = new_claim(world, store=world.store_b)
    services.claim_close(
        claim=claim,
        outcome=Outcome.DENIED,
        by=world.agent_b,
        version=claim.version,
        post_mortem=post_mortem(world.agent_b),
    )
    assert post_mortem_report(world.manager_a).total.closed == 0
    assert post_mortem_report(world.agent_b).total.closed == 1


def test_report_page_and_csv_export(manager_client, world):
    close(world, new_claim(world, "KETTLE-1L"), Outcome.DENIED, root_cause=RootCause.BUYER_ABUSE)
    page = manager_client.get(reverse("disputes:post_mortems"), {"group": "sku"}).content.decode()
    assert 'id="pm-win-rate">100%' in page and "KETTLE-1L" in page and 'id="cause-chart"' in page
    response = manager_client.get(reverse("disputes:post_mortems_csv"), {"group": "sku", "weeks": "4"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 1
    assert (rows[0]["Products (SKU)"], rows[0]["Won"], rows[0]["Root cause"]) == (
        "KETTLE-1L",
        "Yes",
        str(RootCause.BUYER_ABUSE.label),
    )
    assert rows[0]["Action owner"] == "agent_a"


def test_report_form_shows_the_options_applied(manager_client, world):
    page = manager_client.get(reverse("disputes:post_mortems")).content.decode()
    assert '<option value="12" selected>' in page and '<option value="store" selected>' in page
    page = manager_client.get(reverse("disputes:post_mortems"), {"weeks": "26"}).content.decode()
    assert '<option value="26" selected>' in page


def test_report_ignores_bad_filters(manager_client, world):
    response = manager_client.get(
        reverse("disputes:post_mortems"), {"store": "nope", "weeks": "-3", "group": "'; drop"}
    )
    assert response.status_code == 200


def test_report_query_count_is_pinned(manager_client, world):
    def more():
        for n in range(4):
            close(world, new_claim(world, f"SKU-{n}"))

    assert_queries_pinned(
        # 8 for the report, 2 for the done improvement actions (none here: see test_action_effects)
        manager_client,
        reverse("disputes:post_mortems") + "?group=sku",
        expected=10,
        add_rows=more,
    )
