"""The sweep engine: raises the alerts of everything that runs on a deadline clock.

An app registers a `Subject` for each kind of item with a clock (claims in `disputes.alerts`,
buyer messages in `messaging.sla`) and runs `run(subject)` from its own beat task. The due
times live in the database, in the subject's schedule (`next_alert_at`, `next_alert_threshold`:
a narrow table of their own for claims, `ClaimAlertSchedule`; the message's own columns for buyer
messages); the sweep only notifies. For one subject it reads the schedule rows whose
`next_alert_at` has passed (a partial index on that column), locks them (skipping rows another
sweeper holds), reads their items, moves each on to its next threshold in one UPDATE of the
schedule and writes the alerts, their notifications and any timeline rows in bulk, all in one
transaction; once committed the rows no longer look due, so a second sweeper or a re-run never
alerts twice. After downtime it raises every missed threshold once, oldest first. A subject may
also bring a set-based path (`Subject.set_based`, PostgreSQL only: the claims' `alert_batch`),
which the engine runs first: the database works out and writes a whole batch in one statement,
and whatever that path leaves, or a batch of it that fails, comes through here row by row.

One bad row never stops the others. Each row's next threshold, recipients and alert are worked
out on their own; a row that raises is pushed an hour on, logged and set aside (managers see it
at /set-aside/ and can put it back). Should the batch's bulk writes fail, they are redone one
row at a time, each in a savepoint, to find the row at fault. The alert e-mails are sent the
same way, from an outbox (`outbox.py`): one notification at a time, a failing one set aside,
the rest sent; the team chat messages (`chat.py`) likewise, from `ChatDelivery` rows written
with the alerts.

This module knows no app above `disputes`: apps come to it."""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection, models, transaction
from django.dispatch import Signal
from django.utils import timezone

from . import setaside
from .models import (
    Alert,
    AlertThreshold,
    ChatDelivery,
    ChatDestination,
    Membership,
    Notification,
    Role,
    SetAside,
    WorkerHeartbeat,
)

# Sent inside the transaction that writes freshly raised alerts (`alerts=` the Alert rows, their
# claim or message loaded); the apps above listen (outgoing webhooks).
alerts_raised = Signal()

log = logging.getLogger(__name__)

BATCH = 1000
# A set-based batch costs the database a few statements whatever its size: larger batches mean
# fewer round trips and commits.
SET_BASED_BATCH = 5000
# A row that could not be swept comes back after this long (or when a manager retries it).
RETRY_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Threshold:
    name: str  # an AlertThreshold, or a warning's "warn_6h" (`warn_threshold`)
    at: datetime


class SetBased(Protocol):
    """Locks up to `batch` due rows that this path vouches for (skipping rows someone holds), moves
    each on and writes its alert, notifications and timeline entry, in a few statements of the
    caller's transaction. Returns (row, its fresh alert or None) for every row it moved on, the
    row with at least `pk` and `store_id`, each alert with its row attached; [] when none is left."""

    def __call__(self, now: datetime, batch: int) -> list[tuple[Any, Alert | None]]: ...


