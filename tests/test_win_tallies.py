"""The day tallies of fought claims (WinTally, and SkuWinTally by their orders' SKUs) stay equal
to counting the claims (and their orders' lines) themselves, whatever writes them, and the win
rates read from them equal those counted claim by claim, to the exact moment a year ago."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from disputes import services, win_tallies
from disputes.models import (
    Claim,
    ClaimKind,
    ClaimStatus,
    Order,
    OrderLine,
    Outcome,
    Reason,
    SkuWinTally,
    WinTally,
)
from disputes.winrates import LOOKBACK_DAYS, fought_outcomes, sku_tallies, win_rates

from .drafts import post_mortem
from .test_queue import add_claims


def counted_slowly() -> dict:
    counts: dict = {}
    for claim in Claim.objects.all():
        if claim.outcome in fought_outcomes():
            key = (claim.store_id, claim.opened_at.astimezone(UTC).date(), claim.reason)
            row = counts.setdefault(key, Counter())
            row["decided"] += 1
            row["won"] += claim.outcome in Outcome.wins()
    return {key: dict(+row) for key, row in counts.items()}


def kept() -> dict:
    rows = {}
    for row in WinTally.objects.all():
        values = {name: getattr(row, name) for name in ("won", "decided") if getattr(row, name)}
        if values:
            rows[(row.store_id, row.day, row.reason)] = values
    return rows


def test_the_tallies_equal_the_slow_count_after_close_reopen_and_bulk_writes(world):
    assert kept() == counted_slowly() == {}  # the fixture's claim is open: no fight yet
    first = Claim.objects.get(pk=world.claim_a.pk)
    services.claim_close(
        claim=first,
        outcome=Outcome.DENIED,
        by=world.agent_a,
        version=first.version,
        post_mortem=post_mortem(world.agent_a),
    )
    day = first.opened_at.astimezone(UTC).date()
    assert kept() == counted_slowly() == {(world.store_a.pk, day, first.reason): {"won": 1, "decided": 1}}
    first.refresh_from_db()
    services.claim_reopen(
        claim=first, by=world.agent_a, version=first.version, reason="The buyer wrote again"
    )
    assert kept() == counted_slowly() == {}
    # Bulk writes that bypass the services: outcomes, a refund (no fight), a new reason, a claim
    # moved in time and to another store, a deletion.
    claims = add_claims(world, 6)
    Claim.objects.filter(pk__in=[c.pk for c in claims[:3]]).update(outcome=Outcome.GRANTED_SELLER_FUNDED)
    Claim.objects.filter(pk=claims[3].pk).update(outcome=Outcome.WITHDRAWN)
    Claim.objects.filter(pk=claims[4].pk).update(outcome=Outcome.REFUNDED_BY_SELLER)
    assert kept() == counted_slowly() != {}
    Claim.objects.filter(pk=claims[0].pk).update(reason=Reason.DAMAGED)
    Claim.objects.filter(pk=claims[1].pk).update(opened_at=timezone.now() - timedelta(days=40))
    Claim.objects.filter(pk=claims[3].pk).update(store=world.store_b)
    Claim.objects.filter(pk=claims[2].pk).delete()
    assert kept() == counted_slowly()
    assert sum(row["decided"] for row in kept().values()) == 3


def test_a_rolled_back_decision_leaves_the_tallies_as_they_were(world):
    claims = add_claims(world, 3)
    Claim.objects.filter(pk=claims[0].pk).update(outcome=Outcome.DENIED)
    before = kept()
    with pytest.raises(RuntimeError), transaction.atomic():
        Claim.objects.filter(pk__in=[c.pk for c in claims]).update(outcome=Outcome.GRANTED_PLATFORM_FUNDED)
        assert kept() != before
        raise RuntimeError
    assert kept() == before != {}


def test_rebuild_gives_what_the_triggers_kept(world):
    claims = add_claims(world, 4)
    Claim.objects.filter(pk__in=[c.pk for c in claims[:2]]).update(outcome=Outcome.DENIED)
    Claim.objects.filter(pk=claims[2].pk).update(outcome=Outcome.GRANTED_SELLER_FUNDED)
    by_triggers = kept()
    WinTally.objects.all().delete()
    win_tallies.rebuild()
    assert kept() == by_triggers == counted_slowly() != {}


def test_win_rates_count_from_the_exact_moment_a_year_ago(world):
    """Claims on both sides of the lookback's start, inside its first UTC day, and on the days
    after: the tallies' whole days plus the first part of a day counted from the claims."""
    now = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    since = now - timedelta(days=LOOKBACK_DAYS)
    outcomes = [Outcome.DENIED, Outcome.GRANTED_SELLER_FUNDED, Outcome.WITHDRAWN]
    for n, offset in enumerate(
        [timedelta(hours=-13), timedelta(minutes=-1), timedelta(0), timedelta(hours=11, minutes=59)]
        + [timedelta(hours=12), timedelta(days=3), timedelta(days=LOOKBACK_DAYS)]
    ):
        order = Order.objects.create(
            store=world.store_a,
            platform_order_id=f"Y-{n}",
            purchased_at=since + offset - timedelta(days=5),
            currency="USD",
        )
        Claim.objects.create(
            store=world.store_a,
            order=order,
            kind=ClaimKind.A_TO_Z,
            reason=Reason.NOT_RECEIVED,
            opened_at=since + offset,
            status=ClaimStatus.CLOSED,
            closed_at=now,
            outcome=outcomes[n % 3],
        )
    counted = Claim.objects.filter(
        store=world.store_a, opened_at__gte=since, outcome__in=fought_outcomes()
    ).aggregate(won=Count("id", filter=Q(outcome__in=Outcome.wins())), decided=Count("id"))
    assert counted == {"won": 4, "decided": 5}  # the two opened before `since` are out
    tally = win_rates([world.store_a], skus=[], now=now).by_reason[
        (world.store_a.platform, Reason.NOT_RECEIVED)
    ]
    assert (tally.wins, tally.decided) == (counted["won"], counted["decided"])


