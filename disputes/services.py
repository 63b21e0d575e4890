"""Every change to a claim happens here: the change and its timeline row, in one transaction."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from . import alerts, dates, deadlines
from .models import (
    Choice,
    Claim,
    ClaimKind,
    ClaimStatus,
    DeadlineKind,
    ImprovementAction,
    Membership,
    Order,
    Outcome,
    Platform,
    PostMortem,
    Priority,
    Reason,
    RootCause,
)
from .timeline import Action, record

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ClaimError(Exception):
    """A change the rules do not allow; the message says why, for the user."""


class ClaimConflict(ClaimError):
    """Someone else saved the claim since this user loaded it."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or _(
                "Someone else changed this claim while you were working on it. "
                "Reload the page to see their change, then try again."
            )
        )


# Sent inside claim_close before anything changes: a receiver refuses by raising ClaimError
# (messaging: a conversation that left the platform owes its closing summary first).
claim_closing = Signal()


# Which status may follow which. Closing is its own service (it needs an outcome).
ALLOWED_MOVES: dict[str, set[str]] = {
    ClaimStatus.NEW: {ClaimStatus.IN_PROGRESS, ClaimStatus.RESPONDED},
    ClaimStatus.IN_PROGRESS: {ClaimStatus.RESPONDED},
    ClaimStatus.RESPONDED: {ClaimStatus.IN_PROGRESS},
    ClaimStatus.APPEALING: {ClaimStatus.RESPONDED},
    ClaimStatus.DECIDED: set(),  # only closing (with its post-mortem) follows a decision
    ClaimStatus.CLOSED: set(),
}


def _locked(claim: Claim, version: int | None) -> Claim:
    """Lock the row and refuse a stale edit, so a second save never silently overwrites."""
    # Only the claim's row: locking the store's row too would hold up anyone adding to the store.
    current = Claim.objects.select_for_update(of=("self",)).select_related("store", "order").get(pk=claim.pk)
    if version is not None and current.version != version:
        raise ClaimConflict()
    return current


def _save(claim: Claim, fields: list[str]) -> None:
    claim.version += 1
    claim.save(update_fields=[*fields, "version", "updated_at"])


# Fields whose conflicts are told apart per field, each with the timeline action recording a
# change to it. Two people may change different fields of one claim at once: each form carries
# the value its field had when the page was loaded, and only a change to that very field since
# then is a conflict (the claim's version moving because of another field is not).
FIELD_ACTIONS = {
    "assignee": Action.ASSIGNED,
    "priority": Action.PRIORITY,
    "status": Action.STATUS,
    "choice": Action.CHOSEN,
}


def _field_conflict(
    claim: Claim, name: str, now_shown: "StrOrPromise", yours_shown: "StrOrPromise"
) -> ClaimConflict:
    """The conflict message: who changed the field, to what, and when, from the timeline."""
    labels = {
        "assignee": _("assignee"),
        "priority": _("priority"),
        "status": _("status"),
        "choice": _("choice between fighting and refunding"),
    }
    event = (
        claim.events.filter(action=FIELD_ACTIONS[name]).select_related("actor").order_by("-at", "-pk").first()
    )
    values = {"field": labels[name], "now": now_shown, "yours": yours_shown}
    if event is None or event.actor is None:
        return ClaimConflict(
            _(
                "Someone else changed the %(field)s to %(now)s after you opened this page. "
                "Your choice, %(yours)s, was not saved: check it and save again."
            )
            % values
        )
    return ClaimConflict(
        _(
            "%(who)s changed the %(field)s to %(now)s at %(when)s, after you opened this "
            "page. Your choice, %(yours)s, was not saved: check it and save again."
        )
        % {
            **values,
            "who": event.actor.get_username(),
            "when": dates.moment_text(event.at),
        }
    )


def _username(user: User | None) -> str:
    return user.get_username() if user else _("nobody")


def _apply_respond_deadline(claim: Claim) -> deadlines.Deadline | None:
    deadline = deadlines.for_claim(claim, DeadlineKind.RESPOND)
    claim.respond_by = deadline.due if deadline else None
    claim.respond_rule = deadline.rule if deadline else None
    claim.respond_explained = deadline.explanation[:300] if deadline else ""
    alerts.schedule(claim)
    return deadline