@dataclass(frozen=True)
class Subject:
    """What the engine needs to know about one kind of item with a deadline clock. Its model
    has `store_id`; its schedule has `next_alert_at` (partially indexed) and
    `next_alert_threshold`."""

    model: Any  # Claim or Message (rows are read through its fields named below)
    alert_field: str  # the foreign key of Alert that points at it: "claim" or "message"
    set_aside_kind: str  # SetAsideKind
    fields: tuple[str, ...]  # what the sweep reads of a row (with `related`, through select_related)
    related: tuple[str, ...]
    thresholds: Callable[[Any], list[Threshold]]  # every threshold of the row, in time order
    owes_alerts: Callable[[Any], bool]  # False once the clock stopped (claim closed, message answered)
    due_at: Callable[[Any], datetime]
    # When the row's current window began: each threshold is raised once per window.
    window_start: Callable[[Any], datetime]
    # Who works each row of a batch, by primary key: they hear of every alert; the store's
    # managers too when nobody works it or it is overdue.
    workers: Callable[[list], dict[int, set[int]]]
    describe: Callable[[Alert], str]  # one translated phrase, e.g. "6 hours left to respond"
    mail: Callable[[Alert], tuple[str, str]]  # the alert e-mail's subject and body
    mail_related: tuple[str, ...]  # what `mail` reads from the row, for select_related
    label: Callable[[int], str]  # what a person recognises the item by, e.g. its order id
    url: Callable[[int], str | None]  # the page where it is worked on
    # The row's timeline entry for a raised alert, as `timeline_model`'s field values by attribute
    # name ({"claim_id": …, "action": …}), or None for no timeline: the sweep writes a batch's
    # entries in one statement, without a model instance each.
    timeline: Callable[[Any, str, datetime, datetime], dict[str, Any] | None] = (
        lambda row, threshold, scheduled, now: None
    )
    timeline_model: type[models.Model] | None = None
    # Called in the batch's transaction with the (row, threshold) pairs just raised: the claim
    # turning overdue runs its store's rules.
    raised: Callable[[list[tuple[Any, str]]], None] = lambda pairs: None
    # Called with a batch's rows once they are read, before anything is worked out: loads what
    # they share in one go (a claim's deadline rule) rather than a copy per row.
    prepare: Callable[[list], None] = lambda rows: None
    # The model whose rows hold the schedule, with the item's primary key as its own; None: the
    # item's own row.
    schedule_model: Any = None
    # PostgreSQL only, optional: one batch of the due rows worked out and written by the database
    # itself (`SetBased`); the rows it cannot vouch for are left to the per-row path.
    set_based: SetBased | None = None

    @property
    def schedule(self) -> Any:
        return self.schedule_model or self.model


_subjects: dict[str, Subject] = {}


def register(subject: Subject) -> Subject:
    _subjects[subject.alert_field] = subject
    return subject


def subject_of(alert: Alert) -> Subject:
    for name, subject in _subjects.items():
        if getattr(alert, f"{name}_id"):
            return subject
    raise LookupError(f"alert {alert.pk} names no registered subject")


def describe(alert: Alert) -> str:
    return subject_of(alert).describe(alert)


# --- thresholds ---------------------------------------------------------------------------


def schedule(row, thresholds: list[Threshold], now: datetime | None = None) -> None:
    """Set the row's next alert after its due time was set or changed (the caller saves).

    Thresholds that passed before the due time was known are skipped, except the latest, so an
    item that arrives with two hours left warns once, not three times."""
    now = now or timezone.now()
    upcoming = [t for t in thresholds if t.at <= now][-1:] + [t for t in thresholds if t.at > now]
    row.next_alert_at = upcoming[0].at if upcoming else None
    row.next_alert_threshold = upcoming[0].name if upcoming else ""


def following(thresholds: list[Threshold], name: str, now: datetime) -> Threshold | None:
    """The threshold after `name`; if the row no longer has that one (its rule changed), the
    next one still ahead."""
    names = [t.name for t in thresholds]
    if name not in names:
        return next((t for t in thresholds if t.at > now), None)
    index = names.index(name)
    # A threshold that shares its time with this one still comes after it.
    return thresholds[index + 1] if index + 1 < len(thresholds) else None


def recipients(threshold: str, workers: set[int], managers: list[int]) -> tuple[list[int], bool]:
    """Whom to tell: whoever works the item; the managers too when nobody does or it is overdue.
    Returns the users and whether it escalated."""
    escalate = (threshold == AlertThreshold.OVERDUE or not workers) and bool(managers)
    users = set(workers) | (set(managers) if escalate else set())
    return sorted(users), escalate


# --- the sweep ----------------------------------------------------------------------------


@dataclass
class _Step:
    """One locked row: the threshold that fell due, and what to write for it."""

    row: Any
    threshold: str
    scheduled_for: datetime
    window_start: datetime
    next_at: datetime | None  # the row's schedule once this step is written
    next_threshold: str
    raise_alert: bool = False
    users: list[int] = field(default_factory=list)
    escalated: bool = False
    due_at: datetime | None = None


@dataclass(frozen=True)
class _Failure:
    row: Any
    reason: str
    threshold: str  # the same one comes back at `retry_at`
    retry_at: datetime


