"""The Django admin's read-only list of the events automation rules failed on."""

from datetime import timedelta

from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from disputes.models import Buyer, Claim, ClaimKind, Order, Reason, Rule, RuleFailure, Trigger

from .conftest import client_for


def failure(store, name: str, order_number: str, claim_number: str, error: str) -> RuleFailure:
    rule = Rule.objects.create(store=store, name=name, trigger=Trigger.CLAIM_OPENED, position=1)
    order = Order.objects.create(
        store=store,
        buyer=Buyer.objects.create(store=store, alias=f"{order_number}@buyers.example"),
        platform_order_id=order_number,
        purchased_at=timezone.now() - timedelta(days=3),
        currency="USD",
        total="10.00",
    )
    claim = Claim.objects.create(
        store=store,
        order=order,
        platform_claim_id=claim_number,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        opened_at=timezone.now(),
    )
    return RuleFailure.objects.create(
        rule=rule, claim=claim, trigger=Trigger.CLAIM_OPENED, error=error, attempts=3
    )


def listing(client, **query) -> str:
    response = client.get(reverse("admin:disputes_rulefailure_changelist"), query)
    assert response.status_code == 200
    return response.content.decode()


def test_admins_see_every_failure_with_its_reason_and_attempts_and_find_one_by_claim(world):
    alpha = failure(world.store_a, "Alpha rule", "111-0000000-7000001", "CLAIM-A-1", "ValueError: alpha")
    failure(world.store_b, "Bravo rule", "222-0000000-7000002", "CLAIM-B-2", "KeyError: bravo")
    admin = client_for(world.superuser)
    page = listing(admin)
    assert "ValueError: alpha" in page and "KeyError: bravo" in page
    assert "Alpha rule" in page and world.store_b.name in page
    assert '<td class="field-attempts">3</td>' in page
    found = listing(admin, q="CLAIM-B-2")
    assert "KeyError: bravo" in found and "ValueError: alpha" not in found
    by_order = listing(admin, q="111-0000000-7000001")
    assert "ValueError: alpha" in by_order and "KeyError: bravo" not in by_order
    by_rule = listing(admin, rule__id__exact=alpha.rule_id)
    assert "ValueError: alpha" in by_rule and "KeyError: bravo" not in by_rule
    by_store = listing(admin, rule__store__id__exact=world.store_b.pk)
    assert "KeyError: bravo" in by_store and "ValueError: alpha" not in by_store


def test_the_list_is_read_only(world):
    alpha = failure(world.store_a, "Alpha rule", "111-0000000-7000001", "CLAIM-A-1", "ValueError: alpha")
    admin = client_for(world.superuser)
    change = reverse("admin:disputes_rulefailure_change", args=[alpha.pk])
    page = admin.get(change).content.decode()
    assert "ValueError: alpha" in page and 'name="_save"' not in page
    assert admin.post(change, {"error": "edited", "attempts": "1"}).status_code == 403
    assert admin.get(reverse("admin:disputes_rulefailure_add")).status_code == 403
    assert admin.post(reverse("admin:disputes_rulefailure_delete", args=[alpha.pk])).status_code == 403
    alpha.refresh_from_db()
    assert alpha.error == "ValueError: alpha"


def test_a_staff_manager_sees_only_the_failures_of_the_stores_they_manage(world):
    failure(world.store_a, "Alpha rule", "111-0000000-7000001", "CLAIM-A-1", "ValueError: alpha")
    bravo = failure(world.store_b, "Bravo rule", "222-0000000-7000002", "CLAIM-B-2", "KeyError: bravo")
    manager = world.manager_a
    manager.is_staff = True
    manager.save()
    manager.user_permissions.add(Permission.objects.get(codename="view_rulefailure"))
    client = client_for(manager)
    page = listing(client)
    assert "ValueError: alpha" in page
    # Not in the rows, nor among the filter's rules and stores.
    assert "KeyError: bravo" not in page and "Bravo rule" not in page and world.store_b.name not in page
    change = reverse("admin:disputes_rulefailure_change", args=[bravo.pk])
    assert client.get(change).status_code == 302  # the admin's "does not exist" redirect
