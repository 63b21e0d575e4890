"""Working together, raced for real (PostgreSQL row locks; see tests/test_races.py)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from disputes import services, snooze
from disputes.models import Alert, AlertThreshold, Claim, ClaimEvent, ClaimStatus, Notification, Outcome

from .concurrency import Racer, lock_waiters, needs_row_locks, wait_until
from .drafts import post_mortem

pytestmark = pytest.mark.django_db(transaction=True)


@needs_row_locks
def test_two_sweepers_remind_a_snoozed_claims_owner_once(world):
    now = timezone.now()
    Claim.objects.filter(pk=world.claim_a.pk).update(
        assignee=world.agent_a, snoozed_until=now, snooze_alert_at=now, snoozed_by=world.agent_a
    )
    with transaction.atomic():
        # Both sweepers read the due row, then queue on its lock with their conditional UPDATE.
        Claim.objects.select_for_update().get(pk=world.claim_a.pk)
        racers = [Racer(lambda: snooze.remind_due(now + timedelta(minutes=1))) for _ in range(2)]
        for racer in racers:
            racer.start()
        wait_until(lambda: lock_waiters() == 2, "both sweepers wait for the claim's row")
    assert sorted(racer.outcome() for racer in racers) == [0, 1]
    alert = Alert.objects.get(claim=world.claim_a, threshold=AlertThreshold.SNOOZE_END)
    assert list(Notification.objects.filter(alert=alert).values_list("user__username", flat=True)) == [
        "agent_a"
    ]
    assert ClaimEvent.objects.filter(claim=world.claim_a, action="snooze_ended").count() == 1


@needs_row_locks
def test_two_people_reopening_one_claim_at_once_the_second_is_told(world):
    claim = services.claim_close(
        claim=world.claim_a,
        outcome=Outcome.DENIED,
        by=world.agent_a,
        version=world.claim_a.version,
        post_mortem=post_mortem(world.agent_a),
    )
    seen = claim.version

    def reopen(user):
        try:
            services.claim_reopen(claim=Claim(pk=claim.pk), by=user, version=seen, reason=f"{user} saw it")
        except services.ClaimConflict:
            return "conflict"
        return "reopened"

    with transaction.atomic():
        Claim.objects.select_for_update().get(pk=claim.pk)
        racers = [Racer(lambda user=user: reopen(user)) for user in (world.agent_a, world.manager_a)]
        for racer in racers:
            racer.start()
        wait_until(lambda: lock_waiters() == 2, "both reopenings wait for the claim's row")
    assert sorted(racer.outcome() for racer in racers) == ["conflict", "reopened"]
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.IN_PROGRESS
    assert ClaimEvent.objects.filter(claim=claim, action="reopened").count() == 1


@needs_row_locks
def test_a_poll_that_read_before_the_goodbye_and_writes_after_it_does_not_bring_the_person_back(world):
    from disputes import presence
    from disputes.models import ClaimPresence

    presence.poll(world.agent_a, world.claim_a.pk, typing=False, page="tab1")
    assert presence.poll(world.manager_a, world.claim_a.pk, typing=False) == [
        presence.Present(name="agent_a", replying=False)
    ]
    with transaction.atomic():
        # The goodbye is written, not yet committed, when the page's last poll is handled by
        # another process: its read still sees the page here (without the draft it now
        # reports, so it writes), and its upsert queues on the goodbye's row.
        presence.leave(world.agent_a, world.claim_a.pk, page="tab1")
        late = Racer(lambda: presence.poll(world.agent_a, world.claim_a.pk, typing=True, page="tab1"))
        late.start()
        wait_until(lambda: lock_waiters() == 1, "the late poll waits for the goodbye's row")
    assert late.outcome() == [presence.Present(name="manager_a", replying=False)]
    assert presence.poll(world.manager_a, world.claim_a.pk, typing=False) == []
    assert list(ClaimPresence.objects.filter(user=world.agent_a).values_list("gone", "typing_at")) == [
        (True, None)
    ]


@needs_row_locks
def test_a_goodbye_that_queues_behind_the_pages_last_poll_still_wins(world):
    from disputes import presence
    from disputes.models import ClaimPresence

    with transaction.atomic():
        presence.poll(world.agent_a, world.claim_a.pk, typing=True, page="tab1")
        goodbye = Racer(lambda: presence.leave(world.agent_a, world.claim_a.pk, page="tab1"))
        goodbye.start()
        wait_until(lambda: lock_waiters() == 1, "the goodbye waits for the poll's row")
    assert goodbye.outcome() is True
    assert presence.poll(world.manager_a, world.claim_a.pk, typing=False) == []
    assert ClaimPresence.objects.get(user=world.agent_a).gone
