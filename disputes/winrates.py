"""The team's win rates: how often claims like this one were won, by platform, reason and SKU.

A claim counts once it was fought to a decision: won when denied or withdrawn by the buyer,
lost when granted (whoever funds it). A refund the seller chose, or a cancelled order, is no
fight and is left out, so the rate answers "if we fight, how often do we win?".

Data is thin at the narrow levels, so each level leans on the one above it, as a Beta prior
worth `PRIOR_WEIGHT` claims: a SKU's rate starts at its reason's rate on that platform, a
reason's at the platform's, and a platform's at an even chance (Beta(1, 1)). Every estimate
keeps the counts it came from, so it can say in words why it is what it is (`WinRate.reasons`).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Claim, OrderLine, Outcome, Platform, Reason, SkuWinTally, Store, WinTally

# How many claims the level above is worth when it leans a narrow level toward its own rate:
# with 10 decided claims of its own, a SKU's rate is half its own record, half its reason's.
PRIOR_WEIGHT = 10
# Claims opened longer ago than this say little about how the team fights today.
LOOKBACK_DAYS = 365


def fought_outcomes() -> tuple[Outcome, ...]:
    """Outcomes of claims fought to a decision: wins and grants, not the seller's own refunds."""
    return (*Outcome.wins(), Outcome.GRANTED_SELLER_FUNDED, Outcome.GRANTED_PLATFORM_FUNDED)


@dataclass(frozen=True)
class Tally:
    wins: int = 0
    decided: int = 0


@dataclass(frozen=True)
class WinRate:
    """An estimated chance of winning: the level's own record, leaned toward `parent`'s rate."""

    level: str  # "platform", "reason" or "sku"
    platform: str
    reason: str
    sku: str
    wins: int
    decided: int
    prior: float  # the rate this level leans toward
    prior_weight: float  # how many claims that lean is worth
    parent: "WinRate | None" = field(default=None, repr=False)

    @property
    def rate(self) -> float:
        """The posterior mean, between 0 and 1."""
        return (self.wins + self.prior * self.prior_weight) / (self.decided + self.prior_weight)

    @property
    def percent(self) -> int:
        return round(self.rate * 100)

    @property
    def thin(self) -> bool:
        """Fewer decided claims of its own than the prior is worth: mostly the level above."""
        return self.decided < self.prior_weight

    def subject(self) -> str:
        platform = Platform(self.platform).label if self.platform in Platform.values else self.platform
        if self.level == "platform":
            return _("claims on %(platform)s") % {"platform": platform}
        reason = Reason(self.reason).label if self.reason in Reason.values else self.reason
        if self.level == "reason":
            return _("“%(reason)s” claims on %(platform)s") % {"reason": reason, "platform": platform}
        return _("“%(reason)s” claims for SKU %(sku)s") % {"reason": reason, "sku": self.sku}

    def record(self) -> str:
        """The level's own record, in words."""
        if not self.decided:
            return _("No %(subject)s decided yet.") % {"subject": self.subject()}
        return _("%(subject)s: %(wins)s won of %(decided)s decided.") % {
            "subject": self.subject()[:1].upper() + self.subject()[1:],
            "wins": self.wins,
            "decided": self.decided,
        }

    def reasons(self) -> list[str]:
        """Why the estimate is what it is, broadest level last."""
        lines = [self.record()]
        if self.thin and self.parent is None:
            lines.append(_("Too few to go by: the estimate leans toward an even chance."))
        elif self.thin and self.parent is not None:
            lines.append(
                _("Too few to go by: the estimate leans toward the rate of %(subject)s (%(percent)s%%).")
                % {"subject": self.parent.subject(), "percent": self.parent.percent}
            )
            lines.append(self.parent.record())
        lines.append(_("Estimated chance of winning: %(percent)s%%.") % {"percent": self.percent})
        return lines


