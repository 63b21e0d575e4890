"""Who else has a claim open, and who is writing to its buyer.

A double reply looks like chasing to the platform, so the claim page says "Mei is replying"
while another agent's reply box holds a draft. Each open page polls every few seconds
(`DESK_PRESENCE_POLL_SECONDS`, htmx) and each poll costs one read on one unique index, on
SQLite as on PostgreSQL: the claim, scoped to the user's stores, joined to its fresh presence
rows (access and who is here at once). The user's own row is upserted only when it is half
stale or the draft started or ended, so about every other poll adds that one small write. No Redis: the rows are tiny, one per claim and person, and the database is
already shared by every web process. A page that stops polling drops out once its row is older
than `DESK_PRESENCE_FRESH_SECONDS`; a page left properly deletes its row at once."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import FilteredRelation, Q
from django.utils import timezone

from .access import stores_for
from .models import Claim, ClaimPresence

# Rows of pages that went away without saying so are deleted after this long.
PRUNE_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Present:
    """Another person on the same claim."""

    name: str
    replying: bool


def fresh_since(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.DESK_PRESENCE_FRESH_SECONDS)


def poll(user, claim_id: int, *, typing: bool, now: datetime | None = None) -> list[Present] | None:
    """Say the user is on the claim (and whether they are writing a reply); returns who else is,
    or None when the user may not see the claim (the caller answers 404)."""
    now = now or timezone.now()
    since = fresh_since(now)
    rows = list(
        Claim.objects.filter(pk=claim_id, store__in=stores_for(user))
        .annotate(here=FilteredRelation("presence", condition=Q(presence__seen_at__gte=since)))
        .values_list(
            "here__user_id",
            "here__user__username",
            "here__user__first_name",
            "here__seen_at",
            "here__typing_at",
        )
    )
    if not rows:
        return None
    mine = next((row for row in rows if row[0] == user.pk), None)
    # The user's own row is written again only once half its freshness has gone, or when the
    # draft started or ended: most polls are then the one read.
    if mine is None or mine[3] < now - (now - since) / 2 or (mine[4] is not None) != typing:
        ClaimPresence.objects.bulk_create(
            [ClaimPresence(claim_id=claim_id, user=user, seen_at=now, typing_at=now if typing else None)],
            update_conflicts=True,
            unique_fields=["claim", "user"],
            update_fields=["seen_at", "typing_at"],
        )
    others = [
        Present(name=first_name or username, replying=typing_at is not None and typing_at >= since)
        for user_id, username, first_name, _seen_at, typing_at in rows
        if user_id is not None and user_id != user.pk
    ]
    # Whoever is replying first: that is what the reader must not miss.
    return sorted(others, key=lambda present: (not present.replying, present.name.casefold()))


def leave(user, claim_id: int) -> bool:
    """The user left the claim's page; False when they may not see the claim."""
    if not Claim.objects.filter(pk=claim_id, store__in=stores_for(user)).exists():
        return False
    ClaimPresence.objects.filter(claim_id=claim_id, user=user).delete()
    return True


def prune(now: datetime | None = None) -> int:
    """Forget the rows of pages that went away without saying so (the worker, every minute)."""
    deleted, _by_model = ClaimPresence.objects.filter(
        seen_at__lt=(now or timezone.now()) - PRUNE_AFTER
    ).delete()
    return deleted
