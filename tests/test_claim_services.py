from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from disputes import services, timeline
from disputes.models import (
    Claim,
    ClaimEvent,
    ClaimKind,
    ClaimStatus,
    DeadlineKind,
    DeadlineRule,
    Order,
    Outcome,
    Platform,
    Reason,
)
from disputes.services import ClaimConflict, ClaimError

from .drafts import post_mortem

UTC = ZoneInfo("UTC")


def open_a_to_z(world, **extra):
    defaults = {
        "order": world.order_a,
        "kind": ClaimKind.A_TO_Z,
        "reason": Reason.NOT_RECEIVED,
        "by": world.agent_a,
        "opened_at": datetime(2026, 5, 4, 16, 0, tzinfo=UTC),
    }
    return services.claim_open(**{**defaults, **extra})


def test_opening_an_a_to_z_claim_sets_its_due_time_from_the_rule(world):
    claim = open_a_to_z(world, platform_requested_at=datetime(2026, 5, 5, 17, 0, tzinfo=UTC))
    rule = DeadlineRule.objects.get(
        platform=Platform.AMAZON, claim_kind=ClaimKind.A_TO_Z, deadline=DeadlineKind.RESPOND
    )
    assert claim.respond_rule == rule
    assert claim.respond_by == datetime(2026, 5, 5, 17, 0, tzinfo=UTC) + timedelta(hours=rule.length)
    assert "72" in claim.respond_explained
    actions = list(claim.events.values_list("action", flat=True))
    assert actions == ["opened", "deadline_set"]


def test_allowed_moves_only(world):
    claim = open_a_to_z(world)
    claim = services.claim_move(
        claim=claim, to_status=ClaimStatus.IN_PROGRESS, by=world.agent_a, loaded=claim.status
    )
    with pytest.raises(ClaimError, match="cannot move"):
        services.claim_move(claim=claim, to_status=ClaimStatus.NEW, by=world.agent_a, loaded=claim.status)
    assert claim.status == ClaimStatus.IN_PROGRESS


def test_a_move_someone_else_made_since_the_page_was_loaded_is_not_overridden(world):
    claim = open_a_to_z(world)
    loaded = claim.status
    services.claim_move(claim=claim, to_status=ClaimStatus.IN_PROGRESS, by=world.agent_a, loaded=loaded)
    with pytest.raises(ClaimConflict, match="agent_a changed the status to In progress"):
        services.claim_move(claim=claim, to_status=ClaimStatus.RESPONDED, by=world.manager_a, loaded=loaded)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_PROGRESS


def test_a_move_goes_through_after_someone_else_changed_the_priority(world):
    claim = open_a_to_z(world)
    loaded = claim.status
    services.claim_set_priority(claim=claim, priority=4, by=world.agent_a, loaded=claim.priority)
    services.claim_move(claim=claim, to_status=ClaimStatus.RESPONDED, by=world.manager_a, loaded=loaded)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RESPONDED and claim.priority == 4


def test_a_stale_version_is_refused_not_overwritten(world):
    claim = open_a_to_z(world)
    seen = claim.version
    services.claim_set_priority(claim=claim, priority=4, by=world.agent_a, loaded=claim.priority)
    with pytest.raises(ClaimConflict):
        services.claim_platform_request(
            claim=claim, requested_at=claim.opened_at + timedelta(hours=1), by=world.manager_a, version=seen
        )
    claim.refresh_from_db()
    assert claim.platform_requested_at is None and claim.priority == 4


@pytest.mark.parametrize(
    ("outcome", "counts"),
    [
        (Outcome.GRANTED_SELLER_FUNDED, True),
        (Outcome.GRANTED_PLATFORM_FUNDED, True),
        (Outcome.REFUNDED_BY_SELLER, True),
        (Outcome.DENIED, False),
        (Outcome.WITHDRAWN, False),
        (Outcome.CANCELLED, False),
    ],
)
def test_closing_derives_the_odr_flag_from_the_outcome(world, outcome, counts):
    claim = open_a_to_z(world)
    claim = services.claim_close(
        claim=claim,
        outcome=outcome,
        by=world.agent_a,
        post_mortem=post_mortem(world.agent_a),
        version=claim.version,
    )
    assert claim.status == ClaimStatus.CLOSED and claim.closed_at is not None
    assert claim.counts_toward_odr is counts


def test_an_open_claim_counts_toward_odr(world):
    assert open_a_to_z(world).counts_toward_odr is True


