"""Automation rules: when something happens to a claim, if a rule's conditions match, do its
actions — inside the transaction of the event itself.

A rule (`Rule`) keeps its conditions and actions as JSON settings under registered names. This
module registers what `disputes` knows (platform, kind, reason, amount, SKU, the buyer's claim
history; assign, round-robin or least-loaded, priority, tags, notify); messaging registers the
message's language and words and the draft reply, evidence the completeness of the evidence.

What a condition needs from the database is a *fact*, loaded once per event for all the claims
it covers (one claim when a claim opens, the last 30 days of claims in a dry run), so running
every rule of a store costs a bounded number of queries: one for the rules, at most one per
fact, and the writes of the actions that apply. A rule that fails is rolled back on its own
(a savepoint), logged, noted on the rule and set aside for managers; the event goes on.

Every change a rule makes is a `RULE_CHANGE` timeline entry naming the rule, which a person can
undo (`undo_change`). A draft reply is only ever a draft: no rule sends anything to a buyer.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django import forms
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import assigning, setaside
from .models import (
    Alert,
    AlertThreshold,
    Claim,
    ClaimEvent,
    ClaimKind,
    Membership,
    Notification,
    OrderLine,
    Platform,
    Priority,
    Reason,
    Rule,
    RuleFailure,
    RuleRetry,
    SetAsideKind,
    Store,
    Tag,
    Trigger,
)
from .timeline import Action, record

log = logging.getLogger(__name__)

DRY_RUN_DAYS = 30


class RuleError(Exception):
    """A rule's settings that cannot be run (an unknown name, a setting of the wrong shape)."""


@dataclass
class Event:
    """What happened, to which claims, and the facts loaded for them (once each)."""

    trigger: str
    claims: list[Claim]
    # The buyer message that arrived (the buyer-message trigger); None otherwise.
    message: Any = None
    by: User | None = None
    dry_run: bool = False
    now: datetime = field(default_factory=timezone.now)
    _facts: dict[str, dict[int, Any]] = field(default_factory=dict)

    def fact(self, name: str, claim: Claim) -> Any:
        if name not in self._facts:
            self._facts[name] = FACTS[name](self)
        return self._facts[name].get(claim.pk)


@dataclass(frozen=True)
class Part:
    """A registered condition or action: its form fields (for one store), how the form's
    cleaned values become the JSON setting, and the setting back into the form's initial."""

    name: str
    label: Any
    fields: Callable[[Store], dict[str, forms.Field]]
    read: Callable[[dict], Any]  # cleaned data → setting (None: not set)
    initial: Callable[[Any], dict]


@dataclass(frozen=True)
class Condition(Part):
    test: Callable[[Any, Claim, Event], bool] = lambda setting, claim, event: True


@dataclass(frozen=True)
class Change:
    """What an action did to one claim, as its timeline entry records it."""

    change: str
    params: dict


@dataclass(frozen=True)
class Effect(Part):
    # Applies the setting to one claim; in a dry run it only says whether it would change it.
    apply: Callable[[Any, Claim, Rule, Event], list[Change] | bool] = lambda *args: False
    # The `change` its timeline entries carry: a retry skips an action whose change the rule
    # has made on the claim since it failed.
    change: str = ""


class _Facts(dict):
    """The fact loaders by name; "tags:<ids>" (which of the claims carry those tags) is made
    for whichever tag ids a dry run asks about."""

    def __missing__(self, name: str) -> Callable[[Event], dict[int, Any]]:
        if name.startswith("tags:"):
            return _tags_fact([int(pk) for pk in name.split(":", 1)[1].split(",") if pk])
        raise KeyError(name)


TRIGGERS: dict[str, Any] = dict(Trigger.choices)
# For a trigger about a message (messaging's buyer message): the message again by its id, for a
# retry of a failed rule.
MESSAGES: dict[str, Callable[[int], Any]] = {}
CONDITIONS: dict[str, Condition] = {}
EFFECTS: dict[str, Effect] = {}
FACTS: dict[str, Callable[[Event], dict[int, Any]]] = _Facts()
# How a person puts back each kind of change a rule made (the `change` of its timeline entry);
# False when the claim moved on since (someone changed it again: theirs stands).
UNDO: dict[str, Callable[[dict, Claim, User], bool]] = {}


