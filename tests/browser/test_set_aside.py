from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from disputes import alerts, services
from disputes.models import Claim, ClaimKind, Membership, Reason, Role, Rule, Trigger

from ..conftest import PASSWORD
from ..worker import celery_worker
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_finds_a_claim_the_sweep_set_aside_and_puts_it_back(page, world):
    now = timezone.now()
    claim = services.claim_open(
        order=world.order_a,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        by=world.agent_a,
        opened_at=now,
        assignee=world.agent_a,
    )
    # A due time whose overdue threshold falls off the calendar: the sweep cannot work it out.
    Claim.objects.filter(pk=claim.pk).update(respond_by=datetime(9999, 12, 31, 23, 30, tzinfo=UTC))
    alerts.sweep_claims(now=now + timedelta(days=3))

    log_in(page, "manager_a", PASSWORD)
    page.goto("/dashboard/")
    assert page.inner_text("#tile-set-aside .tile-number") == "1"
    page.click("#tile-set-aside")
    page.wait_for_selector("h1:text('Set aside')")
    row = page.locator("table.set-aside tbody tr").first
    assert "claim deadline alerts" in row.inner_text()
    assert "OverflowError" in row.inner_text()
    assert row.locator("a").inner_text() == world.order_a.platform_order_id

    # The cause is fixed (due half an hour ago); the manager puts the claim back.
    Claim.objects.filter(pk=claim.pk).update(respond_by=timezone.now() - timedelta(minutes=30))
    row.locator("button:text('Retry')").click()
    page.wait_for_selector("text=will be tried again")
    assert page.locator("table.set-aside tbody").inner_text().strip().startswith("Nothing is set aside")
    claim.refresh_from_db()
    assert claim.next_alert_threshold == "due"
    assert page.csp_violations == []


def test_a_rule_retry_runs_in_the_worker_while_the_list_follows_it(page, world, tmp_path):
    Rule.objects.create(
        store=world.store_a,
        name="Give to Bravo",
        trigger=Trigger.CLAIM_OPENED,
        actions={"assign_to": world.agent_b.pk},  # not a member of store A: it fails
        is_active=True,
        position=1,
    )
    claim = services.claim_open(
        order=world.order_a, kind=ClaimKind.A_TO_Z, reason=Reason.NOT_RECEIVED, by=world.agent_a
    )
    assert claim.assignee is None
    Membership.objects.create(user=world.agent_b, store=world.store_a, role=Role.AGENT)  # fixed

    with celery_worker(tmp_path / "worker.log", every_task=True):
        log_in(page, "manager_a", PASSWORD)
        page.goto("/set-aside/")
        row = page.locator("table.set-aside tbody tr").first
        expect(row).to_contain_text("Give to Bravo")
        row.locator("button:text('Retry')").click()
        # The page says the retry is queued (or the worker was quicker and it says the outcome);
        # the list then shows the outcome without a reload.
        page.wait_for_selector("text=will be tried again")
        expect(page.locator("#rule-retries")).to_contain_text(
            "1 event went through, 0 failed again.", timeout=30_000
        )
        expect(page.locator("table.set-aside tbody")).to_contain_text("Nothing is set aside")
    claim.refresh_from_db()
    assert claim.assignee == world.agent_b
    assert page.csp_violations == []
