"""The timeline's vocabulary: entries keep codes and parameters, and read as sentences in the
reader's language and time zone."""

import json
import zoneinfo
from datetime import UTC, date, datetime

from django.utils import timezone, translation

from disputes import services, timeline
from disputes.models import (
    AlertThreshold,
    ClaimEvent,
    ClaimKind,
    ClaimStatus,
    Priority,
    Reason,
    threshold_label,
    warn_threshold,
)
from disputes.timeline import Action
from evidence.models import EvidenceEvent

T = datetime(2026, 12, 1, 12, 28, 9, 875278, tzinfo=UTC)


def read(event, language="en", zone="UTC") -> str:
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        words = timeline.worded(event)
        return " | ".join([words.sentence, *words.details])


def test_record_keeps_codes_iso_times_and_typed_text_as_json(world):
    event = timeline.record(
        world.claim_a,
        Action.STATUS,
        by=world.agent_a,
        at=T,
        was_status=ClaimStatus.NEW,
        status=ClaimStatus.IN_PROGRESS,
        note="Buyer called: <b>wants a refund</b>",
        unused=None,
        empty="",
    )
    event.refresh_from_db()
    assert (event.action, event.actor, event.at) == ("status", world.agent_a, T)
    assert event.params == {
        "was_status": "new",
        "status": "in_progress",
        "note": "Buyer called: <b>wants a refund</b>",
    }
    moment = timeline.record(world.claim_a, Action.DECIDED, decided_at=T, due_on=date(2026, 12, 3))
    moment.refresh_from_db()
    assert moment.params == {"decided_at": T.isoformat(), "due_on": "2026-12-03"}
    assert json.loads(json.dumps(moment.params)) == moment.params


def test_record_for_claims_writes_one_entry_on_each_claim(world):
    other = services.claim_open(order=world.order_a, kind=ClaimKind.CHARGEBACK, reason=Reason.PRICE, by=None)
    written = timeline.record_for_claims(
        [world.claim_a.pk, other.pk], Action.BUYER_MESSAGE, by=world.agent_a, note="Where is it?"
    )
    assert len(written) == 2
    for claim in (world.claim_a, other):
        event = claim.events.get(action="buyer_message")
        assert event.params == {"note": "Where is it?"} and event.actor == world.agent_a
    assert timeline.record_for_claims([], Action.THREAD_CLOSED) == []


def test_a_status_change_reads_in_english_and_chinese_with_the_typed_note_as_is(world):
    event = timeline.record(
        world.claim_a, Action.STATUS, was_status="new", status="in_progress", note="Buyer called"
    )
    assert read(event) == "Status changed from New to In progress | Buyer called"
    assert read(event, "zh-hans") == "状态已从“新建”改为“处理中” | Buyer called"


def test_times_read_in_the_readers_language_and_time_zone(world):
    event = timeline.record(world.claim_a, Action.DEADLINE_SET, respond_by=T)
    # One format in every language, always naming the reader's zone.
    assert read(event) == "Deadline set: respond by 2026-12-01 12:28 UTC"
    assert read(event, zone="America/Los_Angeles") == "Deadline set: respond by 2026-12-01 04:28 PST"
    assert read(event, "zh-hans", "Asia/Shanghai") == "截止时间已设定：请在 2026-12-01 20:28 CST 前回复"


def test_a_claims_opening_reads_with_its_deadline_rule_explained(world):
    claim = services.claim_open(
        order=world.order_a, kind=ClaimKind.A_TO_Z, reason=Reason.NOT_RECEIVED, by=world.agent_a
    )
    opened, deadline = claim.events.order_by("pk")
    assert opened.params == {"kind": "a_to_z", "reason": "not_received"}
    assert read(opened) == "Claim opened: A-to-Z Guarantee claim, Item not received"
    assert read(opened, "zh-hans") == "索赔已开启：A-to-Z 索赔，未收到商品"
    # The rule's explanation is kept as values and worded when read.
    assert deadline.params["rule"]["unit"] == "calendar_hours"
    english, chinese = read(deadline), read(deadline, "zh-hans")
    assert english.startswith("Deadline set: respond by ") and "72 calendar hours from" in english
    assert chinese.startswith("截止时间已设定：请在 ") and "72" in chinese and "calendar" not in chinese


