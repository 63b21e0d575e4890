from datetime import timedelta

import pytest
from django.utils import timezone

from disputes.models import (
    Claim,
    ClaimKind,
    ClaimStatus,
    Membership,
    Order,
    Outcome,
    Platform,
    Reason,
    Role,
    Store,
)

from ..conftest import PASSWORD
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def crossing_store(manager) -> tuple[Store, list[Claim]]:
    """300 orders bought 50 days ago leave the window in 10 days; 3 granted claims and 2 open
    ones sit on orders of 10 days ago: the store crosses 1 % in 10 days (tests/test_odr_forecast)."""
    now = timezone.now()
    store = Store.objects.create(
        name="Forecast Amazon", platform=Platform.AMAZON, marketplace="US", time_zone="UTC", currency="USD"
    )
    Membership.objects.create(user=manager, store=store, role=Role.MANAGER)
    for days_ago, first in ((50, 0), (10, 300)):
        Order.objects.bulk_create(
            Order(
                store=store,
                platform_order_id=f"F-{first + i}",
                purchased_at=now - timedelta(days=days_ago),
                currency="USD",
            )
            for i in range(300)
        )
    recent = list(
        Order.objects.filter(store=store, purchased_at__gt=now - timedelta(days=20)).order_by("pk")[:5]
    )
    for order in recent[:3]:
        Claim.objects.create(
            store=store,
            order=order,
            kind=ClaimKind.A_TO_Z,
            reason=Reason.NOT_RECEIVED,
            opened_at=now - timedelta(days=5),
            status=ClaimStatus.CLOSED,
            closed_at=now - timedelta(days=1),
            outcome=Outcome.GRANTED_SELLER_FUNDED,
        )
    open_claims = [
        Claim.objects.create(
            store=store,
            order=order,
            kind=ClaimKind.A_TO_Z,
            reason=Reason.NOT_RECEIVED,
            opened_at=now - timedelta(days=3),
            respond_by=now + timedelta(days=1),
        )
        for order in recent[3:5]
    ]
    return store, open_claims


def test_manager_sees_the_store_cross_the_line_and_opens_a_claim_at_stake(page, world):
    store, open_claims = crossing_store(world.manager_a)
    log_in(page, "manager_a", PASSWORD)
    page.goto(f"/stores/{store.pk}/")
    forecast = page.locator("#odr-forecast")
    assert "unless 2 of these 2 open claims are won" in forecast.locator(".forecast-summary").inner_text()
    chart = forecast.locator("svg.forecast-chart")
    assert chart.bounding_box()["width"] > 200
    assert chart.locator("polygon.forecast-band").count() == 1
    limit_y = float(chart.locator("line.limit-line").get_attribute("y1"))
    crossing_x = chart.locator("line.crossing-line").get_attribute("x1")
    # The crossing day's point is drawn above the dashed 1 % line, the day before it below.
    points = chart.locator("circle.odr-point")
    assert points.count() == 31
    crossing = chart.locator(f"circle.odr-point[cx='{crossing_x}']")
    assert float(crossing.get_attribute("cy")) < limit_y
    assert "at-risk" in crossing.get_attribute("class")
    assert float(points.nth(9).get_attribute("cy")) > limit_y
    assert points.nth(10).get_attribute("cx") == crossing_x
    # Hovering a day tells its expected rate and band.
    assert "expected ODR" in chart.locator("g.forecast-mark title").nth(10).text_content()

    rows = forecast.locator("table.at-stake tbody tr")
    assert rows.count() == 2
    with page.expect_navigation():
        rows.first.locator("a").click()
    assert f"/claims/{open_claims[0].pk}/" in page.url or f"/claims/{open_claims[1].pk}/" in page.url

    page.goto("/dashboard/")
    assert page.locator(f"#odr-forecast-{store.pk} svg.forecast-chart").is_visible()
    assert page.csp_violations == []
