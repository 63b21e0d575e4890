"""Who else has a claim open, and who is writing to its buyer.

A double reply looks like chasing to the platform, so the claim page says "Mei is replying"
while another agent's reply box holds a draft. Each open page polls every few seconds
(`DESK_PRESENCE_POLL_SECONDS`, htmx) and each poll costs one read on one unique index, on
SQLite as on PostgreSQL: the claim, scoped to the user's stores, joined to its fresh presence
rows (access and who is here at once). The page's own row is upserted only when it is half
stale or the draft started or ended, so about every other poll adds that one small write. No Redis: the rows are tiny, one per claim, person and page load, and the database is
already shared by every web process. A page that stops polling drops out once its row is older
than `DESK_PRESENCE_FRESH_SECONDS`.

A page left properly says goodbye, and a poll it sent just before may be handled after the
goodbye, by another web process, its read before the goodbye's write and its upsert after. So
each page load has its own token (`page`), sent with every poll and with the goodbye; the
goodbye marks that page's row `gone` instead of deleting it, and the poll's upsert writes
over a row only when it is not `gone`, in the one statement (the database decides, under the
unique index's lock, whichever request comes first). The person drops out at once and stays
out; the same person opening the claim again is a new page load with a new token."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import FilteredRelation, Q
from django.utils import timezone

from .access import stores_for
from .models import Claim, ClaimPresence

# Rows of pages that went away without saying so, and the marks of pages that said goodbye,
# are deleted after this long: far longer than any request may take to be handled.
PRUNE_AFTER = timedelta(hours=1)

# The longest page token a poll may send (the column's length).
PAGE_TOKEN_MAX = 32


@dataclass(frozen=True)
class Present:
    """Another person on the same claim."""

    name: str
    replying: bool


def fresh_since(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.DESK_PRESENCE_FRESH_SECONDS)


def poll(
    user, claim_id: int, *, typing: bool, page: str = "", now: datetime | None = None
) -> list[Present] | None:
    """Say the user is on the claim in this page load (and whether they are writing a reply);
    returns who else is, or None when the user may not see the claim (the caller answers 404).
    A page that said goodbye is not brought back."""
    now = now or timezone.now()
    since = fresh_since(now)
    rows = list(
        Claim.objects.filter(pk=claim_id, store__in=stores_for(user))
        .annotate(
            here=FilteredRelation("presence", condition=Q(presence__seen_at__gte=since, presence__gone=False))
        )
        .values_list(
            "here__user_id",
            "here__user__username",
            "here__user__first_name",
            "here__seen_at",
            "here__typing_at",
            "here__page",
        )
    )
    if not rows:
        return None
    mine = next((row for row in rows if row[0] == user.pk and row[5] == page), None)
    # The page's own row is written again only once half its freshness has gone, or when the
    # draft started or ended: most polls are then the one read.
    if mine is None or mine[3] < now - (now - since) / 2 or (mine[4] is not None) != typing:
        _write_unless_gone(
            claim_id, user.pk, page, seen_at=now, typing_at=now if typing else None, gone=False
        )
    # One person may have the claim open in two tabs: named once, replying if either page is.
    others: dict[int, Present] = {}
    for user_id, username, first_name, _seen_at, typing_at, _page in rows:
        if user_id is None or user_id == user.pk:
            continue
        replying = typing_at is not None and typing_at >= since
        if user_id not in others or replying:
            others[user_id] = Present(name=first_name or username, replying=replying)
    # Whoever is replying first: that is what the reader must not miss.
    return sorted(others.values(), key=lambda present: (not present.replying, present.name.casefold()))


def _write_unless_gone(
    claim_id: int, user_id: int, page: str, *, seen_at: datetime, typing_at: datetime | None, gone: bool
) -> None:
    """Insert the page's row, or bring it up to date unless its page said goodbye: one
    statement, so a goodbye handled between a poll's read and its write still wins (the same
    SQL on SQLite and PostgreSQL; the ORM's upsert has no condition). The goodbye writes
    `gone` through it too; a row already gone stays as it is."""
    table = connection.ops.quote_name(ClaimPresence._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (claim_id, user_id, page, seen_at, typing_at, gone) "
            "VALUES (%s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (claim_id, user_id, page) DO UPDATE "
            "SET seen_at = excluded.seen_at, typing_at = excluded.typing_at, gone = excluded.gone "
            f"WHERE NOT {table}.gone",
            [claim_id, user_id, page, adapt(seen_at), adapt(typing_at), gone],
        )


def leave(user, claim_id: int, *, page: str = "", now: datetime | None = None) -> bool:
    """The user left the claim's page (this page load); False when they may not see the claim.
    The page's row is kept, marked gone, so that a poll the page sent before leaving, handled
    after this, cannot write it again."""
    if not Claim.objects.filter(pk=claim_id, store__in=stores_for(user)).exists():
        return False
    _write_unless_gone(claim_id, user.pk, page, seen_at=now or timezone.now(), typing_at=None, gone=True)
    return True


def prune(now: datetime | None = None) -> int:
    """Forget the rows of pages that went away without saying so, and the marks of pages that
    said goodbye (the worker, every minute)."""
    deleted, _by_model = ClaimPresence.objects.filter(
        seen_at__lt=(now or timezone.now()) - PRUNE_AFTER
    ).delete()
    return deleted