def test_choices_read_by_their_labels(world):
    priority = timeline.record(world.claim_a, Action.PRIORITY, was_priority=Priority.NORMAL, priority=4)
    assert read(priority) == "Priority changed from Normal to Urgent"
    assert read(priority, "zh-hans") == "优先级已从“普通”改为“紧急”"
    assigned = timeline.record(world.claim_a, Action.ASSIGNED, was_assignee=world.agent_a, assignee=None)
    assert read(assigned) == "Unassigned (was agent_a)"
    decided = timeline.record(world.claim_a, Action.APPEAL_DECIDED, decision="lost", funding="seller")
    assert read(decided, "zh-hans") == "申诉已裁定：败诉：判给买家 · 卖家承担"


def test_apps_above_disputes_name_their_own_choices(world):
    # evidence and messaging register their kinds when they load.
    sent = timeline.record(world.claim_a, Action.MESSAGE_SENT, purpose="review_request", note="Thanks!")
    assert read(sent) == "Reply sent to the buyer (Review request) | Thanks!"
    assert read(sent, "zh-hans") == "已回复买家（评价邀请） | Thanks!"
    left = timeline.record(world.claim_a, Action.OFF_PLATFORM_STARTED, off_platform_reason="safety")
    assert read(left) == "The conversation left the platform: An urgent safety or regulatory matter"
    added = EvidenceEvent(
        action=Action.EVIDENCE_ADDED, params={"evidence_kind": "buyer_media", "name": "a.jpg"}
    )
    assert read(added) == "Evidence added: Buyer's photo or video “a.jpg”"
    assert read(added, "zh-hans") == "证据已添加：买家的照片或视频“a.jpg”"


def test_alerts_read_by_their_threshold(world):
    late = timeline.record(world.claim_a, Action.ALERT, threshold=warn_threshold(6), late_minutes=75)
    assert read(late) == "Deadline alert: 6 hours left (raised 75 minutes late)"
    assert read(late, "zh-hans") == "截止时间提醒：剩余 6 小时（延迟 75 分钟发出）"
    due = timeline.record(world.claim_a, Action.ALERT, threshold=AlertThreshold.OVERDUE)
    assert read(due) == "Deadline alert: Overdue"
    assert read(due, "zh-hans") == "截止时间提醒：已逾期"


def test_threshold_labels_cover_warnings_and_keep_an_unknown_code():
    assert warn_threshold(1.5) == "warn_1.5h"
    assert threshold_label("warn_24h") == "24 hours left"
    assert threshold_label(AlertThreshold.HALF) == "Half the window gone"
    with translation.override("zh-hans"):
        assert threshold_label("half") == "时限已过半"
    assert threshold_label("weekly") == "weekly"


def test_an_unknown_code_or_value_still_reads_as_something_sensible(world):
    old = ClaimEvent.objects.create(
        claim=world.claim_a, action="label_printed", params={"was": "A4", "now": "Letter", "note": "by hand"}
    )
    assert read(old) == "Label printed: A4, Letter | by hand"
    bare = ClaimEvent.objects.create(claim=world.claim_a, action="label_printed")
    assert read(bare) == "Label printed"
    retired = timeline.record(world.claim_a, Action.STATUS, was_status="Escalated", status="closed")
    assert read(retired) == "Status changed from Escalated to Closed"
    missing = timeline.record(world.claim_a, Action.STATUS, status="closed")
    assert read(missing) == "Status changed from — to Closed"


def test_the_claim_services_write_codes_not_labels(world):
    claim = services.claim_set_priority(
        claim=world.claim_a, priority=Priority.HIGH, by=world.agent_a, loaded=2
    )
    claim = services.claim_move(
        claim=claim, to_status=ClaimStatus.IN_PROGRESS, by=world.agent_a, loaded="new"
    )
    entries = {event.action: event.params for event in claim.events.all()}
    assert entries["priority"] == {"was_priority": 2, "priority": 3}
    assert entries["status"] == {"was_status": "new", "status": "in_progress"}
