"""The data migration that follows the 72-hour A-to-Z default, England's calendar and
decision times: it changes only what nobody has edited."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from disputes.default_rules import A_TO_Z_RESPOND_SEEDED_48H, A_TO_Z_RESPOND_SOURCE
from disputes.models import Claim, ClaimKind, ClaimStatus, DeadlineRule, Outcome, Platform, Reason, Store

migration = importlib.import_module(
    "disputes.migrations.0012_a_to_z_72_hours_england_calendar_decision_times"
)


def a_to_z_respond() -> DeadlineRule:
    return DeadlineRule.objects.get(platform="amazon", store=None, claim_kind="a_to_z", deadline="respond")


def as_seeded_before(**edits) -> None:
    """The A-to-Z response rule as the desk used to seed it, with an admin's edits."""
    DeadlineRule.objects.filter(pk=a_to_z_respond().pk).update(**{**A_TO_Z_RESPOND_SEEDED_48H, **edits})


def test_an_a_to_z_rule_still_as_seeded_moves_to_72_hours(rules):
    as_seeded_before()
    migration.forward(apps, None)
    rule = a_to_z_respond()
    assert (rule.length, rule.unit, rule.source) == (72, "calendar_hours", A_TO_Z_RESPOND_SOURCE)


@pytest.mark.parametrize(
    "edits",
    [
        {"length": 60},
        {"source": "Checked with our account manager: 48 hours for us."},
        {"warn_hours_before": [12]},
        {"starts_from": "claim_opened"},
        {"is_active": False},
    ],
    ids=["length", "source", "warnings", "start", "inactive"],
)
def test_an_a_to_z_rule_an_admin_edited_is_left_alone(rules, edits):
    as_seeded_before(**edits)
    before = DeadlineRule.objects.values().get(pk=a_to_z_respond().pk)
    migration.forward(apps, None)
    assert DeadlineRule.objects.values().get(pk=before["id"]) == before


def test_a_new_install_seeds_72_hours_and_the_migration_changes_nothing(rules):
    before = DeadlineRule.objects.values().get(pk=a_to_z_respond().pk)
    assert before["length"] == 72
    migration.forward(apps, None)
    assert DeadlineRule.objects.values().get(pk=before["id"]) == before


def test_existing_uk_stores_move_to_englands_calendar_and_others_keep_theirs(db):
    uk = Store.objects.create(
        name="Amazon UK",
        platform=Platform.AMAZON,
        marketplace="GB",
        time_zone="Europe/London",
        currency="GBP",
    )
    scotland = Store.objects.create(
        name="Scottish shop",
        platform=Platform.SHOPIFY,
        marketplace="GB",
        holiday_subdivision="SCT",
        time_zone="Europe/London",
        currency="GBP",
    )
    Store.objects.filter(pk=uk.pk).update(holiday_subdivision="")  # as stores were before regions
    migration.forward(apps, None)
    uk.refresh_from_db()
    scotland.refresh_from_db()
    assert (uk.holiday_subdivision, scotland.holiday_subdivision) == ("ENG", "SCT")


def test_claims_closed_before_decision_times_were_decided_when_closed(world):
    closed_at = timezone.now() - timedelta(days=2)
    Claim.objects.filter(pk=world.claim_a.pk).update(
        status=ClaimStatus.CLOSED, outcome=Outcome.DENIED, closed_at=closed_at
    )
    still_open = Claim.objects.create(
        store=world.store_a,
        order=world.order_a,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.DAMAGED,
        opened_at=timezone.now(),
    )
    migration.forward(apps, None)
    world.claim_a.refresh_from_db()
    still_open.refresh_from_db()
    assert world.claim_a.decided_at == closed_at and still_open.decided_at is None