def sweep(subject: Subject, now: datetime | None = None) -> list[Alert]:
    """Raise every alert of this subject that is due, oldest first; returns those raised.

    A row that missed several thresholds while no worker ran comes back in the next batch with
    its next one, until nothing is due; the bound on batches is only a guard."""
    now = now or timezone.now()
    raised: list[Alert] = []
    swept: list[int] = []
    set_based = subject.set_based if connection.vendor == "postgresql" else None
    try:
        for _batch in range(1000):
            batch = None
            if set_based is not None:
                batch = _set_based_batch(subject, set_based, now)
                if batch is None:  # nothing left that it vouches for, or it failed: row by row
                    set_based = None
            if batch is None:
                batch = _sweep_batch(subject, now)
            if batch is None:
                break
            raised.extend(batch.alerts)
            swept.extend(batch.swept)
    finally:
        # Also when a later batch failed or the time limit cut the sweep short.
        if swept:
            _resolve_set_aside(subject, swept)
    return raised


def run(subject: Subject, *, heartbeat: str) -> int:
    """One beat sweep of a subject: raise what is due, then note that the sweep ran. Returns
    how many alerts it raised."""
    raised = sweep(subject)
    WorkerHeartbeat.objects.update_or_create(source=heartbeat, defaults={"last_seen": timezone.now()})
    if raised:
        log.info("%s sweep raised %d alert(s)", subject.alert_field, len(raised))
    return len(raised)


@dataclass(frozen=True)
class _Batch:
    alerts: list[Alert]  # raised
    swept: list[int]  # the rows that went through (the others were set aside)


def _sweep_batch(subject: Subject, now: datetime) -> _Batch | None:
    """Lock up to a batch of due rows, move each on and raise its alert, in one transaction.
    None when nothing is due."""
    failures: list[_Failure] = []
    with transaction.atomic():
        # Locks on the schedule rows keep a second sweeper off these items (it skips them on
        # PostgreSQL; SQLite runs one writer at a time).
        due = list(
            subject.schedule.objects.filter(next_alert_at__lte=now)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("next_alert_at", "pk")
            .values_list("pk", "next_alert_at", "next_alert_threshold")[:BATCH]
        )
        if not due:
            return None
        found = _read(subject, [pk for pk, _at, _name in due])
        # In the schedule's order. An item deleted meanwhile took its schedule row with it; one
        # locked by someone else comes back in the next sweep.
        rows = [(found[pk], at, name) for pk, at, name in due if pk in found]
        if not rows:
            return None
        subject.prepare([row for row, _at, _name in rows])
        already = _raised_before(subject, [row.pk for row, _at, _name in rows])
        managers = _managers_by_store({row.store_id for row, _at, _name in rows})
        workers = subject.workers([row for row, _at, _name in rows])
        steps = []
        for row, at, name in rows:
            try:
                steps.append(
                    _step(
                        subject,
                        row,
                        at,
                        name,
                        now,
                        already,
                        workers.get(row.pk, set()),
                        managers.get(row.store_id, []),
                    )
                )
            except SoftTimeLimitExceeded:
                raise
            except Exception as error:
                failures.append(_set_back(subject, row, name, now, error))
        fresh = _write_steps(subject, steps, now, failures)
        _advance(subject, [(failure.row.pk, failure.retry_at, failure.threshold) for failure in failures])
        _emails_on_commit(fresh)
    # Outside the batch's transaction, which has committed by now.
    for failure in failures:
        setaside.record(
            kind=subject.set_aside_kind,
            subject_id=failure.row.pk,
            store_id=failure.row.store_id,
            label=label_of(subject, failure.row.pk),
            reason=failure.reason,
        )
    return _Batch(alerts=fresh, swept=[step.row.pk for step in steps])


def _set_based_batch(subject: Subject, set_based: SetBased, now: datetime) -> _Batch | None:
    """One batch through the subject's set-based path, with what follows the writes (listeners,
    chat messages, the `raised` hook, the e-mails' fast path) in its transaction. None when it
    found nothing to do, or failed: then nothing of the batch stayed, and the per-row path,
    which sets a failing row aside, takes over."""
    try:
        with transaction.atomic():
            done = set_based(now, SET_BASED_BATCH)
            if not done:
                return None
            pairs = [(row, alert) for row, alert in done if alert is not None]
            fresh = [alert for _row, alert in pairs]
            alerts_raised.send(sender=Alert, alerts=fresh)
            _queue_chat(fresh, [row.store_id for row, _alert in pairs])
            subject.raised([(row, alert.threshold) for row, alert in pairs])
            _emails_on_commit(fresh)
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        log.warning(
            "sweep: the %s set-based batch failed; going on row by row", subject.alert_field, exc_info=True
        )
        return None
    return _Batch(alerts=fresh, swept=[row.pk for row, _alert in done])