# --- By SKU -------------------------------------------------------------------------------


def skus_counted_slowly() -> dict:
    """Each fought claim once under every SKU its order has now."""
    counts: dict = {}
    for claim in Claim.objects.all():
        if claim.outcome in fought_outcomes():
            for sku in {line.sku for line in OrderLine.objects.filter(order_id=claim.order_id)}:
                key = (claim.store_id, sku, claim.reason, claim.opened_at.astimezone(UTC).date())
                row = counts.setdefault(key, Counter())
                row["decided"] += 1
                row["won"] += claim.outcome in Outcome.wins()
    return {key: dict(+row) for key, row in counts.items()}


def skus_kept() -> dict:
    rows = {}
    for row in SkuWinTally.objects.all():
        assert row.decided >= 0 and 0 <= row.won <= row.decided, row
        values = {name: getattr(row, name) for name in ("won", "decided") if getattr(row, name)}
        if values:
            rows[(row.store_id, row.sku, row.reason, row.day)] = values
    return rows


def line(order, sku: str, key: str | None = None) -> OrderLine:
    return OrderLine.objects.create(order=order, line_key=key or sku, sku=sku, quantity=1, item_price="5.00")


def test_sku_tallies_follow_claim_writes(world):
    """Close, reopen, bulk updates of outcome, reason, opening, store and order, and deletion:
    each claim under the SKUs of its order, once per SKU however many lines have it."""
    first = Claim.objects.get(pk=world.claim_a.pk)
    line(first.order, "MUG-1")
    line(first.order, "MUG-1", "MUG-1#2")
    line(first.order, "LID-2")
    assert skus_kept() == skus_counted_slowly() == {}  # open: no fight yet
    services.claim_close(
        claim=first,
        outcome=Outcome.DENIED,
        by=world.agent_a,
        version=first.version,
        post_mortem=post_mortem(world.agent_a),
    )
    day = first.opened_at.astimezone(UTC).date()
    assert (
        skus_kept()
        == skus_counted_slowly()
        == {
            (world.store_a.pk, "MUG-1", first.reason, day): {"won": 1, "decided": 1},
            (world.store_a.pk, "LID-2", first.reason, day): {"won": 1, "decided": 1},
        }
    )
    first.refresh_from_db()
    services.claim_reopen(
        claim=first, by=world.agent_a, version=first.version, reason="The buyer wrote again"
    )
    assert skus_kept() == skus_counted_slowly() == {}

    claims = add_claims(world, 6)
    for n, claim in enumerate(claims):
        line(claim.order, f"SKU-{n % 2}")
    Claim.objects.filter(pk__in=[c.pk for c in claims[:4]]).update(outcome=Outcome.GRANTED_SELLER_FUNDED)
    Claim.objects.filter(pk=claims[4].pk).update(outcome=Outcome.WITHDRAWN)
    Claim.objects.filter(pk=claims[5].pk).update(outcome=Outcome.REFUNDED_BY_SELLER)
    assert skus_kept() == skus_counted_slowly() != {}
    Claim.objects.filter(pk=claims[0].pk).update(reason=Reason.DAMAGED)
    Claim.objects.filter(pk=claims[1].pk).update(opened_at=timezone.now() - timedelta(days=40))
    Claim.objects.filter(pk=claims[4].pk).update(store=world.store_b)
    Claim.objects.filter(pk=claims[2].pk).update(order=first.order)  # to MUG-1 and LID-2
    Claim.objects.filter(pk=claims[3].pk).delete()
    assert skus_kept() == skus_counted_slowly()
    assert sum(row["decided"] for row in skus_kept().values()) == 5  # claims[2] under two SKUs


