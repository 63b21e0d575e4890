"""The claim timeline reads as sentences, in the reader's language and time zone."""

import re
import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from disputes import alerts, dates, services
from disputes.models import ClaimKind, ClaimStatus, Priority, Profile, Reason
from disputes.timeline import Action
from messaging.services import message_receive

from ..conftest import PASSWORD
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the timeline showed before it had a vocabulary.
RAW = re.compile(r"\d{4}-\d\d-\d\dT\d\d:|∅|→")
CODES = ["a_to_z", "in_progress", "warn_", "half", "deadline_set", "buyer_message"]


def a_claim_with_a_story(world):
    # 40 hours into a 72-hour window: half of it is gone.
    opened = timezone.now() - timedelta(hours=40)
    claim = services.claim_open(
        order=world.order_a,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.DAMAGED,
        by=world.agent_a,
        opened_at=opened,
        assignee=world.agent_a,
    )
    claim = services.claim_set_priority(
        claim=claim, priority=Priority.HIGH, by=world.agent_a, loaded=claim.priority
    )
    claim = services.claim_move(
        claim=claim,
        to_status=ClaimStatus.IN_PROGRESS,
        by=world.agent_a,
        loaded=claim.status,
        note="Called the buyer",
    )
    message_receive(order=world.order_a, body="The kettle arrived cracked.", by=None)
    # The sweep catches up on the warnings the claim has passed.
    alerts.sweep_claims(now=timezone.now())
    return claim


def timeline_text(page, claim) -> str:
    page.goto(f"/claims/{claim.pk}/")
    page.wait_for_selector("ol.timeline li")
    return page.inner_text("ol.timeline")


def test_the_timeline_reads_as_sentences_in_english_and_in_chinese(page, world):
    claim = a_claim_with_a_story(world)
    actions = set(claim.events.values_list("action", flat=True))
    assert {Action.OPENED, Action.DEADLINE_SET, Action.ASSIGNED, Action.PRIORITY, Action.STATUS} <= actions
    assert {Action.BUYER_MESSAGE, Action.ALERT} <= actions

    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector("h1:text('Queue')")
    english = timeline_text(page, claim)
    for sentence in [
        "Claim opened: A-to-Z Guarantee claim, Arrived damaged",
        "Deadline set: respond by ",
        "72 calendar hours from the opening of the claim",
        "Assigned to agent_a",
        "Priority changed from Normal to High",
        "Status changed from New to In progress",
        "Called the buyer",
        "The buyer wrote",
        "The kettle arrived cracked.",
        "Deadline alert: Half the window gone",
    ]:
        assert sentence in english
    assert not RAW.search(english), RAW.search(english)
    assert not [code for code in CODES if code in english]

    # The same entries for a reader in Chinese, in Shanghai.
    Profile.objects.update_or_create(user=world.agent_a, defaults={"time_zone": "Asia/Shanghai"})
    page.select_option("#language-select", "zh-hans")
    page.wait_for_selector("html[lang=zh-hans]")
    chinese = timeline_text(page, claim)
    for sentence in [
        "索赔已开启：A-to-Z 索赔，商品损坏",
        "截止时间已设定：请在 ",
        "已分配给 agent_a",
        "优先级已从“普通”改为“高”",
        "状态已从“新建”改为“处理中”",
        "Called the buyer",
        "买家发来消息",
        "截止时间提醒：时限已过半",
    ]:
        assert sentence in chinese
    assert not RAW.search(chinese), RAW.search(chinese)
    assert not [code for code in CODES if code in chinese]
    with translation.override("zh-hans"), timezone.override(zoneinfo.ZoneInfo("Asia/Shanghai")):
        due = dates.moment_text(claim.respond_by)  # the one format, naming the reader's zone
    assert f"截止时间已设定：请在 {due} 前回复" in chinese
    assert "Deadline" not in chinese and "Status" not in chinese
    assert page.csp_violations == []