def _emails_on_commit(fresh: list[Alert]) -> None:
    ids = [alert.pk for alert in fresh]
    if ids:
        from .tasks import send_alert_emails  # the tasks module imports this one

        # Only a fast path: the notifications are the outbox, and beat sends what is due
        # even when this task is lost (disputes/outbox.py).
        transaction.on_commit(lambda: send_alert_emails.delay(ids))


def _raised_before(subject: Subject, ids: list[int]) -> set[tuple[int, datetime, str]]:
    """The alerts these rows already have, as (row id, window start, threshold)."""
    column = f"{subject.alert_field}_id"
    if connection.vendor != "postgresql":
        found = Alert.objects.filter(**{f"{column}__in": ids}).values_list(
            column, "window_start", "threshold"
        )
        return set(found)
    # The ids as one text the server cuts up: a thousand parameters are quoted one by one.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column}, window_start, threshold FROM {connection.ops.quote_name(Alert._meta.db_table)} "
            f"WHERE {column} = ANY(string_to_array(%s, ',')::bigint[])",
            [",".join(map(str, ids))],
        )
        return set(cursor.fetchall())


def _read(subject: Subject, ids: list[int]) -> dict[int, Any]:
    """The rows of these ids, by id, with the fields the sweep reads (the others deferred).

    With a schedule table of their own, the items are locked too, and one somebody holds (a
    claim being edited) is left for the next sweep: its editor's save of the schedule waits for
    this batch, so this batch must not wait for the editor (its alerts' foreign keys would)."""
    rows = _readable(subject)
    if subject.schedule_model is not None:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    if subject.related:
        return rows.in_bulk(ids)
    model = subject.model
    names = [model._meta.pk.attname, *(model._meta.get_field(name).attname for name in subject.fields)]
    return {
        values[0]: _loaded(model, names, values) for values in rows.filter(pk__in=ids).values_list(*names)
    }


def _loaded(model: type[models.Model], names: list[str], values, alias: str | None = None) -> Any:
    """An instance as read from the database, with these attributes (the others deferred: read
    on first use). Model.from_db goes through __init__, which visits every field of the model
    (some fifty for a claim): for the thousands of rows of a batch that cost more than the
    rest of reading them. Callers building thousands pass the connection's `alias`, which is
    dear to look up each time."""
    row = model.__new__(model)
    row.__dict__.update(zip(names, values, strict=True))
    row._state = models.base.ModelState()
    row._state.adding, row._state.db = False, alias or connection.alias
    return row


def _readable(subject: Subject) -> models.QuerySet:
    """The subject's rows with what the sweep reads of them (and no other related row)."""
    rows = subject.model.objects.only(*subject.fields)
    return rows.select_related(*subject.related) if subject.related else rows


def _step(
    subject: Subject,
    row,
    at: datetime,
    threshold: str,
    now: datetime,
    already: set,
    workers: set[int],
    managers: list[int],
) -> _Step:
    """Work out everything for one row (its schedule said `threshold` at `at`) before touching
    it, so a failure leaves it as it was."""
    thresholds = subject.thresholds(row)
    # The threshold's own time, not the schedule's: a row set back an hour still says how late it is.
    scheduled_for = next((t.at for t in thresholds if t.name == threshold), at)
    nxt = following(thresholds, threshold, now)
    step = _Step(
        row=row,
        threshold=threshold,
        scheduled_for=scheduled_for,
        window_start=subject.window_start(row),
        next_at=nxt.at if nxt else None,
        next_threshold=nxt.name if nxt else "",
    )
    if subject.owes_alerts(row) and (row.pk, step.window_start, step.threshold) not in already:
        step.raise_alert = True
        step.users, step.escalated = recipients(step.threshold, workers, managers)
        step.due_at = subject.due_at(row)
    return step


def _set_back(subject: Subject, row, threshold: str, now: datetime, error: Exception) -> _Failure:
    """The row could not be swept: the same threshold comes back an hour later."""
    log.warning("sweep: %s %s failed and is set aside", subject.alert_field, row.pk, exc_info=error)
    return _Failure(
        row=row, reason=setaside.describe_error(error), threshold=threshold, retry_at=now + RETRY_AFTER
    )


