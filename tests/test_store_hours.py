"""The per-store, per-hour counts the dashboard adds up (StoreHour) stay equal to counting the
orders and claims themselves, whatever writes them, in the same transaction."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes import services, store_hours
from disputes.models import (
    DEFECT_KIND_COLUMNS,
    PENDING_COLUMNS,
    Claim,
    ClaimKind,
    ClaimStatus,
    Order,
    Outcome,
    Reason,
    StoreHour,
)
from disputes.selectors import dashboard, store_trends, week_starts
from disputes.selectors.agents import trend_days_from_rows
from disputes.selectors.dashboard import weeks_from_claims, weeks_from_hours
from disputes.selectors.odr import defect_rates, defect_rates_from_rows, odr_counts

from .drafts import post_mortem
from .test_import import good_amazon_report, run
from .test_queue import add_claims


def hour(moment):
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def defect_kind_column(kind: str) -> str:
    """The hour counts' column of the defective orders of a claim's kind, as the store page
    groups them: negative feedback, chargebacks, any other kind."""
    return {
        ClaimKind.NEGATIVE_FEEDBACK: "defective_feedback",
        ClaimKind.CHARGEBACK: "defective_chargeback",
    }.get(kind, "defective_other")


def counted_slowly() -> dict:
    """Every (store, hour) with something in it, counted from the rows one by one."""
    counts: dict = {}

    def bump(store_id, moment, name, by=1):
        row = counts.setdefault((store_id, hour(moment)), Counter())
        row[name] += by

    for order in Order.objects.all():
        bump(order.store_id, order.purchased_at, "orders")
    defective, settled, of_kind = set(), set(), set()
    for claim in Claim.objects.all():
        if claim.order_purchased_at is not None:
            bump(claim.store_id, claim.order_purchased_at, "claims")
            if claim.counts_toward_odr and claim.order_id not in defective:
                defective.add(claim.order_id)
                bump(claim.store_id, claim.order_purchased_at, "defective")
            column = defect_kind_column(claim.kind)
            if claim.counts_toward_odr and (claim.order_id, column) not in of_kind:
                of_kind.add((claim.order_id, column))
                bump(claim.store_id, claim.order_purchased_at, column)
            if claim.counts_toward_odr and claim.outcome and claim.order_id not in settled:
                settled.add(claim.order_id)
                bump(claim.store_id, claim.order_purchased_at, "settled")
            if claim.counts_toward_odr and not claim.outcome:
                column = PENDING_COLUMNS.get(claim.reason, PENDING_COLUMNS[Reason.OTHER])
                bump(claim.store_id, claim.order_purchased_at, column)
        bump(claim.store_id, claim.opened_at, "opened")
        if claim.outcome in Outcome.wins():
            bump(claim.store_id, claim.opened_at, "won")
        if claim.outcome in Outcome.losses():
            bump(claim.store_id, claim.opened_at, "lost")
    return {key: dict(+row) for key, row in counts.items() if +row}


def order_with_claim(world, ref: str, purchased_at: datetime, **claim) -> Claim:
    """An order of store A bought at `purchased_at` and a claim on it, opened then unless told
    (written as they are, past the services)."""
    order = Order.objects.create(
        store=world.store_a, platform_order_id=ref, purchased_at=purchased_at, currency="USD"
    )
    return Claim.objects.create(
        **{
            "store": world.store_a,
            "order": order,
            "kind": ClaimKind.A_TO_Z,
            "reason": Reason.NOT_RECEIVED,
            "opened_at": purchased_at,
            "order_purchased_at": purchased_at,
            **claim,
        }
    )


def kept() -> dict:
    names = [
        "orders",
        "claims",
        "defective",
        *DEFECT_KIND_COLUMNS,
        "settled",
        *PENDING_COLUMNS.values(),
        "opened",
        "won",
        "lost",
    ]
    rows = {}
    for row in StoreHour.objects.all():
        values = {name: getattr(row, name) for name in names if getattr(row, name)}
        if values:
            rows[(row.store_id, hour(row.hour))] = values
    return rows


def test_the_hour_counts_equal_the_slow_count_after_open_move_close_reopen_and_import(world):
    assert kept() == counted_slowly() != {}  # the fixture's order and claim are counted
    order = world.order_a
    # Open: a second claim on the same order counts as one more claim, not one more defect.
    second = services.claim_open(order=order, kind=ClaimKind.CHARGEBACK, reason=Reason.NOT_RECEIVED, by=None)
    assert kept() == counted_slowly()
    # Both are pending, counted under their reason (claims, not orders); the order is
    # defective once, and once in each group of kinds its claims are in.
    assert kept()[(world.store_a.pk, hour(order.purchased_at))] == {
        "orders": 1,
        "claims": 2,
        "defective": 1,
        "defective_chargeback": 1,
        "defective_other": 1,
        "pending_not_received": 2,
    }
    # A change of kind moves the order to the new kind's group (and out of the old one's, which
    # no other claim of it is in).
    Claim.objects.filter(pk=second.pk).update(kind=ClaimKind.NEGATIVE_FEEDBACK)
    assert kept() == counted_slowly()
    in_hour = kept()[(world.store_a.pk, hour(order.purchased_at))]
    assert (in_hour["defective_feedback"], "defective_chargeback" in in_hour) == (1, False)
    # A second claim of a group the order is in already leaves the group's count at one order.
    Claim.objects.filter(pk=second.pk).update(kind=ClaimKind.BUYER_COMPLAINT)
    assert kept() == counted_slowly()
    in_hour = kept()[(world.store_a.pk, hour(order.purchased_at))]
    assert (in_hour["defective_other"], "defective_feedback" in in_hour) == (1, False)
    Claim.objects.filter(pk=second.pk).update(kind=ClaimKind.CHARGEBACK)
    # A claim that stops counting toward the ODR takes its order out of its group, and back in
    # when it counts again.
    Claim.objects.filter(pk=second.pk).update(counts_toward_odr=False)
    assert kept() == counted_slowly()
    assert "defective_chargeback" not in kept()[(world.store_a.pk, hour(order.purchased_at))]
    Claim.objects.filter(pk=second.pk).update(counts_toward_odr=True)
    assert kept() == counted_slowly()
    assert kept()[(world.store_a.pk, hour(order.purchased_at))]["defective_chargeback"] == 1
    # A change of reason moves a pending claim to its new reason's column.
    Claim.objects.filter(pk=second.pk).update(reason=Reason.DAMAGED)
    assert kept() == counted_slowly()
    assert kept()[(world.store_a.pk, hour(order.purchased_at))]["pending_damaged"] == 1
    # A reason outside `Reason` (no form or connector writes one) counts as "other".
    Claim.objects.filter(pk=second.pk).update(reason="made_up")
    assert kept() == counted_slowly()
    assert kept()[(world.store_a.pk, hour(order.purchased_at))]["pending_other"] == 1
    Claim.objects.filter(pk=second.pk).update(reason=Reason.NOT_RECEIVED)
    second.refresh_from_db()
    # Move, close with a win (out of the ODR), close the other with a loss.
    second = services.claim_move(
        claim=second, to_status=ClaimStatus.IN_PROGRESS, by=None, loaded=ClaimStatus.NEW
    )
    services.claim_close(
        claim=second,
        outcome=Outcome.DENIED,
        by=world.agent_a,
        version=second.version,
        post_mortem=post_mortem(world.agent_a),
    )
    assert kept() == counted_slowly()
    first = Claim.objects.get(pk=world.claim_a.pk)
    services.claim_close(
        claim=first,
        outcome=Outcome.GRANTED_SELLER_FUNDED,
        by=world.agent_a,
        version=first.version,
        post_mortem=post_mortem(world.agent_a),
    )
    assert kept() == counted_slowly()
    # The lost claim settles its order's defect (the forecast no longer counts it as pending).
    assert kept()[(world.store_a.pk, hour(order.purchased_at))]["settled"] == 1
    assert not any(
        name.startswith("pending_") for name in kept()[(world.store_a.pk, hour(order.purchased_at))]
    )
    # Reopen the lost one: pending again, it counts toward the ODR and is no longer lost.
    first.refresh_from_db()
    services.claim_reopen(
        claim=first, by=world.agent_a, version=first.version, reason="The buyer wrote again"
    )
    assert kept() == counted_slowly()
    # Import: new orders by COPY (PostgreSQL) or in batches (SQLite).
    orders_before = Order.objects.count()
    run(world.store_a, good_amazon_report())
    assert Order.objects.count() > orders_before
    assert kept() == counted_slowly()
    # Bulk writes that bypass the services: update, delete, a claim moved in time.
    claims = add_claims(world, 4) + add_claims(world, 2, kind=ClaimKind.NEGATIVE_FEEDBACK)
    assert kept() == counted_slowly()

    def feedback_orders() -> int:
        return sum(row.get("defective_feedback", 0) for row in kept().values())

    assert feedback_orders() == 2  # the only claims of negative feedback
    Claim.objects.filter(pk=claims[4].pk).delete()
    assert feedback_orders() == 1
    Claim.objects.filter(pk__in=[c.pk for c in claims[:2]]).update(
        outcome=Outcome.WITHDRAWN, counts_toward_odr=False
    )
    Claim.objects.filter(pk=claims[2].pk).update(opened_at=timezone.now() - timedelta(days=40))
    Claim.objects.filter(pk=claims[3].pk).delete()
    Order.objects.filter(pk=claims[3].order_id).update(purchased_at=timezone.now() - timedelta(days=3))
    assert kept() == counted_slowly()


def test_a_rolled_back_change_leaves_the_counts_as_they_were(world):
    before = kept()
    with pytest.raises(RuntimeError), transaction.atomic():
        add_claims(world, 3)
        assert kept() != before
        raise RuntimeError
    assert kept() == before


def test_rebuild_gives_what_the_triggers_kept(world):
    add_claims(world, 5)
    Claim.objects.filter(pk=world.claim_a.pk).update(outcome=Outcome.DENIED)
    by_triggers = kept()
    StoreHour.objects.all().delete()
    store_hours.rebuild()
    assert kept() == by_triggers == counted_slowly()


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Kolkata"])
def test_dashboard_weeks_and_trends_from_the_counts_equal_those_from_the_rows(world, zone):
    now = timezone.now()
    for days in (1, 8, 30, 64, 100):
        order = Order.objects.create(
            store=world.store_a,
            platform_order_id=f"W-{days}",
            purchased_at=now - timedelta(days=days, hours=7),
            currency="USD",
        )
        claim = services.claim_open(
            order=order,
            kind=ClaimKind.A_TO_Z,
            reason=Reason.NOT_RECEIVED,
            by=None,
            opened_at=now - timedelta(days=days - 1, hours=3),
        )
        if days % 2:
            Claim.objects.filter(pk=claim.pk).update(outcome=Outcome.DENIED, counts_toward_odr=False)
    with timezone.override(zone):
        board = dashboard(world.manager_a, now=now)
        assert board.weeks == weeks_from_claims([world.store_a.pk], now, 12)
        assert sum(w.opened for w in board.weeks) == 5  # the fixture's and four within 12 weeks
        trends = store_trends([world.store_a], now=now)
        assert [t.points for t in trends] == [
            t.points for t in store_trends([world.store_a], now=now, read=trend_days_from_rows)
        ]
        assert trends[0].latest.orders == 4  # the fixture's and three of these within 60 days


def test_a_week_with_orders_but_no_claim_reads_the_same_from_the_counts_and_the_rows(world):
    # Early on a Monday: the order of Saturday is in last week, which has no claim. The hour
    # counts hold a row for that week (its order); the claims hold none.
    now = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)
    Order.objects.create(
        store=world.store_a,
        platform_order_id="SAT-1",
        purchased_at=now - timedelta(days=1, hours=20),
        currency="USD",
    )
    with timezone.override("UTC"):
        from_hours = weeks_from_hours([world.store_a.pk], now, 4)
        from_rows = weeks_from_claims([world.store_a.pk], now, 4)
    assert [week.start.date() for week in from_hours] == [
        datetime(2026, 11, day).date() for day in (16, 23, 30)
    ] + [datetime(2026, 12, 7).date()]
    assert all(week.start.tzinfo is not None for week in from_hours + from_rows)
    assert from_hours == from_rows


def test_defect_rates_from_the_hours_equal_those_counted_from_the_orders_and_claims(world, settings):
    """The store page's ODR with its kinds (one query on the hour counts) equals the count of
    every order and defective order of the window, and the advice card's `odr_counts`, with
    orders and claims on both sides of the window's start inside its first hour, orders with
    claims of two groups of kinds or two claims of one group, and claims that do not count."""
    now = timezone.now().replace(minute=20, second=0, microsecond=0)
    since = now - timedelta(days=settings.DESK_ODR_WINDOW_DAYS)
    feedback, chargeback, a_to_z = ClaimKind.NEGATIVE_FEEDBACK, ClaimKind.CHARGEBACK, ClaimKind.A_TO_Z
    # Minutes from the window's start (which is 20 past an hour: its first whole hour starts at
    # 40), and each order's claims: kind and whether it counts.
    orders = [
        (-30, [(feedback, True)]),
        (-1, [(chargeback, True)]),
        (0, [(feedback, True), (chargeback, True)]),
        (1, [(a_to_z, False)]),
        (39, [(a_to_z, True), (ClaimKind.BUYER_COMPLAINT, True)]),
        (40, [(feedback, True), (a_to_z, True)]),
        (41, []),
        (200, [(chargeback, True)]),
        (60 * 24, [(ClaimKind.BUYER_COMPLAINT, True), (chargeback, False), (feedback, True)]),
    ]
    for n, (minutes, claims) in enumerate(orders):
        order = Order.objects.create(
            store=world.store_a,
            platform_order_id=f"S-{n}",
            purchased_at=since + timedelta(minutes=minutes),
            currency="USD",
        )
        for kind, counts in claims:
            Claim.objects.create(
                store=world.store_a,
                order=order,
                kind=kind,
                reason=Reason.NOT_RECEIVED,
                opened_at=now,
                order_purchased_at=order.purchased_at,
                counts_toward_odr=counts,
            )
    stores = [world.store_a, world.store_b]
    rates = defect_rates(stores, now)
    assert rates == defect_rates_from_rows(stores, now)
    a = rates[world.store_a.pk]
    # From `since` on: 7 of these orders and the fixture's (ten days old, an A-to-Z claim).
    # Defective: those at 0, 39, 40, 200, a day and the fixture's; the one at 1 has a claim
    # that does not count. Feedback: 0, 40, a day; chargebacks: 0, 200 (a day's does not
    # count); other kinds: 39 (two claims, one order), 40, a day and the fixture's.
    assert (a.orders, a.defective_orders, a.negative_feedback, a.chargebacks, a.claims) == (8, 6, 3, 2, 4)
    assert a.since == since
    b = rates[world.store_b.pk]
    assert (b.orders, b.defective_orders, b.negative_feedback, b.chargebacks, b.claims) == (0, 0, 0, 0, 0)
    assert odr_counts([world.store_a.pk, world.store_b.pk], now) == {
        world.store_a.pk: (8, 6),
        world.store_b.pk: (0, 0),
    }


def test_defect_rates_of_several_stores_are_one_query(world, django_assert_num_queries):
    add_claims(world, 2, kind=ClaimKind.CHARGEBACK)
    add_claims(world, 3, store=world.store_b)
    with django_assert_num_queries(1):
        rates = defect_rates([world.store_a, world.store_b])
    assert (rates[world.store_a.pk].chargebacks, rates[world.store_b.pk].claims) == (2, 3)


@pytest.mark.django_db(transaction=True)  # the deletion commits: constraints are checked then
def test_a_store_with_orders_and_claims_can_still_be_deleted(world):
    add_claims(world, 3)
    assert any(store == world.store_a.pk for store, _hour in kept())
    with transaction.atomic():
        world.store_a.delete()
    assert not Order.objects.filter(store_id=world.store_a.pk).exists()
    assert not any(store == world.store_a.pk for store, _hour in kept())  # only zeros are left
    assert kept() == counted_slowly()


def _edges(now: datetime) -> list[datetime]:
    """Moments either side of where the dashboard's day reads start and stop (the reader's
    time zone active): the weekly series' start, the trends' first window's, the forecast
    window's, the first Monday shown, the hour now falls in, now, later in now's hour, and hours
    and days after it."""
    from disputes.selectors.dashboard import _since, trend_since
    from disputes.selectors.odr import odr_window

    today = timezone.localdate(now)
    forecast_start = timezone.make_aware(datetime.combine(today - timedelta(days=59), datetime.min.time()))
    monday = timezone.make_aware(datetime.combine(week_starts(now, 12)[0], datetime.min.time()))
    odr_start, odr_first_hour = odr_window(now)
    starts = [_since(now, 12), trend_since(now, 60, 7)[1], forecast_start, monday, odr_start, odr_first_hour]
    tick, hour_ = timedelta(microseconds=1), timedelta(hours=1)
    moments = [m + d for m in starts for d in (-hour_, -tick, timedelta(0), tick)]
    current = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    later_in_hour = [now + tick, current + hour_ - tick]
    return moments + [current - tick, current, now, *later_in_hour, current + hour_, now + timedelta(days=2)]


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Kolkata"])
@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 12, 7, 8, 0, tzinfo=UTC),  # Monday midnight in Los Angeles
        datetime(2026, 12, 7, 7, 59, 59, 999999, tzinfo=UTC),  # a microsecond before it
        datetime(2026, 12, 7, 0, 0, tzinfo=UTC),  # Monday midnight in UTC
        datetime(2026, 11, 1, 9, 30, tzinfo=UTC),  # the day Los Angeles leaves summer time
        datetime(2026, 12, 9, 14, 45, 10, 5, tzinfo=UTC),  # inside an hour, mid-week
    ],
)
def test_the_dashboard_reads_its_days_once_and_they_equal_each_figure_read_on_its_own(world, zone, now):
    """The weekly series, the ODR trends and the forecast's window taken from the one read of
    the stores' days (`StoreDays`) equal each read apart, from the hour counts and from the
    orders and claims, with orders and claims a microsecond and an hour either side of where
    each read starts, in the hour now falls in before and after now, and after it (the trends
    stop at now, the others do not); in a zone not a whole hour off UTC nothing is read that
    way."""
    from disputes.selectors.agents import trend_days_from_hours
    from disputes.selectors.forecast import _window_from_rows, window_counts

    # The world's own orders and claims were made at the real clock, which may fall anywhere
    # around the fixed `now` (later in its hour, say): a year back, out of every read.
    year = timedelta(days=365)
    Order.objects.update(purchased_at=F("purchased_at") - year)
    Claim.objects.update(opened_at=F("opened_at") - year, order_purchased_at=F("order_purchased_at") - year)
    with timezone.override(zone):
        for n, moment in enumerate(_edges(now)):
            first = order_with_claim(
                world,
                f"E-{n}",
                moment,
                reason=[Reason.NOT_RECEIVED, Reason.NOT_AS_DESCRIBED][n % 2],
                counts_toward_odr=n % 5 != 0,
                outcome=["", Outcome.DENIED, Outcome.GRANTED_SELLER_FUNDED][n % 3],
            )
            # A second claim on the order, pending, of another reason (or of one outside
            # `Reason`, counted as "other").
            Claim.objects.create(
                store=world.store_a,
                order=first.order,
                kind=ClaimKind.CHARGEBACK,
                reason="made_up" if n % 3 == 0 else Reason.DAMAGED,
                opened_at=moment,
                order_purchased_at=moment,
                counts_toward_odr=True,
            )
        stores = [world.store_a, world.store_b]
        ids = [store.pk for store in stores]
        board = dashboard(world.manager_a, now=now)
        assert (board.days is None) == (zone == "Asia/Kolkata")
        assert board.weeks == weeks_from_claims(ids, now, 12)
        # The ODR figures, read with the days where there are days, are `odr_counts`' and
        # those counted from every claim of the window, as are the store page's (with kinds).
        rates = defect_rates_from_rows(stores, now)
        assert defect_rates(stores, now) == rates
        shown = {store.pk: (odr.orders, odr.defective_orders) for store, odr in board.stores}
        managed = [world.store_a.pk]  # the manager's
        assert shown == odr_counts(managed, now)
        assert shown == {pk: (rates[pk].orders, rates[pk].defective_orders) for pk in managed}
        assert shown[world.store_a.pk][1] > 4
        assert (board.days is None) or board.days.odr == shown
        assert sum(week.opened for week in board.weeks) > 4
        counted = [t.points for t in store_trends(stores, now=now, read=trend_days_from_rows)]
        assert [t.points for t in store_trends(stores, now=now, store_days=board.days)] == counted
        assert sum(point.claims for points in counted for point in points) > 4
        today = timezone.localdate(now)
        start = timezone.make_aware(datetime.combine(today - timedelta(days=59), datetime.min.time()))
        zone_ = timezone.get_current_timezone()
        apart = window_counts(ids, start, zone_, now)
        assert window_counts(ids, start, zone_, now, board.days) == apart
        assert sum(apart[world.store_a.pk].orders.values()) > 4
        assert apart[world.store_a.pk].pending and apart[world.store_a.pk].settled
        assert {"damaged", "other"} <= {r for mix in apart[world.store_a.pk].pending.values() for r in mix}
        if board.days is not None:
            # The window's days from the hour counts, pending claims by reason among them, are
            # those counted from the orders and claims (days left with nothing aside).
            def held(rows):
                return sorted(row for row in rows if any(row[2:5]) or any(row[5]))

            from_rows = held(_window_from_rows(ids, start, zone_))
            assert held(board.days.window(ids, start)) == from_rows
            assert sum(sum(row[5]) for row in from_rows) > 4
        if board.days is not None:
            assert board.weeks == weeks_from_hours(ids, now, 12)
            assert [t.points for t in store_trends(stores, now=now, read=trend_days_from_hours)] == counted
            # What is read from the days costs no query of its own.
            with CaptureQueriesContext(connection) as captured:
                store_trends(stores, now=now, store_days=board.days)
                window_counts(ids, start, zone_, now, board.days)
            assert len(captured) == 0  # the pending claims' reasons are in the days too


def test_an_order_stamped_later_than_now_counts_in_no_reading_of_the_trends(world):
    """A purchase time after now is bad data the imports take as written. The trends stop at
    now: the order is in none of their readings, even in the hour now falls in, which the hour
    counts hold whole; the forecast's window, which does not stop at now, keeps it."""
    from disputes.selectors.agents import trend_days_from_hours
    from disputes.selectors.forecast import window_counts

    now = datetime(2026, 12, 9, 14, 45, tzinfo=UTC)
    year = timedelta(days=365)
    Order.objects.update(purchased_at=F("purchased_at") - year)
    Claim.objects.update(opened_at=F("opened_at") - year, order_purchased_at=F("order_purchased_at") - year)
    for n, moment in enumerate([now - timedelta(minutes=1), now + timedelta(minutes=1)]):
        order_with_claim(
            world, f"F-{n}", moment, opened_at=now - timedelta(minutes=2), counts_toward_odr=True
        )
    # The hour counts hold both orders, in the hour that has begun.
    assert StoreHour.objects.get(store=world.store_a, hour=hour(now)).orders == 2
    stores, ids = [world.store_a], [world.store_a.pk]
    with timezone.override("UTC"):
        (counted,) = store_trends(stores, now=now, read=trend_days_from_rows)
        assert (counted.latest.orders, counted.latest.defective_orders, counted.latest.claims) == (1, 1, 1)
        assert store_trends(stores, now=now, read=trend_days_from_hours)[0].points == counted.points
        board = dashboard(world.manager_a, now=now)
        assert board.days is not None
        assert store_trends(stores, now=now, store_days=board.days)[0].points == counted.points
        start = datetime(2026, 10, 11, tzinfo=UTC)
        apart = window_counts(ids, start, UTC, now)
        assert sum(apart[world.store_a.pk].orders.values()) == 2
        assert window_counts(ids, start, UTC, now, board.days) == apart


def test_an_order_in_the_last_microsecond_of_an_hour_is_counted_in_that_hour_only(world):
    start = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    for n, moment in enumerate([start - timedelta(microseconds=1), start, start + timedelta(hours=1)]):
        order_with_claim(world, f"L-{n}", moment)
    # The last order's hour is recounted after the others: the one a microsecond before 07:00
    # keeps its hour, which the recount of its own hour must not stretch into 08:00.
    Order.objects.create(
        store=world.store_a,
        platform_order_id="L-3",
        purchased_at=start - timedelta(microseconds=1),
        currency="USD",
    )
    assert StoreHour.objects.get(store=world.store_a, hour=start - timedelta(hours=1)).orders == 2
    assert StoreHour.objects.get(store=world.store_a, hour=start).orders == 1
    assert kept() == counted_slowly()
