"""Learning from post-mortems: did an improvement action, once done, make claims rarer?

For each action marked done, claims per 1,000 orders in the 60 days before it was done and in the
60 days after (or the days since, while fewer have passed), counted two ways in the action's
store: claims on orders of the same product (the SKUs of the claim that led to it) and claims
for the same reason. A claim counts in the window it was opened in, an order in the window it was
bought in. Four queries whatever the number of actions (at most `limit` are shown)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from ..access import managed_stores_for
from ..models import Claim, ImprovementAction, Order, OrderLine, Reason

WINDOW = timedelta(days=60)


@dataclass
class Rate:
    claims: int
    orders: int

    @property
    def per_thousand(self) -> Decimal | None:
        if not self.orders:
            return None
        return (Decimal(self.claims) * 1000 / self.orders).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Comparison:
    label: str  # the SKUs, or the reason, in words
    before: Rate
    after: Rate


@dataclass
class ActionEffect:
    action: ImprovementAction
    after_days: int  # 60, or fewer while the window is still open
    by_product: Comparison | None  # None when the claim's order listed no SKU
    by_reason: Comparison


@dataclass(frozen=True)
class _Windows:
    before: tuple[datetime, datetime]
    after: tuple[datetime, datetime]


def _windows(done_at: datetime, now: datetime) -> _Windows:
    return _Windows(before=(done_at - WINDOW, done_at), after=(done_at, min(done_at + WINDOW, now)))


def _in(field: str, window: tuple[datetime, datetime]) -> Q:
    return Q(**{f"{field}__gte": window[0], f"{field}__lt": window[1]})


def _has_sku(skus: list[str]) -> Exists:
    return Exists(OrderLine.objects.filter(order=OuterRef("pk"), sku__in=skus))


def _claim_has_sku(skus: list[str]) -> Exists:
    return Exists(OrderLine.objects.filter(order=OuterRef("order_id"), sku__in=skus))


def action_effects(
    user, *, store: int | None = None, now: datetime | None = None, limit: int = 12
) -> list[ActionEffect]:
    """The most recently done improvement actions of the stores this user manages, each with
    the claim rates before and after it."""
    now = now or timezone.now()
    store_ids = list(managed_stores_for(user).values_list("pk", flat=True))
    if store is not None:
        store_ids = [pk for pk in store_ids if pk == store]
    actions = list(
        ImprovementAction.objects.filter(store_id__in=store_ids, done_at__isnull=False, done_at__lte=now)
        .select_related("post_mortem__claim")
        .order_by("-done_at", "-pk")[:limit]
    )
    if not actions:
        return []
    skus: dict[int, list[str]] = {}
    for order_id, sku in (
        OrderLine.objects.filter(order_id__in={a.post_mortem.claim.order_id for a in actions})
        .order_by("sku")
        .values_list("order_id", "sku")
        .distinct()
    ):
        skus.setdefault(order_id, []).append(sku)

    # One conditional count per action, window and way of counting, in one query per table.
    claim_counts: dict[str, Count] = {}
    order_counts: dict[str, Count] = {}
    for n, action in enumerate(actions):
        windows = _windows(action.done_at, now)  # type: ignore[arg-type]
        claim = action.post_mortem.claim
        its_skus = skus.get(claim.order_id, [])
        for side, window in (("before", windows.before), ("after", windows.after)):
            in_store = Q(store_id=action.store_id)
            claim_counts[f"reason_{side}_{n}"] = Count(
                "pk", filter=in_store & _in("opened_at", window) & Q(reason=claim.reason)
            )
            order_counts[f"all_{side}_{n}"] = Count("pk", filter=in_store & _in("purchased_at", window))
            if its_skus:
                claim_counts[f"sku_{side}_{n}"] = Count(
                    "pk", filter=in_store & _in("opened_at", window) & Q(_claim_has_sku(its_skus))
                )
                order_counts[f"sku_{side}_{n}"] = Count(
                    "pk", filter=in_store & _in("purchased_at", window) & Q(_has_sku(its_skus))
                )
    earliest = min(a.done_at for a in actions) - WINDOW  # type: ignore[type-var, operator]
    stores = {a.store_id for a in actions}
    claims = Claim.objects.filter(store_id__in=stores, opened_at__gte=earliest).aggregate(**claim_counts)
    orders = Order.objects.filter(store_id__in=stores, purchased_at__gte=earliest).aggregate(**order_counts)

    effects = []
    for n, action in enumerate(actions):
        claim = action.post_mortem.claim
        its_skus = skus.get(claim.order_id, [])
        windows = _windows(action.done_at, now)  # type: ignore[arg-type]
        by_product = None
        if its_skus:
            by_product = Comparison(
                label=", ".join(its_skus),
                before=Rate(claims[f"sku_before_{n}"], orders[f"sku_before_{n}"]),
                after=Rate(claims[f"sku_after_{n}"], orders[f"sku_after_{n}"]),
            )
        effects.append(
            ActionEffect(
                action=action,
                after_days=(windows.after[1] - windows.after[0]).days,
                by_product=by_product,
                by_reason=Comparison(
                    label=str(Reason(claim.reason).label),
                    before=Rate(claims[f"reason_before_{n}"], orders[f"all_before_{n}"]),
                    after=Rate(claims[f"reason_after_{n}"], orders[f"all_after_{n}"]),
                ),
            )
        )
    return effects