def test_granted_seller_funded_opens_a_30_day_appeal_window(world):
    claim = open_a_to_z(world)
    closed_at = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
    claim = services.claim_close(
        claim=claim,
        outcome=Outcome.GRANTED_SELLER_FUNDED,
        by=world.agent_a,
        post_mortem=post_mortem(world.agent_a),
        version=claim.version,
        closed_at=closed_at,
    )
    assert claim.appeal_by is not None
    assert timedelta(days=29) < claim.appeal_by - closed_at <= timedelta(days=30, hours=1)
    appealed = services.claim_appeal(
        claim=claim, by=world.agent_a, version=claim.version, now=closed_at + timedelta(days=3)
    )
    assert appealed.status == ClaimStatus.APPEALING and appealed.outcome == ""


def test_an_appeal_after_the_window_is_refused(world):
    claim = open_a_to_z(world)
    claim = services.claim_close(
        claim=claim,
        outcome=Outcome.GRANTED_SELLER_FUNDED,
        by=world.agent_a,
        post_mortem=post_mortem(world.agent_a),
        version=claim.version,
        closed_at=datetime(2026, 5, 10, tzinfo=UTC),
    )
    with pytest.raises(ClaimError, match="passed"):
        services.claim_appeal(
            claim=claim, by=world.agent_a, version=claim.version, now=datetime(2026, 7, 1, tzinfo=UTC)
        )


def test_a_denied_claim_cannot_be_appealed(world):
    claim = open_a_to_z(world)
    claim = services.claim_close(
        claim=claim,
        outcome=Outcome.DENIED,
        by=world.agent_a,
        post_mortem=post_mortem(world.agent_a),
        version=claim.version,
    )
    assert claim.appeal_by is None
    with pytest.raises(ClaimError):
        services.claim_appeal(claim=claim, by=world.agent_a, version=claim.version)


def test_an_edited_rule_does_not_move_open_claims_until_recomputed(world):
    claim = open_a_to_z(world)
    due = claim.respond_by
    DeadlineRule.objects.filter(
        platform=Platform.AMAZON, claim_kind=ClaimKind.A_TO_Z, deadline=DeadlineKind.RESPOND
    ).update(length=96)
    claim.refresh_from_db()
    assert claim.respond_by == due
    claim = services.claim_recompute_deadline(claim=claim, by=world.manager_a, version=claim.version)
    assert claim.respond_by == due + timedelta(hours=24)
    event = claim.events.get(action="deadline_recomputed")
    assert event.params["was_respond_by"] == due.isoformat()
    assert event.params["respond_by"] == claim.respond_by.isoformat()
    assert "96" in " ".join(timeline.worded(event).details)


def test_the_platforms_request_restarts_the_response_window(world):
    claim = open_a_to_z(world)
    asked = claim.opened_at + timedelta(days=2)
    claim = services.claim_platform_request(
        claim=claim, requested_at=asked, by=world.agent_a, version=claim.version
    )
    assert claim.respond_by == asked + timedelta(hours=72)
    with pytest.raises(ClaimError):
        services.claim_platform_request(
            claim=claim,
            requested_at=claim.opened_at - timedelta(hours=1),
            by=world.agent_a,
            version=claim.version,
        )


def test_assigning_someone_outside_the_store_is_refused(world):
    claim = open_a_to_z(world)
    result = services.claim_assign(
        claims=[claim], assignee=world.agent_b, by=world.manager_a, loaded={claim.pk: None}
    )
    assert result.changed == 0
    [(skipped, refused)] = result.skipped
    assert skipped.pk == claim.pk and "agent_b is not a member of Alpha Amazon US" in str(refused)
    claim.refresh_from_db()
    assert claim.assignee is None


def test_a_batch_mixing_stores_assigns_what_it_can_and_names_the_rest(world):
    own = open_a_to_z(world)
    other_order = Order.objects.create(
        store=world.store_b, platform_order_id="OZ-1", purchased_at=timezone.now(), currency="RUB"
    )
    other = Claim.objects.create(
        store=world.store_b,
        order=other_order,
        kind=ClaimKind.OZON_DISPUTE,
        reason=Reason.OTHER,
        opened_at=timezone.now(),
    )
    result = services.claim_assign(
        claims=[own, other], assignee=world.agent_a, by=world.superuser, loaded={own.pk: None, other.pk: None}
    )
    assert result.changed == 1 and [claim.pk for claim, _error in result.skipped] == [other.pk]
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.assignee, other.assignee) == (world.agent_a, None)