def _apply_stated_deadline(claim: Claim, stated: datetime) -> None:
    """The response is due when the platform's own notice says, not when the rule would put it
    (the rule still gives the warnings before it)."""
    claim.respond_by = stated
    claim.respond_explained = _("Due when the platform's notice says the response is due.")
    alerts.schedule(claim)


DEADLINE_FIELDS = ["respond_by", "respond_rule", "respond_explained", "next_alert_at", "next_alert_threshold"]


def _check_assignee(claim: Claim, assignee: User | None) -> None:
    if assignee is None or assignee.is_superuser:
        return
    if not Membership.objects.filter(user=assignee, store_id=claim.store_id).exists():
        raise ClaimError(
            _("%(user)s is not a member of %(store)s.") % {"user": assignee, "store": claim.store}
        )


@transaction.atomic
def claim_open(
    *,
    order: Order,
    kind: str,
    reason: str,
    by: User | None,
    opened_at: datetime | None = None,
    platform_requested_at: datetime | None = None,
    amount: Decimal | None = None,
    platform_claim_id: str = "",
    assignee: User | None = None,
    priority: int = Priority.NORMAL,
    stated_respond_by: datetime | None = None,
) -> Claim:
    """`stated_respond_by`: the response deadline the platform stated (its notice), which
    replaces the rule's."""
    claim = Claim(
        store=order.store,
        order=order,
        kind=kind,
        reason=reason,
        amount=amount,
        platform_claim_id=platform_claim_id,
        opened_at=opened_at or timezone.now(),
        platform_requested_at=platform_requested_at,
        assignee=assignee,
        priority=priority,
        created_by=by,
    )
    _check_assignee(claim, assignee)
    deadline = _apply_respond_deadline(claim)
    if stated_respond_by is not None:
        _apply_stated_deadline(claim, stated_respond_by)
    claim.save()
    record(claim, Action.OPENED, by=by, at=claim.opened_at, kind=claim.kind, reason=claim.reason)
    if stated_respond_by is not None:
        record(claim, Action.DEADLINE_SET, by=by, respond_by=claim.respond_by, note=claim.respond_explained)
    elif deadline:
        record(claim, Action.DEADLINE_SET, by=by, respond_by=deadline.due, rule=deadline.explained)
    if assignee:
        record(claim, Action.ASSIGNED, by=by, assignee=assignee)
    return claim


@transaction.atomic
def claim_move(*, claim: Claim, to_status: str, by, loaded: str | None, note: str = "") -> Claim:
    """`loaded` is the status the user saw: a move someone else made since is not overridden,
    while their changes to other fields do not stand in the way."""
    claim = _locked(claim, None)
    if claim.status == to_status:
        return claim
    if claim.status != loaded:
        raise _field_conflict(claim, "status", claim.get_status_display(), ClaimStatus(to_status).label)
    if to_status not in ALLOWED_MOVES[claim.status]:
        raise ClaimError(
            _("A claim that is %(from)s cannot move to %(to)s.")
            % {"from": claim.get_status_display(), "to": ClaimStatus(to_status).label}
        )
    before = claim.status
    claim.status = to_status
    _save(claim, ["status"])
    record(claim, Action.STATUS, by=by, was_status=before, status=to_status, note=note)
    return claim


@dataclass(frozen=True)
class PostMortemDraft:
    """What closing a claim must say: why it happened, what decided it, and what changes next."""

    root_cause: str
    decided_by: str
    action: str
    owner: User | None
    due_on: date | None