def register_trigger(code: str, label: Any, *, message: Callable[[int], Any] | None = None) -> None:
    """An app above names an event it fires with `run` (called from its AppConfig.ready);
    `message` finds the event's message by id again when a failed rule is retried."""
    TRIGGERS[code] = label
    if message is not None:
        MESSAGES[code] = message


def register_condition(condition: Condition) -> None:
    CONDITIONS[condition.name] = condition


def register_action(effect: Effect) -> None:
    EFFECTS[effect.name] = effect


def register_undo(change: str, undo: Callable[[dict, Claim, User], bool]) -> None:
    UNDO[change] = undo


def register_fact(name: str, load: Callable[[Event], dict[int, Any]]) -> None:
    """`load` returns the fact of each of the event's claims by claim id, in one query."""
    FACTS[name] = load


# --- settings in forms ---------------------------------------------------------------------


def one_field(key: str, cast: Callable[[Any], Any] = lambda value: value) -> tuple[Callable, Callable]:
    """A part with one form field named `key`: read and initial for it."""

    def read(cleaned: dict) -> Any:
        value = cleaned.get(key)
        if value in (None, "", [], ()):
            return None
        return cast(value)

    return read, lambda setting: {key: setting}


def _members(store: Store) -> list[tuple[int, str]]:
    return [
        (membership.user_id, membership.user.get_username())
        for membership in Membership.objects.filter(store=store, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    ]


def _tags(store: Store) -> list[tuple[int, str]]:
    return list(Tag.objects.filter(store=store).values_list("pk", "name"))


def _choices_of(choices) -> list[tuple[str, str]]:
    return list(choices.choices)


def check_rule(rule: Rule) -> None:
    """Refuse settings no registered part knows (an admin's typo would otherwise never match)."""
    if rule.trigger not in TRIGGERS:
        raise RuleError(_("Unknown trigger: %(trigger)s") % {"trigger": rule.trigger})
    if not isinstance(rule.conditions, dict) or not isinstance(rule.actions, dict):
        raise RuleError(_("Conditions and actions are each a JSON object."))
    unknown = [name for name in rule.conditions if name not in CONDITIONS]
    unknown += [name for name in rule.actions if name not in EFFECTS]
    if unknown:
        raise RuleError(_("Unknown conditions or actions: %(names)s") % {"names": ", ".join(unknown)})


# --- running -------------------------------------------------------------------------------


def matches(rule: Rule, claim: Claim, event: Event) -> bool:
    for name, setting in rule.conditions.items():
        condition = CONDITIONS.get(name)
        if condition is None:
            raise RuleError(f"unknown condition {name!r}")
        if not condition.test(setting, claim, event):
            return False
    return True


def _apply(rule: Rule, claim: Claim, event: Event, *, made: frozenset[str] = frozenset()) -> list[Change]:
    """Do the rule's actions on the claim, but none whose change is in `made` (a retry)."""
    done: list[Change] = []
    for name, setting in rule.actions.items():
        effect = EFFECTS.get(name)
        if effect is None:
            raise RuleError(f"unknown action {name!r}")
        if effect.change and effect.change in made:
            continue
        changes = effect.apply(setting, claim, rule, event)
        if isinstance(changes, list):
            done.extend(changes)
    if done:
        ClaimEvent.objects.bulk_create(_entry(claim, rule, change, event.now) for change in done)
    return done


def _entry(claim: Claim, rule: Rule, change: Change, at: datetime) -> ClaimEvent:
    from .timeline import entry

    return entry(
        ClaimEvent(claim=claim),
        Action.RULE_CHANGE,
        at=at,
        rule_name=rule.name,
        rule_id=rule.pk,
        change=change.change,
        **change.params,
    )


def _failed(
    rule: Rule, claim: Claim, event: Event, error: Exception, failure: RuleFailure | None = None
) -> None:
    log.exception("rule %s (%s) failed on claim %s", rule.pk, rule.name, claim.pk)
    reason = setaside.describe_error(error)
    now = timezone.now()
    Rule.objects.filter(pk=rule.pk).update(last_error=reason, last_error_at=now)
    # The event itself is kept, for a retry once the rule is fixed (a retry that fails again
    # updates its own row).
    if failure is None:
        RuleFailure.objects.create(
            rule=rule,
            claim=claim,
            trigger=event.trigger,
            message_id=getattr(event.message, "pk", None),
            error=reason,
            failed_at=now,
        )
    else:
        RuleFailure.objects.filter(pk=failure.pk).update(error=reason, attempts=F("attempts") + 1)
    # Set aside after the event commits: the claim is opened whatever the rule did.
    transaction.on_commit(
        lambda: setaside.record(
            kind=SetAsideKind.RULE, subject_id=rule.pk, store_id=rule.store_id, label=rule.name, reason=reason
        )
    )


def run(trigger: str, claim: Claim, *, message: Any = None, by: User | None = None) -> list[Change]:
    """Run the store's active rules of this trigger on one claim, in order, inside the caller's
    transaction. A failing rule is undone on its own and set aside; the others still run."""
    rules = list(
        Rule.objects.filter(store_id=claim.store_id, trigger=trigger, is_active=True).order_by(
            "position", "pk"
        )
    )
    if not rules:
        return []
    event = Event(trigger=trigger, claims=[claim], message=message, by=by)
    done: list[Change] = []
    for rule in rules:
        try:
            with transaction.atomic():
                if matches(rule, claim, event):
                    done.extend(_apply(rule, claim, event))
        except SoftTimeLimitExceeded:
            raise  # the task's time is up: not this rule's fault
        except Exception as error:  # noqa: BLE001 — a rule never stops the event it runs on
            _failed(rule, claim, event, error)
    return done


# How many of a rule's failed events one run of the retry task takes on; it hands the rest to
# a run of its own, so no run nears its time limit.
RETRY_BATCH = 200
# How long the set-aside page shows a retry's outcome.
RETRY_SHOWN = timedelta(minutes=15)


def queue_retry(rule_id: int, task: Any) -> RuleRetry | None:
    """A manager's retry from the set-aside page, after fixing the rule: note how many of its
    failed events wait to run again and hand them to the worker (`task`, after commit)."""
    rule = Rule.objects.filter(pk=rule_id).first()
    if rule is None:
        return None
    Rule.objects.filter(pk=rule.pk).update(last_error="", last_error_at=None)
    now = timezone.now()
    events = RuleFailure.objects.filter(rule=rule, retried_at__isnull=True).count()
    retry = RuleRetry.objects.create(
        rule=rule, events=events, queued_at=now, last_at=now, finished_at=None if events else now
    )
    if events:
        transaction.on_commit(lambda: task.delay(retry.pk))
    return retry


def retry_failures(retry_id: int, *, after_id: int = 0) -> int | None:
    """Run the rule again on each event it failed on, from failure `after_id` on, up to
    RETRY_BATCH of them: each in its own transaction, so one that fails again (kept, with its new
    reason, and set aside) stops nothing. An action whose change the rule has made on the claim
    since it failed is not made again, and a failure is closed once, under a lock, so two
    retries never both apply it. Returns the last failure handled when more wait (the caller
    queues the next run), None when the retry is finished."""
    retry = RuleRetry.objects.filter(pk=retry_id, finished_at__isnull=True).select_related("rule").first()
    if retry is None:
        return None
    ids = list(
        RuleFailure.objects.filter(
            rule_id=retry.rule_id, retried_at__isnull=True, failed_at__lte=retry.queued_at, pk__gt=after_id
        )
        .order_by("pk")
        .values_list("pk", flat=True)[: RETRY_BATCH + 1]
    )
    try:
        for failure_id in ids[:RETRY_BATCH]:
            _retry_one(retry, failure_id)
    except SoftTimeLimitExceeded:
        # The event being run was rolled back; it and those after it stay open for a retry.
        _stopped(retry, "the retry ran out of time: retry again for the events left")
        raise
    if len(ids) > RETRY_BATCH:
        return ids[RETRY_BATCH - 1]
    RuleRetry.objects.filter(pk=retry.pk).update(finished_at=timezone.now(), last_at=timezone.now())
    return None


def _retry_one(retry: RuleRetry, failure_id: int) -> None:
    rule = retry.rule
    with transaction.atomic():
        failure = (
            RuleFailure.objects.select_for_update(skip_locked=True)
            .filter(pk=failure_id, retried_at__isnull=True)
            .first()
        )
        if failure is None:
            return  # put right meanwhile, or another retry holds it now
        claim = (
            Claim.objects.select_for_update(of=("self",))
            .select_related("store", "order")
            .get(pk=failure.claim_id)
        )
        load = MESSAGES.get(failure.trigger)
        message = load(failure.message_id) if load and failure.message_id else None
        event = Event(trigger=failure.trigger, claims=[claim], message=message)
        made = frozenset(
            ClaimEvent.objects.filter(
                claim_id=claim.pk,
                action=Action.RULE_CHANGE,
                params__rule_id=rule.pk,
                at__gte=failure.failed_at,
            ).values_list("params__change", flat=True)
        )
        now = timezone.now()
        try:
            with transaction.atomic():
                if matches(rule, claim, event):
                    _apply(rule, claim, event, made=made)
        except SoftTimeLimitExceeded:
            raise
        except Exception as error:  # noqa: BLE001 — kept and set aside again, like at the event
            _failed(rule, claim, event, error, failure)
            RuleRetry.objects.filter(pk=retry.pk).update(again=F("again") + 1, last_at=now)
            return
        RuleFailure.objects.filter(pk=failure.pk).update(retried_at=now)
        RuleRetry.objects.filter(pk=retry.pk).update(went=F("went") + 1, last_at=now)


def _stopped(retry: RuleRetry, reason: str) -> None:
    RuleRetry.objects.filter(pk=retry.pk).update(finished_at=timezone.now(), last_at=timezone.now())
    setaside.record(
        kind=SetAsideKind.RULE,
        subject_id=retry.rule_id,
        store_id=retry.rule.store_id,
        label=retry.rule.name,
        reason=reason,
    )


def recent_retries(stores: Any) -> list[RuleRetry]:
    """The retries of these stores' rules heard from lately, newest first."""
    return list(
        RuleRetry.objects.filter(rule__store__in=stores, last_at__gte=timezone.now() - RETRY_SHOWN)
        .select_related("rule")
        .order_by("-queued_at", "-pk")
    )


def any_active(trigger: str, store_ids: Iterable[int]) -> bool:
    return Rule.objects.filter(store_id__in=list(store_ids), trigger=trigger, is_active=True).exists()


@dataclass(frozen=True)
class DryRun:
    """What a rule would have done to the store's claims of the last 30 days."""

    claims: int  # looked at
    matched: int
    # Per action: its label and how many claims it would have changed.
    actions: list[tuple[str, int]]
    error: str = ""


def dry_run(rule: Rule, *, now: datetime | None = None) -> DryRun:
    """Evaluate the rule (saved or not) over the claims opened in the last 30 days, writing
    nothing: counts only. The facts load once for all the claims."""
    now = now or timezone.now()
    claims = list(
        Claim.objects.filter(store_id=rule.store_id, opened_at__gte=now - timedelta(days=DRY_RUN_DAYS))
        .select_related("store", "order")
        .order_by("pk")
    )
    event = Event(trigger=rule.trigger, claims=claims, dry_run=True, now=now)
    matched = 0
    would = dict.fromkeys(rule.actions, 0)
    try:
        for claim in claims:
            if not matches(rule, claim, event):
                continue
            matched += 1
            for name, setting in rule.actions.items():
                if EFFECTS[name].apply(setting, claim, rule, event):
                    would[name] += 1
    except Exception as error:  # noqa: BLE001 — shown to the manager editing the rule
        log.warning("dry run of rule %s failed: %s", rule.pk, error)
        return DryRun(len(claims), matched, [], error=setaside.describe_error(error))
    return DryRun(len(claims), matched, [(str(EFFECTS[name].label), count) for name, count in would.items()])


# --- undoing -------------------------------------------------------------------------------


def undone_ids(events: Iterable[ClaimEvent]) -> set[int]:
    """Which of these rule changes a person has undone already (one query)."""
    ids = [event.pk for event in events if event.action == Action.RULE_CHANGE]
    if not ids:
        return set()
    claim_ids = {event.claim_id for event in events}
    return {
        undo.params.get("undone")
        for undo in ClaimEvent.objects.filter(claim_id__in=claim_ids, action=Action.RULE_UNDONE)
    } & set(ids)


@transaction.atomic
def undo_change(*, event: ClaimEvent, by: User) -> bool:
    """Put back what a rule changed (one timeline entry); the undo is a timeline entry of its
    own, by the person. False when there is nothing to undo (undone already, or moved on)."""
    claim = (
        Claim.objects.select_for_update(of=("self",)).select_related("store", "order").get(pk=event.claim_id)
    )
    if event.action != Action.RULE_CHANGE or event.pk in undone_ids([event]):
        return False
    undo = UNDO.get(event.params.get("change", ""))
    if undo is None or not undo(event.params, claim, by):
        return False
    params = {key: value for key, value in event.params.items() if key not in ("rule_id",)}
    record(claim, Action.RULE_UNDONE, by=by, undone=event.pk, **params)
    return True


# --- what disputes knows: conditions ---------------------------------------------------------


def _in(setting: Any, value: Any) -> bool:
    return value in (setting if isinstance(setting, list) else [setting])


def _multiple(key: str, label, choices: Callable[[Store], list]) -> Callable[[Store], dict[str, forms.Field]]:
    return lambda store: {
        key: forms.MultipleChoiceField(
            label=label, choices=choices(store), required=False, widget=forms.CheckboxSelectMultiple
        )
    }


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


register_condition(
    Condition(
        "platform",
        gettext_lazy("Platform is one of"),
        _multiple("if_platform", gettext_lazy("Platform is one of"), lambda store: _choices_of(Platform)),
        *one_field("if_platform", list),
        test=lambda setting, claim, event: _in(setting, claim.store.platform),
    )
)
register_condition(
    Condition(
        "kind",
        gettext_lazy("Kind is one of"),
        _multiple("if_kind", gettext_lazy("Kind is one of"), lambda store: _choices_of(ClaimKind)),
        *one_field("if_kind", list),
        test=lambda setting, claim, event: _in(setting, claim.kind),
    )
)
register_condition(
    Condition(
        "reason",
        gettext_lazy("Reason is one of"),
        _multiple("if_reason", gettext_lazy("Reason is one of"), lambda store: _choices_of(Reason)),
        *one_field("if_reason", list),
        test=lambda setting, claim, event: _in(setting, claim.reason),
    )
)
register_condition(
    Condition(
        "amount_at_least",
        gettext_lazy("Amount claimed at least"),
        lambda store: {
            "if_amount_at_least": forms.DecimalField(
                label=gettext_lazy("Amount claimed at least"), required=False, min_value=0, decimal_places=2
            )
        },
        *one_field("if_amount_at_least", str),
        test=lambda setting, claim, event: claim.amount is not None and claim.amount >= _decimal(setting),
    )
)
register_condition(
    Condition(
        "amount_below",
        gettext_lazy("Amount claimed below"),
        lambda store: {
            "if_amount_below": forms.DecimalField(
                label=gettext_lazy("Amount claimed below"), required=False, min_value=0, decimal_places=2
            )
        },
        *one_field("if_amount_below", str),
        test=lambda setting, claim, event: claim.amount is not None and claim.amount < _decimal(setting),
    )
)


def words_of(text: str) -> list[str]:
    return [word.strip().casefold() for word in text.split(",") if word.strip()]


register_fact(
    "skus",
    lambda event: _grouped(
        OrderLine.objects.filter(order_id__in={claim.order_id for claim in event.claims}).values_list(
            "order_id", "sku"
        ),
        event.claims,
    ),
)


def _grouped(pairs: Iterable[tuple[int, str]], claims: list[Claim]) -> dict[int, Any]:
    by_order: dict[int, set[str]] = {}
    for order_id, value in pairs:
        by_order.setdefault(order_id, set()).add(value.casefold())
    return {claim.pk: by_order.get(claim.order_id, set()) for claim in claims}


register_condition(
    Condition(
        "sku",
        gettext_lazy("The order holds one of these SKUs"),
        lambda store: {
            "if_sku": forms.CharField(
                label=gettext_lazy("The order holds one of these SKUs"),
                required=False,
                max_length=500,
                help_text=gettext_lazy("Separated by commas."),
            )
        },
        *one_field("if_sku"),
        test=lambda setting, claim, event: bool(set(words_of(setting)) & event.fact("skus", claim)),
    )
)


def _buyer_claims(event: Event) -> dict[int, Any]:
    """How many claims each claim's buyer has filed on the store's orders, this one included."""
    buyers = {claim.order.buyer_id for claim in event.claims if claim.order.buyer_id}
    counts = (
        dict(
            Claim.objects.filter(store_id=event.claims[0].store_id, order__buyer_id__in=buyers)
            .values_list("order__buyer_id")
            .annotate(n=Count("pk"))
            .values_list("order__buyer_id", "n")
        )
        if buyers
        else {}
    )
    return {claim.pk: counts.get(claim.order.buyer_id or 0, 1) for claim in event.claims}


register_fact("buyer_claims", _buyer_claims)
register_condition(
    Condition(
        "buyer_claims_at_least",
        gettext_lazy("The buyer has filed at least this many claims"),
        lambda store: {
            "if_buyer_claims_at_least": forms.IntegerField(
                label=gettext_lazy("The buyer has filed at least this many claims"),
                required=False,
                min_value=1,
                max_value=1000,
                help_text=gettext_lazy("This one included, on any of the store's orders."),
            )
        },
        *one_field("if_buyer_claims_at_least", int),
        test=lambda setting, claim, event: event.fact("buyer_claims", claim) >= int(setting),
    )
)


# --- what disputes knows: actions -----------------------------------------------------------


def _active_members(store_id: int, user_ids: Iterable[int]) -> list[User]:
    return list(
        User.objects.filter(pk__in=list(user_ids), is_active=True, memberships__store_id=store_id).order_by(
            "username"
        )
    )


def _set_assignee(claim: Claim, user: User, event: Event) -> list[Change] | bool:
    if event.dry_run:
        return True
    claim.assignee = user
    claim.version += 1
    claim.save(update_fields=["assignee", "version", "updated_at"])
    return [Change("assigned", {"assignee": user.get_username(), "assignee_id": user.pk})]


def _assign_to(setting: Any, claim: Claim, rule: Rule, event: Event) -> list[Change] | bool:
    # A rule hands out unassigned claims only: a person's choice of assignee stands.
    if claim.assignee_id is not None:
        return False
    found = _active_members(claim.store_id, [int(setting)])
    if not found:
        raise RuleError(f"user {setting} is not an active member of the store")
    return _set_assignee(claim, found[0], event)


def _undo_assigned(params: dict, claim: Claim, by: User) -> bool:
    if claim.assignee_id != params.get("assignee_id"):
        return False  # someone reassigned it since: theirs stands
    claim.assignee = None
    claim.version += 1
    claim.save(update_fields=["assignee", "version", "updated_at"])
    return True


register_action(
    Effect(
        "assign_to",
        gettext_lazy("Assign to"),
        lambda store: {
            "then_assign_to": forms.TypedChoiceField(
                label=gettext_lazy("Assign to"),
                choices=[("", "—"), *_members(store)],
                coerce=int,
                required=False,
                empty_value=None,
            )
        },
        *one_field("then_assign_to", int),
        apply=_assign_to,
        change="assigned",
    )
)


def _assign_team(setting: Any, claim: Claim, rule: Rule, event: Event) -> list[Change] | bool:
    if not isinstance(setting, dict) or setting.get("strategy") not in assigning.Strategy.values:
        raise RuleError("a team assignment needs a strategy and its members")
    members = [int(pk) for pk in setting.get("members", [])]
    if claim.assignee_id is not None or not members:
        return False
    if event.dry_run:
        return True
    chosen = assigning.pick(setting["strategy"], claim.store, among=members, at=event.now)
    if chosen is None:
        return False  # everyone in the team is off: the claim waits for a person
    return _set_assignee(claim, chosen, event)


def _read_team(cleaned: dict) -> Any:
    if not cleaned.get("then_team_strategy") or not cleaned.get("then_team_members"):
        return None
    return {
        "strategy": cleaned["then_team_strategy"],
        "members": [int(pk) for pk in cleaned["then_team_members"]],
    }


register_action(
    Effect(
        "assign_team",
        gettext_lazy("Assign within a team"),
        lambda store: {
            "then_team_strategy": forms.ChoiceField(
                label=gettext_lazy("Assign within a team"),
                choices=[("", "—"), *assigning.Strategy.choices],
                required=False,
            ),
            "then_team_members": forms.TypedMultipleChoiceField(
                label=gettext_lazy("Team"),
                choices=_members(store),
                coerce=int,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            ),
        },
        _read_team,
        lambda setting: {
            "then_team_strategy": setting.get("strategy"),
            "then_team_members": setting.get("members", []),
        },
        apply=_assign_team,
        change="assigned",
    )
)
register_undo("assigned", _undo_assigned)


def _set_priority(setting: Any, claim: Claim, rule: Rule, event: Event) -> list[Change] | bool:
    priority = int(setting)
    if priority not in Priority.values:
        raise RuleError(f"no priority {priority}")
    if claim.priority == priority:
        return False
    if event.dry_run:
        return True
    was = claim.priority
    claim.priority = priority
    claim.version += 1
    claim.save(update_fields=["priority", "version", "updated_at"])
    return [Change("priority", {"was_priority": was, "priority": priority})]


def _undo_priority(params: dict, claim: Claim, by: User) -> bool:
    if claim.priority != params.get("priority"):
        return False
    claim.priority = params["was_priority"]
    claim.version += 1
    claim.save(update_fields=["priority", "version", "updated_at"])
    return True


register_action(
    Effect(
        "set_priority",
        gettext_lazy("Set the priority to"),
        lambda store: {
            "then_priority": forms.TypedChoiceField(
                label=gettext_lazy("Set the priority to"),
                choices=[("", "—"), *Priority.choices],
                coerce=int,
                required=False,
                empty_value=None,
            )
        },
        *one_field("then_priority", int),
        apply=_set_priority,
        change="priority",
    )
)
register_undo("priority", _undo_priority)


def _add_tags(setting: Any, claim: Claim, rule: Rule, event: Event) -> list[Change] | bool:
    wanted = [int(pk) for pk in (setting if isinstance(setting, list) else [setting])]
    if event.dry_run:
        # One query for all the claims: which already carry each of the tags.
        tagged = event.fact(f"tags:{','.join(map(str, wanted))}", claim) if wanted else set()
        return bool(set(wanted) - (tagged or set()))
    tags = list(Tag.objects.filter(store_id=claim.store_id, pk__in=wanted))
    if len(tags) != len(set(wanted)):
        raise RuleError("a tag of this rule is gone or belongs to another store")
    has = set(
        Tag.claims.through.objects.filter(claim_id=claim.pk, tag_id__in=wanted).values_list(
            "tag_id", flat=True
        )
    )
    new = [tag for tag in tags if tag.pk not in has]
    if not new:
        return False
    Tag.claims.through.objects.bulk_create(
        Tag.claims.through(tag_id=tag.pk, claim_id=claim.pk) for tag in new
    )
    return [Change("tagged", {"tag": tag.name, "tag_id": tag.pk}) for tag in new]


def _tags_fact(ids: list[int]) -> Callable[[Event], dict[int, Any]]:
    def load(event: Event) -> dict[int, Any]:
        found: dict[int, set[int]] = {}
        for claim_id, tag_id in Tag.claims.through.objects.filter(
            claim_id__in=[claim.pk for claim in event.claims], tag_id__in=ids
        ).values_list("claim_id", "tag_id"):
            found.setdefault(claim_id, set()).add(tag_id)
        return found

    return load


def _undo_tagged(params: dict, claim: Claim, by: User) -> bool:
    return bool(Tag.claims.through.objects.filter(claim_id=claim.pk, tag_id=params["tag_id"]).delete()[0])


register_action(
    Effect(
        "add_tags",
        gettext_lazy("Add the tags"),
        _multiple("then_tags", gettext_lazy("Add the tags"), _tags),
        *one_field("then_tags", lambda values: [int(pk) for pk in values]),
        apply=_add_tags,
        change="tagged",
    )
)
register_undo("tagged", _undo_tagged)


def _notify(setting: Any, claim: Claim, rule: Rule, event: Event) -> list[Change] | bool:
    wanted = [int(pk) for pk in (setting if isinstance(setting, list) else [setting])]
    if event.dry_run:
        return bool(wanted)
    people = _active_members(claim.store_id, wanted)
    if not people:
        return False
    # One alert per rule and moment: the bell shows it, the e-mail outbox sends it.
    alert = Alert.objects.create(
        claim=claim,
        threshold=AlertThreshold.RULE,
        window_start=event.now,
        scheduled_for=event.now,
        raised_at=event.now,
        due_at=claim.respond_by or event.now,
    )
    Notification.objects.bulk_create(Notification(alert=alert, user=person) for person in people)
    return [Change("notified", {"people": ", ".join(person.get_username() for person in people)})]


register_action(
    Effect(
        "notify",
        gettext_lazy("Notify"),
        _multiple("then_notify", gettext_lazy("Notify"), _members),
        *one_field("then_notify", lambda values: [int(pk) for pk in values]),
        apply=_notify,
        change="notified",
    )
)
