"""How urgent a deadline is: the one rule behind every countdown badge of a claim's response
and a buyer message's reply (`Claim.due_state(now)`, `Message.due_state(now)`)."""

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone


class Urgency(enum.StrEnum):
    """Each value is also the badge's CSS class (`badge-<value>`)."""

    NONE = "none"  # no clock running: no deadline, a closed claim, an answered message
    ON_TIME = "fine"
    DUE_SOON = "warning"  # within the first warning of its rule: the first warning alert has fired
    DUE_TODAY = "today"  # before the user's local day ends
    OVERDUE = "overdue"  # the due time has passed (at the due time itself it is still due)


def end_of_local_day(now: datetime) -> datetime:
    """Midnight after `now` in the active time zone (the user's)."""
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


@dataclass(frozen=True)
class DueState:
    state: Urgency
    remaining: timedelta | None  # negative once overdue; None without a clock
    # How long before the due time "due soon" starts: the badge's script recolours by it.
    soon: timedelta | None = field(default=None, compare=False)

    @property
    def soon_seconds(self) -> int:
        return int(self.soon.total_seconds()) if self.soon is not None else 0

    @classmethod
    def of(cls, due: datetime | None, now: datetime, *, due_soon: timedelta) -> "DueState":
        """The state of a deadline `due` at `now`; `due_soon` is how long before it the first
        warning comes. Overdue, then due today, then due soon, whichever comes first."""
        if due is None:
            return cls(Urgency.NONE, None)
        remaining = due - now
        if remaining < timedelta(0):
            return cls(Urgency.OVERDUE, remaining, due_soon)
        if due < end_of_local_day(now):
            return cls(Urgency.DUE_TODAY, remaining, due_soon)
        if remaining <= due_soon:
            return cls(Urgency.DUE_SOON, remaining, due_soon)
        return cls(Urgency.ON_TIME, remaining, due_soon)