def test_sku_tallies_follow_order_line_writes_after_the_decision(world):
    """A decided claim moves with its order's lines: a SKU added, a second line of a SKU the
    order has, lines deleted, a line's SKU changed, two lines swapping SKUs in one statement,
    a line moved to another order, lines created in bulk, and the order deleted."""
    claims = add_claims(world, 3)
    orders = [claim.order for claim in claims]
    line(orders[0], "A")
    Claim.objects.filter(pk__in=[c.pk for c in claims]).update(outcome=Outcome.DENIED)
    Claim.objects.filter(pk=claims[2].pk).update(outcome=Outcome.GRANTED_PLATFORM_FUNDED)
    assert skus_kept() == skus_counted_slowly() != {}
    b = line(orders[0], "B")
    second_a = line(orders[0], "A", "A#2")
    assert skus_kept() == skus_counted_slowly()
    second_a.delete()  # the order still has an A
    assert skus_kept() == skus_counted_slowly()
    b.sku = "C"
    b.save()
    assert skus_kept() == skus_counted_slowly()
    first_a = OrderLine.objects.get(order=orders[0], sku="A")
    first_a.sku, b.sku = "C", "A"  # swapped in one UPDATE statement
    OrderLine.objects.bulk_update([first_a, b], ["sku"])
    assert skus_kept() == skus_counted_slowly()
    OrderLine.objects.filter(pk=b.pk).update(order=orders[1])  # A leaves orders[0] for orders[1]
    assert skus_kept() == skus_counted_slowly()
    OrderLine.objects.bulk_create(
        OrderLine(order=order, line_key=f"D{n}", sku=sku, quantity=1, item_price="1")
        for order in orders
        for n, sku in enumerate(["D", "D", "E"])
    )
    assert skus_kept() == skus_counted_slowly()
    OrderLine.objects.filter(sku="D").delete()
    assert skus_kept() == skus_counted_slowly()
    assert {sku for _s, sku, _r, _d in skus_kept()} == {"A", "C", "E"}
    Order.objects.filter(pk=orders[1].pk).delete()  # its claim and lines with it
    assert skus_kept() == skus_counted_slowly() != {}