def _check_post_mortem(claim: Claim, draft: PostMortemDraft | None) -> PostMortemDraft:
    if draft is None:
        raise ClaimError(_("A claim cannot be closed without its post-mortem."))
    problems = []
    if draft.root_cause not in RootCause.values:
        problems.append(_("choose the root cause"))
    if not draft.decided_by.strip():
        problems.append(_("say what decided the outcome"))
    if not draft.action.strip():
        problems.append(_("name an improvement action"))
    if draft.owner is None:
        problems.append(_("give the action an owner"))
    if draft.due_on is None:
        problems.append(_("give the action a due date"))
    elif draft.due_on < timezone.localdate():
        problems.append(_("the action's due date is in the past"))
    if problems:
        raise ClaimError(
            _("The post-mortem is incomplete: %(problems)s.") % {"problems": "; ".join(problems)}
        )
    assert draft.owner is not None  # else a problem was raised above
    if (
        not draft.owner.is_superuser
        and not Membership.objects.filter(user=draft.owner, store_id=claim.store_id).exists()
    ):
        raise ClaimError(
            _("%(user)s is not a member of %(store)s.") % {"user": draft.owner, "store": claim.store}
        )
    return draft


@transaction.atomic
def claim_close(
    *,
    claim: Claim,
    outcome: str,
    by,
    version: int | None,
    post_mortem: PostMortemDraft | None,
    note: str = "",
    closed_at: datetime | None = None,
    decided_at: datetime | None = None,
) -> Claim:
    """Close with an outcome. The post-mortem is part of closing: no post-mortem, no close.

    `closed_at` is when the outcome is recorded (now); `decided_at` when the platform decided
    (default: the same moment). The appeal window counts from the decision."""
    claim = _locked(claim, version)
    if claim.status == ClaimStatus.CLOSED:
        raise ClaimError(_("This claim is already closed."))
    if outcome not in Outcome.values:
        raise ClaimError(_("Choose an outcome."))
    closed_at = closed_at or timezone.now()
    # A claim the platform's notice decided keeps that moment unless the user gives another.
    decided_at = decided_at or claim.decided_at or closed_at
    if decided_at > closed_at:
        raise ClaimError(_("The platform's decision cannot be in the future."))
    if decided_at < claim.opened_at:
        raise ClaimError(_("The platform cannot have decided before the claim was opened."))
    claim_closing.send(sender=Claim, claim=claim)
    draft = _check_post_mortem(claim, post_mortem)
    before_status, before_outcome = claim.status, claim.outcome
    claim.status = ClaimStatus.CLOSED
    claim.outcome = outcome
    claim.closed_at, claim.decided_at = closed_at, decided_at
    claim.counts_toward_odr = Outcome(outcome).counts_toward_odr
    # Only a granted, seller-funded claim can be appealed (DOMAIN: 30 days on Amazon).
    appeal = deadlines.for_claim(claim, DeadlineKind.APPEAL) if Outcome(outcome).is_appealable else None
    claim.appeal_by = appeal.due if appeal else None
    claim.next_alert_at, claim.next_alert_threshold = None, ""
    snoozed_until = claim.snoozed_until
    _clear_snooze(claim)
    _save(
        claim,
        [
            *SNOOZE_FIELDS,
            "status",
            "outcome",
            "closed_at",
            "decided_at",
            "counts_toward_odr",
            "appeal_by",
            "next_alert_at",
            "next_alert_threshold",
        ],
    )
    if snoozed_until is not None:
        record(claim, Action.UNSNOOZED, by=by, snoozed_until=snoozed_until)
    record(claim, Action.STATUS, by=by, was_status=before_status, status=claim.status, note=note)
    record(claim, Action.OUTCOME, by=by, was_outcome=before_outcome, outcome=outcome)
    record(claim, Action.DECIDED, by=by, decided_at=decided_at)
    if appeal:
        record(claim, Action.APPEAL_DEADLINE_SET, by=by, appeal_by=appeal.due, rule=appeal.explained)
    written = PostMortem.objects.create(
        claim=claim,
        store_id=claim.store_id,
        outcome=outcome,
        root_cause=draft.root_cause,
        decided_by=draft.decided_by.strip(),
        written_by=by,
        written_at=claim.closed_at,
    )
    assert draft.owner is not None and draft.due_on is not None  # _check_post_mortem required them
    action = ImprovementAction.objects.create(
        post_mortem=written,
        store_id=claim.store_id,
        description=draft.action.strip(),
        owner=draft.owner,
        due_on=draft.due_on,
    )
    record(claim, Action.POST_MORTEM, by=by, root_cause=written.root_cause, note=written.decided_by)
    record(
        claim,
        Action.ACTION_SET,
        by=by,
        owner=draft.owner,
        description=action.description,
        due_on=action.due_on,
    )
    return claim


