"""Macros: one click applies several steps, each its own timeline entry; nothing half-done."""

from django.urls import reverse

from disputes.models import ClaimStatus, Tag, TimeOff
from disputes.timeline import Action
from messaging.models import Direction, Macro, MacroAssign, MacroStatus, Message, ReplyTemplate

from .conftest import client_for


def _template():
    return ReplyTemplate.objects.create(
        code="macro-ack",
        title="We are on it",
        stage="claim",
        body="Hello, we are looking into order {order_id} now.",
        note_en="x",
        note_zh="x",
    )


def _macro(world, **steps):
    tags = steps.pop("tags", [])
    macro = Macro.objects.create(store=world.store_a, name="Take it", **steps)
    macro.tags.set(tags)
    return macro


def _apply(client, world, macro):
    return client.post(reverse("messaging:macro_apply", args=[world.claim_a.pk, macro.pk]))


def test_a_macro_sets_status_tags_and_assignee_as_separate_entries_and_fills_the_composer(
    world, agent_client
):
    fragile = Tag.objects.create(store=world.store_a, name="fragile", colour="red")
    vip = Tag.objects.create(store=world.store_a, name="vip")
    world.claim_a.tags.add(vip)
    template = _template()
    macro = _macro(
        world,
        template=template,
        status=MacroStatus.IN_PROGRESS,
        tags=[fragile],
        assign=MacroAssign.PERSON,
        assignee=world.manager_a,
    )

    response = _apply(agent_client, world, macro)

    claim_url = reverse("disputes:claim", args=[world.claim_a.pk])
    assert response["Location"] == f"{claim_url}?fill={template.pk}#compose"
    world.claim_a.refresh_from_db()
    assert world.claim_a.status == ClaimStatus.IN_PROGRESS
    assert world.claim_a.assignee == world.manager_a
    assert set(world.claim_a.tags.all()) == {vip, fragile}
    entries = list(
        world.claim_a.events.filter(actor=world.agent_a).order_by("pk").values_list("action", flat=True)
    )
    assert entries == [Action.MACRO, Action.STATUS, Action.TAGGED, Action.ASSIGNED]
    assert world.claim_a.events.get(action=Action.MACRO).params == {"macro": "Take it"}
    # The composer holds the filled template for review; nothing was sent.
    page = agent_client.get(response["Location"]).content.decode()
    assert f"we are looking into order {world.order_a.platform_order_id} now." in page
    assert f'name="template" value="{template.pk}"' in page
    assert not Message.objects.filter(direction=Direction.TO_BUYER).exists()


def test_a_step_that_cannot_be_taken_refuses_the_whole_macro(world, agent_client):
    fragile = Tag.objects.create(store=world.store_a, name="fragile")
    world.claim_a.status = ClaimStatus.RESPONDED
    world.claim_a.save()
    # Responded cannot go back to "appealing": the macro is refused with its reason.
    macro = _macro(world, status=MacroStatus.APPEALING, tags=[fragile])
    before = world.claim_a.events.count()
    response = _apply(agent_client, world, macro)
    page = agent_client.get(response["Location"]).content.decode()
    assert "Macro “Take it” not applied" in page
    world.claim_a.refresh_from_db()
    assert world.claim_a.status == ClaimStatus.RESPONDED
    assert not world.claim_a.tags.exists()
    assert world.claim_a.events.count() == before


def test_a_least_loaded_macro_skips_the_agent_on_leave(world, agent_client):
    from django.utils import timezone

    TimeOff.objects.create(
        user=world.manager_a, first_day=timezone.localdate(), last_day=timezone.localdate()
    )
    macro = _macro(world, assign=MacroAssign.LEAST_LOADED)
    _apply(agent_client, world, macro)
    world.claim_a.refresh_from_db()
    assert world.claim_a.assignee == world.agent_a


def test_only_managers_add_macros_and_a_macro_needs_a_step(world, manager_client, agent_client):
    url = reverse("messaging:macro_add", args=[world.store_a.pk])
    assert agent_client.post(url, {"name": "Mine", "status": "in_progress"}).status_code == 403
    empty = manager_client.post(url, {"name": "Nothing"})
    assert empty.status_code == 400 and "A macro needs at least one step." in empty.content.decode()
    no_person = manager_client.post(url, {"name": "Give", "assign": "person"})
    assert "Choose the person the macro assigns to." in no_person.content.decode()
    assert not Macro.objects.exists()
    manager_client.post(url, {"name": "Start", "status": "in_progress", "assign": "round_robin"})
    assert Macro.objects.get().name == "Start"


def test_another_stores_macro_is_not_found_on_a_claim(world):
    from disputes.models import Buyer, Claim, Order

    buyer = Buyer.objects.create(store=world.store_b, alias="b@example.com")
    order = Order.objects.create(
        store=world.store_b,
        buyer=buyer,
        platform_order_id="B-1",
        purchased_at=world.claim_a.opened_at,
        currency="RUB",
        total="1",
    )
    claim_b = Claim.objects.create(
        store=world.store_b,
        order=order,
        kind="ozon_dispute",
        reason="damaged",
        opened_at=world.claim_a.opened_at,
    )
    macro = _macro(world, status=MacroStatus.IN_PROGRESS)
    response = client_for(world.agent_b).post(reverse("messaging:macro_apply", args=[claim_b.pk, macro.pk]))
    assert response.status_code == 404
    assert claim_b.events.count() == 0
