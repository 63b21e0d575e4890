"""The deadline rules a new desk starts with: the platform-wide defaults that the migrations before
the squash left in a fresh database (Amazon's A-to-Z response at 72 hours). Written out here, not
imported from disputes/default_rules.py, so later edits there cannot change what this migration
did. Admins edit the rows in Django admin."""

from django.db import migrations

# platform, claim kind, deadline, length, unit, counted from, warn hours before, source
RULES = [
    ("amazon", "a_to_z", "respond", 72, "calendar_hours", "platform_request", [24, 6],
     "Amazon gives the seller 3 days (72 hours, weekends included) to answer an A-to-Z claim or its request for information; some older help pages say 48 hours. Unanswered claims are granted and charged to the seller."),
    ("amazon", "a_to_z", "appeal", 30, "calendar_days", "claim_closed", [168, 48],
     "A granted, seller-funded A-to-Z claim can be appealed within 30 days of the decision."),
    ("amazon", "chargeback", "respond", 7, "calendar_days", "claim_opened", [72, 24],
     "Chargeback information requests must be answered within 7 days."),
    ("ebay", "ebay_case", "respond", 3, "business_days", "claim_opened", [24, 6],
     "The seller has 3 business days to resolve a request before the buyer may ask eBay to step in."),
    ("ebay", "ebay_case", "appeal", 30, "calendar_days", "claim_closed", [168, 48],
     "eBay case decisions can be appealed within 30 days of closing."),
    ("ozon", "ozon_dispute", "respond", 24, "calendar_hours", "claim_opened", [12, 3],
     "Ozon expects a return decision within 24 hours for FBS/FBO (3 days for rFBS: edit for rFBS stores); buyers may dispute within 5 days of a refusal."),
    ("dhgate", "dhgate_dispute", "respond", 5, "calendar_days", "claim_opened", [48, 12],
     "DHgate refunds the buyer when the seller does not respond to a dispute within 5 days."),
    ("walmart", "walmart_dispute", "respond", 48, "calendar_hours", "claim_opened", [24, 6],
     "Walmart allows 48 hours, weekends included."),
    ("amazon", "buyer_complaint", "respond", 24, "calendar_hours", "claim_opened", [12, 3],
     "Buyers expect an answer within 24 hours, weekends and holidays included."),
    ("ebay", "buyer_complaint", "respond", 24, "calendar_hours", "claim_opened", [12, 3],
     "Buyers expect an answer within 24 hours, weekends and holidays included."),
    ("ozon", "buyer_complaint", "respond", 24, "calendar_hours", "claim_opened", [12, 3],
     "Buyers expect an answer within 24 hours, weekends and holidays included."),
    ("dhgate", "buyer_complaint", "respond", 24, "calendar_hours", "claim_opened", [12, 3],
     "Buyers expect an answer within 24 hours, weekends and holidays included."),
    ("walmart", "buyer_complaint", "respond", 24, "calendar_hours", "claim_opened", [12, 3],
     "Buyers expect an answer within 24 hours, weekends and holidays included."),
    ("shopify", "buyer_complaint", "respond", 24, "calendar_hours", "claim_opened", [12, 3],
     "Buyers expect an answer within 24 hours, weekends and holidays included."),
    ("other", "buyer_complaint", "respond", 24, "calendar_hours", "claim_opened", [12, 3],
     "Buyers expect an answer within 24 hours, weekends and holidays included."),
    ("amazon", "buyer_complaint", "reply", 24, "calendar_hours", "message_received", [6, 2],
     "A buyer message expects a reply within 24 hours, weekends and holidays included; \"no response needed\" or a reply in the platform thread stops the clock."),
    ("ebay", "buyer_complaint", "reply", 24, "calendar_hours", "message_received", [6, 2],
     "A buyer message expects a reply within 24 hours, weekends and holidays included; \"no response needed\" or a reply in the platform thread stops the clock."),
    ("ozon", "buyer_complaint", "reply", 24, "calendar_hours", "message_received", [6, 2],
     "A buyer message expects a reply within 24 hours, weekends and holidays included; \"no response needed\" or a reply in the platform thread stops the clock."),
    ("dhgate", "buyer_complaint", "reply", 24, "calendar_hours", "message_received", [6, 2],
     "A buyer message expects a reply within 24 hours, weekends and holidays included; \"no response needed\" or a reply in the platform thread stops the clock."),
    ("walmart", "buyer_complaint", "reply", 24, "calendar_hours", "message_received", [6, 2],
     "A buyer message expects a reply within 24 hours, weekends and holidays included; \"no response needed\" or a reply in the platform thread stops the clock."),
    ("shopify", "buyer_complaint", "reply", 24, "calendar_hours", "message_received", [6, 2],
     "A buyer message expects a reply within 24 hours, weekends and holidays included; \"no response needed\" or a reply in the platform thread stops the clock."),
    ("other", "buyer_complaint", "reply", 24, "calendar_hours", "message_received", [6, 2],
     "A buyer message expects a reply within 24 hours, weekends and holidays included; \"no response needed\" or a reply in the platform thread stops the clock."),
]


def seed(apps, schema_editor):
    # Only rows that are missing: an admin's edit is never overwritten.
    DeadlineRule = apps.get_model("disputes", "DeadlineRule")
    for platform, kind, deadline, length, unit, starts_from, warn, source in RULES:
        DeadlineRule.objects.get_or_create(
            platform=platform,
            claim_kind=kind,
            deadline=deadline,
            store=None,
            defaults={
                "length": length,
                "unit": unit,
                "starts_from": starts_from,
                "warn_hours_before": warn,
                "source": source,
            },
        )


class Migration(migrations.Migration):
    # A database migrated before the squash has run these and is not seeded again.
    replaces = [
        ("disputes", "0003_seed_deadline_rules"),
        ("disputes", "0012_a_to_z_72_hours_england_calendar_decision_times"),
    ]

    dependencies = [("disputes", "0001_squashed_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