@transaction.atomic
def action_done(*, action: ImprovementAction, by) -> ImprovementAction:
    action = ImprovementAction.objects.select_for_update().select_related("post_mortem").get(pk=action.pk)
    if action.done_at is not None:
        raise ClaimError(_("This action is already done."))
    action.done_at, action.done_by = timezone.now(), by
    action.save(update_fields=["done_at", "done_by"])
    claim = Claim(pk=action.post_mortem.claim_id)
    record(claim, Action.ACTION_DONE, by=by, description=action.description)
    return action


@transaction.atomic
def claim_appeal(*, claim: Claim, by, version: int | None, note: str = "", now=None) -> Claim:
    """Reopen a granted, seller-funded claim to appeal it, within the appeal window."""
    now = now or timezone.now()
    claim = _locked(claim, version)
    if claim.status != ClaimStatus.CLOSED or not (claim.outcome and Outcome(claim.outcome).is_appealable):
        raise ClaimError(_("Only a claim granted at the seller's expense can be appealed."))
    if claim.appeal_by is None or claim.appeal_by < now:
        raise ClaimError(_("The appeal window for this claim has passed."))
    before = claim.status
    claim.status = ClaimStatus.APPEALING
    claim.outcome = ""
    claim.closed_at = claim.decided_at = None
    claim.counts_toward_odr = True
    _save(claim, ["status", "outcome", "closed_at", "decided_at", "counts_toward_odr"])
    record(claim, Action.STATUS, by=by, was_status=before, status=claim.status, note=note)
    return claim


@transaction.atomic
def claim_reopen(*, claim: Claim, by, version: int | None, reason: str, now: datetime | None = None) -> Claim:
    """Reopen a closed claim (the buyer or the platform took it up again), saying why.

    The outcome is withdrawn: a pending claim counts toward the ODR again (DOMAIN: pending ones
    do) and has no appeal window. The post-mortem of the closing stays as it was written, with
    that outcome and its improvement action; closing again asks for a new one. The response
    deadline stays what it was; only its thresholds still ahead are alerted (record the
    platform's new request to start a new window)."""
    now = now or timezone.now()
    claim = _locked(claim, version)
    if claim.status != ClaimStatus.CLOSED:
        raise ClaimError(_("Only a closed claim can be reopened."))
    reason = reason.strip()
    if not reason:
        raise ClaimError(_("Say why the claim is reopened."))
    before_outcome = claim.outcome
    claim.status = ClaimStatus.IN_PROGRESS
    claim.outcome = ""
    claim.closed_at = claim.decided_at = claim.appeal_by = None
    claim.counts_toward_odr = True
    ahead = [threshold for threshold in alerts.thresholds_for(claim) if threshold.at > now]
    claim.next_alert_at = ahead[0].at if ahead else None
    claim.next_alert_threshold = ahead[0].name if ahead else ""
    _save(
        claim,
        [
            "status",
            "outcome",
            "closed_at",
            "decided_at",
            "appeal_by",
            "counts_toward_odr",
            "next_alert_at",
            "next_alert_threshold",
        ],
    )
    record(claim, Action.REOPENED, by=by, status=claim.status, was_outcome=before_outcome, note=reason)
    return claim


# --- Snooze -------------------------------------------------------------------------------

SNOOZE_FIELDS = ["snoozed_until", "snooze_note", "snoozed_by", "snooze_alert_at"]


def _clear_snooze(claim: Claim) -> None:
    claim.snoozed_until = claim.snooze_alert_at = claim.snoozed_by = None
    claim.snooze_note = ""


def snooze_latest(claim: Claim) -> datetime | None:
    """The latest a snooze of this claim may end: the response deadline's first warning (the
    moment it turns "due soon"), so a snooze never sleeps through a platform deadline."""
    if claim.respond_by is None:
        return None
    return claim.respond_by - timedelta(hours=claim.warnings[0])


