"""The default deadline rules, from the platforms' published terms (checked 2026).

Admins edit the rows in Django admin; these are only starting values. A new database gets them
from the migration disputes/migrations/0002_squashed_default_deadline_rules.py, which holds its
own copy (tests/test_migrations.py checks the two agree); the tests, whose database flushes remove
migration data, and the benchmarks install them from here."""

H, D, B = "calendar_hours", "calendar_days", "business_days"
OPENED, REQUEST, CLOSED = "claim_opened", "platform_request", "claim_closed"

A_TO_Z_RESPOND_SOURCE = (
    "Amazon gives the seller 3 days (72 hours, weekends included) to answer an A-to-Z claim or "
    "its request for information; some older help pages say 48 hours. Unanswered claims are "
    "granted and charged to the seller."
)
RULES = [
    # platform, kind, deadline, length, unit, counted from, warn hours before, source
    ("amazon", "a_to_z", "respond", 72, H, REQUEST, [24, 6], A_TO_Z_RESPOND_SOURCE),
    (
        "amazon",
        "a_to_z",
        "appeal",
        30,
        D,
        CLOSED,
        [168, 48],
        "A granted, seller-funded A-to-Z claim can be appealed within 30 days of the decision.",
    ),
    (
        "amazon",
        "chargeback",
        "respond",
        7,
        D,
        OPENED,
        [72, 24],
        "Chargeback information requests must be answered within 7 days.",
    ),
    (
        "ebay",
        "ebay_case",
        "respond",
        3,
        B,
        OPENED,
        [24, 6],
        "The seller has 3 business days to resolve a request before the buyer may ask eBay to step in.",
    ),
    (
        "ebay",
        "ebay_case",
        "appeal",
        30,
        D,
        CLOSED,
        [168, 48],
        "eBay case decisions can be appealed within 30 days of closing.",
    ),
    (
        "ozon",
        "ozon_dispute",
        "respond",
        24,
        H,
        OPENED,
        [12, 3],
        "Ozon expects a return decision within 24 hours for FBS/FBO (3 days for rFBS: edit for rFBS "
        "stores); buyers may dispute within 5 days of a refusal.",
    ),
    (
        "dhgate",
        "dhgate_dispute",
        "respond",
        5,
        D,
        OPENED,
        [48, 12],
        "DHgate refunds the buyer when the seller does not respond to a dispute within 5 days.",
    ),
    (
        "walmart",
        "walmart_dispute",
        "respond",
        48,
        H,
        OPENED,
        [24, 6],
        "Walmart allows 48 hours, weekends included.",
    ),
]
# The 24-hour rule for buyer messages applies to a plain complaint on every platform.
RULES += [
    (
        platform,
        "buyer_complaint",
        "respond",
        24,
        H,
        OPENED,
        [12, 3],
        "Buyers expect an answer within 24 hours, weekends and holidays included.",
    )
    for platform in ("amazon", "ebay", "ozon", "dhgate", "walmart", "shopify", "other")
]
# Each buyer message starts its own reply clock (weekends and holidays count on every platform;
# an admin can make one platform's clock longer or count business days instead).
MESSAGE_RULES = [
    (
        platform,
        "buyer_complaint",
        "reply",
        24,
        H,
        "message_received",
        [6, 2],
        "A buyer message expects a reply within 24 hours, weekends and holidays included; "
        '"no response needed" or a reply in the platform thread stops the clock.',
    )
    for platform in ("amazon", "ebay", "ozon", "dhgate", "walmart", "shopify", "other")
]
RULES += MESSAGE_RULES
# When a buyer may first open a claim: the list of claims seen coming shows it, so the team acts
# before then. No warnings: nothing is alerted on these dates.
CONTACT, LATEST_DELIVERY = "message_received", "latest_delivery"
CLAIM_OPENS_RULES: list[tuple[str, str, str, int, str, str, list[int], str]] = [
    (
        "amazon",
        "a_to_z",
        "opens_after_contact",
        48,
        H,
        CONTACT,
        [],
        "A buyer must contact the seller first and wait 48 hours before filing an A-to-Z claim.",
    ),
    (
        "amazon",
        "a_to_z",
        "opens_after_delivery",
        3,
        D,
        LATEST_DELIVERY,
        [],
        "An item-not-received A-to-Z claim opens 3 days after the latest delivery date, up to 90 days after it.",
    ),
    (
        "ebay",
        "ebay_case",
        "opens_after_contact",
        3,
        B,
        CONTACT,
        [],
        "The seller has 3 business days to resolve a request before the buyer may ask eBay to step in.",
    ),
]
RULES += CLAIM_OPENS_RULES


def install_default_rules(DeadlineRule) -> None:
    """Create the default rows that are missing; never overwrite an admin's edit."""
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
