"""The managers' rule pages and Django admin: a rule is written from the form's fields, bad
settings are refused in place with nothing saved, and the dry run answers as a fragment."""

from django.urls import reverse

from disputes.models import Priority, Rule, Tag, Trigger

from .conftest import client_for


def rule_post(world, **extra):
    return {
        "name": "Damaged to Alice",
        "trigger": Trigger.CLAIM_OPENED,
        "if_reason": ["damaged"],
        "if_amount_at_least": "20",
        "then_assign_to": str(world.agent_a.pk),
        "then_priority": str(Priority.HIGH),
        **extra,
    }


def test_a_manager_writes_a_rule_that_stays_off_until_switched_on(world):
    client = client_for(world.manager_a)
    response = client.post(reverse("disputes:rule_new", args=[world.store_a.pk]), rule_post(world))
    rule = Rule.objects.get()
    assert response["Location"] == reverse("disputes:rule_edit", args=[rule.pk])
    assert (rule.store, rule.trigger, rule.is_active) == (world.store_a, Trigger.CLAIM_OPENED, False)
    assert rule.conditions == {"reason": ["damaged"], "amount_at_least": "20"}
    assert rule.actions == {"assign_to": world.agent_a.pk, "set_priority": Priority.HIGH}
    form = client.get(reverse("disputes:rule_edit", args=[rule.pk])).context["form"]
    assert form["if_reason"].value() == ["damaged"] and form["then_assign_to"].value() == world.agent_a.pk
    client.post(reverse("disputes:rule_switch", args=[rule.pk]), {"on": "1"})
    assert Rule.objects.get().is_active


def test_a_rule_that_does_nothing_or_takes_a_used_name_is_refused_in_place(world):
    client = client_for(world.manager_a)
    url = reverse("disputes:rule_new", args=[world.store_a.pk])
    nothing = client.post(url, {"name": "Idle", "trigger": Trigger.CLAIM_OPENED, "if_reason": ["damaged"]})
    assert nothing.status_code == 200
    assert "Choose at least one thing the rule does." in nothing.content.decode()
    client.post(url, rule_post(world))
    again = client.post(url, rule_post(world))
    assert "Another rule of this store has that name." in again.content.decode()
    # Another store's tag is not offered, and not accepted.
    elsewhere = Tag.objects.create(store=world.store_b, name="theirs")
    foreign = client.post(url, rule_post(world, name="Foreign", then_tags=[str(elsewhere.pk)]))
    assert foreign.status_code == 200
    assert Rule.objects.count() == 1


def test_the_dry_run_answers_with_counts_and_saves_nothing(world):
    client = client_for(world.manager_a)
    response = client.post(
        reverse("disputes:rule_dry_run", args=[world.store_a.pk]),
        rule_post(world, if_reason=["not_received"], if_amount_at_least=""),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="dry-run"')
    assert "It would have matched 1 claim of the 1 opened." in html
    assert not Rule.objects.exists()


def test_admin_refuses_a_rule_with_an_unknown_condition(world, admin_client):
    response = admin_client.post(
        reverse("admin:disputes_rule_add"),
        {
            "store": world.store_a.pk,
            "name": "Typo",
            "position": 1,
            "trigger": Trigger.CLAIM_OPENED,
            "conditions": '{"platfrom": ["amazon"]}',
            "actions": '{"set_priority": 3}',
        },
    )
    assert response.status_code == 200
    assert "Unknown conditions or actions: platfrom" in response.content.decode()
    assert not Rule.objects.exists()