@dataclass(frozen=True)
class Snoozed:
    claim: Claim
    until: datetime
    asked: datetime | None  # what the user asked for, when the deadline cut the snooze short


@transaction.atomic
def claim_snooze(
    *, claim: Claim, until: datetime, note: str, by, version: int | None, now: datetime | None = None
) -> Snoozed:
    """Put an open claim aside until `until` ("check tracking tomorrow"). It leaves the queue
    and comes back at the top of its owner's; the worker reminds the owner when it is time.

    A snooze never hides a platform deadline: one asked past the response deadline's first
    warning is cut short to it (the timeline says so), and a claim already that close to its
    deadline cannot be snoozed."""
    now = now or timezone.now()
    claim = _locked(claim, version)
    if not claim.is_open:
        raise ClaimError(_("A closed claim cannot be snoozed."))
    if until <= now:
        raise ClaimError(_("Choose a time in the future."))
    latest = snooze_latest(claim)
    asked = None
    if latest is not None and until > latest:
        if latest <= now + timedelta(minutes=1):
            raise ClaimError(
                _(
                    "The response to the platform is due %(due)s and its first warning has passed: "
                    "answer first, a snooze cannot put this claim aside."
                )
                % {"due": dates.moment_text(claim.respond_by)}
            )
        asked, until = until, latest
    claim.snoozed_until = claim.snooze_alert_at = until
    claim.snooze_note = note.strip()[:500]
    claim.snoozed_by = by
    _save(claim, SNOOZE_FIELDS)
    record(claim, Action.SNOOZED, by=by, snoozed_until=until, asked_until=asked, note=claim.snooze_note)
    return Snoozed(claim=claim, until=until, asked=asked)


@transaction.atomic
def claim_unsnooze(*, claim: Claim, by) -> Claim:
    """Take the snooze off: early (the tracking moved after all) or once it has ended and the
    owner has dealt with it, which takes the claim off the top of the queue."""
    claim = _locked(claim, None)
    if claim.snoozed_until is None:
        raise ClaimError(_("This claim is not snoozed."))
    was = claim.snoozed_until
    _clear_snooze(claim)
    _save(claim, SNOOZE_FIELDS)
    record(claim, Action.UNSNOOZED, by=by, snoozed_until=was)
    return claim


@dataclass
class Assigned:
    """What a (bulk) assignment did: how many claims changed, and the ones refused because
    someone else had changed their assignee in the meantime."""

    changed: int = 0
    conflicts: list[tuple[Claim, ClaimConflict]] = field(default_factory=list)
    # Claims left as they were because the assignee may not work on them (another store).
    skipped: list[tuple[Claim, ClaimError]] = field(default_factory=list)


@transaction.atomic
def claim_assign(
    *, claims: Iterable[Claim], assignee: User | None, by, loaded: Mapping[int, int | None]
) -> Assigned:
    """Assign (or unassign, with None) several claims. `loaded` maps each claim's id to the
    assignee id the user saw (None: nobody). A claim whose assignee someone else changed since
    is left as it is and reported, and so is one of a store the assignee is not a member of;
    the others go through."""
    result = Assigned()
    wanted = assignee.pk if assignee else None
    # Locked in id order, so that two bulk assignments over the same claims cannot deadlock.
    # The assignee is not joined here: a row read after waiting for its lock is fresh, but a
    # joined row is the one from before the wait.
    locked = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("store", "order")
        .filter(pk__in=[claim.pk for claim in claims])
        .order_by("pk")
    )
    for claim in locked:
        try:
            _check_assignee(claim, assignee)
        except ClaimError as refused:
            result.skipped.append((claim, refused))
            continue
        if claim.assignee_id == wanted:
            continue
        if claim.assignee_id != loaded.get(claim.pk):
            result.conflicts.append(
                (claim, _field_conflict(claim, "assignee", _username(claim.assignee), _username(assignee)))
            )
            continue
        before = claim.assignee
        claim.assignee = assignee
        _save(claim, ["assignee"])
        record(claim, Action.ASSIGNED, by=by, was_assignee=before, assignee=assignee)
        result.changed += 1
    return result


