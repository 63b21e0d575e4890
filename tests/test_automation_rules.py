"""Automation rules (`disputes/rules.py`): each condition and action on fixtures, the triggers,
the dry run, undo, a failing rule, and the cost of running a store's rules."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from disputes import rules as automation
from disputes import services, timeline
from disputes.alerts import sweep_claims
from disputes.models import (
    Alert,
    AlertThreshold,
    Buyer,
    Claim,
    ClaimAlertSchedule,
    ClaimEvent,
    ClaimKind,
    Membership,
    Notification,
    Order,
    OrderLine,
    Priority,
    Reason,
    Role,
    Rule,
    RuleFailure,
    RuleRetry,
    SetAside,
    SetAsideKind,
    Tag,
    TagColour,
    Trigger,
)
from disputes.tasks import retry_rule_failures
from evidence.checklist import needs_for
from evidence.models import EvidenceItem
from messaging.automation import BUYER_MESSAGE, language_of
from messaging.models import ReplyTemplate, RuleDraft, Stage
from messaging.services import message_receive, reply_send

from .conftest import client_for, make_user


def make_rule(world, *, conditions=None, actions=None, trigger=Trigger.CLAIM_OPENED, name="Rule", **extra):
    position = Rule.objects.filter(store=world.store_a).count() + 1
    return Rule.objects.create(
        store=world.store_a,
        name=name,
        trigger=trigger,
        conditions=conditions or {},
        actions=actions or {},
        is_active=extra.pop("is_active", True),
        position=extra.pop("position", position),
        **extra,
    )


def new_order(world, number: str, *, buyer=None, skus=()):
    order = Order.objects.create(
        store=world.store_a,
        buyer=buyer,
        platform_order_id=f"111-0000000-{number}",
        purchased_at=timezone.now() - timedelta(days=5),
        currency="USD",
        total="40.00",
    )
    for index, sku in enumerate(skus):
        OrderLine.objects.create(
            order=order, line_key=f"{sku}#{index}", sku=sku, quantity=1, item_price=Decimal("20.00")
        )
    return order


def open_claim(world, order=None, **extra):
    defaults = {
        "order": order or new_order(world, "9000001"),
        "kind": ClaimKind.A_TO_Z,
        "reason": Reason.NOT_RECEIVED,
        "by": world.agent_a,
    }
    return services.claim_open(**{**defaults, **extra})


def tag(world, name="fragile", colour=TagColour.RED):
    return Tag.objects.create(store=world.store_a, name=name, colour=colour)


def priority_rule(world, conditions, **extra):
    """A rule whose visible effect is the priority: it tells whether its conditions matched."""
    return make_rule(world, conditions=conditions, actions={"set_priority": Priority.URGENT}, **extra)


def rule_entries(claim):
    return list(ClaimEvent.objects.filter(claim=claim, action=timeline.Action.RULE_CHANGE).order_by("pk"))


# --- conditions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "matches"),
    [
        ({"platform": ["amazon"]}, True),
        ({"platform": ["ebay", "ozon"]}, False),
        ({"kind": ["a_to_z"]}, True),
        ({"kind": ["chargeback"]}, False),
        ({"reason": ["not_received", "damaged"]}, True),
        ({"reason": ["damaged"]}, False),
        ({"amount_at_least": "50.00"}, True),
        ({"amount_at_least": "50.01"}, False),
        ({"amount_below": "50.01"}, True),
        ({"amount_below": "50.00"}, False),
        ({"platform": ["amazon"], "reason": ["damaged"]}, False),  # every condition must hold
        ({}, True),  # no condition: every claim
    ],
)
def test_claim_conditions_match_the_claim_they_describe(world, conditions, matches):
    priority_rule(world, conditions)
    claim = open_claim(world, amount=Decimal("50.00"))
    claim.refresh_from_db()
    assert (claim.priority == Priority.URGENT) is matches


def test_a_claim_without_an_amount_matches_no_amount_condition(world):
    priority_rule(world, {"amount_below": "1000"})
    claim = open_claim(world)
    assert Claim.objects.get(pk=claim.pk).priority == Priority.NORMAL


def test_sku_condition_matches_any_line_of_the_order_whatever_the_capitals(world):
    priority_rule(world, {"sku": "kettle-01, LAMP-9"})
    with_sku = open_claim(world, new_order(world, "9000002", skus=["CUP-3", "KETTLE-01"]))
    without = open_claim(world, new_order(world, "9000003", skus=["CUP-3"]))
    assert Claim.objects.get(pk=with_sku.pk).priority == Priority.URGENT
    assert Claim.objects.get(pk=without.pk).priority == Priority.NORMAL


def test_buyer_history_counts_the_buyers_claims_on_every_order_of_the_store(world):
    priority_rule(world, {"buyer_claims_at_least": 3})
    buyer = Buyer.objects.create(store=world.store_a, alias="repeat@marketplace.example")
    first = open_claim(world, new_order(world, "9000004", buyer=buyer))
    second = open_claim(world, new_order(world, "9000005", buyer=buyer))
    third = open_claim(world, new_order(world, "9000006", buyer=buyer))
    priorities = Claim.objects.filter(pk__in=[first.pk, second.pk, third.pk]).order_by("pk")
    assert [claim.priority for claim in priorities] == [Priority.NORMAL, Priority.NORMAL, Priority.URGENT]


def test_evidence_condition_reads_the_checklist_of_the_claims_reason(world):
    priority_rule(world, {"evidence": "complete"}, name="Complete")
    make_rule(world, conditions={"evidence": "incomplete"}, actions={"add_tags": [tag(world, "gather").pk]})
    order = new_order(world, "9000007")
    for index, need in enumerate(needs_for(Reason.OTHER)):
        EvidenceItem.objects.create(
            store=world.store_a,
            order=order,
            kind=need.kinds[0],
            original_name=f"proof{index}.pdf",
            size=1,
            sha256=f"{index:02d}" * 32,
            storage_name=f"proof-{index}",
            captured_at=timezone.now(),
        )
    complete = open_claim(world, order, reason=Reason.OTHER)
    # The same order's items do not cover a damage claim's needs (pre-shipment photos…).
    incomplete = open_claim(world, new_order(world, "9000008"), reason=Reason.DAMAGED)
    assert Claim.objects.get(pk=complete.pk).priority == Priority.URGENT
    assert list(complete.tags.all()) == []
    assert Claim.objects.get(pk=incomplete.pk).priority == Priority.NORMAL
    assert [t.name for t in incomplete.tags.all()] == ["gather"]


def test_message_conditions_read_the_buyer_message_that_arrived(world):
    claim = open_claim(world, world.order_a)
    make_rule(
        world,
        trigger=BUYER_MESSAGE,
        conditions={"message_words": "broken, refund", "message_language": ["en"]},
        actions={"set_priority": Priority.HIGH},
    )
    message_receive(order=world.order_a, body="Where is my parcel?")
    assert Claim.objects.get(pk=claim.pk).priority == Priority.NORMAL
    message_receive(order=world.order_a, body="The lid arrived BROKEN, I want a refund")
    assert Claim.objects.get(pk=claim.pk).priority == Priority.HIGH
    assert rule_entries(claim)[0].params["change"] == "priority"


def test_message_language_is_told_in_each_script():
    assert language_of("Where is my parcel?") == "en"
    assert language_of("我的包裹在哪里？") == "zh"
    assert language_of("荷物はまだ届いていません") == "ja"
    assert language_of("Где моя посылка?") == "ru"
    assert language_of("제 소포는 어디에 있나요") == "ko"
    assert language_of("12345 !!") == ""


def test_a_chinese_message_matches_only_a_rule_for_chinese(world):
    claim = open_claim(world, world.order_a)
    chinese = tag(world, "中文")
    make_rule(
        world,
        trigger=BUYER_MESSAGE,
        conditions={"message_language": ["zh"]},
        actions={"add_tags": [chinese.pk]},
    )
    message_receive(order=world.order_a, body="Hello, any news?")
    assert list(claim.tags.all()) == []
    message_receive(order=world.order_a, body="我的包裹在哪里？")
    assert list(claim.tags.all()) == [chinese]


def test_a_german_message_matches_a_rule_for_german_and_not_one_for_english(world):
    claim = open_claim(world, world.order_a)
    german, english = tag(world, "Deutsch"), tag(world, "English")
    make_rule(
        world,
        name="German",
        trigger=BUYER_MESSAGE,
        conditions={"message_language": ["de"]},
        actions={"add_tags": [german.pk]},
    )
    make_rule(
        world,
        name="English",
        trigger=BUYER_MESSAGE,
        conditions={"message_language": ["en"]},
        actions={"add_tags": [english.pk]},
    )
    message_receive(order=world.order_a, body="Danke!")  # too short to tell: neither rule
    assert list(claim.tags.all()) == []
    message_receive(
        order=world.order_a,
        body="Guten Tag, mein Paket ist immer noch nicht angekommen. Können Sie bitte nachsehen?",
    )
    assert list(claim.tags.all()) == [german]


# --- actions ---------------------------------------------------------------------------------


def test_assign_to_a_person_gives_unassigned_claims_only(world):
    make_rule(world, name="To Alice", actions={"assign_to": world.agent_a.pk})
    claim = open_claim(world, by=None)
    claim.refresh_from_db()
    assert claim.assignee == world.agent_a
    entry = rule_entries(claim)[0]
    assert entry.actor is None
    assert timeline.worded(entry).sentence == "Rule “To Alice” assigned the claim to agent_a"
    # A person's choice at opening stands.
    chosen = open_claim(world, new_order(world, "9000010"), assignee=world.manager_a)
    assert Claim.objects.get(pk=chosen.pk).assignee == world.manager_a
    assert rule_entries(chosen) == []


def test_round_robin_among_a_team_takes_turns(world):
    third = make_user("agent_c")
    Membership.objects.create(user=third, store=world.store_a, role=Role.AGENT)
    make_rule(
        world, actions={"assign_team": {"strategy": "round_robin", "members": [world.agent_a.pk, third.pk]}}
    )
    assignees = [
        Claim.objects.get(pk=open_claim(world, new_order(world, f"90001{n:02d}"), by=None).pk).assignee
        for n in range(4)
    ]
    assert sorted(user.username for user in assignees) == ["agent_a", "agent_a", "agent_c", "agent_c"]
    assert assignees[0] != assignees[1] and assignees[2] != assignees[3]


def test_least_loaded_gives_the_claim_to_whoever_holds_fewest(world):
    third = make_user("agent_c")
    Membership.objects.create(user=third, store=world.store_a, role=Role.AGENT)
    Claim.objects.filter(pk=world.claim_a.pk).update(assignee=world.agent_a)
    make_rule(
        world, actions={"assign_team": {"strategy": "least_loaded", "members": [world.agent_a.pk, third.pk]}}
    )
    claim = open_claim(world, by=None)
    assert Claim.objects.get(pk=claim.pk).assignee == third


def test_add_tags_tags_the_claim_once(world):
    fragile, vip = tag(world), tag(world, "vip", TagColour.PURPLE)
    make_rule(world, name="Tagger", actions={"add_tags": [fragile.pk, vip.pk]})
    make_rule(world, name="Again", actions={"add_tags": [fragile.pk]})
    claim = open_claim(world)
    assert sorted(t.name for t in claim.tags.all()) == ["fragile", "vip"]
    assert [(e.params["rule_name"], e.params["tag"]) for e in rule_entries(claim)] == [
        ("Tagger", "fragile"),
        ("Tagger", "vip"),
    ]


def test_notify_rings_the_bell_of_the_people_named(world):
    make_rule(world, name="Big ones", actions={"notify": [world.manager_a.pk, world.agent_b.pk]})
    claim = open_claim(world)
    alert = Alert.objects.get(claim=claim, threshold=AlertThreshold.RULE)
    # agent_b is not a member of the store: never told of its claims.
    assert list(Notification.objects.filter(alert=alert).values_list("user__username", flat=True)) == [
        "manager_a"
    ]
    assert rule_entries(claim)[0].params["people"] == "manager_a"


def test_draft_template_is_a_draft_and_never_a_sent_reply(world):
    template = ReplyTemplate.objects.create(
        code="rule-test-claim-filed",
        title="Claim filed — first calm reply",
        stage=Stage.CLAIM,
        body="Thank you for your patience with order {order_id}.",
        note_en="x",
        note_zh="x",
    )
    make_rule(world, name="First reply", actions={"draft_template": template.pk})
    order = new_order(world, "9000011")
    claim = open_claim(world, order)
    draft = RuleDraft.objects.get(thread__order=order)
    assert draft.body == "Thank you for your patience with order 111-0000000-9000011."
    assert draft.rule_name == "First reply"
    assert not order.thread.messages.exists()  # nothing was sent, nor queued to be
    assert rule_entries(claim)[0].params["change"] == "draft"
    # The claim page's composer holds it for review; a reply sent retires it.
    page = client_for(world.agent_a).get(reverse("disputes:claim", args=[claim.pk])).content.decode()
    assert "A draft put in by rule “First reply”: review it before you send it." in page
    assert "Thank you for your patience with order 111-0000000-9000011.</textarea>" in page
    reply_send(order=order, body="Thank you, we are looking into it.", by=world.agent_a)
    assert RuleDraft.objects.get(pk=draft.pk).dismissed_at is not None


# --- triggers, order, transaction ------------------------------------------------------------


def test_a_rule_switched_off_or_of_another_trigger_does_not_run(world):
    priority_rule(world, {}, is_active=False, name="Off")
    priority_rule(world, {}, trigger=Trigger.CLAIM_OVERDUE, name="Overdue")
    claim = open_claim(world)
    assert Claim.objects.get(pk=claim.pk).priority == Priority.NORMAL


def test_rules_run_in_their_order(world):
    make_rule(world, name="Second", position=2, actions={"set_priority": Priority.LOW})
    make_rule(world, name="First", position=1, actions={"set_priority": Priority.URGENT})
    claim = open_claim(world)
    assert Claim.objects.get(pk=claim.pk).priority == Priority.LOW
    assert [e.params["rule_name"] for e in rule_entries(claim)] == ["First", "Second"]


def test_a_claim_turning_overdue_runs_the_overdue_rules(world):
    make_rule(world, trigger=Trigger.CLAIM_OVERDUE, actions={"set_priority": Priority.URGENT})
    claim = open_claim(world)
    claim.refresh_from_db()
    overdue_at = claim.respond_by + timedelta(minutes=1)
    ClaimAlertSchedule.objects.filter(claim=claim).update(
        next_alert_at=overdue_at, next_alert_threshold=AlertThreshold.OVERDUE
    )
    sweep_claims(overdue_at)
    assert Alert.objects.filter(claim=claim, threshold=AlertThreshold.OVERDUE).exists()
    assert Claim.objects.get(pk=claim.pk).priority == Priority.URGENT


def test_an_appeal_decided_runs_the_appeal_rules_on_its_claim(world):
    from appeals.models import AppealDecision
    from appeals.services import APPEAL_DECIDED, appeal_decide

    from .test_appeals import submitted

    lost = tag(world, "appeal lost")
    make_rule(world, trigger=APPEAL_DECIDED, actions={"add_tags": [lost.pk], "notify": [world.manager_a.pk]})
    appeal = submitted(world)
    assert list(world.claim_a.tags.all()) == []
    appeal_decide(appeal=appeal, decision=AppealDecision.LOST, funding="seller", by=world.manager_a)
    assert list(world.claim_a.tags.all()) == [lost]
    alert = Alert.objects.get(claim=world.claim_a, threshold=AlertThreshold.RULE)
    assert list(alert.notifications.values_list("user__username", flat=True)) == ["manager_a"]


def test_rules_run_in_the_transaction_of_the_claim_they_act_on(world):
    fragile = tag(world)
    make_rule(world, actions={"add_tags": [fragile.pk], "set_priority": Priority.HIGH})

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        open_claim(world)
        assert Tag.claims.through.objects.filter(tag=fragile).count() == 1  # done inside it
        raise Abandon
    assert not Claim.objects.filter(order__platform_order_id="111-0000000-9000001").exists()
    assert Tag.claims.through.objects.filter(tag=fragile).count() == 0


def test_a_failing_rule_never_stops_the_claim_and_is_shown_to_managers(
    world, django_capture_on_commit_callbacks
):
    fragile = tag(world)
    broken = make_rule(
        world, name="Broken", actions={"set_priority": Priority.HIGH, "assign_to": world.agent_b.pk}
    )
    make_rule(world, name="Fine", actions={"add_tags": [fragile.pk]})
    with django_capture_on_commit_callbacks(execute=True):
        claim = open_claim(world)
    claim.refresh_from_db()
    # The broken rule's half-done work (the priority) is rolled back with it; the next rule ran.
    assert claim.priority == Priority.NORMAL
    assert claim.assignee is None
    assert list(claim.tags.all()) == [fragile]
    broken.refresh_from_db()
    assert "not an active member" in broken.last_error
    entry = SetAside.objects.get(kind=SetAsideKind.RULE, subject_id=broken.pk)
    assert entry.store == world.store_a and entry.label == "Broken"
    assert ClaimEvent.objects.filter(claim=claim, action=timeline.Action.OPENED).exists()


@pytest.fixture
def eager_tasks():
    """Tasks queued from here on run at once in this process (the worker's side of a retry)."""
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


def retry_now(rule, capture) -> RuleRetry:
    """A manager's retry of the rule, run through to the end by the (eager) task."""
    with capture(execute=True):
        retry = automation.queue_retry(rule.pk, retry_rule_failures)
    assert retry is not None
    retry.refresh_from_db()
    return retry


def set_aside_list(client) -> str:
    """The set-aside page's list, as its own polling asks for it."""
    response = client.get(reverse("disputes:set_aside"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def test_retrying_a_failed_rule_runs_it_again_on_the_claim_it_failed_on(
    world, django_capture_on_commit_callbacks, eager_tasks
):
    broken = make_rule(
        world, name="Broken", actions={"set_priority": Priority.HIGH, "assign_to": world.agent_b.pk}
    )
    with django_capture_on_commit_callbacks(execute=True):
        claim = open_claim(world)
    failure = RuleFailure.objects.get(rule=broken)
    assert failure.claim_id == claim.pk and failure.trigger == Trigger.CLAIM_OPENED
    manager = client_for(world.manager_a)

    def retry_from_the_page() -> str:
        """Click Retry: the request only queues the task and the page says so (polling); the
        task then runs, and the list's next poll shows the outcome and polls no more."""
        entry = SetAside.objects.get(kind=SetAsideKind.RULE, subject_id=broken.pk, resolved_at__isnull=True)
        with django_capture_on_commit_callbacks() as queued:
            response = manager.post(reverse("disputes:set_aside_retry", args=[entry.pk]))
        assert response.status_code == 302
        waiting = manager.get(reverse("disputes:set_aside")).content.decode()
        assert "Retrying 1 event…" in waiting
        assert 'hx-trigger="every 2s"' in waiting
        assert RuleFailure.objects.get(pk=failure.pk).attempts == failure.attempts  # not run yet
        with django_capture_on_commit_callbacks(execute=True):
            for callback in queued:
                callback()
        done = set_aside_list(manager)
        assert "Retrying" not in done and "hx-trigger" not in done
        return done

    # Not fixed yet: it fails again, its event stays kept with the new reason and a fresh entry
    # is set aside.
    first = SetAside.objects.get(kind=SetAsideKind.RULE, subject_id=broken.pk)
    done = retry_from_the_page()
    assert "0 events went through, 1 failed again." in done
    failure.refresh_from_db()
    assert failure.retried_at is None and failure.attempts == 2 and "not an active member" in failure.error
    again = SetAside.objects.get(kind=SetAsideKind.RULE, subject_id=broken.pk, resolved_at__isnull=True)
    assert again != first and f'id="set-aside-{again.pk}"' in done
    assert Claim.objects.get(pk=claim.pk).priority == Priority.NORMAL
    # Fixed (agent_b joins the store): the retry does what the rule would have done at opening.
    Membership.objects.create(user=world.agent_b, store=world.store_a, role=Role.AGENT)
    done = retry_from_the_page()
    assert "1 event went through, 0 failed again." in done
    claim.refresh_from_db()
    assert (claim.priority, claim.assignee) == (Priority.HIGH, world.agent_b)
    assert sorted(entry.params["change"] for entry in rule_entries(claim)) == ["assigned", "priority"]
    failure.refresh_from_db()
    broken.refresh_from_db()
    assert failure.retried_at is not None and broken.last_error == ""
    assert not SetAside.objects.filter(kind=SetAsideKind.RULE, resolved_at__isnull=True).exists()
    # Once through, a further retry has nothing to run.
    retry = retry_now(broken, django_capture_on_commit_callbacks)
    assert (retry.events, retry.went, retry.again) == (0, 0, 0) and retry.finished_at is not None
    assert len(rule_entries(claim)) == 2


def fails_on(monkeypatch, claims, error: BaseException | None = None):
    """Register a condition that raises on these claims (and holds on the others)."""

    def test(setting, claim, event):
        if claim.pk in {each.pk for each in claims}:
            raise error or RuntimeError("still broken")
        return True

    read, initial = automation.one_field("fails_on")
    condition = automation.Condition("fails_on", "fails on", lambda store: {}, read, initial, test=test)
    monkeypatch.setitem(automation.CONDITIONS, "fails_on", condition)


def failed_events(world, rule, count):
    claims = [open_claim(world, new_order(world, f"90001{n:02d}")) for n in range(count)]
    for claim in claims:
        RuleFailure.objects.create(rule=rule, claim=claim, trigger=Trigger.CLAIM_OPENED, error="before")
    return claims


def test_a_retry_goes_on_past_an_event_that_fails_again_and_keeps_it_with_its_new_reason(
    world, django_capture_on_commit_callbacks, eager_tasks, monkeypatch
):
    rule = make_rule(
        world,
        name="Urgent",
        conditions={"fails_on": 1},
        actions={"set_priority": Priority.URGENT},
        is_active=False,  # off: opening the claims below does not run it
    )
    claims = failed_events(world, rule, 3)
    fails_on(monkeypatch, [claims[1]])
    retry = retry_now(rule, django_capture_on_commit_callbacks)
    assert (retry.events, retry.went, retry.again) == (3, 2, 1) and retry.finished_at is not None
    priorities = [Claim.objects.get(pk=claim.pk).priority for claim in claims]
    assert priorities == [Priority.URGENT, Priority.NORMAL, Priority.URGENT]
    kept = RuleFailure.objects.get(rule=rule, retried_at__isnull=True)
    assert kept.claim_id == claims[1].pk
    assert (kept.error, kept.attempts) == ("RuntimeError: still broken", 2)
    entry = SetAside.objects.get(kind=SetAsideKind.RULE, subject_id=rule.pk, resolved_at__isnull=True)
    assert entry.reason == "RuntimeError: still broken"


def test_a_retry_of_more_events_than_one_run_takes_hands_the_rest_on(
    world, django_capture_on_commit_callbacks, eager_tasks, monkeypatch
):
    rule = make_rule(
        world,
        name="Urgent",
        conditions={"fails_on": 1},
        actions={"set_priority": Priority.URGENT},
        is_active=False,  # off: opening the claims below does not run it
    )
    claims = failed_events(world, rule, 5)
    fails_on(monkeypatch, [])
    monkeypatch.setattr(automation, "RETRY_BATCH", 2)
    retry = retry_now(rule, django_capture_on_commit_callbacks)
    assert (retry.events, retry.went, retry.again) == (5, 5, 0) and retry.finished_at is not None
    assert {Claim.objects.get(pk=claim.pk).priority for claim in claims} == {Priority.URGENT}
    assert not RuleFailure.objects.filter(rule=rule, retried_at__isnull=True).exists()


def test_a_retry_out_of_time_ends_and_sets_the_rule_aside_for_the_events_left(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    from celery.exceptions import SoftTimeLimitExceeded

    rule = make_rule(
        world,
        name="Urgent",
        conditions={"fails_on": 1},
        actions={"set_priority": Priority.URGENT},
        is_active=False,  # off: opening the claims below does not run it
    )
    claims = failed_events(world, rule, 3)
    fails_on(monkeypatch, [claims[1]], error=SoftTimeLimitExceeded())
    with django_capture_on_commit_callbacks():
        retry = automation.queue_retry(rule.pk, retry_rule_failures)
    assert retry is not None
    with pytest.raises(SoftTimeLimitExceeded):
        retry_rule_failures(retry.pk)
    retry.refresh_from_db()
    assert (retry.went, retry.again) == (1, 0) and retry.finished_at is not None
    open_ones = RuleFailure.objects.filter(rule=rule, retried_at__isnull=True).order_by("pk")
    assert [failure.claim_id for failure in open_ones] == [claims[1].pk, claims[2].pk]
    entry = SetAside.objects.get(kind=SetAsideKind.RULE, subject_id=rule.pk, resolved_at__isnull=True)
    assert "ran out of time" in entry.reason


def test_a_retry_whose_worker_went_silent_stops_the_polling_and_says_so(world, manager_client):
    rule = make_rule(world, name="Urgent", actions={"set_priority": Priority.URGENT})
    now = timezone.now()
    running = RuleRetry.objects.create(rule=rule, events=4, went=1, queued_at=now, last_at=now)
    page = set_aside_list(manager_client)
    assert f'id="rule-retry-{running.pk}" data-running="1"' in page and 'hx-trigger="every 2s"' in page
    RuleRetry.objects.filter(pk=running.pk).update(last_at=now - RuleRetry.LEASE - timedelta(seconds=1))
    page = set_aside_list(manager_client)
    assert f'id="rule-retry-{running.pk}" data-running="0"' in page
    assert "The worker stopped before the end" in page and "hx-trigger" not in page
    # Another store's manager sees nothing of it.
    other = make_user("manager_b")
    Membership.objects.create(user=other, store=world.store_b, role=Role.MANAGER)
    assert f'id="rule-retry-{running.pk}"' not in set_aside_list(client_for(other))


def test_a_retried_buyer_message_rule_judges_that_message_and_makes_no_change_twice(
    world, django_capture_on_commit_callbacks, eager_tasks
):
    first_order = new_order(world, "9000040")
    claim = open_claim(world, first_order)
    fragile = tag(world)
    rule = make_rule(
        world,
        name="Refunds",
        trigger=BUYER_MESSAGE,
        conditions={"message_words": "refund"},
        actions={"notify": [world.manager_a.pk], "assign_to": world.agent_b.pk, "add_tags": [fragile.pk]},
    )
    with django_capture_on_commit_callbacks(execute=True):
        asked = message_receive(order=first_order, body="I want a refund for the broken lid")
    assert RuleFailure.objects.get(rule=rule).message_id == asked.pk
    Membership.objects.create(user=world.agent_b, store=world.store_a, role=Role.AGENT)
    # A later message the rule does not match: the retry judges the message it failed on.
    message_receive(order=first_order, body="Hello again, any news?")
    assert rule_entries(claim) == []
    retry = retry_now(rule, django_capture_on_commit_callbacks)
    assert (retry.went, retry.again) == (1, 0)
    assert sorted(entry.params["change"] for entry in rule_entries(claim)) == [
        "assigned",
        "notified",
        "tagged",
    ]

    # A second failure on another order, then the rule goes through at a later message before
    # the retry: what it did since (the notice, the tag) is not done again.
    order = new_order(world, "9000050")
    other = open_claim(world, order)
    RuleFailure.objects.create(rule=rule, claim=other, trigger=BUYER_MESSAGE, message_id=None, error="x")
    message_receive(order=order, body="Still no refund, please help")
    made = [entry.params["change"] for entry in rule_entries(other)]
    assert sorted(made) == ["assigned", "notified", "tagged"]
    notices = Notification.objects.filter(alert__claim=other).count()
    retry = retry_now(rule, django_capture_on_commit_callbacks)
    assert (retry.went, retry.again) == (1, 0)
    assert [entry.params["change"] for entry in rule_entries(other)] == made
    assert Notification.objects.filter(alert__claim=other).count() == notices == 1
    assert list(other.tags.all()) == [fragile]


def test_running_the_rules_costs_the_same_whatever_the_number_of_rules_that_do_not_match(world):
    """The facts a condition needs load once per event, not once per rule."""
    conditions = {
        "platform": ["amazon"],
        "sku": "nothing-like-this",
        "buyer_claims_at_least": 1,
        "evidence": "complete",
        "amount_at_least": "1",
    }

    def cost(rule_count: int) -> int:
        Rule.objects.all().delete()
        for n in range(rule_count):
            make_rule(world, name=f"Rule {n}", conditions=conditions, actions={"set_priority": Priority.HIGH})
        claim = Claim.objects.select_related("store", "order").get(pk=world.claim_a.pk)
        Claim.objects.filter(pk=claim.pk).update(amount=Decimal("10"))
        claim.amount = Decimal("10")
        with CaptureQueriesContext(connection) as queries:
            automation.run(Trigger.CLAIM_OPENED, claim)
        return len(queries)

    one, ten = cost(1), cost(10)
    # The rules (1), the SKUs (1); evidence and the buyer's claims are never asked once the
    # SKU fails; a savepoint and its release per rule.
    assert one == 1 + 1 + 2
    assert ten == 1 + 1 + 2 * 10


def test_opening_a_claim_with_rules_that_act_costs_a_pinned_number_of_queries(
    world, django_assert_num_queries
):
    fragile = tag(world)
    make_rule(
        world,
        conditions={"platform": ["amazon"], "sku": "KETTLE-01", "buyer_claims_at_least": 1},
        actions={"assign_to": world.agent_a.pk, "set_priority": Priority.HIGH, "add_tags": [fragile.pk]},
    )
    order = new_order(world, "9000012", skus=["KETTLE-01"])
    order = Order.objects.select_related("store").get(pk=order.pk)
    # Opening alone: a savepoint, the deadline rules, the claim, its alert schedule row, two
    # timeline entries, the store's webhooks for "claim opened", the release (8). The rules: their list (1); the SKUs (1); a savepoint and its release (2);
    # the assignee (1) and the claim's update (1); the priority (1); the tags (1), those the
    # claim has already (1), the new link (1); one bulk insert of the three timeline entries (1).
    with django_assert_num_queries(8 + 11):
        claim = open_claim(world, order, by=None)
    claim.refresh_from_db()
    assert claim.assignee == world.agent_a and claim.priority == Priority.HIGH


# --- undo and dry run ------------------------------------------------------------------------


def test_a_person_undoes_what_a_rule_did_and_the_timeline_says_so(world):
    fragile = tag(world)
    make_rule(
        world,
        name="Auto",
        actions={"assign_to": world.agent_a.pk, "set_priority": Priority.HIGH, "add_tags": [fragile.pk]},
    )
    claim = open_claim(world, by=None)
    entries = {e.params["change"]: e for e in rule_entries(claim)}
    for change in ("assigned", "priority", "tagged"):
        assert automation.undo_change(event=entries[change], by=world.manager_a)
    claim.refresh_from_db()
    assert (claim.assignee, claim.priority, list(claim.tags.all())) == (None, Priority.NORMAL, [])
    undone = ClaimEvent.objects.filter(claim=claim, action=timeline.Action.RULE_UNDONE).order_by("pk")
    assert [e.actor for e in undone] == [world.manager_a] * 3
    assert timeline.worded(undone[2]).sentence == "Undid rule “Auto”: tag “fragile” removed"
    # Undone once only.
    assert not automation.undo_change(event=entries["priority"], by=world.manager_a)


def test_undo_leaves_a_change_someone_made_since(world):
    make_rule(world, actions={"assign_to": world.agent_a.pk})
    claim = open_claim(world, by=None)
    services.claim_assign(
        claims=[claim], assignee=world.manager_a, by=world.manager_a, loaded={claim.pk: world.agent_a.pk}
    )
    assert not automation.undo_change(event=rule_entries(claim)[0], by=world.manager_a)
    assert Claim.objects.get(pk=claim.pk).assignee == world.manager_a


def test_dry_run_counts_what_the_rule_would_have_done_to_the_last_30_days(world):
    fragile = tag(world)
    now = timezone.now()
    for n, reason in enumerate([Reason.DAMAGED, Reason.DAMAGED, Reason.NOT_RECEIVED]):
        open_claim(world, new_order(world, f"90002{n:02d}"), reason=reason, opened_at=now - timedelta(days=3))
    open_claim(world, new_order(world, "9000299"), reason=Reason.DAMAGED, opened_at=now - timedelta(days=40))
    already = open_claim(
        world, new_order(world, "9000298"), reason=Reason.DAMAGED, opened_at=now - timedelta(days=1)
    )
    Tag.claims.through.objects.create(tag=fragile, claim=already)
    rule = Rule(
        store=world.store_a,
        name="Damaged",
        trigger=Trigger.CLAIM_OPENED,
        conditions={"reason": ["damaged"]},
        actions={"add_tags": [fragile.pk], "set_priority": Priority.HIGH},
    )
    result = automation.dry_run(rule, now=now)
    # claim_a (2 hours old) and four of the five opened here are inside the 30 days.
    assert (result.claims, result.matched) == (5, 3)
    assert result.actions == [("Add the tags", 2), ("Set the priority to", 3)]
    assert not Rule.objects.exists()
    assert Tag.claims.through.objects.count() == 1  # nothing written


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_retry_from_the_page_runs_in_a_real_worker(world, tmp_path):
    from .worker import celery_worker, wait_for

    broken = make_rule(
        world, name="Broken", actions={"set_priority": Priority.HIGH, "assign_to": world.agent_b.pk}
    )
    claim = open_claim(world)
    assert RuleFailure.objects.filter(rule=broken, claim=claim).exists()
    Membership.objects.create(user=world.agent_b, store=world.store_a, role=Role.AGENT)
    entry = SetAside.objects.get(kind=SetAsideKind.RULE, subject_id=broken.pk, resolved_at__isnull=True)
    manager = client_for(world.manager_a)
    log = tmp_path / "worker.log"
    with celery_worker(log, every_task=True):
        assert manager.post(reverse("disputes:set_aside_retry", args=[entry.pk])).status_code == 302
        wait_for(
            lambda: RuleRetry.objects.filter(rule=broken, finished_at__isnull=False).exists(), log_path=log
        )
    claim.refresh_from_db()
    assert (claim.priority, claim.assignee) == (Priority.HIGH, world.agent_b)
    assert "1 event went through, 0 failed again." in set_aside_list(manager)
