"""Counts per store and hour that the dashboard adds up instead of reading every order and claim.

Each row holds, for one store and one hour (UTC): the orders bought in it; the claims on those
orders, how many of those orders have a claim counting toward the Order Defect Rate and how many
of them have such a claim already decided, and the claims among them that count and are not
decided yet, by reason (the ODR forecast weighs each with its chance of being won); the
claims opened in it and how many of those were won or lost. The database keeps the rows itself:
triggers on the order and claim tables recount the hours a write touched, in the same
transaction (migration 0018), whoever writes — the claim services, the importer's COPY, a
bulk update, the admin. So the counts are never stale, and never need a worker.

Hours, not days: a day or week in any time zone whose offset is a whole number of hours is a
whole number of UTC hours, so the pages group these rows by the reader's day or week exactly.
"""

from django.conf import settings
from django.db import models

from .claims import Reason
from .rules import ClaimKind


class StoreHour(models.Model):
    # No constraint: when a store goes, its orders' and claims' triggers recount hours of a store
    # already deleted (zero rows, never read again); a constraint would refuse that at commit.
    store = models.ForeignKey(
        "disputes.Store", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False
    )
    hour = models.DateTimeField()
    # By the hour the order was bought.
    orders = models.IntegerField(default=0)
    claims = models.IntegerField(default=0)
    defective = models.IntegerField(default=0)
    # Of those orders, the ones with a claim that counts of each group of kinds the store page
    # shows (`DEFECT_KIND_COLUMNS`): an order with claims of two groups is in both.
    defective_feedback = models.IntegerField(default=0)
    defective_chargeback = models.IntegerField(default=0)
    defective_other = models.IntegerField(default=0)
    # Of those orders, the ones with a decided claim that counts (the rest have only open ones).
    settled = models.IntegerField(default=0)
    # Of those claims, the ones that count toward the ODR and are not decided yet, by reason: a
    # column per `Reason` (`PENDING_COLUMNS`; a claim whose reason is none of them counts as
    # "other"), so the dashboard's one read of the days carries them.
    pending_not_received = models.IntegerField(default=0)
    pending_damaged = models.IntegerField(default=0)
    pending_not_as_described = models.IntegerField(default=0)
    pending_missing_parts = models.IntegerField(default=0)
    pending_price = models.IntegerField(default=0)
    pending_refund_not_processed = models.IntegerField(default=0)
    pending_other = models.IntegerField(default=0)
    # By the hour the claim was opened.
    opened = models.IntegerField(default=0)
    won = models.IntegerField(default=0)
    lost = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "hour"], name="store_hour_unique")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.hour:%Y-%m-%d %H}:00"


# The pending claims' column of each reason, in `Reason`'s order.
PENDING_COLUMNS = {reason.value: f"pending_{reason.value}" for reason in Reason}

# The store page's groups of defects (`selectors.odr.DefectRate`): negative feedback,
# chargebacks, and "claims", any other kind. The column of each, with the kinds that are in it
# (None: every kind not named by another group).
DEFECT_KIND_COLUMNS: dict[str, list[str] | None] = {
    "defective_feedback": [ClaimKind.NEGATIVE_FEEDBACK],
    "defective_chargeback": [ClaimKind.CHARGEBACK],
    "defective_other": None,
}


class WinTally(models.Model):
    """Claims fought to a decision (`disputes.winrates.fought_outcomes`) per store, reason and day
    opened (UTC), and how many of them were won: the team's win rates add up a year of these
    rows instead of reading a year of claims. Kept by triggers on the claim table, in the same
    transaction as the write (disputes/win_tallies.py); each write adds or takes away its own
    claim, so concurrent writes to one day never overwrite each other."""

    store = models.ForeignKey(
        "disputes.Store", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False
    )
    day = models.DateField()
    reason = models.CharField(max_length=30)
    won = models.IntegerField(default=0)
    decided = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "day", "reason"], name="win_tally_unique")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.day} {self.reason}: {self.won}/{self.decided}"


class SkuWinTally(models.Model):
    """The same claims as `WinTally`, counted under each SKU of their order (once per SKU, however
    many lines have it): the win rates by SKU add up these rows instead of joining a year of
    claims to their order lines. Kept by triggers on the claim and order line tables, in the same
    transaction as the write (disputes/win_tallies.py). A claim counts under the SKUs its order
    has now: when lines are added, removed or change SKU after the claim was decided, the claim
    moves to the new SKUs."""

    store = models.ForeignKey(
        "disputes.Store", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False
    )
    sku = models.CharField(max_length=100)
    reason = models.CharField(max_length=30)
    day = models.DateField()
    won = models.IntegerField(default=0)
    decided = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # Also the index of the reads: a store's SKUs (and reasons) from a day on.
            models.UniqueConstraint(fields=["store", "sku", "reason", "day"], name="sku_win_tally_unique")
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.sku} {self.day} {self.reason}: {self.won}/{self.decided}"


class AgentDayTally(models.Model):
    """Claims decided (an outcome and the moment the platform decided) per store, assignee and
    UTC day of the decision, and how many of them were won: the managers' per-agent figures and
    an agent's own day add up a month of these rows instead of reading a month of decisions.
    Kept by triggers on the claim table, in the same transaction as the write
    (disputes/agent_tallies.py); each write adds or takes away its own claim, so concurrent
    writes to one day never overwrite each other."""

    store = models.ForeignKey(
        "disputes.Store", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False
    )
    # No constraint: a user's deletion unassigns their claims (which takes them out of these
    # rows) and leaves their rows at zero, never read again.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        db_index=False,
    )
    day = models.DateField()
    decided = models.IntegerField(default=0)
    won = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # Also the index of the reads: a store's days from the window's start on, with the
            # assignee (the managers' figures all of them, an agent's own day one).
            models.UniqueConstraint(fields=["store", "day", "assignee"], name="agent_day_tally_unique")
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.day} {self.assignee_id}: {self.won}/{self.decided}"


class OpenClaimCount(models.Model):
    """Open claims (any status but closed) per store, assignee and UTC hour, day and month they
    are due: the dashboard's per-agent load, overdue and due-soon counts add up a few of these
    rows (the months before this one, this month's days before today, today's hours up to the
    next 24 hours) and read from the claims themselves only those due in the hours that a
    moment splits (now, 24 hours from now, the end of the reader's day), instead of every open
    claim. Each claim is in one row of each span. Kept by triggers on the claim table, in the
    same transaction as the write (disputes/open_counts.py); each write adds or takes away its
    own claim, so concurrent writes never overwrite each other's count."""

    HOUR = "hour"
    DAY = "day"
    MONTH = "month"
    SPANS = (HOUR, DAY, MONTH)
    # A claim with no due time is counted as due then (in each span): never overdue.
    NO_DUE = "9999-12-31 00:00:00"

    store = models.ForeignKey(
        "disputes.Store", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False
    )
    # "hour", "day" or "month": `due` is the start of that span (UTC).
    span = models.CharField(max_length=5)
    due = models.DateTimeField()
    # The assignee's user id, 0 when the claim is unassigned (a plain number so that 0 can be a
    # key: a user's deletion unassigns their claims, which moves them to 0).
    assignee = models.BigIntegerField()
    claims = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # Also the index of the reads: a store's spans from a moment to another.
            models.UniqueConstraint(
                fields=["store", "span", "due", "assignee"], name="open_claim_count_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.span} {self.due:%Y-%m-%d %H}:00 {self.assignee}: {self.claims}"