@transaction.atomic
def claim_set_priority(*, claim: Claim, priority: int, by, loaded: int | None) -> Claim:
    """`loaded` is the priority the user saw; someone else's change since then is not overwritten."""
    claim = _locked(claim, None)
    if priority not in Priority.values:
        raise ClaimError(_("Choose a priority."))
    if claim.priority == priority:
        return claim
    if claim.priority != loaded:
        raise _field_conflict(claim, "priority", claim.get_priority_display(), Priority(priority).label)
    before = claim.priority
    claim.priority = priority
    _save(claim, ["priority"])
    record(claim, Action.PRIORITY, by=by, was_priority=before, priority=priority)
    return claim


@transaction.atomic
def claim_choose(
    *, claim: Claim, choice: str, advised: str, by, loaded: str, now: datetime | None = None
) -> Claim:
    """Record whether the team fights the claim, refunds it or first asks for information, and
    what the desk advised at that moment: agents may overrule the advice, and the win rates
    learn from both. `loaded` is the choice the user saw ("" for none)."""
    claim = _locked(claim, None)
    if choice not in Choice.values:
        raise ClaimError(_("Choose fight, refund or ask for information."))
    if claim.status in ClaimStatus.settled():
        raise ClaimError(_("The platform has decided this claim: its outcome is known."))
    if claim.choice == choice:
        return claim
    if claim.choice != loaded:
        raise _field_conflict(claim, "choice", claim.get_choice_display(), Choice(choice).label)
    before = claim.choice
    claim.choice = choice
    claim.choice_advised = advised if advised in Choice.values else ""
    claim.chosen_at = now or timezone.now()
    _save(claim, ["choice", "choice_advised", "chosen_at"])
    record(claim, Action.CHOSEN, by=by, was_choice=before, choice=choice, advised=claim.choice_advised)
    return claim


@transaction.atomic
def claim_platform_request(
    *,
    claim: Claim,
    requested_at: datetime,
    by,
    version: int | None,
    stated_respond_by: datetime | None = None,
) -> Claim:
    """The platform asked the seller for information: the response window counts from now (or
    ends when the platform's notice says, `stated_respond_by`)."""
    claim = _locked(claim, version)
    if claim.status in ClaimStatus.settled():
        raise ClaimError(_("This claim is closed."))
    if requested_at < claim.opened_at:
        raise ClaimError(_("The platform cannot have asked before the claim was opened."))
    before = claim.respond_by
    claim.platform_requested_at = requested_at
    deadline = _apply_respond_deadline(claim)
    if stated_respond_by is not None:
        _apply_stated_deadline(claim, stated_respond_by)
    _save(claim, ["platform_requested_at", *DEADLINE_FIELDS])
    record(claim, Action.PLATFORM_REQUEST, by=by, requested_at=requested_at)
    record(
        claim,
        Action.DEADLINE_SET,
        by=by,
        was_respond_by=before,
        respond_by=claim.respond_by,
        rule=deadline.explained if deadline and stated_respond_by is None else None,
        note=claim.respond_explained if stated_respond_by is not None else "",
    )
    return claim


@transaction.atomic
def claim_platform_filed(
    *,
    claim: Claim,
    by,
    platform_claim_id: str = "",
    amount: Decimal | None = None,
    stated_respond_by: datetime | None = None,
) -> Claim:
    """The platform's own notice of a claim someone had typed in by hand: the claim id, the
    amount and the response deadline it states fill in what the desk did not know yet. What a
    person entered is kept; the platform's stated deadline wins over the rule's."""
    claim = _locked(claim, None)
    fields = []
    if platform_claim_id and not claim.platform_claim_id:
        claim.platform_claim_id = platform_claim_id
        fields.append("platform_claim_id")
    if amount is not None and claim.amount is None:
        claim.amount = amount
        fields.append("amount")
    stated = stated_respond_by is not None and claim.status not in ClaimStatus.settled()
    if stated and claim.respond_by != stated_respond_by:
        assert stated_respond_by is not None
        _apply_stated_deadline(claim, stated_respond_by)
        fields += DEADLINE_FIELDS
    else:
        stated = False
    if fields:
        _save(claim, fields)
    if stated:
        record(claim, Action.DEADLINE_SET, by=by, respond_by=claim.respond_by, note=claim.respond_explained)
    return claim


