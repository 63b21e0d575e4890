import json
import math
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_timezones())]


class Platform(models.TextChoices):
    AMAZON = "amazon", _("Amazon")
    EBAY = "ebay", _("eBay")
    OZON = "ozon", _("Ozon")
    DHGATE = "dhgate", _("DHgate")
    WALMART = "walmart", _("Walmart")
    SHOPIFY = "shopify", _("Shopify")
    OTHER = "other", _("Other")


# Where a marketplace's country-level calendar misses bank holidays most of it keeps: the
# `holidays` package gives GB only the holidays common to all four nations, so without
# England it lacks Easter Monday and the August bank holiday. Amazon UK works to England's.
DEFAULT_HOLIDAY_SUBDIVISIONS = {"GB": "ENG"}


class Store(models.Model):
    """One seller account on one marketplace (e.g. Amazon US)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    marketplace = models.CharField(
        _("marketplace country"),
        max_length=2,
        help_text=_("ISO 3166 country code of the marketplace, e.g. US, GB, RU. "
                    "Its public holidays count as non-business days."),
    )
    holiday_subdivision = models.CharField(
        _("holiday region"), max_length=40, blank=True,
        help_text=_("The part of the country whose bank holidays the marketplace keeps, as the "
                    "holidays calendar names it (e.g. ENG for England with GB). Empty: the "
                    "country's nationwide holidays only."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, choices=time_zone_choices)
    currency = models.CharField(_("currency"), max_length=3, help_text=_("ISO 4217 code, e.g. USD."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="stores"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        constraints = [
            models.CheckConstraint(
                condition=Q(marketplace__regex=r"^[A-Z]{2}$"), name="store_marketplace_iso2"
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="store_currency_iso4217"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.marketplace = self.marketplace.upper()
        self.currency = self.currency.upper()
        from .deadlines import canonical_subdivision

        self.holiday_subdivision = canonical_subdivision(self.marketplace, self.holiday_subdivision)
        if self._state.adding and not self.holiday_subdivision:
            self.holiday_subdivision = DEFAULT_HOLIDAY_SUBDIVISIONS.get(self.marketplace, "")
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from .deadlines import canonical_subdivision, subdivision_problem

        country = self.marketplace.upper()
        problem = subdivision_problem(country, canonical_subdivision(country, self.holiday_subdivision))
        if problem:
            raise ValidationError({"holiday_subdivision": problem})

    @property
    def calendar_name(self) -> str:
        """E.g. "GB-ENG": the calendar its business days follow."""
        return "-".join(filter(None, [self.marketplace, self.holiday_subdivision]))


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    MANAGER = "manager", _("Manager")


class Membership(models.Model):
    """A user's place in a store: what they may see, and what they may decide."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.AGENT)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "store"], name="membership_one_per_store"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.store} ({self.get_role_display()})"