def _write_steps(subject: Subject, steps: list[_Step], now: datetime, failures: list) -> list[Alert]:
    """Write every step in bulk; if that fails, one step at a time, setting the failing ones
    back. Returns the alerts written."""
    if not steps:
        return []
    try:
        with transaction.atomic():
            return _write(subject, steps, now)
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        log.warning(
            "sweep: the %s batch's writes failed; writing its %d rows one by one",
            subject.alert_field,
            len(steps),
            exc_info=True,
        )
    written = []
    for step in list(steps):
        try:
            with transaction.atomic():
                written += _write(subject, [step], now)
        except SoftTimeLimitExceeded:
            raise
        except Exception as error:
            steps.remove(step)
            failures.append(_set_back(subject, step.row, step.threshold, now, error))
    return written


def _write(subject: Subject, steps: list[_Step], now: datetime) -> list[Alert]:
    _advance(subject, [(step.row.pk, step.next_at, step.next_threshold) for step in steps])
    raising = [step for step in steps if step.raise_alert]
    fresh = _insert_alerts(subject, raising, now)
    alerts_raised.send(sender=Alert, alerts=fresh)
    _notify(fresh, [step.users for step in raising])
    _queue_chat(fresh, [step.row.store_id for step in raising])
    written = [subject.timeline(step.row, step.threshold, step.scheduled_for, now) for step in raising]
    entries = [entry for entry in written if entry is not None]
    if entries and (model := subject.timeline_model) is not None:
        if connection.vendor == "postgresql":
            columns = {field.attname: field.column for field in model._meta.concrete_fields}
            _insert_json(
                model, [{columns[name]: value for name, value in entry.items()} for entry in entries]
            )
        else:
            model._default_manager.bulk_create(model(**entry) for entry in entries)
    subject.raised([(step.row, step.threshold) for step in raising])
    return fresh


def _insert_alerts(subject: Subject, steps: list[_Step], now: datetime) -> list[Alert]:
    """Write the steps' alerts; returns them saved, each with its row loaded."""
    if not steps:
        return []
    values = [
        {
            f"{subject.alert_field}_id": step.row.pk,
            "threshold": step.threshold,
            "window_start": step.window_start,
            "scheduled_for": step.scheduled_for,
            "raised_at": now,
            "due_at": step.due_at,
            "escalated": step.escalated,
        }
        for step in steps
    ]
    if connection.vendor != "postgresql":
        fresh = [Alert(**value) for value in values]
        Alert.objects.bulk_create(fresh)
    else:
        # Each row has one step in a batch, so the row's id finds its alert's.
        ids = dict(_insert_json(Alert, values, returning=f"{subject.alert_field}_id, id"))
        names = [field.attname for field in Alert._meta.concrete_fields]
        fresh = [
            _loaded(
                Alert,
                names,
                [
                    ids[value[f"{subject.alert_field}_id"]] if name == "id" else value.get(name)
                    for name in names
                ],
            )
            for value in values
        ]
    for alert, step in zip(fresh, steps, strict=True):
        alert._state.fields_cache[subject.alert_field] = step.row
    return fresh


def _insert_json(model: type[models.Model], rows: list[dict], returning: str = "") -> list[tuple]:
    """PostgreSQL: insert rows (column name -> value, the same columns in each) in one statement.
    They travel as one JSON text that the server reads back into the table's own row type: a
    catch-up sweep writes tens of thousands of values, and binding each as a parameter (or
    building a model instance per row for bulk_create) costs far more than the rows."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for column in rows[0])
    sql = f"INSERT INTO {table} ({columns}) SELECT {columns} FROM json_populate_recordset(NULL::{table}, %s)"
    with connection.cursor() as cursor:
        cursor.execute(sql + (f" RETURNING {returning}" if returning else ""), [_json(rows)])
        return cursor.fetchall() if returning else []


def _json(rows: list[dict]) -> str:
    return json.dumps(rows, default=_json_value, separators=(",", ":"))


def _json_value(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not written as JSON here")


def _managers_by_store(store_ids: set[int]) -> dict[int, list[int]]:
    managers: dict[int, list[int]] = {}
    rows = Membership.objects.filter(store_id__in=store_ids, role=Role.MANAGER).values_list(
        "store_id", "user_id"
    )
    for store_id, user_id in rows:
        managers.setdefault(store_id, []).append(user_id)
    return managers


def _advance(subject: Subject, moves: list[tuple[int, datetime | None, str]]) -> None:
    """Write each row's next alert (id, when, threshold) to its schedule in one statement
    (bulk_update's CASE is slow at 1,000 rows)."""
    if not moves:
        return
    schedule = subject.schedule._meta
    table = connection.ops.quote_name(schedule.db_table)
    key = connection.ops.quote_name(schedule.pk.column)
    if connection.vendor == "postgresql":
        # One JSON text rather than thousands of parameters (see _insert_json).
        rows = [{schedule.pk.column: i, "next_alert_at": t, "next_alert_threshold": n} for i, t, n in moves]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET next_alert_at = v.next_alert_at, next_alert_threshold = v.next_alert_threshold "
                f"FROM json_populate_recordset(NULL::{table}, %s) AS v WHERE {table}.{key} = v.{key}",
                [_json(rows)],
            )
        return
    with connection.cursor() as cursor:
        adapt = connection.ops.adapt_datetimefield_value
        values = ", ".join(["(%s, %s, %s)"] * len(moves))
        cursor.execute(
            f"UPDATE {table} SET next_alert_at = v.column2, next_alert_threshold = v.column3 "
            f"FROM (VALUES {values}) AS v WHERE {table}.{key} = v.column1",
            [value for i, t, n in moves for value in (i, adapt(t), n)],
        )


