"""A claim's next alert lives in its own narrow table (`ClaimAlertSchedule`), so the deadline
sweep moves thousands of them on without rewriting the claim table's rows and indexes."""

import re
import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes import alerts, services
from disputes.models import Alert, Claim, ClaimAlertSchedule, ClaimKind, DeadlineRule, Reason, SetAside

T0 = timezone.now().replace(second=0, microsecond=0)


@pytest.fixture(autouse=True)
def _a_48_hour_window(rules):
    DeadlineRule.objects.filter(platform="amazon", claim_kind="a_to_z", deadline="respond").update(length=48)


def open_claim(world) -> Claim:
    """Warnings at 24 h and 6 h before a due time 48 h after opening."""
    return services.claim_open(
        order=world.order_a, kind=ClaimKind.A_TO_Z, reason=Reason.NOT_RECEIVED, by=world.agent_a, opened_at=T0
    )


def schedule_of(claim: Claim) -> tuple:
    return ClaimAlertSchedule.objects.values_list("next_alert_threshold", "next_alert_at").get(claim=claim)


def test_opening_a_claim_writes_its_first_alert_to_the_schedule_table(world):
    claim = open_claim(world)
    assert schedule_of(claim) == ("warn_24h", T0 + timedelta(hours=24))
    fresh = Claim.objects.get(pk=claim.pk)
    assert (fresh.next_alert_threshold, fresh.next_alert_at) == ("warn_24h", T0 + timedelta(hours=24))


def test_a_sweep_moves_the_schedule_on_and_writes_nothing_to_the_claim_row(world):
    claim = open_claim(world)
    version, updated_at = claim.version, Claim.objects.get(pk=claim.pk).updated_at
    with CaptureQueriesContext(connection) as captured:
        fresh = alerts.sweep_claims(now=T0 + timedelta(hours=25))
    assert [alert.threshold for alert in fresh] == ["warn_24h"]
    # The UPDATEs sent, alone or inside a statement's WITH (the set-based sweep on PostgreSQL).
    updated = {name.strip('"') for q in captured for name in re.findall(r"UPDATE\s+(\S+)", q["sql"])}
    assert ClaimAlertSchedule._meta.db_table in updated, updated
    assert Claim._meta.db_table not in updated
    assert schedule_of(claim) == ("warn_6h", T0 + timedelta(hours=42))
    assert Claim.objects.values_list("version", "updated_at").get(pk=claim.pk) == (version, updated_at)


def test_saving_the_claims_next_alert_writes_its_schedule_row_and_only_when_named(world):
    claim = open_claim(world)
    claim = Claim.objects.get(pk=claim.pk)
    claim.next_alert_at, claim.next_alert_threshold = T0 + timedelta(hours=47), "due"
    claim.save(update_fields=["priority"])  # a save that does not name it leaves the row alone
    assert schedule_of(claim) == ("warn_24h", T0 + timedelta(hours=24))
    claim.save(update_fields=["next_alert_at", "next_alert_threshold"])
    assert schedule_of(claim) == ("due", T0 + timedelta(hours=47))


def test_a_claim_without_a_schedule_row_owes_no_alert_and_a_save_adds_one(world):
    claim = open_claim(world)
    ClaimAlertSchedule.objects.filter(claim=claim).delete()
    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.next_alert_at, claim.next_alert_threshold) == (None, "")
    assert alerts.sweep_claims(now=T0 + timedelta(hours=100)) == []
    alerts.schedule(claim, now=T0 + timedelta(hours=30))  # the latest threshold passed, then on
    claim.save(update_fields=["next_alert_at", "next_alert_threshold"])
    assert schedule_of(claim) == ("warn_24h", T0 + timedelta(hours=24))


def test_deleting_a_claim_deletes_its_schedule(world):
    claim = open_claim(world)
    assert ClaimAlertSchedule.objects.filter(claim=claim).exists()
    Alert.objects.filter(claim=claim).delete()
    claim.delete()
    assert not ClaimAlertSchedule.objects.filter(claim_id=claim.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: SQLite runs one writer at a time")
@pytest.mark.django_db(transaction=True)
def test_a_claim_being_edited_is_left_for_the_next_sweep_and_the_sweep_never_waits_for_it(world):
    edited, other = open_claim(world), open_claim(world)
    locked, release = threading.Event(), threading.Event()

    def edit():
        # What a person's edit holds (services._locked) until the edit commits.
        try:
            with transaction.atomic():
                Claim.objects.select_for_update().get(pk=edited.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    editor = threading.Thread(target=edit)
    editor.start()
    try:
        assert locked.wait(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # waiting for the editor fails the test
        fresh = alerts.sweep_claims(now=T0 + timedelta(hours=25))
        assert [(alert.claim_id, alert.threshold) for alert in fresh] == [(other.pk, "warn_24h")]
        assert schedule_of(edited) == ("warn_24h", T0 + timedelta(hours=24))
        assert not SetAside.objects.exists()
    finally:
        release.set()
        editor.join()
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
    fresh = alerts.sweep_claims(now=T0 + timedelta(hours=25, minutes=1))
    assert [(alert.claim_id, alert.threshold) for alert in fresh] == [(edited.pk, "warn_24h")]