def test_a_rolled_back_line_change_leaves_the_sku_tallies_as_they_were(world):
    claims = add_claims(world, 2)
    for claim in claims:
        line(claim.order, "A")
    Claim.objects.filter(pk__in=[c.pk for c in claims]).update(outcome=Outcome.DENIED)
    before = skus_kept()
    with pytest.raises(RuntimeError), transaction.atomic():
        OrderLine.objects.filter(order__in=[c.order_id for c in claims]).update(sku="B")
        assert skus_kept() != before
        raise RuntimeError
    assert skus_kept() == before == skus_counted_slowly() != {}


def test_rebuilding_the_sku_tallies_gives_what_the_triggers_kept(world):
    claims = add_claims(world, 4)
    for n, claim in enumerate(claims):
        line(claim.order, "A")
        line(claim.order, f"S{n % 2}")
    Claim.objects.filter(pk__in=[c.pk for c in claims[:3]]).update(outcome=Outcome.WITHDRAWN)
    Claim.objects.filter(pk=claims[0].pk).update(outcome=Outcome.GRANTED_SELLER_FUNDED)
    by_triggers = skus_kept()
    SkuWinTally.objects.all().delete()
    win_tallies.rebuild_skus()
    assert skus_kept() == by_triggers == skus_counted_slowly() != {}


def test_sku_win_rates_count_from_the_exact_moment_a_year_ago(world):
    """As by reason: whole days from the tallies, the first part of a day from the claims and
    their lines; an order with the SKU on two lines counts its claim once."""
    now = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    since = now - timedelta(days=LOOKBACK_DAYS)
    outcomes = [Outcome.DENIED, Outcome.GRANTED_SELLER_FUNDED, Outcome.WITHDRAWN]
    for n, offset in enumerate(
        [timedelta(hours=-13), timedelta(minutes=-1), timedelta(0), timedelta(hours=11, minutes=59)]
        + [timedelta(hours=12), timedelta(days=3), timedelta(days=LOOKBACK_DAYS)]
    ):
        order = Order.objects.create(
            store=world.store_a,
            platform_order_id=f"Y-{n}",
            purchased_at=since + offset - timedelta(days=5),
            currency="USD",
        )
        line(order, "KETTLE")
        line(order, "KETTLE", "KETTLE#2")
        line(order, f"OTHER-{n % 2}")
        Claim.objects.create(
            store=world.store_a,
            order=order,
            kind=ClaimKind.A_TO_Z,
            reason=Reason.DAMAGED if n == 5 else Reason.NOT_RECEIVED,
            opened_at=since + offset,
            status=ClaimStatus.CLOSED,
            closed_at=now,
            outcome=outcomes[n % 3],
        )
    platform = world.store_a.platform
    tallies = sku_tallies([world.store_a], ["KETTLE", "OTHER-0"], now=now)
    # Of the five opened since `since`: n = 2..6; "not received" ones: 2, 3, 4, 6.
    assert {key: (t.wins, t.decided) for key, t in tallies.items()} == {
        (platform, Reason.NOT_RECEIVED, "KETTLE"): (3, 4),  # 2 withdrawn, 3 denied, 4 granted, 6 denied
        (platform, Reason.DAMAGED, "KETTLE"): (1, 1),
        (platform, Reason.NOT_RECEIVED, "OTHER-0"): (2, 3),  # 2, 4 and 6
    }
    only_damaged = sku_tallies([world.store_a], ["KETTLE"], reasons=[Reason.DAMAGED], now=now)
    assert {key: (t.wins, t.decided) for key, t in only_damaged.items()} == {
        (platform, Reason.DAMAGED, "KETTLE"): (1, 1)
    }
    everything = sku_tallies([world.store_a], None, now=now)
    assert (everything[(platform, Reason.NOT_RECEIVED, "OTHER-1")].decided) == 1  # n = 3
