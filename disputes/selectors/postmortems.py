"""Post-mortems: open improvement actions and the report by cause."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..access import managed_stores_for, stores_for
from ..models import (
    ImprovementAction,
    Outcome,
    PostMortem,
    Reason,
    RootCause,
    Store,
)
from .dashboard import week_starts


def open_actions(user, *, limit: int = 20, stores: list[Store] | None = None) -> list[ImprovementAction]:
    """The improvement actions this user owns and has not done, soonest first (their queue), each
    with its claim's id as `claim_id` and its order's as `platform_order_id`; `owner` is `user`.
    `stores`: the user's stores, when the page has read them. Written out, the same on
    PostgreSQL and SQLite: the queue asks it on every request and it is usually empty, and built
    with the ORM (three joins and the stores' subquery) it cost several times what running it
    does (issue #18)."""
    store_ids = (
        [store.pk for store in stores]
        if stores is not None
        else list(stores_for(user).values_list("pk", flat=True))
    )
    marks = ", ".join(["%s"] * len(store_ids)) or "NULL"
    sql = OPEN_ACTIONS.format(marks=marks)
    actions = list(ImprovementAction.objects.raw(sql, [user.pk, *store_ids, limit]))
    for action in actions:
        action.owner = user
    return actions


OPEN_ACTIONS = """
    SELECT a.id, a.post_mortem_id, a.store_id, a.description, a.owner_id, a.due_on, a.done_at,
           a.done_by_id, p.claim_id, o.platform_order_id
    FROM disputes_improvementaction a
    JOIN disputes_postmortem p ON p.id = a.post_mortem_id
    JOIN disputes_claim c ON c.id = p.claim_id
    JOIN disputes_order o ON o.id = c.order_id
    WHERE a.owner_id = %s AND a.done_at IS NULL AND a.store_id IN ({marks})
    ORDER BY a.due_on, a.id LIMIT %s
"""


REPORT_GROUPS = {
    "store": ("store__name", _("Store")),
    "sku": ("claim__order__lines__sku", _("Product (SKU)")),
    "reason": ("claim__reason", _("Reason")),
}


@dataclass
class CauseRow:
    label: str
    closed: int = 0
    won: int = 0
    causes: dict[str, int] = field(default_factory=dict)

    @property
    def win_rate(self) -> Decimal | None:
        if not self.closed:
            return None
        return (Decimal(self.won) * 100 / self.closed).quantize(Decimal("1"))

    def cause_counts(self) -> list[int]:
        return [self.causes.get(cause, 0) for cause in RootCause.values]


@dataclass
class PostMortemReport:
    group: str
    weeks: list[tuple[datetime, CauseRow]]
    rows: list[CauseRow]
    total: CauseRow


def post_mortems_for(user, *, store: int | None = None, weeks: int = 12, now: datetime | None = None):
    """Post-mortems of the stores this user manages, written in the last `weeks` weeks."""
    now = now or timezone.now()
    since = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        weeks=weeks
    )
    store_ids = list(managed_stores_for(user).values_list("pk", flat=True))
    if store is not None:
        store_ids = [pk for pk in store_ids if pk == store]
    return PostMortem.objects.filter(store_id__in=store_ids, written_at__gte=since)


def post_mortem_report(
    user, *, group: str = "store", store: int | None = None, weeks: int = 12, now: datetime | None = None
) -> PostMortemReport:
    """Win rate and root causes over time, and by store, product or reason: three grouped
    queries, whatever the number of post-mortems."""
    now = now or timezone.now()
    group = group if group in REPORT_GROUPS else "store"
    field_name = REPORT_GROUPS[group][0]
    chosen = post_mortems_for(user, store=store, weeks=weeks, now=now)
    won = Count("store", filter=Q(outcome__in=Outcome.wins()))

    def fill(row: CauseRow, item: dict) -> None:
        row.closed += item["n"]
        row.won += item["won"]
        row.causes[item["root_cause"]] = row.causes.get(item["root_cause"], 0) + item["n"]

    by_week: dict = {}
    total = CauseRow(str(_("All")))
    for item in (
        chosen.annotate(week=TruncWeek("written_at"))
        .values("week", "root_cause")
        .order_by()
        .annotate(n=Count("*"), won=won)
    ):
        fill(by_week.setdefault(item["week"].date(), CauseRow(item["week"].date().isoformat())), item)
        fill(total, item)
    series = [
        (datetime.combine(day, datetime.min.time()), by_week.get(day) or CauseRow(day.isoformat()))
        for day in week_starts(now, weeks)
    ]

    labels = dict(Reason.choices) if group == "reason" else {}
    groups: dict[str, CauseRow] = {}
    # Distinct counts: an order with two lines of one SKU is one claim for that SKU.
    for item in (
        chosen.values(field_name, "root_cause")
        .order_by()
        .annotate(
            n=Count("pk", distinct=True), won=Count("pk", distinct=True, filter=Q(outcome__in=Outcome.wins()))
        )
    ):
        key = item[field_name] or "—"
        fill(groups.setdefault(key, CauseRow(str(labels.get(key, key)))), item)
    rows = sorted(groups.values(), key=lambda row: (-row.closed, row.label))
    return PostMortemReport(group=group, weeks=series, rows=rows, total=total)