class Profile(models.Model):
    """Per-user preferences: the language of the interface and the time zone of every date."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=time_zone_choices, default="UTC"
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return f"{self.user}: {self.language}, {self.time_zone}"


class WorkerHeartbeat(models.Model):
    """When each background process last proved it was alive (beat writes one a minute)."""

    source = models.CharField(max_length=50, unique=True)
    last_seen = models.DateTimeField()

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.source} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"

    def is_stale(self, now=None) -> bool:
        now = now or timezone.now()
        return now - self.last_seen > settings.DESK_WORKER_STALE_AFTER


# --- Orders -------------------------------------------------------------------------------


class Buyer(models.Model):
    """A buyer as one store knows them (Amazon gives an anonymised relay alias)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="buyers")
    alias = models.CharField(_("buyer alias"), max_length=255)
    name = models.CharField(_("name"), max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("buyer")
        verbose_name_plural = _("buyers")
        constraints = [
            models.UniqueConstraint(fields=["store", "alias"], name="buyer_alias_per_store"),
        ]

    def __str__(self) -> str:
        return self.name or self.alias


class FulfilmentChannel(models.TextChoices):
    SELLER = "seller", _("Seller-fulfilled")
    PLATFORM = "platform", _("Platform-fulfilled")


class Order(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="orders")
    buyer = models.ForeignKey(
        Buyer, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    platform_order_id = models.CharField(_("order id"), max_length=64)
    status = models.CharField(_("order status"), max_length=40, blank=True)
    purchased_at = models.DateTimeField(_("purchased"))
    currency = models.CharField(_("currency"), max_length=3)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=0)
    fulfilment_channel = models.CharField(
        _("fulfilment"), max_length=10, choices=FulfilmentChannel.choices,
        default=FulfilmentChannel.SELLER,
    )
    ship_by = models.DateTimeField(_("ship by"), null=True, blank=True)
    latest_delivery = models.DateTimeField(_("latest delivery date"), null=True, blank=True)
    ship_country = models.CharField(_("ship-to country"), max_length=2, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "platform_order_id"], name="order_id_per_store"
            ),
        ]
        indexes = [
            # The store page's Order Defect Rate: orders of the last 60 days.
            models.Index(fields=["store", "purchased_at"], name="order_store_purchased"),
        ]

    def __str__(self) -> str:
        return self.platform_order_id


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_key = models.CharField(
        _("line id"), max_length=64, help_text=_("The platform's order-item id, or the SKU.")
    )
    sku = models.CharField(_("SKU"), max_length=100)
    title = models.CharField(_("title"), max_length=500, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    item_price = models.DecimalField(_("item price"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.UniqueConstraint(fields=["order", "line_key"], name="order_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} × {self.quantity}"


class Shipment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    proof_of_delivery = models.TextField(
        _("proof of delivery"), blank=True,
        help_text=_("Signature, photo reference, delivery address as the carrier recorded them."),
    )

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["shipped_at", "pk"]
        constraints = [
            # One shipment per order and tracking number: the import's key, kept even when two
            # imports race. A shipment entered before it has a number is not covered.
            models.UniqueConstraint(fields=["order", "tracking_number"], condition=~Q(tracking_number=""),
                                    name="shipment_once_per_tracking_number"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}".strip()


class TrackingEvent(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(_("time"))
    status = models.CharField(_("status"), max_length=100)
    location = models.CharField(_("location"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.status}"


class OrderImport(models.Model):
    """One imported order report: who, when, which file (by fingerprint), what it changed."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="imports")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    file_format = models.CharField(max_length=20)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    imported_at = models.DateTimeField(default=timezone.now)
    rows = models.PositiveIntegerField(default=0)
    orders_created = models.PositiveIntegerField(default=0)
    orders_updated = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("order import")
        verbose_name_plural = _("order imports")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.file_name} → {self.store}"


# --- Deadline rules -----------------------------------------------------------------------


class ClaimKind(models.TextChoices):
    A_TO_Z = "a_to_z", _("A-to-Z Guarantee claim")
    EBAY_CASE = "ebay_case", _("eBay case / return request")
    OZON_DISPUTE = "ozon_dispute", _("Ozon dispute")
    DHGATE_DISPUTE = "dhgate_dispute", _("DHgate dispute")
    WALMART_DISPUTE = "walmart_dispute", _("Walmart dispute")
    CHARGEBACK = "chargeback", _("Chargeback")
    NEGATIVE_FEEDBACK = "negative_feedback", _("Negative feedback / 1–2 star review")
    BUYER_COMPLAINT = "buyer_complaint", _("Buyer complaint")


class DeadlineKind(models.TextChoices):
    RESPOND = "respond", _("Respond")
    APPEAL = "appeal", _("Appeal")
    REPLY = "reply", _("Reply to a buyer message")


class DeadlineUnit(models.TextChoices):
    CALENDAR_HOURS = "calendar_hours", _("calendar hours")
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    BUSINESS_DAYS = "business_days", _("business days")


class DeadlineStart(models.TextChoices):
    CLAIM_OPENED = "claim_opened", _("the claim was opened")
    PLATFORM_REQUEST = "platform_request", _("the platform's request")
    CLAIM_CLOSED = "claim_closed", _("the decision")
    MESSAGE_RECEIVED = "message_received", _("the buyer's message")


# A warning more than a year ahead means nothing; the bound also keeps the arithmetic and the
# threshold's name ("warn_<hours>h") within range.
MAX_WARNING_HOURS = 24 * 365


def is_warning_hour(value) -> bool:
    """Whether one entry of a `warn_hours_before` list can be used: a finite number of hours
    above 0 and at most a year. JSON's `true` arrives as a bool, which Python counts as an int."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and 0 < value <= MAX_WARNING_HOURS)


class DeadlineRule(models.Model):
    """A platform's deadline for one kind of claim, as data admins can edit.

    A rule with a store applies to that store only, in place of its platform's rule (an Ozon
    rFBS store has 3 days where FBS stores have 24 hours). Editing a rule does not move the due
    time of claims already open; they are recomputed when someone asks (one claim from its page,
    or all a rule governs from admin), and each claim's timeline records it."""

    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, null=True, blank=True, related_name="deadline_rules",
        verbose_name=_("store"),
        help_text=_("Only this store, in place of the platform's rule. Empty: every store of the platform."),
    )
    claim_kind = models.CharField(_("claim kind"), max_length=30, choices=ClaimKind.choices)
    deadline = models.CharField(_("deadline"), max_length=20, choices=DeadlineKind.choices)
    length = models.PositiveIntegerField(_("length"))
    unit = models.CharField(_("unit"), max_length=20, choices=DeadlineUnit.choices)
    starts_from = models.CharField(
        _("counted from"), max_length=20, choices=DeadlineStart.choices,
        default=DeadlineStart.CLAIM_OPENED,
    )
    warn_hours_before = models.JSONField(
        _("warn hours before"), default=list, blank=True,
        help_text=_("Hours before the due time at which to warn, e.g. [24, 6]."),
    )
    source = models.TextField(
        _("source"), blank=True, help_text=_("Where the platform states this rule, and when it was checked.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["platform", "claim_kind", "deadline"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "claim_kind", "deadline"], condition=Q(store__isnull=True),
                name="deadline_rule_unique",
                violation_error_message=_("The platform already has a rule for this kind of claim and deadline; "
                                          "edit it, or choose a store for a rule of that store's own."),
            ),
            models.UniqueConstraint(
                fields=["store", "claim_kind", "deadline"], condition=Q(store__isnull=False),
                name="deadline_rule_unique_per_store",
                violation_error_message=_("This store already has a rule for this kind of claim and deadline."),
            ),
            models.CheckConstraint(condition=Q(length__gt=0), name="deadline_rule_length_positive"),
        ]

    def __str__(self) -> str:
        scope = self.store.name if self.store_id else self.get_platform_display()
        return f"{scope} · {self.get_claim_kind_display()} · {self.get_deadline_display()}: {self.length} {self.get_unit_display()}"

    def clean(self) -> None:
        if self.store_id and self.platform and self.store.platform != self.platform:
            raise ValidationError({"store": _("%(store)s sells on %(platform)s, not on this rule's platform.")
                                   % {"store": self.store, "platform": self.store.get_platform_display()}})
        # Admins type this JSON by hand: refuse what the sweep and the pages could not read.
        if self.warn_hours_before is None:  # the field was emptied
            self.warn_hours_before = []
        hours = self.warn_hours_before
        if not isinstance(hours, list):
            raise ValidationError({"warn_hours_before": _("Enter a list of hours, e.g. [24, 6].")})
        for entry in hours:
            if not is_warning_hour(entry):
                raise ValidationError({"warn_hours_before": _(
                    "%(entry)s is not a number of hours: each warning must be a number above 0 and at most "
                    "%(most)d, e.g. [24, 6]."
                ) % {"entry": json.dumps(entry, ensure_ascii=False), "most": MAX_WARNING_HOURS}})


# --- Claims -------------------------------------------------------------------------------


class Reason(models.TextChoices):
    NOT_RECEIVED = "not_received", _("Item not received")
    DAMAGED = "damaged", _("Arrived damaged")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    MISSING_PARTS = "missing_parts", _("Missing parts or accessories")
    PRICE = "price", _("Price or charge disagreement")
    REFUND_NOT_PROCESSED = "refund_not_processed", _("Return or refund not processed")
    OTHER = "other", _("Other")


class ClaimStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    RESPONDED = "responded", _("Responded, under review")
    APPEALING = "appealing", _("Appealing")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = [ClaimStatus.NEW, ClaimStatus.IN_PROGRESS, ClaimStatus.RESPONDED, ClaimStatus.APPEALING]


class Outcome(models.TextChoices):
    GRANTED_SELLER_FUNDED = "granted_seller", _("Granted — seller-funded")
    GRANTED_PLATFORM_FUNDED = "granted_platform", _("Granted — platform-funded")
    REFUNDED_BY_SELLER = "refunded", _("Refunded by seller")
    DENIED = "denied", _("Denied / closed in the seller's favour")
    WITHDRAWN = "withdrawn", _("Withdrawn by the buyer")
    CANCELLED = "cancelled", _("Order cancelled")


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Claim(models.Model):
    # Lookups by store go through the named indexes below (claim_store_opened leads with it);
    # the rule and creator links are only read from the claim. Fewer indexes keep the sweep's
    # per-minute UPDATE of due claims cheap.
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="claims", db_index=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="claims")
    kind = models.CharField(_("kind"), max_length=30, choices=ClaimKind.choices)
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    platform_claim_id = models.CharField(_("platform claim id"), max_length=64, blank=True)
    amount = models.DecimalField(_("amount claimed"), max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.NEW
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    counts_toward_odr = models.BooleanField(_("counts toward ODR"), default=True)
    opened_at = models.DateTimeField(_("opened"))
    # A copy of the order's purchase time (it never changes), so the Order Defect Rate can count
    # a store's defects of the last 60 days from one index without reading the order table.
    order_purchased_at = models.DateTimeField(null=True, blank=True, editable=False)
    platform_requested_at = models.DateTimeField(
        _("platform asked for information"), null=True, blank=True
    )
    respond_by = models.DateTimeField(_("respond by"), null=True, blank=True)
    respond_rule = models.ForeignKey(
        DeadlineRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False,
    )
    respond_explained = models.CharField(max_length=300, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # When the platform decided, as the person closing the claim says; the appeal window counts
    # from it, not from when the outcome was typed in (closed_at).
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    appeal_by = models.DateTimeField(_("appeal by"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="assigned_claims", verbose_name=_("assignee"),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    # The next alert the sweep owes this claim: when, and which threshold it is.
    next_alert_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_alert_threshold = models.CharField(max_length=20, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        indexes = [
            # The queue: open claims of a store, due soonest first (keyset paging on respond_by, id).
            models.Index(
                fields=["store", "respond_by", "id"], name="claim_open_due",
                condition=~Q(status="closed"),
            ),
            # Managers' queue over several stores: open claims due soonest first, any store.
            models.Index(
                fields=["respond_by", "id"], name="claim_open_due_any_store",
                condition=~Q(status="closed"),
            ),
            # The dashboard's counts of open claims: overdue, due soon, per assignee.
            models.Index(
                fields=["store", "assignee"], include=["respond_by"], name="claim_open_load",
                condition=~Q(status="closed"),
            ),
            # The store page's and dashboard's ODR: a store's defects by purchase time of the order.
            models.Index(
                fields=["store", "order_purchased_at"], include=["order", "kind"], name="claim_odr_window",
                condition=Q(counts_toward_odr=True),
            ),
            # The dashboard's weekly chart: claims opened per week, won and lost.
            models.Index(fields=["store", "opened_at"], include=["outcome"], name="claim_store_opened"),
            # The deadline sweep: only claims that still owe an alert.
            models.Index(
                fields=["next_alert_at"], name="claim_alert_due",
                condition=Q(next_alert_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False) | ~Q(status="closed"),
                name="claim_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.order.platform_order_id}"

    def save(self, *args, **kwargs):
        if (self.order_id is not None and "order_purchased_at" not in self.get_deferred_fields()
                and self.order_purchased_at is None):
            self.order_purchased_at = self.order.purchased_at
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status != ClaimStatus.CLOSED


class ClaimEvent(models.Model):
    """The claim's timeline, and its audit trail: who did what, when, before → after."""

    # claim_event_timeline (claim, at) serves every lookup by claim; no second index.
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events", db_index=False)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=40)
    before = models.CharField(max_length=300, blank=True)
    after = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("claim event")
        verbose_name_plural = _("claim events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["claim", "at"], name="claim_event_timeline")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


# --- Post-mortems -------------------------------------------------------------------------


class RootCause(models.TextChoices):
    LISTING_UNCLEAR = "listing_unclear", _("Listing unclear")
    PACKAGING = "packaging", _("Packaging too weak")
    CARRIER = "carrier", _("Carrier")
    MESSAGE_WORDING = "message_wording", _("Message wording")
    PRODUCT_DEFECT = "product_defect", _("Product defect")
    BUYER_ABUSE = "buyer_abuse", _("Buyer abuse")
    OTHER = "other", _("Other")


class PostMortem(models.Model):
    """What the team learnt when a claim closed, win or lose. A claim reopened for an appeal
    and closed again gets a second one."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="post_mortems")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    root_cause = models.CharField(_("root cause"), max_length=20, choices=RootCause.choices)
    decided_by = models.TextField(_("what decided the outcome"), max_length=2000)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    written_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        verbose_name = _("post-mortem")
        verbose_name_plural = _("post-mortems")
        ordering = ["-written_at"]
        indexes = [
            # The managers' report: post-mortems of their stores over a period.
            models.Index(fields=["store", "written_at"], name="postmortem_report"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.get_root_cause_display()}"

    @property
    def won(self) -> bool:
        return self.outcome in (Outcome.DENIED, Outcome.WITHDRAWN)


class ImprovementAction(models.Model):
    """Something to change so the next claim goes better, owned by one person until done."""

    post_mortem = models.ForeignKey(PostMortem, on_delete=models.CASCADE, related_name="actions")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    description = models.CharField(_("improvement action"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="improvement_actions",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["due_on", "pk"]
        indexes = [
            # The owner's queue: their actions not yet done, soonest first.
            models.Index(fields=["owner", "due_on"], name="action_open_by_owner",
                         condition=Q(done_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


# --- Appeals ------------------------------------------------------------------------------


class AppealKind(models.TextChoices):
    CLAIM_RESPONSE = "claim_response", _("Claim response")
    APPEAL = "appeal", _("Appeal of a granted claim")
    CHARGEBACK_RESPONSE = "chargeback_response", _("Chargeback response")
    DISPUTE_STATEMENT = "dispute_statement", _("Platform dispute statement")


class AppealDecision(models.TextChoices):
    WON = "won", _("Won: decided in the seller's favour")
    LOST = "lost", _("Lost: granted to the buyer")


class Funding(models.TextChoices):
    SELLER = "seller", _("Seller-funded")
    PLATFORM = "platform", _("Platform-funded")


class Appeal(models.Model):
    """A written case to the platform (facts → evidence → conclusion), kept as numbered
    versions. Once one version is submitted the appeal is frozen: no new version, and the
    evidence it used is locked in the vault."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="appeals")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=30, choices=AppealKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    submitted_version = models.ForeignKey(
        "AppealVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("submitted version"),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_where = models.CharField(_("submitted where"), max_length=200, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("submitted by"),
    )
    decision = models.CharField(_("decision"), max_length=10, choices=AppealDecision.choices, blank=True)
    funding = models.CharField(_("funded by"), max_length=10, choices=Funding.choices, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The claim page's "Build an appeal" card: a claim's appeals, newest first.
            models.Index(fields=["claim", "created_at"], name="appeal_by_claim"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(submitted_version__isnull=True) | Q(submitted_at__isnull=False),
                name="appeal_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=Q(decision="") | Q(submitted_at__isnull=False, decided_at__isnull=False),
                name="appeal_decided_after_submission",
            ),
            models.CheckConstraint(
                condition=~Q(decision="lost") | ~Q(funding=""), name="appeal_lost_has_funding",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.claim_id}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def is_decided(self) -> bool:
        return bool(self.decision)

    @property
    def matching_outcome(self) -> str:
        """The claim outcome this decision amounts to (Amazon's vocabulary)."""
        if self.decision == AppealDecision.WON:
            return Outcome.DENIED
        if self.decision == AppealDecision.LOST:
            return Outcome.GRANTED_PLATFORM_FUNDED if self.funding == Funding.PLATFORM else Outcome.GRANTED_SELLER_FUNDED
        return ""


class AppealVersion(models.Model):
    """One saved state of an appeal. Never edited: saving writes the next number."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    facts = models.JSONField(_("facts"), default=list)
    conclusion = models.TextField(_("conclusion"))
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    saved_at = models.DateTimeField(_("saved"), default=timezone.now)

    class Meta:
        verbose_name = _("appeal version")
        verbose_name_plural = _("appeal versions")
        ordering = ["appeal", "number"]
        constraints = [
            models.UniqueConstraint(fields=["appeal", "number"], name="appeal_version_number_unique"),
            models.CheckConstraint(condition=Q(number__gt=0), name="appeal_version_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} v{self.number}"


class AppealEvidence(models.Model):
    """An evidence item as one version presents it: its place and its one-line caption."""

    version = models.ForeignKey(AppealVersion, on_delete=models.CASCADE, related_name="evidence")
    item = models.ForeignKey("evidence.EvidenceItem", on_delete=models.PROTECT, related_name="appeal_uses")
    position = models.PositiveSmallIntegerField()
    caption = models.CharField(_("what it proves"), max_length=500)

    class Meta:
        verbose_name = _("appeal evidence")
        verbose_name_plural = _("appeal evidence")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "item"], name="appeal_evidence_once_per_version"),
            models.UniqueConstraint(fields=["version", "position"], name="appeal_evidence_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.version} #{self.position}: {self.caption}"


# --- Alerts -------------------------------------------------------------------------------


class Alert(models.Model):
    """One threshold of one claim's deadline, or of one buyer message's reply clock, raised
    once per window by the sweep."""

    # The unique constraints (subject, window, threshold) serve every lookup by subject; no
    # second index.
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="alerts", null=True, blank=True,
                              db_index=False)
    message = models.ForeignKey(
        "messaging.Message", on_delete=models.CASCADE, related_name="alerts", null=True, blank=True,
        db_index=False,
    )
    threshold = models.CharField(_("threshold"), max_length=20)
    # When the window this threshold belongs to began: a claim's response window starts again
    # when the platform asks for information, and owes every threshold again.
    window_start = models.DateTimeField(_("window began"))
    scheduled_for = models.DateTimeField(_("due to be raised"))
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    due_at = models.DateTimeField(_("deadline"))
    escalated = models.BooleanField(_("escalated to managers"), default=False)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "window_start", "threshold"], name="alert_once_per_threshold"),
            models.UniqueConstraint(fields=["message", "window_start", "threshold"],
                                    name="alert_message_once_per_threshold"),
            models.CheckConstraint(
                condition=Q(claim__isnull=False, message__isnull=True) | Q(claim__isnull=True, message__isnull=False),
                name="alert_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id or 'message ' + str(self.message_id)}: {self.threshold}"

    @property
    def lateness(self):
        return self.raised_at - self.scheduled_for


class Notification(models.Model):
    """An alert as one person receives it: in the header's bell and by e-mail."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # The e-mail is an outbox entry (disputes/outbox.py): `email_due_at` is when the next
    # attempt may start, NULL once nothing more is owed (sent, no address, no longer relevant,
    # refused for good). A sender claims a row by pushing it a lease ahead; `emailed_at` is set
    # only after the mail server accepted the message.
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_due_at = models.DateTimeField(null=True, blank=True, db_default=Now())
    email_attempts = models.PositiveSmallIntegerField(db_default=0)  # also for the sweep's raw INSERT

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="notification_once_per_user"),
        ]
        indexes = [
            # The bell: a user's unacknowledged notifications.
            models.Index(fields=["user", "alert"], name="notification_unread",
                         condition=Q(acknowledged_at__isnull=True)),
            # The outbox: e-mails still owed, by when they are next due.
            models.Index(fields=["email_due_at"], name="notification_email_due",
                         condition=Q(email_due_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.user} ← {self.alert}"


# --- Work set aside -------------------------------------------------------------------------


class SetAsideKind(models.TextChoices):
    """The worker loops that set an item aside rather than stop on it."""

    CLAIM_ALERTS = "claim_alerts", _("claim deadline alerts")
    CLAIM_DEADLINE = "claim_deadline", _("claim deadline recompute")
    MESSAGE_ALERTS = "message_alerts", _("reply alerts of a buyer message")
    ALERT_EMAIL = "alert_email", _("alert e-mail")
    INBOUND_MAIL = "inbound_mail", _("incoming mail")
    EVIDENCE_PREVIEW = "evidence_preview", _("evidence preview")
    EVIDENCE_FINGERPRINT = "evidence_fingerprint", _("evidence fingerprint check")


class SetAside(models.Model):
    """An item a worker loop could not handle: it was put aside with its reason so the rest of
    the batch went on. Managers of its store see it and can put it back (retry)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="set_aside", db_index=False)
    kind = models.CharField(_("what"), max_length=30, choices=SetAsideKind.choices)
    # The primary key of the claim, message, notification, mail or evidence item.
    subject_id = models.BigIntegerField()
    label = models.CharField(_("item"), max_length=200)
    reason = models.TextField(_("reason"))
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    first_at = models.DateTimeField(_("first failed"), default=timezone.now)
    last_at = models.DateTimeField(_("last failed"), default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("item set aside")
        verbose_name_plural = _("items set aside")
        constraints = [
            # A failing item that fails again updates its entry rather than adding one.
            models.UniqueConstraint(fields=["kind", "subject_id"], condition=Q(resolved_at__isnull=True),
                                    name="set_aside_open_once"),
        ]
        indexes = [
            # The managers' page: what is still set aside in their stores, latest first.
            models.Index(fields=["store", "-last_at"], condition=Q(resolved_at__isnull=True),
                         name="set_aside_open_by_store"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_id}: {self.reason[:60]}"