@dataclass
class WinRates:
    """The team's tallies, read once; estimates for any platform, reason and SKU from them."""

    by_reason: dict[tuple[str, str], Tally]
    by_sku: dict[tuple[str, str, str], Tally]

    def platform(self, platform: str) -> WinRate:
        wins = sum(t.wins for (p, _r), t in self.by_reason.items() if p == platform)
        decided = sum(t.decided for (p, _r), t in self.by_reason.items() if p == platform)
        # Beta(1, 1): an even chance, worth two claims, until the platform has a record.
        return WinRate("platform", platform, "", "", wins, decided, prior=0.5, prior_weight=2)

    def reason(self, platform: str, reason: str) -> WinRate:
        parent = self.platform(platform)
        tally = self.by_reason.get((platform, reason), Tally())
        return WinRate(
            "reason", platform, reason, "", tally.wins, tally.decided, parent.rate, PRIOR_WEIGHT, parent
        )

    def estimate(self, platform: str, reason: str, skus: Iterable[str] = ()) -> WinRate:
        """The narrowest estimate there is: by the SKU with the longest record, else the reason."""
        parent = self.reason(platform, reason)
        tallies = [(self.by_sku.get((platform, reason, sku), Tally()), sku) for sku in skus if sku]
        if not tallies:
            return parent
        tally, sku = max(tallies, key=lambda pair: (pair[0].decided, pair[1]))
        return WinRate(
            "sku", platform, reason, sku, tally.wins, tally.decided, parent.rate, PRIOR_WEIGHT, parent
        )

    def for_claim(self, claim: Claim, skus: Iterable[str] | None = None) -> WinRate:
        """Claims like this one: same platform and reason, and the SKU of its order when known.
        Pass `skus` when the order's lines were not prefetched."""
        if skus is None:
            skus = [line.sku for line in claim.order.lines.all()]
        return self.estimate(claim.store.platform, claim.reason, skus)


def win_rates(
    stores: Sequence[Store],
    *,
    skus: Iterable[str] | None = None,
    reasons: Iterable[str] | None = None,
    now: datetime | None = None,
) -> WinRates:
    """The team's record over its stores' claims of the last `LOOKBACK_DAYS`: one query by store
    and reason, one by SKU (only for `skus` when given, none for an empty list; only for
    `reasons` when given)."""
    platforms = {store.pk: store.platform for store in stores}
    by_reason: dict[tuple[str, str], Tally] = {}
    # By store rather than by platform: no join, and the stores of a platform are summed here.
    for store_id, reason, won, total in reason_tallies(stores, now):
        key = (platforms[store_id], reason)
        before = by_reason.get(key, Tally())
        by_reason[key] = Tally(before.wins + won, before.decided + total)
    by_sku = {} if skus is not None and not skus else sku_tallies(stores, skus, reasons=reasons, now=now)
    return WinRates(by_reason=by_reason, by_sku=by_sku)


def _first_midnight(now: datetime | None) -> datetime:
    """The first UTC midnight at or after the start of the lookback: from there on, whole days
    are read from the tallies; before it, the claims themselves."""
    since = (now or timezone.now()) - timedelta(days=LOOKBACK_DAYS)
    midnight = since.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + timedelta(days=1) if midnight < since else midnight


def reason_tallies(stores: Sequence[Store], now: datetime | None = None) -> list[tuple[int, str, int, int]]:
    """(store, reason, won, decided) over the claims opened since `LOOKBACK_DAYS` ago, in one
    query: the whole UTC days from the day tallies the database keeps (`WinTally`, a row per
    store, reason and day), and the part of a day from the exact moment to the next midnight
    from the claims themselves. Rows of one store and reason may come twice; callers add them."""
    now = now or timezone.now()
    midnight = _first_midnight(now)
    store_ids = [store.pk for store in stores]
    # Written out rather than built with the ORM, as `sku_tallies`: the build cost more CPU than
    # the query (issue #18, the claim page). Same statement on PostgreSQL and SQLite.
    wins, fought = [o.value for o in Outcome.wins()], [o.value for o in fought_outcomes()]
    sql = f"""
        SELECT store_id, reason, SUM(won), SUM(decided) FROM {WinTally._meta.db_table}
        WHERE store_id IN ({_marks(store_ids)}) AND day >= %s GROUP BY store_id, reason
        UNION ALL
        SELECT store_id, reason, COUNT(CASE WHEN outcome IN ({_marks(wins)}) THEN 1 END), COUNT(*)
        FROM {Claim._meta.db_table}
        WHERE store_id IN ({_marks(store_ids)}) AND opened_at >= %s AND opened_at < %s
          AND outcome IN ({_marks(fought)})
        GROUP BY store_id, reason
    """
    params = [
        *store_ids,
        connection.ops.adapt_datefield_value(midnight.date()),
        *wins,
        *store_ids,
        *_moments(now - timedelta(days=LOOKBACK_DAYS), midnight),
        *fought,
    ]
    rows = _rows(sql, params)
    return [(store_id, reason, won, total) for store_id, reason, won, total in rows if total]


