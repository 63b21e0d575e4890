"""The daily digest e-mail: each person's overdue claims, the claims due by the end of their day
and the buyer replies waiting on them, once a day at the hour they chose, in their time zone.

It goes through an outbox like the alert e-mails (disputes/outbox.py): beat runs
`digests_send()` every few minutes. It first writes the `Digest` row of every person whose hour
has come today (one per user and local day: a unique constraint, so never two), then sends the
rows that are due: claimed under a lease by a conditional UPDATE, marked sent only after the mail
server accepted the message (Message-ID `<desk-digest-<id>@…>` on every attempt), put off with a
growing wait when the server is away or asks to try later, given up after `GIVE_UP_AFTER`.

What the digest says is read when it is sent, not when it fell due. The sections come from the
apps: `disputes` gives the claims; messaging adds the buyer replies through `register()` (so
disputes never imports it). A person with nothing in any section gets no e-mail that day."""

import logging
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, mailers
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Claim, ClaimStatus, Digest, Profile
from .outbox import Columns, MailOutage, backoff, give_back, is_mail_outage, is_temporary, take_due
from .templatetags.desk import span

log = logging.getLogger(__name__)

BATCH = 50
# A digest still unsent this long after it fell due says nothing useful any more.
GIVE_UP_AFTER = timedelta(hours=12)


@dataclass
class Section:
    title: str
    lines: list[str]


# A section: (user, now, end of the user's local day) → its lines (empty: the section is left out).
SectionSource = Callable[[object, datetime, datetime], Section]
_sources: list[SectionSource] = []


def register(source: SectionSource) -> SectionSource:
    if source not in _sources:
        _sources.append(source)
    return source


