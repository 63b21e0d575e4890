"""Learning from post-mortems: claims per 1,000 orders before and after an improvement action was
done, by the same product and the same reason, against hand-computed figures."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from disputes.models import (
    Claim,
    ClaimKind,
    ImprovementAction,
    Order,
    OrderLine,
    Outcome,
    PostMortem,
    Reason,
    RootCause,
)
from disputes.selectors import action_effects

from .queries import assert_queries_pinned


def orders(store, sku, count, *, bought, prefix):
    made = []
    for n in range(count):
        order = Order.objects.create(
            store=store, platform_order_id=f"{prefix}-{n}", purchased_at=bought, currency=store.currency
        )
        OrderLine.objects.create(order=order, line_key=sku, sku=sku, title=sku, quantity=1, item_price=10)
        made.append(order)
    return made


def claim(order, *, opened, reason=Reason.DAMAGED):
    return Claim.objects.create(
        store=order.store, order=order, kind=ClaimKind.A_TO_Z, reason=reason, opened_at=opened
    )


def packaging_change(world, now):
    """Done 80 days ago. Before (140–80 days ago): 10 lamp orders with 2 damaged claims and 10
    vase orders with none. After (80–20 days ago): 20 lamp orders with 1 damaged claim."""
    done = now - timedelta(days=80)
    lamps_before = orders(world.store_a, "LAMP-1", 10, bought=done - timedelta(days=30), prefix="LB")
    orders(world.store_a, "VASE-2", 10, bought=done - timedelta(days=30), prefix="VB")
    lamps_after = orders(world.store_a, "LAMP-1", 20, bought=done + timedelta(days=10), prefix="LA")
    first = claim(lamps_before[0], opened=done - timedelta(days=20))
    claim(lamps_before[1], opened=done - timedelta(days=15))
    claim(lamps_after[0], opened=done + timedelta(days=20))
    # A claim for another reason on a lamp counts by product but not by reason.
    claim(lamps_after[1], opened=done + timedelta(days=25), reason=Reason.NOT_AS_DESCRIBED)
    post_mortem = PostMortem.objects.create(
        claim=first,
        store=world.store_a,
        outcome=Outcome.GRANTED_SELLER_FUNDED,
        root_cause=RootCause.PACKAGING,
        decided_by="The box was crushed.",
    )
    return ImprovementAction.objects.create(
        post_mortem=post_mortem,
        store=world.store_a,
        owner=world.agent_a,
        description="Double-walled boxes for lamps",
        due_on=done.date(),
        done_at=done,
    )


def test_claims_per_thousand_orders_before_and_after_a_done_action(world):
    now = timezone.now()
    action = packaging_change(world, now)
    [effect] = action_effects(world.manager_a, now=now)
    assert effect.action == action and effect.after_days == 60
    product = effect.by_product
    assert product is not None and product.label == "LAMP-1"
    # Lamps: 2 claims / 10 orders = 200.0 → 2 claims (one damaged, one not as described) / 20 = 100.0
    assert (product.before.claims, product.before.orders, str(product.before.per_thousand)) == (
        2,
        10,
        "200.0",
    )
    assert (product.after.claims, product.after.orders, str(product.after.per_thousand)) == (2, 20, "100.0")
    # Damaged: 2 claims / 20 orders (lamps and vases) = 100.0 → 1 / 20 = 50.0. world.order_a
    # (10 days old) and its claim fall after the window.
    reason = effect.by_reason
    assert reason.label == str(Reason.DAMAGED.label)
    assert (reason.before.claims, reason.before.orders, str(reason.before.per_thousand)) == (2, 20, "100.0")
    assert (reason.after.claims, reason.after.orders, str(reason.after.per_thousand)) == (1, 20, "50.0")


def test_an_action_done_recently_counts_the_days_since(world):
    now = timezone.now()
    action = packaging_change(world, now)
    action.done_at = now - timedelta(days=21, hours=1)
    action.save(update_fields=["done_at"])
    [effect] = action_effects(world.manager_a, now=now)
    assert effect.after_days == 21


def test_undone_actions_and_other_teams_actions_are_left_out(world):
    now = timezone.now()
    action = packaging_change(world, now)
    assert action_effects(world.agent_b, now=now) == []
    assert action_effects(world.agent_a, now=now) == []  # the report is for managers
    action.done_at = None
    action.save(update_fields=["done_at"])
    assert action_effects(world.manager_a, now=now) == []


def test_the_post_mortem_report_shows_the_change(manager_client, world):
    packaging_change(world, timezone.now())
    page = manager_client.get(reverse("disputes:post_mortems")).content.decode()
    assert 'id="action-effects"' in page and "Double-walled boxes for lamps" in page
    assert "<strong>LAMP-1</strong>: 200.0 → 100.0" in page
    assert f"<strong>{Reason.DAMAGED.label}</strong>: 100.0 → 50.0" in page


def test_the_report_costs_the_same_queries_however_many_actions_are_done(manager_client, world):
    now = timezone.now()
    packaging_change(world, now)

    def more():
        for n in range(3):
            first = claim(
                orders(world.store_a, f"SKU-{n}", 1, bought=now - timedelta(days=40), prefix=f"M{n}")[0],
                opened=now - timedelta(days=35),
            )
            post_mortem = PostMortem.objects.create(
                claim=first,
                store=world.store_a,
                outcome=Outcome.DENIED,
                root_cause=RootCause.CARRIER,
                decided_by="Tracking.",
            )
            ImprovementAction.objects.create(
                post_mortem=post_mortem,
                store=world.store_a,
                owner=world.agent_a,
                description=f"Change {n}",
                due_on=now.date(),
                done_at=now - timedelta(days=30),
            )

    # The report's 10, then the SKUs of the actions' claims, and one count query each for claims
    # and orders.
    assert_queries_pinned(manager_client, reverse("disputes:post_mortems"), expected=13, add_rows=more)
