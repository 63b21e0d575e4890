"""The alerts a person received: the page (grouped by what they are about), the bell, the feed
the page script polls for desktop notifications and the tab title, and their settings."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Max, Q, QuerySet
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from . import sweep
from .access import stores_for
from .context_processors import unread_alerts
from .forms import AlertSettingsForm
from .models import Claim, ClaimStatus, Notification, Profile
from .requests import AuthenticatedRequest
from .templatetags.desk import countdown, span

PAGE_LIMIT = 200
FEED_LIMIT = 5
# The message alerts' subject states "awaiting a reply" (messaging.models.ReplyState.AWAITING);
# disputes reads it by value, never importing messaging.
AWAITING_REPLY = "awaiting"
KINDS = ("claims", "replies")
SHOWS = ("unread", "all")


@dataclass
class AlertFilters:
    store: int | None = None
    kind: str = ""  # "", "claims" (deadline alerts of claims) or "replies" (buyer messages)
    show: str = "unread"  # "unread" or "all"

    @classmethod
    def from_data(cls, data, user) -> "AlertFilters":
        store = data.get("store", "")
        store_id = int(store) if store.isdigit() else None
        if store_id is not None and not stores_for(user).filter(pk=store_id).exists():
            store_id = None
        kind = data.get("kind", "")
        show = data.get("show", "unread")
        return cls(store_id, kind if kind in KINDS else "", show if show in SHOWS else "unread")

    def apply(self, notes: QuerySet[Notification]) -> QuerySet[Notification]:
        if self.store is not None:
            notes = notes.filter(
                Q(alert__claim__store_id=self.store) | Q(alert__message__store_id=self.store)
            )
        if self.kind == "claims":
            notes = notes.filter(alert__claim__isnull=False)
        elif self.kind == "replies":
            notes = notes.filter(alert__message__isnull=False)
        if self.show == "unread":
            notes = notes.filter(acknowledged_at__isnull=True)
        return notes

    def query(self) -> str:
        values = {"store": self.store or "", "kind": self.kind, "show": self.show}
        return urlencode({k: v for k, v in values.items() if v})


@dataclass
class AlertRow:
    note: Notification
    said: str  # what the alert said when it was raised
    behind: str  # how long after its time it was raised, when the workers were behind


@dataclass
class AlertGroup:
    """The alerts of one claim, or of one buyer message: what they are about and where it
    stands now, then each alert as it was raised."""

    key: tuple[str, int]
    label: str
    store: str
    url: str
    what: str  # "claim" or "buyer message"
    now: str = ""  # where the deadline stands now
    overdue_now: bool = False
    rows: list[AlertRow] = field(default_factory=list)
    unread: int = 0


def _notes(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related(
        "alert",
        "alert__claim",
        "alert__claim__order",
        "alert__claim__store",
        "alert__message__thread__order",
        "alert__message__store",
    )


def _standing(alert, now: datetime) -> tuple[str, bool]:
    """Where the alert's subject stands at `now`, in words, and whether it is overdue now."""
    if alert.claim_id:
        claim = alert.claim
        if claim.status in ClaimStatus.settled():
            return _("settled: no response owed any more"), False
        if claim.respond_by is None:
            return _("no response deadline"), False
        remaining = claim.respond_by - now
        return _("response: %(countdown)s") % {"countdown": countdown(remaining)}, remaining < timedelta(0)
    message = alert.message
    if message.reply_state != AWAITING_REPLY:
        return _("answered, or no reply needed"), False
    if message.reply_by is None:
        return _("reply: no deadline"), False
    remaining = message.reply_by - now
    return _("reply: %(countdown)s") % {"countdown": countdown(remaining)}, remaining < timedelta(0)


def _subject(alert) -> tuple[tuple[str, int], str, str, str, str]:
    """(group key, label, store name, url, what) of an alert's claim or buyer message."""
    if alert.claim_id:
        claim = alert.claim
        return (
            ("claim", claim.pk),
            claim.order.platform_order_id,
            claim.store.name,
            reverse("disputes:claim", args=[claim.pk]),
            _("claim"),
        )
    message = alert.message
    order = message.thread.order
    return (
        ("message", message.pk),
        order.platform_order_id,
        message.store.name,
        reverse("disputes:order", args=[order.pk]) + "#thread",
        _("buyer message"),
    )