@transaction.atomic
def claim_platform_decided(
    *, claim: Claim, outcome: str, decided_at: datetime, by, version: int | None, note: str = ""
) -> Claim:
    """The platform decided the claim (its notice says how): the outcome and the moment are
    recorded and no response is owed any more, but the claim closes only with its post-mortem,
    so it waits as "decided" until someone writes it (`claim_close`)."""
    claim = _locked(claim, version)
    if claim.status in ClaimStatus.settled():
        raise ClaimError(_("This claim is already decided."))
    if outcome not in Outcome.values:
        raise ClaimError(_("Choose an outcome."))
    if decided_at < claim.opened_at:
        raise ClaimError(_("The platform cannot have decided before the claim was opened."))
    before_status, before_outcome = claim.status, claim.outcome
    claim.status = ClaimStatus.DECIDED
    claim.outcome = outcome
    claim.decided_at = decided_at
    claim.counts_toward_odr = Outcome(outcome).counts_toward_odr
    claim.respond_by, claim.respond_rule, claim.respond_explained = None, None, ""
    claim.next_alert_at, claim.next_alert_threshold = None, ""
    _save(claim, ["status", "outcome", "decided_at", "counts_toward_odr", *DEADLINE_FIELDS])
    record(claim, Action.STATUS, by=by, was_status=before_status, status=claim.status, note=note)
    record(claim, Action.OUTCOME, by=by, was_outcome=before_outcome, outcome=outcome)
    record(claim, Action.DECIDED, by=by, decided_at=decided_at)
    return claim


@transaction.atomic
def claim_recompute_deadline(*, claim: Claim, by, version: int | None) -> Claim:
    """Apply the current deadline rule to an open claim (rule edits never move due times alone)."""
    claim = _locked(claim, version)
    if claim.status in ClaimStatus.settled():
        raise ClaimError(_("This claim is closed."))
    before = claim.respond_by
    deadline = _apply_respond_deadline(claim)
    _save(claim, DEADLINE_FIELDS)
    record(
        claim,
        Action.DEADLINE_RECOMPUTED,
        by=by,
        was_respond_by=before,
        respond_by=claim.respond_by,
        rule=deadline.explained if deadline else None,
    )
    return claim


# --- Hints --------------------------------------------------------------------------------

# Amazon: an "item not received" claim opens from 3 days after the latest delivery date and
# up to 90 days after it; the buyer must have contacted the seller 48 hours before filing.
NOT_RECEIVED_EARLIEST = timedelta(days=3)
NOT_RECEIVED_LATEST = timedelta(days=90)


def eligibility_hints(claim: Claim) -> list[str]:
    hints: list[str] = []
    order = claim.order
    if (
        claim.store.platform == Platform.AMAZON
        and claim.kind == ClaimKind.A_TO_Z
        and claim.reason == Reason.NOT_RECEIVED
        and order.latest_delivery
    ):
        if claim.opened_at < order.latest_delivery + NOT_RECEIVED_EARLIEST:
            hints.append(
                _(
                    "Filed before the buyer could: an “item not received” claim opens only 3 days "
                    "after the latest delivery date (%(date)s). Point this out in the response."
                )
                % {"date": dates.moment_text(order.latest_delivery)}
            )
        elif claim.opened_at > order.latest_delivery + NOT_RECEIVED_LATEST:
            hints.append(
                _(
                    "Filed more than 90 days after the latest delivery date (%(date)s): "
                    "it is outside the window."
                )
                % {"date": dates.moment_text(order.latest_delivery)}
            )
    if claim.opened_at < order.purchased_at:
        hints.append(_("The claim is dated before the order was placed: check the dates."))
    return hints
