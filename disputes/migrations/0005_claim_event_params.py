"""Timeline entries keep an action code and JSON parameters instead of before/after/note text.

Old rows' texts are turned into parameters here: display labels (English or Chinese, as written)
back into their codes, ISO times kept, typed text kept as text. The mapping is written out
below, not imported, so that this migration keeps meaning what it meant when code moves on. A
label it does not recognise is kept as it is; the timeline then shows it as written."""

import re

from django.db import migrations, models

# code: (English label, Chinese label), as of this migration.
LABELS = {
    "kind": {
        "a_to_z": ("A-to-Z Guarantee claim", "A-to-Z 索赔"),
        "ebay_case": ("eBay case / return request", "eBay 纠纷 / 退货请求"),
        "ozon_dispute": ("Ozon dispute", "Ozon 纠纷"),
        "dhgate_dispute": ("DHgate dispute", "敦煌网纠纷"),
        "walmart_dispute": ("Walmart dispute", "沃尔玛纠纷"),
        "chargeback": ("Chargeback", "信用卡拒付"),
        "negative_feedback": ("Negative feedback / 1–2 star review", "差评 / 1–2 星评价"),
        "buyer_complaint": ("Buyer complaint", "买家投诉"),
    },
    "reason": {
        "not_received": ("Item not received", "未收到商品"),
        "damaged": ("Arrived damaged", "商品损坏"),
        "not_as_described": ("Not as described", "与描述不符"),
        "missing_parts": ("Missing parts or accessories", "缺少零件或配件"),
        "price": ("Price or charge disagreement", "价格或扣款争议"),
        "refund_not_processed": ("Return or refund not processed", "退货或退款未处理"),
        "other": ("Other", "其他"),
    },
    "status": {
        "new": ("New", "新建"),
        "in_progress": ("In progress", "处理中"),
        "responded": ("Responded, under review", "已回复，审核中"),
        "appealing": ("Appealing", "申诉中"),
        "closed": ("Closed", "已关闭"),
    },
    "outcome": {
        "granted_seller": ("Granted — seller-funded", "支持买家 — 卖家承担"),
        "granted_platform": ("Granted — platform-funded", "支持买家 — 平台承担"),
        "refunded": ("Refunded by seller", "卖家已退款"),
        "denied": ("Denied / closed in the seller's favour", "驳回 / 判卖家胜"),
        "withdrawn": ("Withdrawn by the buyer", "买家撤回"),
        "cancelled": ("Order cancelled", "订单已取消"),
    },
    "priority": {1: ("Low", "低"), 2: ("Normal", "普通"), 3: ("High", "高"), 4: ("Urgent", "紧急")},
    "root_cause": {
        "listing_unclear": ("Listing unclear", "商品页面描述不清"),
        "packaging": ("Packaging too weak", "包装不够牢固"),
        "carrier": ("Carrier", "承运商"),
        "message_wording": ("Message wording", "消息措辞"),
        "product_defect": ("Product defect", "产品缺陷"),
        "buyer_abuse": ("Buyer abuse", "买家滥用"),
        "other": ("Other", "其他"),
    },
    "appeal_kind": {
        "claim_response": ("Claim response", "索赔回复"),
        "appeal": ("Appeal of a granted claim", "已判定索赔的申诉"),
        "chargeback_response": ("Chargeback response", "拒付回复"),
        "dispute_statement": ("Platform dispute statement", "平台纠纷陈述"),
    },
    "decision": {
        "won": ("Won: decided in the seller's favour", "胜诉：判定有利于卖家"),
        "lost": ("Lost: granted to the buyer", "败诉：判给买家"),
    },
    "funding": {"seller": ("Seller-funded", "卖家承担"), "platform": ("Platform-funded", "平台承担")},
    "purpose": {
        "review_request": ("Review request", "评价邀请"),
        "off_platform_reason": ("Why we leave the platform (internal)", "离开平台的原因（内部）"),
        "off_platform_notice": ("Off-platform notice", "平台外沟通告知"),
        "closing_summary": ("Closing summary", "结案总结"),
    },
    "off_platform_reason": {
        "large_file": ("A file the platform cannot carry", "平台无法传送的文件"),
        "safety": ("An urgent safety or regulatory matter", "紧急的安全或法规事项"),
    },
}
CODES = {
    name: {label: code for code, labels in choices.items() for label in labels}
    for name, choices in LABELS.items()
}


