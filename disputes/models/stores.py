from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
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
        help_text=_(
            "ISO 3166 country code of the marketplace, e.g. US, GB, RU. "
            "Its public holidays count as non-business days."
        ),
    )
    holiday_subdivision = models.CharField(
        _("holiday region"),
        max_length=40,
        blank=True,
        help_text=_(
            "The part of the country whose bank holidays the marketplace keeps, as the "
            "holidays calendar names it (e.g. ENG for England with GB). Empty: the "
            "country's nationwide holidays only."
        ),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, choices=time_zone_choices)
    currency = models.CharField(_("currency"), max_length=3, help_text=_("ISO 4217 code, e.g. USD."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="stores")

    class Meta:
        ordering = ["name"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        constraints = [
            models.CheckConstraint(
                condition=Q(marketplace__regex=r"^[A-Z]{2}$"), name="store_marketplace_iso2"
            ),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="store_currency_iso4217"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.marketplace = self.marketplace.upper()
        self.currency = self.currency.upper()
        from ..deadlines import canonical_subdivision

        self.holiday_subdivision = canonical_subdivision(self.marketplace, self.holiday_subdivision)
        if self._state.adding and not self.holiday_subdivision:
            self.holiday_subdivision = DEFAULT_HOLIDAY_SUBDIVISIONS.get(self.marketplace, "")
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from ..deadlines import canonical_subdivision, subdivision_problem

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

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.AGENT)
    # Round-robin's memory (disputes/assigning.py): the store's turn number this member was last
    # given a claim at; the lowest goes next.
    last_turn = models.PositiveBigIntegerField(default=0, editable=False)

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

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(_("time zone"), max_length=64, choices=time_zone_choices, default="UTC")
    # How alerts reach the person besides the bell (templates/disputes/alerts.html): a short
    # sound with each desktop notification, and a morning digest e-mail at a local hour.
    alert_sound = models.BooleanField(_("play a sound with new alerts"), default=False)
    digest_email = models.BooleanField(_("send me a daily digest e-mail"), default=True)
    digest_hour = models.PositiveSmallIntegerField(
        _("hour of the daily digest"),
        default=8,
        validators=[MaxValueValidator(23)],
        help_text=_("In your own time zone, 0 to 23."),
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


class BeatSilence(models.Model):
    """Beat stopped: noticed by a worker (disputes/health.py), and the e-mail telling the admins
    and managers, kept as an outbox row. One row per silence: it is known by beat's last
    heartbeat before it, so a second worker noticing the same silence adds nothing."""

    beat_last_seen = models.DateTimeField(_("beat last seen"), unique=True)
    noticed_at = models.DateTimeField(_("noticed at"), default=timezone.now)
    # As the other outboxes (disputes/outbox.py): when the next attempt may start, NULL once
    # nothing more is owed.
    due_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("beat silence")
        verbose_name_plural = _("beat silences")
        indexes = [
            # the alarm sender's due rows
            models.Index(fields=["due_at"], name="beat_silence_due", condition=Q(due_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"beat silent since {self.beat_last_seen:%Y-%m-%d %H:%M:%S}"


class SavedView(models.Model):
    """A set of queue filters a user saved under a name ("my overdue", "unassigned Amazon"):
    the queue's query string, kept to the filters the queue knows."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_view_unique_name")]

    def __str__(self) -> str:
        return f"{self.user}: {self.name}"