def _notify(alerts: list[Alert], users: list[list[int]]) -> None:
    """One bell notification per alert and recipient. On PostgreSQL a single INSERT from two
    arrays: a catch-up sweep writes thousands, and model instances cost more than the rows."""
    pairs = [(alert.pk, user) for alert, those in zip(alerts, users, strict=False) for user in those]
    if not pairs:
        return
    if connection.vendor != "postgresql":
        Notification.objects.bulk_create(Notification(alert_id=a, user_id=u) for a, u in pairs)
        return
    _insert_json(Notification, [{"alert_id": a, "user_id": u} for a, u in pairs])


def _queue_chat(alerts: list[Alert], store_ids: list[int]) -> None:
    """One team chat message per alert and chat destination of its store that wants it, owed
    in the alert's own transaction (the chat outbox, `chat.py`, sends it)."""
    if not alerts:
        return
    destinations: dict[int, list[ChatDestination]] = {}
    for destination in ChatDestination.objects.filter(store_id__in=set(store_ids), enabled=True):
        destinations.setdefault(destination.store_id, []).append(destination)
    if not destinations:
        return
    rows = [
        ChatDelivery(alert=alert, destination=destination)
        for alert, store_id in zip(alerts, store_ids, strict=True)
        for destination in destinations.get(store_id, [])
        if destination.wants(alert.threshold, alert.escalated)
    ]
    if rows:
        ChatDelivery.objects.bulk_create(rows)
        from .tasks import send_chat_messages  # the tasks module imports this one

        ids = [alert.pk for alert in alerts]
        # Only a fast path, like the e-mails': beat sends whatever is due.
        transaction.on_commit(lambda: send_chat_messages.delay(ids))


def _resolve_set_aside(subject: Subject, swept: list[int]) -> None:
    """Rows set aside before that went through this time close their entry (once per sweep:
    one query, which usually finds none)."""
    for pk in open_set_aside(subject.set_aside_kind) & set(swept):
        setaside.resolve(kind=subject.set_aside_kind, subject_id=pk)


def open_set_aside(kind: str) -> set[int]:
    # All of this kind rather than "those among these ids": open entries are few (people close
    # them), and a thousand ids in an IN list would cost the sweep more than the whole answer.
    return set(
        SetAside.objects.filter(kind=kind, resolved_at__isnull=True).values_list("subject_id", flat=True)
    )


def label_of(subject: Subject, pk: int) -> str:
    try:
        return subject.label(pk)
    except Exception:
        # The item's own data may be what broke it; its id still finds it.
        log.warning("no label for %s %s", subject.alert_field, pk, exc_info=True)
        return str(pk)


def put_back(subject: Subject, pk: int, task) -> None:
    """A manager's retry of a row that was set aside: its next alert is worked out again from
    its data as it is now (perhaps fixed), and a sweep is queued."""
    now = timezone.now()
    with transaction.atomic():
        row = _readable(subject).select_for_update(of=("self",)).filter(pk=pk).first()
        if row is None:
            return
        subject.prepare([row])
        try:
            schedule(row, subject.thresholds(row), now)
        except Exception:
            # Still broken: the sweep looks at it at once and sets it aside again, with the reason.
            row.next_alert_at = now
        row.save(update_fields=["next_alert_at", "next_alert_threshold"])
        transaction.on_commit(task.delay)
