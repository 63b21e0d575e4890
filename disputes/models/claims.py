from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .due import DueState
from .orders import Order
from .rules import ClaimKind, DeadlineRule, warnings_or_default
from .stores import Store

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
    # The platform decided (its notice said so); the claim closes once its post-mortem is written.
    DECIDED = "decided", _("Decided, post-mortem pending")
    CLOSED = "closed", _("Closed")

    @classmethod
    def settled(cls) -> tuple["ClaimStatus", ...]:
        """Statuses that owe the platform no response: decided or closed."""
        return (cls.DECIDED, cls.CLOSED)


class Outcome(models.TextChoices):
    GRANTED_SELLER_FUNDED = "granted_seller", _("Granted — seller-funded")
    GRANTED_PLATFORM_FUNDED = "granted_platform", _("Granted — platform-funded")
    REFUNDED_BY_SELLER = "refunded", _("Refunded by seller")
    DENIED = "denied", _("Denied / closed in the seller's favour")
    WITHDRAWN = "withdrawn", _("Withdrawn by the buyer")
    CANCELLED = "cancelled", _("Order cancelled")

    # What each outcome means, once: the properties for one claim, the tuples for queries.

    @classmethod
    def wins(cls) -> tuple["Outcome", ...]:
        """Decided in the seller's favour: denied, or withdrawn by the buyer."""
        return (cls.DENIED, cls.WITHDRAWN)

    @classmethod
    def losses(cls) -> tuple["Outcome", ...]:
        """Granted to the buyer (whoever funds it) or refunded. A cancelled order is neither."""
        return (cls.GRANTED_SELLER_FUNDED, cls.GRANTED_PLATFORM_FUNDED, cls.REFUNDED_BY_SELLER)

    @classmethod
    def outside_odr(cls) -> tuple["Outcome", ...]:
        """Denied claims and claims withdrawn before a decision do not count toward the Order
        Defect Rate, nor does a cancelled order (no decision against the seller); granted (even
        platform-funded) and refunded claims do, and so does a claim still pending."""
        return (cls.DENIED, cls.WITHDRAWN, cls.CANCELLED)

    @property
    def is_win(self) -> bool:
        return self in Outcome.wins()

    @property
    def is_loss(self) -> bool:
        return self in Outcome.losses()

    @property
    def counts_toward_odr(self) -> bool:
        return self not in Outcome.outside_odr()

    @property
    def is_appealable(self) -> bool:
        """Only a claim granted at the seller's cost is worth an appeal: it has an appeal window,
        and winning it takes the refund back (a platform-funded grant costs the seller nothing)."""
        return self == Outcome.GRANTED_SELLER_FUNDED


