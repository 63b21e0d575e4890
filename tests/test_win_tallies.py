"""The day tallies of fought claims (WinTally) stay equal to counting the claims themselves,
whatever writes them, and the win rates read from them equal those counted claim by claim, to
the exact moment a year ago."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from disputes import services, win_tallies
from disputes.models import Claim, ClaimKind, ClaimStatus, Order, Outcome, Reason, WinTally
from disputes.winrates import LOOKBACK_DAYS, fought_outcomes, win_rates

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
