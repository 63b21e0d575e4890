"""Buyer threads: one per order, its messages with their 24-hour reply clock, the mail relay
settings of each store, mail that could not be placed, and the reply library."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Claim, DueState, Order, Platform, Store, Tag, warnings_or_default

from .storage import message_files


class Direction(models.TextChoices):
    FROM_BUYER = "from_buyer", _("From the buyer")
    TO_BUYER = "to_buyer", _("To the buyer")
    NOTE = "note", _("Internal note")


class Channel(models.TextChoices):
    PLATFORM = "platform", _("Platform thread")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    OTHER = "other", _("Other")


class ReplyState(models.TextChoices):
    NONE = "", _("No reply owed")
    AWAITING = "awaiting", _("Awaiting a reply")
    REPLIED = "replied", _("Replied")
    NOT_NEEDED = "not_needed", _("No response needed")


class Delivery(models.TextChoices):
    NONE = "", _("Recorded only")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Purpose(models.TextChoices):
    REPLY = "", _("Reply")
    REVIEW_REQUEST = "review_request", _("Review request")
    OFF_PLATFORM_REASON = "off_platform_reason", _("Why we leave the platform (internal)")
    OFF_PLATFORM_NOTICE = "off_platform_notice", _("Off-platform notice")
    CLOSING_SUMMARY = "closing_summary", _("Closing summary")


class OffPlatformReason(models.TextChoices):
    LARGE_FILE = "large_file", _("A file the platform cannot carry")
    SAFETY = "safety", _("An urgent safety or regulatory matter")


class OffPlatformState(models.TextChoices):
    NONE = "", _("In the platform thread")
    STARTED = "started", _("Reason noted; the buyer's notice is due")
    NOTICE_SENT = "notice_sent", _("Off the platform; the closing summary is due")
    SUMMARISED = "summarised", _("Closing summary sent")


OFF_PLATFORM_OPEN = [OffPlatformState.STARTED, OffPlatformState.NOTICE_SENT]


class StoreMessaging(models.Model):
    """How one store talks to buyers by e-mail: the relay mailbox it reads (IMAP) and the
    authorised address and server it sends from (SMTP)."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="messaging")
    from_address = models.EmailField(
        _("authorised sender address"),
        blank=True,
        help_text=_("The address the platform accepts replies from (Amazon: an approved sender)."),
    )
    return_address = models.TextField(_("return address"), blank=True)
    imap_host = models.CharField(_("IMAP host"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_ssl = models.BooleanField(_("IMAP over TLS"), default=True)
    imap_user = models.CharField(_("IMAP user"), max_length=255, blank=True)
    imap_password = models.CharField(_("IMAP password"), max_length=255, blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX")
    smtp_host = models.CharField(
        _("SMTP host"),
        max_length=255,
        blank=True,
        help_text=_("Leave empty to send through the desk's own mail settings."),
    )
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=587)
    smtp_user = models.CharField(_("SMTP user"), max_length=255, blank=True)
    smtp_password = models.CharField(_("SMTP password"), max_length=255, blank=True)
    smtp_starttls = models.BooleanField(_("SMTP STARTTLS"), default=True)
    polling_enabled = models.BooleanField(_("poll the mailbox"), default=False)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    last_poll_error = models.TextField(_("last polling error"), blank=True, editable=False)

    class Meta:
        verbose_name = _("store messaging settings")
        verbose_name_plural = _("store messaging settings")

    def __str__(self) -> str:
        return str(self.store)

    @property
    def can_poll(self) -> bool:
        return self.polling_enabled and bool(self.imap_host and self.imap_user)

    @property
    def can_send(self) -> bool:
        return bool(self.from_address)


class Thread(models.Model):
    """The buyer-message thread of one order (what arbitrators read is its platform part)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="threads")
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="thread")
    is_closed = models.BooleanField(_("closed"), default=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    off_platform = models.CharField(
        _("off-platform"),
        max_length=20,
        choices=OffPlatformState.choices,
        blank=True,
        default="",
    )
    off_platform_reason = models.CharField(
        _("off-platform reason"),
        max_length=20,
        choices=OffPlatformReason.choices,
        blank=True,
    )
    off_platform_started_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    tags = models.ManyToManyField(Tag, related_name="threads", blank=True, verbose_name=_("tags"))

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        indexes = [
            # The managers' dashboard: threads that went off the platform and still owe a summary.
            models.Index(
                fields=["store", "off_platform_started_at"],
                name="thread_off_platform_open",
                condition=Q(off_platform__in=["started", "notice_sent"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order.platform_order_id}"

    @property
    def owes_summary(self) -> bool:
        return self.off_platform in OFF_PLATFORM_OPEN


class Message(models.Model):
    # The author, template, answer and override links are read from the message, never searched
    # the other way on a page, so they carry no index of their own: every index costs each write,
    # and the deadline sweep rewrites due messages every minute.
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="messages")
    thread = models.ForeignKey(
        Thread,
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,  # message_thread_time leads with the thread
    )
    direction = models.CharField(_("direction"), max_length=20, choices=Direction.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.PLATFORM)
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices, blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
        db_index=False,
    )
    author_name = models.CharField(_("from"), max_length=255, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    body = models.TextField(_("body"))
    # Of a relayed mail, what is not the writer's own words: the platform's template around them
    # and the quoted history. Kept, and shown folded under the body.
    folded = models.TextField(_("template and quoted history"), blank=True)
    template = models.ForeignKey(
        "ReplyTemplate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # The RFC 5322 Message-ID: inbound mail is filed once per store however often it is polled.
    rfc_message_id = models.CharField(_("Message-ID"), max_length=500, blank=True)
    # A buyer message in complaint words (policy.reads_as_complaint), judged once when it is
    # filed: the list of claims seen coming reads this column, never the bodies.
    reads_as_complaint = models.BooleanField(_("reads as a complaint"), default=False, editable=False)
    # A buyer message's 24-hour clock: due time from the deadline rules, stopped by a reply in
    # the platform thread or by "no response needed".
    reply_state = models.CharField(
        _("reply"),
        max_length=20,
        choices=ReplyState.choices,
        blank=True,
        default="",
    )
    reply_by = models.DateTimeField(_("reply by"), null=True, blank=True)
    reply_explained = models.CharField(max_length=300, blank=True)
    warn_hours_before = models.JSONField(default=list, blank=True, editable=False)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # Who wrote that answer, kept beside it so the managers' per-agent figures count answers
    # from one index without reading each answer back.
    answered_by_author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        editable=False,
    )
    no_response_reason = models.CharField(_("why no response is needed"), max_length=300, blank=True)
    next_alert_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_alert_threshold = models.CharField(max_length=20, blank=True, editable=False)
    # Outgoing mail through the relay.
    delivery = models.CharField(
        _("delivery"), max_length=10, choices=Delivery.choices, blank=True, default=""
    )
    delivery_error = models.TextField(_("delivery error"), blank=True)
    delivery_attempts = models.PositiveSmallIntegerField(default=0)
    # When the current attempt began: a send is only taken for stuck a while after this.
    sending_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    recipient = models.CharField(_("to"), max_length=255, blank=True)
    # The policy check as the sender saw it, and a manager's override of a blocking finding.
    policy_findings = models.JSONField(default=list, blank=True)
    override_reason = models.TextField(_("override reason"), blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["at", "pk"]
        indexes = [
            # A thread, oldest first (the order and claim pages).
            models.Index(fields=["thread", "at"], name="message_thread_time"),
            # The managers' per-agent figures: buyer messages answered in the last days, by store.
            models.Index(
                fields=["store", "answered_at"],
                include=["answered_by_author", "reply_by", "at"],
                name="message_answered",
                condition=Q(reply_state="replied", answered_by_author__isnull=False),
            ),
            # The deadline sweep: only buyer messages that still owe an alert.
            models.Index(
                fields=["next_alert_at"], name="message_alert_due", condition=Q(next_alert_at__isnull=False)
            ),
            # The queue and the dashboard: buyer messages still waiting for a reply, soonest due
            # first. Few rows (only unanswered ones), so it is read in order and filtered by store.
            models.Index(
                fields=["reply_by", "id"],
                name="message_awaiting_reply_by",
                condition=Q(reply_state="awaiting"),
            ),
            # ...and counted per store (overdue replies on the queue and the dashboard).
            models.Index(
                fields=["store", "reply_by"],
                name="message_awaiting_store",
                condition=Q(reply_state="awaiting"),
            ),
            # Claims seen coming: recent buyer messages in complaint words, per store, with their
            # thread (grouped by thread from the index alone).
            models.Index(
                fields=["store", "at"],
                include=["thread"],
                name="message_complaint_recent",
                condition=Q(reads_as_complaint=True),
            ),
            # Failed sends, so none is forgotten.
            models.Index(
                fields=["store", "at"], name="message_delivery_failed", condition=Q(delivery="failed")
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "rfc_message_id"],
                name="message_once_per_message_id",
                condition=~Q(rfc_message_id=""),
            ),
            # Platform policy: at most one review request per order (reply_send checks it first).
            models.UniqueConstraint(
                fields=["thread"],
                condition=Q(purpose="review_request"),
                name="message_one_review_request_per_thread",
            ),
            models.CheckConstraint(
                condition=Q(reply_state="") | Q(direction="from_buyer"),
                name="message_clock_on_buyer_messages",
            ),
            models.CheckConstraint(
                condition=~Q(reply_state="awaiting") | Q(reply_by__isnull=False),
                name="message_awaiting_has_due_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} · {self.at:%Y-%m-%d %H:%M}"

    @property
    def is_awaiting(self) -> bool:
        return self.reply_state == ReplyState.AWAITING

    @property
    def warnings(self) -> list[int | float]:
        """Hours before the reply is due at which the desk warns, largest first."""
        return warnings_or_default(self.warn_hours_before)

    def due_state(self, now: datetime | None = None) -> DueState:
        """How urgent the reply is, by the same rule as a claim's response."""
        due = self.reply_by if self.is_awaiting else None
        return DueState.of(due, now or timezone.now(), due_soon=timedelta(hours=self.warnings[0]))


class ReplyTally(models.Model):
    """Buyer messages answered (replied, with the answer's author known) per store, author and
    UTC day of the answer: how many, how many before their reply clock ran out, and the time
    from each message to its answer added up in microseconds. The managers' per-agent figures
    add up a month of these rows instead of reading a month of messages. Kept by triggers on
    the message table, in the same transaction as the write (messaging/reply_tallies.py); each
    write adds or takes away its own message."""

    store = models.ForeignKey(
        "disputes.Store", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        db_index=False,
    )
    day = models.DateField()
    replies = models.IntegerField(default=0)
    within_sla = models.IntegerField(default=0)
    response_us = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "day", "author"], name="reply_tally_unique")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.day} {self.author_id}: {self.within_sla}/{self.replies}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=message_files, upload_to="attachments/%Y/%m/")
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class UnmatchedMail(models.Model):
    """Relay mail the poller could not place in a thread, kept whole until an agent files it."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="unmatched_mail")
    rfc_message_id = models.CharField(max_length=500)
    sender = models.CharField(_("from"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    body = models.TextField(_("body"), blank=True)
    received_at = models.DateTimeField(_("received"))
    raw = models.BinaryField()
    why = models.CharField(_("why it was not filed"), max_length=300, blank=True)
    filed_at = models.DateTimeField(null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    filed_message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("unmatched mail")
        verbose_name_plural = _("unmatched mail")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["store", "rfc_message_id"], name="unmatched_once_per_message_id"),
        ]
        indexes = [
            # The unmatched list: what is still waiting to be filed.
            models.Index(
                fields=["store", "received_at"], name="unmatched_waiting", condition=Q(filed_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"


class NoticeEvent(models.TextChoices):
    OPENED = "opened", _("claim filed")
    REQUEST = "request", _("information requested")
    DECIDED = "decided", _("decided")


class PlatformNotice(models.Model):
    """A platform's notification mail (a claim filed, information asked for, a decision) that
    opened or changed a claim: kept whole, once per Message-ID, and linked to its claim."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="platform_notices")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="platform_notices")
    rfc_message_id = models.CharField(max_length=500)
    event = models.CharField(_("what the notice says"), max_length=20, choices=NoticeEvent.choices)
    language = models.CharField(_("language"), max_length=10)
    sender = models.CharField(_("from"), max_length=255)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    body = models.TextField(_("body"), blank=True)
    received_at = models.DateTimeField(_("received"))
    raw = models.BinaryField()

    class Meta:
        verbose_name = _("platform notice")
        verbose_name_plural = _("platform notices")
        ordering = ["received_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["store", "rfc_message_id"], name="notice_once_per_message_id"),
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"


class Stage(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    BEFORE_SHIPPING = "before_shipping", _("Before shipping")
    AFTER_SHIPPING = "after_shipping", _("After shipping")
    DISPUTE = "dispute", _("Dispute")
    RETURN = "return", _("Return")
    REVIEW = "review", _("Review follow-up")
    CLAIM = "claim", _("Claim")
    OFF_PLATFORM = "off_platform", _("Off-platform")


class ReplyTemplate(models.Model):
    """A reply in the library: text with placeholders filled from the order."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    platform = models.CharField(
        _("platform"),
        max_length=20,
        choices=Platform.choices,
        blank=True,
        help_text=_("Empty: usable on every platform."),
    )
    language = models.CharField(_("language"), max_length=10, default="en")
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices, blank=True, default="")
    body = models.TextField(_("text"))
    note_en = models.CharField(_("when to use it (English)"), max_length=300)
    note_zh = models.CharField(_("when to use it (Chinese)"), max_length=300)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["stage", "title"]

    def __str__(self) -> str:
        return self.title


class TemplateUse(models.Model):
    """One agent's own relation to a library template: starred as a favourite, and when they last
    sent a reply made from it. The library lists favourites first, then recently used."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    template = models.ForeignKey(
        ReplyTemplate, on_delete=models.CASCADE, related_name="uses", verbose_name=_("reply template")
    )
    is_favourite = models.BooleanField(_("favourite"), default=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("template use")
        verbose_name_plural = _("template uses")
        constraints = [
            models.UniqueConstraint(fields=["user", "template"], name="template_use_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.template}"


class RuleDraft(models.Model):
    """A reply a rule put in for an agent to review: never sent by itself. The composer offers
    it until someone takes it in or dismisses it."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="rule_drafts")
    template = models.ForeignKey(
        "ReplyTemplate", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    body = models.TextField(_("text"))
    rule_name = models.CharField(_("rule"), max_length=80)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("draft from a rule")
        verbose_name_plural = _("drafts from rules")

    def __str__(self) -> str:
        return f"{self.rule_name}: {self.body[:40]}"


class MacroStatus(models.TextChoices):
    """The statuses a macro may set: closing needs its post-mortem, a decision the platform's."""

    IN_PROGRESS = "in_progress", _("In progress")
    RESPONDED = "responded", _("Responded, under review")
    APPEALING = "appealing", _("Appealing")


class MacroAssign(models.TextChoices):
    PERSON = "person", _("to a person")
    ROUND_ROBIN = "round_robin", _("round-robin among the team")
    LEAST_LOADED = "least_loaded", _("to the least loaded of the team")


class Macro(models.Model):
    """Several steps a store's agents apply to a claim in one click: a reply template into the
    composer (to review and send by hand), a status, tags, an assignee. Each step is written to
    the claim's timeline as its own entry, after one naming the macro."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="macros", db_index=False)
    name = models.CharField(_("name"), max_length=80)
    template = models.ForeignKey(
        ReplyTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("reply template"),
        help_text=_("Put into the composer for review; never sent by the macro."),
    )
    status = models.CharField(_("status"), max_length=20, choices=MacroStatus.choices, blank=True)
    tags = models.ManyToManyField(Tag, related_name="+", blank=True, verbose_name=_("tags to add"))
    assign = models.CharField(_("assign"), max_length=20, choices=MacroAssign.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("person"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        ordering = ["store", "name"]
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="macro_unique_name_per_store")]

    def __str__(self) -> str:
        return self.name
