"""Evidence audit rows keep an action code and JSON parameters, like the claim timeline.

Old rows' texts become parameters: kind labels (English or Chinese, as written) back into their
codes, the rest as text. The mapping is written out here rather than imported; a label it does
not know is kept as it is."""

from django.db import migrations, models

# code: (English label, Chinese label), as of this migration.
KINDS = {
    "order_details": ("Order details", "订单详情"),
    "message_log": ("Message log", "消息记录"),
    "tracking_history": ("Tracking history", "物流轨迹"),
    "proof_of_delivery": ("Proof of delivery", "签收证明"),
    "pre_shipment_photo": ("Pre-shipment photo", "发货前照片"),
    "packing_video": ("Packing video", "打包视频"),
    "listing_screenshot": ("Listing screenshot", "商品页面截图"),
    "packing_list": ("Packing list", "装箱单"),
    "qc_report": ("Quality inspection report", "质检报告"),
    "carrier_correspondence": ("Carrier correspondence", "与承运商的往来记录"),
    "buyer_media": ("Buyer's photo or video", "买家的照片或视频"),
    "refund_record": ("Refund or replacement record", "退款或补发记录"),
    "other": ("Other", "其他"),
}
CODES = {label: code for code, labels in KINDS.items() for label in labels}


def _kind_and_name(text):
    """"Pre-shipment photo: box.jpg" → the kind's code and the file's name."""
    for label, code in CODES.items():
        if text.startswith(label + ": "):
            return code, text[len(label) + 2 :]
    return None, text


def params_of(action, before, after, note):
    if action == "evidence_added":
        kind, name = _kind_and_name(after)
        return {"evidence_kind": kind, "name": name, "sha256": note.removeprefix("SHA-256 ")}
    if action == "evidence_caption":
        return {"name": note, "was_caption": before, "caption": after}
    if action == "evidence_kind":
        return {"name": note, "was_evidence_kind": CODES.get(before, before), "evidence_kind": CODES.get(after, after)}
    if action == "evidence_deleted":
        kind, name = _kind_and_name(before)
        return {"evidence_kind": kind, "name": name, "note": note}
    if action == "evidence_locked":
        return {"note": after}
    if action == "evidence_integrity_failed":
        return {"name": note, "expected": before, "actual": after}
    return {"was": before, "now": after, "note": note}


def fill(apps, schema_editor):
    EvidenceEvent = apps.get_model("evidence", "EvidenceEvent")
    rows = EvidenceEvent.objects.only("pk", "action", "before", "after", "note").order_by("pk")
    batch = []
    for row in rows.iterator(chunk_size=2000):
        params = params_of(row.action, row.before, row.after, row.note)
        row.params = {key: value for key, value in params.items() if value not in (None, "")}
        batch.append(row)
        if len(batch) == 2000:
            EvidenceEvent.objects.bulk_update(batch, ["params"])
            batch = []
    EvidenceEvent.objects.bulk_update(batch, ["params"])


class Migration(migrations.Migration):
    dependencies = [("evidence", "0001_squashed_initial")]

    operations = [
        migrations.AddField(
            model_name="evidenceevent",
            name="params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