def test_bulk_assign_records_each_change_and_skips_no_ops(world):
    first, second = open_a_to_z(world), open_a_to_z(world)
    unassigned = {first.pk: None, second.pk: None}
    assert (
        services.claim_assign(
            claims=[first, second], assignee=world.agent_a, by=world.manager_a, loaded=unassigned
        ).changed
        == 2
    )
    seen = {first.pk: world.agent_a.pk, second.pk: world.agent_a.pk}
    assert (
        services.claim_assign(
            claims=[first, second], assignee=world.agent_a, by=world.manager_a, loaded=seen
        ).changed
        == 0
    )
    assert ClaimEvent.objects.filter(action="assigned", params__assignee="agent_a").count() == 2


def test_assigning_a_claim_someone_else_assigned_since_it_was_loaded_is_refused_with_who_and_what(world):
    claim = open_a_to_z(world)
    services.claim_assign(claims=[claim], assignee=world.agent_a, by=world.agent_a, loaded={claim.pk: None})
    # The manager's page still showed nobody.
    result = services.claim_assign(
        claims=[claim], assignee=world.manager_a, by=world.manager_a, loaded={claim.pk: None}
    )
    assert result.changed == 0
    [(refused, conflict)] = result.conflicts
    assert refused.pk == claim.pk
    assert "agent_a changed the assignee to agent_a" in str(conflict)
    assert "Your choice, manager_a, was not saved" in str(conflict)
    claim.refresh_from_db()
    assert claim.assignee == world.agent_a


def test_bulk_assign_goes_through_for_the_claims_nobody_else_reassigned(world):
    taken, free = open_a_to_z(world), open_a_to_z(world)
    services.claim_assign(claims=[taken], assignee=world.agent_a, by=world.agent_a, loaded={taken.pk: None})
    result = services.claim_assign(
        claims=[taken, free],
        assignee=world.manager_a,
        by=world.manager_a,
        loaded={taken.pk: None, free.pk: None},
    )
    assert result.changed == 1 and [claim.pk for claim, _conflict in result.conflicts] == [taken.pk]
    taken.refresh_from_db()
    free.refresh_from_db()
    assert taken.assignee == world.agent_a and free.assignee == world.manager_a


def test_a_priority_change_goes_through_after_someone_else_changed_the_assignee(world):
    claim = open_a_to_z(world)
    loaded_priority = claim.priority
    services.claim_assign(claims=[claim], assignee=world.agent_a, by=world.agent_a, loaded={claim.pk: None})
    claim = services.claim_set_priority(claim=claim, priority=4, by=world.manager_a, loaded=loaded_priority)
    claim.refresh_from_db()
    assert claim.priority == 4 and claim.assignee == world.agent_a


def test_a_priority_someone_else_changed_since_it_was_loaded_is_not_overwritten(world):
    claim = open_a_to_z(world)
    loaded = claim.priority
    services.claim_set_priority(claim=claim, priority=3, by=world.agent_a, loaded=loaded)
    with pytest.raises(ClaimConflict, match="agent_a changed the priority to High"):
        services.claim_set_priority(claim=claim, priority=1, by=world.manager_a, loaded=loaded)
    claim.refresh_from_db()
    assert claim.priority == 3


def test_not_received_claim_filed_too_early_gets_a_hint(world):
    order = world.order_a
    order.purchased_at = datetime(2026, 4, 25, 7, 0, tzinfo=UTC)
    order.latest_delivery = datetime(2026, 5, 3, 7, 0, tzinfo=UTC)
    order.save()
    early = open_a_to_z(world, opened_at=datetime(2026, 5, 4, 16, 0, tzinfo=UTC))
    assert any("3 days" in hint for hint in services.eligibility_hints(early))
    on_time = open_a_to_z(world, opened_at=datetime(2026, 5, 7, 16, 0, tzinfo=UTC))
    assert services.eligibility_hints(on_time) == []


def test_kind_without_rule_has_no_due_time(world):
    claim = services.claim_open(
        order=world.order_a,
        kind=ClaimKind.NEGATIVE_FEEDBACK,
        reason=Reason.OTHER,
        by=world.agent_a,
        opened_at=timezone.now(),
    )
    assert claim.respond_by is None and claim.respond_explained == ""