def code(name, text):
    return CODES[name].get(text, text)


def _version(text):
    """"Appeal of a granted claim v2 (pdf)" → ("appeal", 2, "pdf")."""
    found = re.fullmatch(r"(.*) v(\d+)(?: \((.*)\))?", text)
    if not found:
        return {"appeal_kind": code("appeal_kind", text)}
    label, number, fmt = found.groups()
    return {"appeal_kind": code("appeal_kind", label), "version": int(number), "format": fmt}


def params_of(action, before, after, note):
    """One old row's texts as parameters."""
    if action == "opened":
        return {"kind": code("kind", after), "reason": code("reason", note)}
    if action in ("deadline_set", "deadline_recomputed"):
        return {"was_respond_by": before, "respond_by": after, "explanation": note}
    if action == "appeal_deadline_set":
        return {"appeal_by": after, "explanation": note}
    if action == "assigned":
        return {"was_assignee": before, "assignee": after}
    if action == "status":
        return {"was_status": code("status", before), "status": code("status", after), "note": note}
    if action == "outcome":
        return {"was_outcome": code("outcome", before), "outcome": code("outcome", after)}
    if action == "priority":
        return {"was_priority": code("priority", before), "priority": code("priority", after)}
    if action == "decided":
        return {"decided_at": after}
    if action == "platform_request":
        return {"requested_at": after}
    if action == "post_mortem":
        return {"root_cause": code("root_cause", after), "note": note}
    if action == "action_set":
        found = re.fullmatch(r"(.*) \((\d{4}-\d{2}-\d{2})\)", note, re.DOTALL)
        description, due_on = found.groups() if found else (note, None)
        return {"owner": after, "description": description, "due_on": due_on}
    if action == "action_done":
        return {"description": after}
    if action == "alert":
        late = re.search(r"\d+", note)
        return {"threshold": after, "late_minutes": int(late.group()) if late else None}
    if action == "appeal_created":
        return {"appeal_kind": code("appeal_kind", after)}
    if action in ("appeal_saved", "appeal_exported"):
        found = _version(after)
        counts = re.findall(r"\d+", note)
        if action == "appeal_saved" and len(counts) == 2:
            found.update(facts=int(counts[0]), items=int(counts[1]))
        return found
    if action == "appeal_submitted":
        return {**_version(after), "where": note}
    if action == "appeal_decided":
        decision, _dot, funding = after.partition(" · ")
        return {"decision": code("decision", decision), "funding": code("funding", funding), "note": note}
    if action in ("message_sent", "off_platform_contact"):
        return {"purpose": code("purpose", after), "note": note}
    if action == "off_platform_started":
        return {"off_platform_reason": code("off_platform_reason", after), "note": note}
    # buyer_message, no_response_needed, policy_override, message_retry, thread_closed, and any
    # code this migration does not know: what was kept, as text.
    return {"was": before, "now": after, "note": note}


def fill(apps, schema_editor):
    ClaimEvent = apps.get_model("disputes", "ClaimEvent")
    rows = ClaimEvent.objects.only("pk", "action", "before", "after", "note").order_by("pk")
    batch = []
    for row in rows.iterator(chunk_size=2000):
        params = params_of(row.action, row.before, row.after, row.note)
        row.params = {key: value for key, value in params.items() if value not in (None, "")}
        batch.append(row)
        if len(batch) == 2000:
            ClaimEvent.objects.bulk_update(batch, ["params"])
            batch = []
    ClaimEvent.objects.bulk_update(batch, ["params"])


class Migration(migrations.Migration):
    dependencies = [("disputes", "0004_appeals_move_to_their_own_app")]

    operations = [
        migrations.AddField(
            model_name="claimevent",
            name="params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