def zone_of(profile: Profile | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(profile.time_zone if profile else "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _claim_line(claim: Claim, now: datetime, late: bool) -> str:
    url = settings.DESK_BASE_URL + reverse("disputes:claim", args=[claim.pk])
    assert claim.respond_by is not None
    when = (
        _("overdue by %(span)s") % {"span": span(now - claim.respond_by)}
        if late
        else _("%(span)s left") % {"span": span(claim.respond_by - now)}
    )
    return f"- {claim.order.platform_order_id} · {claim.store.name} · {when}\n  {url}"


def _claims(user, now: datetime, end_of_day: datetime) -> list[Claim]:
    return list(
        Claim.objects.filter(assignee=user, respond_by__lt=end_of_day)
        .exclude(status__in=ClaimStatus.settled())
        .select_related("order", "store")
        .order_by("respond_by", "pk")
    )


def overdue_section(user, now: datetime, end_of_day: datetime) -> Section:
    claims = [c for c in _claims(user, now, end_of_day) if c.respond_by and c.respond_by < now]
    return Section(_("Overdue claims"), [_claim_line(c, now, True) for c in claims])


def due_today_section(user, now: datetime, end_of_day: datetime) -> Section:
    claims = [c for c in _claims(user, now, end_of_day) if c.respond_by and c.respond_by >= now]
    return Section(_("Claims due by the end of your day"), [_claim_line(c, now, False) for c in claims])


def odr_section(user, now: datetime, end_of_day: datetime) -> Section:
    """The managed stores within reach of the ODR limit in the next 30 days, and why."""
    from .access import managed_stores_for, stores_for
    from .selectors.forecast import odr_forecasts

    stores = list(managed_stores_for(user).order_by("name"))
    if not stores:
        return Section("", [])
    forecasts = odr_forecasts(stores, team=list(stores_for(user)), now=now)
    lines = []
    for store in stores:
        forecast = forecasts[store.pk]
        if not forecast.within_reach:
            continue
        url = settings.DESK_BASE_URL + reverse("disputes:store", args=[store.pk])
        claims = "".join(
            f"\n  · {item.claim.order.platform_order_id} ({item.win.percent}%)" for item in forecast.at_stake
        )
        lines.append(f"- {store.name}: {forecast.summary()}{claims}\n  {url}")
    return Section(_("Stores near the Order Defect Rate limit"), lines)


register(overdue_section)
register(due_today_section)
register(odr_section)


def compose(user, now: datetime | None = None) -> tuple[str, str] | None:
    """The digest's subject and body for this person now, in their language and time zone;
    None when every section is empty."""
    now = now or timezone.now()
    profile = Profile.objects.filter(user=user).first()
    zone = zone_of(profile)
    local = now.astimezone(zone)
    end_of_day = (local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)).astimezone(
        zoneinfo.ZoneInfo("UTC")
    )
    language = profile.language if profile else settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(zone):
        sections = [section for source in _sources if (section := source(user, now, end_of_day)).lines]
        if not sections:
            return None
        counts = ", ".join(f"{section.title}: {len(section.lines)}" for section in sections)
        subject = _("Dispute Desk daily digest, %(day)s: %(counts)s") % {
            "day": local.date(),
            "counts": counts,
        }
        parts = [
            _("Hello %(name)s, this is what waits on you today (times in %(zone)s):")
            % {"name": user.get_username(), "zone": zone.key}
        ]
        for section in sections:
            parts.append(f"\n{section.title} ({len(section.lines)})\n" + "\n".join(section.lines))
        parts.append(
            "\n"
            + _("You receive this once a day. Change the hour or turn it off on the alerts page: %(url)s")
            % {"url": settings.DESK_BASE_URL + reverse("disputes:alerts")}
        )
    return subject, "\n".join(parts)


# --- the outbox ---------------------------------------------------------------------------


def plan(now: datetime | None = None) -> None:
    """Write the digest rows of everyone whose hour has come today (their local day and hour);
    a row already there for that day stays as it is."""
    now = now or timezone.now()
    users = (
        get_user_model()
        .objects.filter(is_active=True, memberships__isnull=False)
        .exclude(email="")
        .select_related("profile")
        .distinct()
    )
    rows = []
    for user in users:
        profile = getattr(user, "profile", None)  # a user who never saved preferences has none
        if profile is not None and not profile.digest_email:
            continue
        hour = profile.digest_hour if profile is not None else Profile._meta.get_field("digest_hour").default
        local = now.astimezone(zone_of(profile))
        if local.hour >= hour:
            rows.append(Digest(user=user, day=local.date()))  # due at once (the column's default)
    Digest.objects.bulk_create(rows, ignore_conflicts=True)


def message_id(digest: Digest) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<desk-digest-{digest.pk}@{domain}>"


def digests_send(*, now: datetime | None = None, budget: float | None = None) -> int:
    """Plan today's digests, then send every one that is due until none is left, `budget`
    seconds went by or the mail server is away. Returns how many were sent."""
    started = time.monotonic()
    plan(now)
    sent = 0
    connection = mailers.default
    claimed: list[Digest] = []
    try:
        while budget is None or time.monotonic() - started < budget:
            claimed = _claim_batch()
            if not claimed:
                break
            while claimed:
                sent += _send_one(claimed.pop(0), connection)
    except MailOutage:
        pass
    finally:
        connection.close()
        give_back(Digest, COLUMNS, claimed)  # claimed but not tried: due again now
    return sent


COLUMNS = Columns(sent="sent_at", due="due_at", attempts="attempts")


def _claim_batch() -> list[Digest]:
    ids = take_due(Digest.objects.all(), COLUMNS, batch=BATCH)
    return list(Digest.objects.filter(pk__in=ids).select_related("user").order_by("due_at", "pk"))


def _send_one(digest: Digest, connection) -> int:
    try:
        composed = compose(digest.user)
        if composed is None or not digest.user.email:
            Digest.objects.filter(pk=digest.pk).update(due_at=None)  # nothing to say today
            return 0
        subject, body = composed
        email = EmailMessage(
            subject, body, None, [digest.user.email], headers={"Message-ID": message_id(digest)}
        )
        connection.open()
        connection.send_messages([email])
    except SoftTimeLimitExceeded:
        raise  # its outcome is unknown: the lease brings it back with the same Message-ID
    except Exception as error:
        connection.close()
        now = timezone.now()
        retry = (is_mail_outage(error) or is_temporary(error)) and now - digest.created_at < GIVE_UP_AFTER
        Digest.objects.filter(pk=digest.pk).update(due_at=now + backoff(digest.attempts) if retry else None)
        log.warning(
            "digest %s to user %s failed (attempt %d): %s", digest.pk, digest.user_id, digest.attempts, error
        )
        if is_mail_outage(error):
            raise MailOutage from error
        return 0
    Digest.objects.filter(pk=digest.pk).update(sent_at=timezone.now(), due_at=None)
    return 1