class Choice(models.TextChoices):
    """What the team decided to do with an open claim (the claim page's advice panel)."""

    FIGHT = "fight", _("Fight")
    REFUND = "refund", _("Refund")
    ASK_INFO = "ask_info", _("Ask for information")


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
    platform_requested_at = models.DateTimeField(_("platform asked for information"), null=True, blank=True)
    respond_by = models.DateTimeField(_("respond by"), null=True, blank=True)
    respond_rule = models.ForeignKey(
        DeadlineRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    respond_explained = models.CharField(max_length=300, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # When the platform decided, as the person closing the claim says; the appeal window counts
    # from it, not from when the outcome was typed in (closed_at).
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    appeal_by = models.DateTimeField(_("appeal by"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_claims",
        verbose_name=_("assignee"),
        db_index=False,  # claim_assignee_load leads with it
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    # Fight or refund: what the team chose and what the desk advised when it chose, so the win
    # rates can tell claims fought from claims refunded and whether overriding the advice paid.
    choice = models.CharField(_("choice"), max_length=10, choices=Choice.choices, blank=True)
    choice_advised = models.CharField(
        _("advice when chosen"), max_length=10, choices=Choice.choices, blank=True, editable=False
    )
    chosen_at = models.DateTimeField(_("chosen"), null=True, blank=True, editable=False)
    # A reminder someone set ("check tracking tomorrow"): until then the claim stays out of the
    # queue, then it comes back at the top of its owner's (the assignee's, else the person who
    # snoozed it). `snooze_alert_at` is the reminder the worker still owes (NULL once sent).
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True, editable=False)
    snooze_note = models.CharField(_("snooze note"), max_length=500, blank=True, editable=False)
    snoozed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        editable=False,
    )
    snooze_alert_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
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
                fields=["store", "respond_by", "id"],
                name="claim_open_due",
                condition=~Q(status="closed"),
            ),
            # Managers' queue over several stores: open claims due soonest first, any store.
            models.Index(
                fields=["respond_by", "id"],
                name="claim_open_due_any_store",
                condition=~Q(status="closed"),
            ),
            # The dashboard's counts of open claims: overdue, due soon, per assignee.
            models.Index(
                fields=["store", "assignee"],
                include=["respond_by"],
                name="claim_open_load",
                condition=~Q(status="closed"),
            ),
            # The store page's and dashboard's ODR: a store's defects by purchase time of the order.
            models.Index(
                fields=["store", "order_purchased_at"],
                include=["order", "kind"],
                name="claim_odr_window",
                condition=Q(counts_toward_odr=True),
            ),
            # The ODR forecast: a store's pending claims in the window, by purchase time of the
            # order, with the reason that sets their chance (and the claims that can be won).
            models.Index(
                fields=["store", "order_purchased_at"],
                include=["reason", "order"],
                name="claim_odr_pending",
                condition=Q(counts_toward_odr=True, outcome=""),
            ),
            # The hour counts' recount of one hour of claims by their order's purchase
            # (StoreHour): time first, so no page's store-wide read takes it for a store index.
            models.Index(
                fields=["order_purchased_at"],
                include=["store", "order", "counts_toward_odr"],
                name="claim_purchased",
            ),
            # My day (and the link to a user's claims): one agent's claims, index-only.
            models.Index(
                fields=["assignee", "store"],
                include=["status", "respond_by", "decided_at", "outcome"],
                name="claim_assignee_load",
            ),
            # The managers' per-agent figures: claims decided in the last days, by store.
            models.Index(
                fields=["store", "decided_at"],
                include=["assignee", "outcome"],
                name="claim_decided",
                condition=Q(decided_at__isnull=False),
            ),
            # The dashboard's weekly chart: claims opened per week, won and lost.
            models.Index(fields=["store", "opened_at"], include=["outcome"], name="claim_store_opened"),
            # The marketplace connectors' upsert: a store's claim by the platform's id.
            models.Index(
                fields=["store", "platform_claim_id"],
                name="claim_platform_id",
                condition=~Q(platform_claim_id=""),
            ),
            # The queue's "back from snooze" strip: the few claims with a snooze set.
            models.Index(
                fields=["snoozed_until"],
                name="claim_snoozed",
                condition=Q(snoozed_until__isnull=False),
            ),
            # The snooze sweep: only claims whose reminder the worker still owes.
            models.Index(
                fields=["snooze_alert_at"],
                name="claim_snooze_alert_due",
                condition=Q(snooze_alert_at__isnull=False),
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
        if (
            self.order_id is not None
            and "order_purchased_at" not in self.get_deferred_fields()
            and self.order_purchased_at is None
        ):
            self.order_purchased_at = self.order.purchased_at
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = [name for name in update_fields if name not in SCHEDULE_FIELDS]
        super().save(*args, **kwargs)
        # The alert schedule is written when it was set on this instance and the save names it
        # (or names nothing, a full save).
        if (update_fields is None or SCHEDULE_FIELDS & set(update_fields)) and self._schedule_set():
            # A row not read from the table is one the claim does not have yet.
            self.alert_schedule.save(force_insert=self.alert_schedule._state.adding)

    # The next alert the sweep owes this claim (when, and which threshold) lives in its own
    # narrow table, `ClaimAlertSchedule`: read and set here as if it were the claim's, saved
    # with the claim when a save names it.
    @property
    def next_alert_at(self) -> datetime | None:
        return self._schedule().next_alert_at

    @next_alert_at.setter
    def next_alert_at(self, value: datetime | None) -> None:
        self._schedule().next_alert_at = value

    @property
    def next_alert_threshold(self) -> str:
        return self._schedule().next_alert_threshold

    @next_alert_threshold.setter
    def next_alert_threshold(self, value: str) -> None:
        self._schedule().next_alert_threshold = value

    def _schedule_set(self) -> bool:
        return Claim.alert_schedule.related.is_cached(self)

    def _schedule(self) -> "ClaimAlertSchedule":
        """This claim's schedule row: read once, or a new one (no alert owed) if it has none."""
        if not self._schedule_set():
            found = None
            if self.pk is not None:
                found = ClaimAlertSchedule.objects.filter(claim_id=self.pk).first()
            self.alert_schedule = found or ClaimAlertSchedule(claim=self)
        return self.alert_schedule

    @property
    def is_open(self) -> bool:
        return self.status != ClaimStatus.CLOSED

    @property
    def can_mark_responded(self) -> bool:
        """Open and not yet marked responded: a reply can be sent and marked in one action."""
        return self.is_open and self.status != ClaimStatus.RESPONDED

    @property
    def priority_set(self) -> bool:
        """A priority someone chose: anything but the default, which pages leave unsaid."""
        return self.priority != Priority.NORMAL

    @property
    def warnings(self) -> list[int | float]:
        """Hours before the response is due at which the desk warns, largest first."""
        rule = self.respond_rule
        return warnings_or_default(rule.warn_hours_before if rule else None)

    def is_snoozed(self, now: datetime | None = None) -> bool:
        """Still asleep: the snooze has not ended and no deadline falls inside it."""
        now = now or timezone.now()
        return (
            self.snoozed_until is not None
            and self.snoozed_until > now
            and (self.respond_by is None or self.respond_by > self.snoozed_until)
        )

    def snooze_ended(self, now: datetime | None = None) -> bool:
        """A snooze is still set but its time has come: the claim is back at the top."""
        return self.snoozed_until is not None and self.snoozed_until <= (now or timezone.now())

    def snooze_hides_deadline(self, now: datetime | None = None) -> bool:
        """The response deadline moved inside the snooze (a recomputed rule, a platform request):
        the claim is shown again, with a warning, rather than sleeping past its deadline."""
        return (
            self.snoozed_until is not None
            and self.snoozed_until > (now or timezone.now())
            and self.respond_by is not None
            and self.respond_by <= self.snoozed_until
            and self.is_open
        )

    def due_state(self, now: datetime | None = None) -> DueState:
        """How urgent the response is, by the rule's first warning and the user's local day."""
        return response_due_state(self.status, self.respond_by, self.warnings, now)


def response_due_state(
    status: str, respond_by: datetime | None, warnings: list[int | float], now: datetime | None = None
) -> DueState:
    """`Claim.due_state` of a claim read as values (the queue's rows): its status, its response
    deadline and its rule's warnings (`warnings_or_default`)."""
    due = respond_by if status not in ClaimStatus.settled() else None
    return DueState.of(due, now or timezone.now(), due_soon=timedelta(hours=warnings[0]))


class TimelineEntry(models.Model):
    """One step of an audit trail: who did what, when. `action` is a `disputes.timeline.Action`
    code and `params` its JSON-safe details (codes, ISO times, text people typed); the entry is
    worded when it is shown, in the reader's language (`disputes.timeline.worded`)."""

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # No choices on the column: a new action needs no migration, and old codes still load.
    action = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class ClaimEvent(TimelineEntry):
    """The claim's timeline, and its audit trail."""

    # claim_event_timeline (claim, at) serves every lookup by claim; no second index.
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events", db_index=False)

    class Meta(TimelineEntry.Meta):
        verbose_name = _("claim event")
        verbose_name_plural = _("claim events")
        indexes = [models.Index(fields=["claim", "at"], name="claim_event_timeline")]


SCHEDULE_FIELDS = {"next_alert_at", "next_alert_threshold"}


class ClaimAlertSchedule(models.Model):
    """The next alert the deadline sweep owes a claim, apart from the claim's own row.

    The sweep moves thousands of these on at once; in the claim table each such UPDATE wrote a
    new entry in all of its indexes (the due time is indexed, so no update is HOT). Here it
    touches two: the primary key and the partial index of due rows."""

    claim = models.OneToOneField(
        Claim, on_delete=models.CASCADE, primary_key=True, related_name="alert_schedule"
    )
    next_alert_at = models.DateTimeField(null=True, blank=True)
    next_alert_threshold = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [
            # The deadline sweep: only claims that still owe an alert.
            models.Index(
                fields=["next_alert_at"],
                name="claim_alert_due",
                condition=Q(next_alert_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.next_alert_threshold} at {self.next_alert_at}"