def _marks(values: Sequence) -> str:
    """The placeholders of an IN list (NULL for an empty one, which matches nothing)."""
    return ", ".join(["%s"] * len(values)) or "NULL"


def _moments(*moments: datetime) -> list:
    return [connection.ops.adapt_datetimefield_value(moment) for moment in moments]


def _rows(sql: str, params: list) -> list[tuple]:
    """The rows, their counts and sums as ints (PostgreSQL sums to a numeric or bigint)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(*row[:-2], int(row[-2] or 0), int(row[-1] or 0)) for row in cursor.fetchall()]


def sku_tallies(
    stores: Sequence[Store],
    skus: Iterable[str] | None,
    *,
    reasons: Iterable[str] | None = None,
    now: datetime | None = None,
) -> dict[tuple[str, str, str], Tally]:
    """The record by platform, reason and SKU (of `skus` and `reasons` only, when given), in one
    query, as `reason_tallies` reads it: whole UTC days from `SkuWinTally`, the first part of a
    day from the claims and their order lines. An order of several SKUs counts its claim once
    under each of them."""
    platforms = {store.pk: store.platform for store in stores}
    now = now or timezone.now()
    midnight = _first_midnight(now)
    store_ids = [store.pk for store in stores]
    wins, fought = [o.value for o in Outcome.wins()], [o.value for o in fought_outcomes()]
    # Written out, as `reason_tallies`. The claims' part joins their order's lines straight from
    # `order_id` (a claim always has its order); a claim whose order has no line gives NULL.
    tally_where, claim_where, tally_params, claim_params = "", "", [], []
    if skus is not None:
        chosen = sorted(set(skus))
        tally_where += f" AND sku IN ({_marks(chosen)})"
        claim_where += f" AND ol.sku IN ({_marks(chosen)})"
        tally_params += chosen
        claim_params += chosen
    if reasons is not None:
        chosen = sorted(set(reasons))
        tally_where += f" AND reason IN ({_marks(chosen)})"
        claim_where += f" AND c.reason IN ({_marks(chosen)})"
        tally_params += chosen
        claim_params += chosen
    sql = f"""
        SELECT store_id, reason, sku, SUM(won), SUM(decided) FROM {SkuWinTally._meta.db_table}
        WHERE store_id IN ({_marks(store_ids)}) AND day >= %s{tally_where}
        GROUP BY store_id, reason, sku
        UNION ALL
        SELECT c.store_id, c.reason, ol.sku,
               COUNT(DISTINCT CASE WHEN c.outcome IN ({_marks(wins)}) THEN c.id END),
               COUNT(DISTINCT c.id)
        FROM {Claim._meta.db_table} c
        LEFT JOIN {OrderLine._meta.db_table} ol ON ol.order_id = c.order_id
        WHERE c.store_id IN ({_marks(store_ids)}) AND c.opened_at >= %s
          AND c.opened_at < %s AND c.outcome IN ({_marks(fought)}){claim_where}
        GROUP BY c.store_id, c.reason, ol.sku
    """
    params = [
        *store_ids,
        connection.ops.adapt_datefield_value(midnight.date()),
        *tally_params,
        *wins,
        *store_ids,
        *_moments(now - timedelta(days=LOOKBACK_DAYS), midnight),
        *fought,
        *claim_params,
    ]
    rows = _rows(sql, params)
    by_sku: dict[tuple[str, str, str], Tally] = {}
    for store_id, reason, sku, won, total in rows:
        if total and sku is not None:  # None: a claim whose order has no lines
            key = (platforms[store_id], reason, sku)
            before = by_sku.get(key, Tally())
            by_sku[key] = Tally(before.wins + won, before.decided + total)
    return by_sku


def claim_win_rate(claim: Claim, stores: Sequence[Store]) -> WinRate:
    """The team's chance of winning a claim like this one, over `stores` (the viewer's)."""
    skus = [line.sku for line in claim.order.lines.all()]
    return win_rates(stores, skus=skus, reasons=[claim.reason]).for_claim(claim, skus)
