"""Two claims opened at once are given to two people: round-robin's turn is taken under a lock."""

import pytest
from django.db import transaction

from disputes import assigning
from disputes.models import Membership, Role

from .concurrency import Racer, lock_waiters, needs_row_locks, wait_until
from .conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@needs_row_locks
def test_two_round_robin_picks_at_once_go_to_two_people(world):
    team = [make_user(name) for name in ("ana", "bo", "chen")]
    for person in team:
        Membership.objects.create(user=person, store=world.store_a, role=Role.AGENT)

    with transaction.atomic():
        # Hold the team's rows so both picks queue on them, then let them go together.
        list(Membership.objects.select_for_update().filter(user__in=team))
        racers = [Racer(lambda: assigning.round_robin(world.store_a, among=team)) for _ in range(2)]
        for racer in racers:
            racer.start()
        wait_until(lambda: lock_waiters() == 2, "both picks wait for the team's rows")

    picked = [racer.outcome() for racer in racers]
    assert sorted(person.username for person in picked) == ["ana", "bo"]
    assert assigning.round_robin(world.store_a, among=team).username == "chen"