def group_alerts(notes, now: datetime) -> list[AlertGroup]:
    groups: dict[tuple[str, int], AlertGroup] = {}
    for note in notes:
        alert = note.alert
        key, label, store, url, what = _subject(alert)
        group = groups.get(key)
        if group is None:
            standing, overdue = _standing(alert, now)
            group = groups[key] = AlertGroup(key, label, store, url, what, standing, overdue)
        behind = alert.lateness
        group.rows.append(
            AlertRow(note, sweep.describe(alert), span(behind) if behind > timedelta(minutes=2) else "")
        )
        if note.acknowledged_at is None:
            group.unread += 1
    return list(groups.values())


@login_required
@require_GET
def alert_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = AlertFilters.from_data(request.GET, request.user)
    # Newest first: a group sits where its newest alert does.
    notes = filters.apply(_notes(request.user)).order_by("-alert__raised_at", "-pk")[:PAGE_LIMIT]
    profile, _created = Profile.objects.get_or_create(user=request.user)
    return render(
        request,
        "disputes/alerts.html",
        {
            "groups": group_alerts(notes, timezone.now()),
            "filters": filters,
            "stores": stores_for(request.user).order_by("name"),
            "settings_form": AlertSettingsForm(instance=profile),
            "limit": PAGE_LIMIT,
        },
    )


@login_required
@require_GET
def alerts_bell(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "disputes/_bell.html", {"unread_alerts": unread_alerts(request.user)})


@login_required
@require_POST
def alert_ack(request: AuthenticatedRequest, notification_id: int) -> HttpResponse:
    note = get_object_or_404(Notification, pk=notification_id, user=request.user)
    Notification.objects.filter(pk=note.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now()
    )
    return redirect(_back(request))


@login_required
@require_POST
def alerts_ack_all(request: AuthenticatedRequest) -> HttpResponse:
    """Acknowledge every unread alert of this user that the page's filters show (never anyone
    else's: the query starts from the user's own notifications)."""
    filters = AlertFilters.from_data(request.POST, request.user)
    filters.show = "unread"
    done = filters.apply(Notification.objects.filter(user=request.user)).update(
        acknowledged_at=timezone.now()
    )
    messages.success(
        request,
        ngettext("%(count)d alert acknowledged.", "%(count)d alerts acknowledged.", done) % {"count": done},
    )
    return redirect(_back(request))


def _back(request: AuthenticatedRequest) -> str:
    filters = AlertFilters.from_data(request.POST, request.user)
    query = filters.query()
    return reverse("disputes:alerts") + (f"?{query}" if query else "")


def overdue_claims(user, now: datetime) -> int:
    """The user's own claims past their response deadline: what the tab title counts."""
    return (
        Claim.objects.filter(assignee=user, respond_by__lt=now)
        .exclude(status__in=ClaimStatus.settled())
        .count()
    )


@login_required
@require_GET
def alerts_feed(request: AuthenticatedRequest) -> JsonResponse:
    """What the page script (static/js/alert-notify.js) needs: the counts for the tab title and
    favicon, and the user's unread alerts newer than the last one it saw (`after`). Without
    `after` it answers only where to start, so opening a page never replays old alerts."""
    user = request.user
    now = timezone.now()
    latest = Notification.objects.filter(user=user).aggregate(latest=Max("pk"))["latest"] or 0
    after = request.GET.get("after", "")
    fresh = []
    if after.isdigit():
        notes = (
            _notes(user).filter(pk__gt=int(after), acknowledged_at__isnull=True).order_by("pk")[:FEED_LIMIT]
        )
        for note in notes:
            _key, label, store, url, _what = _subject(note.alert)
            fresh.append(
                {
                    "id": note.pk,
                    "title": f"{label} · {store}",
                    "body": sweep.describe(note.alert),
                    "url": url,
                }
            )
    profile = Profile.objects.filter(user=user).only("alert_sound").first()
    return JsonResponse(
        {
            "unread": unread_alerts(user),
            "overdue": overdue_claims(user, now),
            "latest": latest,
            "alerts": fresh,
            "sound": bool(profile and profile.alert_sound),
            "every": settings.DESK_ALERT_POLL_SECONDS,
        }
    )


@login_required
@require_POST
def alert_settings(request: AuthenticatedRequest) -> HttpResponse:
    profile, _created = Profile.objects.get_or_create(user=request.user)
    form = AlertSettingsForm(request.POST, instance=profile)
    if form.is_valid():
        form.save()
        messages.success(request, _("Alert settings saved."))
    else:
        for field_name, errors in form.errors.items():
            label = form.fields[field_name].label if field_name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
    return redirect("disputes:alerts")
