"""Fight or refund: the claim page's advice, from facts the desk already holds.

The advice weighs four things, and says each in words: how often the team wins claims like this
one, how much of the evidence its reason needs is in the vault, how close the store is to the
Order Defect Rate's line, and how long is left to respond. It never shows a bare score: agents
read why, and may choose otherwise (`disputes.services.claim_choose` keeps both)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from disputes.access import stores_for
from disputes.models import Choice, Claim, ClaimStatus, Store
from disputes.selectors.odr import odr_counts
from disputes.winrates import WinRate, claim_win_rate
from evidence.checklist import Checklist
from evidence.checklist import checklist as reason_checklist
from evidence.selectors import present_items

# The win chance from which fighting is worth it. Near the line it is lower: a refund counts
# toward the ODR exactly like a lost claim, so only a win keeps the order off it.
FIGHT_FROM = 0.50
FIGHT_FROM_NEAR_LINE = 0.30
# A store is near the line when this many more defective orders would put it over.
NEAR_LINE_ORDERS = 2
# Time enough to ask the buyer or the carrier for what is missing and still answer in time.
TIME_TO_GATHER = timedelta(hours=24)


@dataclass(frozen=True)
class Headroom:
    """The store's room under the ODR line, in defective orders."""

    orders: int  # of the ODR window
    defective_orders: int
    limit: Decimal  # percent

    @property
    def percent(self) -> Decimal:
        """The store's ODR now, rounded as the ODR card rounds it (`DefectRate.percent`)."""
        if not self.orders:
            return Decimal("0.00")
        return (Decimal(self.defective_orders) * 100 / self.orders).quantize(Decimal("0.01"))

    @property
    def allowed(self) -> int:
        """Defective orders the store may have and stay at or under the line."""
        return int(self.orders * self.limit / 100)

    @property
    def orders_left(self) -> int:
        """How many more defective orders the store can take; negative when over the line."""
        return self.allowed - self.defective_orders

    @property
    def near_line(self) -> bool:
        return self.orders_left < NEAR_LINE_ORDERS


@dataclass(frozen=True)
class Facts:
    amount: Decimal | None
    currency: str
    win: WinRate
    evidence: Checklist
    headroom: Headroom
    time_left: timedelta | None  # None: no deadline rule applies
    counts_toward_odr: bool


@dataclass(frozen=True)
class Advice:
    recommendation: Choice
    because: str  # the one sentence that decided it
    reasons: list[str] = field(default_factory=list)  # every fact weighed, in words
    facts: Facts | None = None

    @property
    def words(self) -> str:
        return {
            Choice.FIGHT: _("Fight it"),
            Choice.REFUND: _("Refund it"),
            Choice.ASK_INFO: _("Ask for information first"),
        }[self.recommendation]


def recommend(facts: Facts) -> Advice:
    """The advice for a claim, from its facts (no database: tested on hand-made facts)."""
    threshold = FIGHT_FROM_NEAR_LINE if facts.headroom.near_line and facts.counts_toward_odr else FIGHT_FROM
    likely = facts.win.rate >= threshold
    complete = not facts.evidence.missing
    has_time = facts.time_left is None or facts.time_left >= TIME_TO_GATHER
    missing = ", ".join(str(need.label) for need in facts.evidence.missing)
    if complete and likely:
        choice, because = (
            Choice.FIGHT,
            _("The evidence this reason needs is all there and the team usually wins claims like it."),
        )
    elif complete:
        choice, because = (
            Choice.REFUND,
            _("The evidence is complete, but the team seldom wins claims like it: a refund ends it sooner."),
        )
    elif has_time:
        choice, because = (
            Choice.ASK_INFO,
            _(
                "Evidence is missing (%(missing)s) and there is time to get it: ask the buyer or the carrier, then decide."
            )
            % {"missing": missing},
        )
    elif likely and facts.headroom.near_line:
        choice, because = (
            Choice.FIGHT,
            _(
                "Evidence is missing (%(missing)s) and time is short, but the store is near the ODR "
                "line and a refund would count against it: answer with what there is."
            )
            % {"missing": missing},
        )
    else:
        choice, because = (
            Choice.REFUND,
            _("Evidence is missing (%(missing)s) and there is not enough time left to get it.")
            % {"missing": missing},
        )
    return Advice(recommendation=choice, because=because, reasons=_reasons(facts, threshold), facts=facts)


def _reasons(facts: Facts, threshold: float) -> list[str]:
    reasons = [
        _("The team wins about %(percent)s%% of claims like it; fighting pays from %(threshold)s%% here.")
        % {"percent": facts.win.percent, "threshold": round(threshold * 100)},
        *facts.win.reasons()[:-1],  # its last line repeats the estimate said above
    ]
    reasons.append(
        _("Evidence: %(done)s of %(total)s items the reason needs are present.")
        % {"done": facts.evidence.done, "total": facts.evidence.total}
    )
    room = facts.headroom
    odr = {"percent": room.percent, "limit": room.limit, "left": room.orders_left}
    if room.orders == 0:
        reasons.append(_("The store has no orders in the ODR window yet."))
    elif room.orders_left < 0:
        reasons.append(
            _("The store's ODR is %(percent)s %%, over the %(limit)s %% line: only a won claim comes off it.")
            % odr
        )
    else:
        reasons.append(
            ngettext(
                "The store's ODR is %(percent)s %%: %(left)s more defective order keeps it within %(limit)s %%.",
                "The store's ODR is %(percent)s %%: %(left)s more defective orders keep it within %(limit)s %%.",
                room.orders_left,
            )
            % odr
        )
    if facts.counts_toward_odr:
        reasons.append(_("A refund counts toward the ODR as a lost claim does; a won claim does not."))
    if facts.time_left is None:
        reasons.append(_("No response deadline applies."))
    elif facts.time_left <= timedelta(0):
        reasons.append(_("The response is overdue: the platform may decide without it."))
    else:
        hours = int(facts.time_left.total_seconds() // 3600)
        reasons.append(
            ngettext("%(hours)s hour left to respond.", "%(hours)s hours left to respond.", hours)
            % {"hours": hours}
        )
    if facts.amount is not None:
        reasons.append(
            _("A refund costs %(amount)s %(currency)s.")
            % {"amount": facts.amount, "currency": facts.currency}
        )
    return reasons


# --- reading the facts of one claim ----------------------------------------------------------


def facts_of(claim: Claim, stores: Sequence[Store], now: datetime | None = None) -> Facts:
    """`stores`: the viewer's, whose claims make up "the team's" record."""
    now = now or timezone.now()
    order = claim.order
    return Facts(
        amount=claim.amount if claim.amount is not None else order.total,
        currency=order.currency,
        win=claim_win_rate(claim, stores),
        evidence=reason_checklist(claim.reason, [item.kind for item in present_items(order)]),
        headroom=Headroom(
            *odr_counts([claim.store_id], now)[claim.store_id], Decimal(settings.DESK_ODR_LIMIT_PERCENT)
        ),
        time_left=claim.respond_by - now if claim.respond_by else None,
        counts_toward_odr=claim.counts_toward_odr,
    )


def advice_for(claim: Claim, stores: Sequence[Store], now: datetime | None = None) -> Advice:
    return recommend(facts_of(claim, stores, now))


def card(user: User, claim: Claim, **extra) -> dict:
    """What the claim page's "Fight or refund?" card shows (its tag and its htmx view)."""
    return {
        **extra,
        "claim": claim,
        "choices": Choice.choices,
        "advice": None
        if claim.status in ClaimStatus.settled()
        else advice_for(claim, list(stores_for(user))),
    }
