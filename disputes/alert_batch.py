"""The claims' alerts raised by the database (PostgreSQL): one statement per batch of due claims.

The per-row sweep (`sweep.py`) reads each due claim, works out its thresholds in Python
(`alerts.thresholds_for`), and sends the results back: some 70 µs of Python per alert. Here one
statement locks the batch's schedule rows and claims (skipping any someone holds), works out
each claim's thresholds, the one that fell due and the next, moves the schedule on, and writes
the alerts, their bell notifications (which are the e-mail outbox) and the timeline entries;
Python only reads back what it wrote. `tests/test_alert_batch.py` holds both ways of working
out the thresholds to the same answers.

The statement takes only the claims it can vouch for: open, with a deadline, and with dates far
enough from the calendar's ends that Python's datetimes hold every threshold. The rest (a claim
set aside with a deadline in the year 9999, say) stay due for the per-row path, which sets a
failing claim aside with its reason; so does any batch whose statement fails."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection

from .models import Alert, AlertThreshold, Claim, ClaimStatus, DeadlineRule, Role, warn_threshold
from .models.rules import MAX_WARNING_HOURS, warnings_or_default
from .sweep import _loaded
from .timeline import Action

# Each due claim's thresholds as `alerts.thresholds_for` has them: the rule's warnings that fall
# after the window began, due, overdue, and "half the window" when the window is over two hours
# and no warning falls within an hour of its middle; in order of time, then of name.
SWEEP_SQL = """
WITH next_due AS MATERIALIZED (
    SELECT claim_id, next_alert_at AS at, next_alert_threshold AS name
    FROM disputes_claimalertschedule
    WHERE next_alert_at <= %(now)s
    ORDER BY next_alert_at, claim_id
    LIMIT %(batch)s
    FOR UPDATE SKIP LOCKED
),
due AS MATERIALIZED (
    SELECT n.claim_id, n.at, n.name, c.store_id, c.assignee_id, c.respond_by AS due_at,
           COALESCE(c.respond_rule_id, 0) AS rule_id, COALESCE(c.platform_requested_at, c.opened_at) AS start
    FROM next_due AS n
    JOIN disputes_claim AS c ON c.id = n.claim_id
    WHERE c.status <> ALL(%(settled)s)
      AND c.respond_by > %(earliest)s AND c.respond_by < %(latest)s
      AND COALESCE(c.platform_requested_at, c.opened_at) > %(earliest)s
      AND COALESCE(c.platform_requested_at, c.opened_at) < %(latest)s
      AND (c.respond_rule_id IS NULL OR c.respond_rule_id = ANY(%(rules)s))
    FOR UPDATE OF c SKIP LOCKED
),
rule_warnings AS MATERIALIZED (
    SELECT COALESCE(rule_id, 0) AS rule_id, make_interval(secs => seconds) AS before, name
    FROM json_to_recordset(%(warnings)s) AS r(rule_id bigint, seconds bigint, name text)
),
windows AS (
    SELECT d.*, d.start + make_interval(secs => extract(epoch FROM d.due_at - d.start) / 2) AS half
    FROM due AS d
),
warned AS (
    SELECT w.claim_id, w.due_at - r.before AS at, r.name
    FROM windows AS w
    JOIN rule_warnings AS r ON r.rule_id = w.rule_id
    WHERE w.due_at - r.before > w.start
),
thresholds AS (
    SELECT claim_id, at, name FROM warned
    UNION ALL SELECT claim_id, due_at, %(due)s FROM windows
    UNION ALL SELECT claim_id, due_at + %(escalate)s, %(overdue)s FROM windows
    UNION ALL
    SELECT w.claim_id, w.half, %(half)s FROM windows AS w
    WHERE extract(epoch FROM w.due_at - w.start) > 7200
      AND NOT EXISTS (
          SELECT FROM warned AS x
          WHERE x.claim_id = w.claim_id AND abs(extract(epoch FROM x.at - w.half)) < 3600
      )
),
ordered AS (
    SELECT claim_id, at, name,
           lead(at) OVER claim AS next_at, lead(name) OVER claim AS next_name
    FROM thresholds
    WINDOW claim AS (PARTITION BY claim_id ORDER BY at, name COLLATE "C")
),
ahead AS (
    SELECT DISTINCT ON (claim_id) claim_id, at, name
    FROM thresholds WHERE at > %(now)s
    ORDER BY claim_id, at, name COLLATE "C"
),
managers AS (
    SELECT store_id, array_agg(user_id) AS users FROM disputes_membership
    WHERE role = %(manager)s AND store_id IN (SELECT store_id FROM due)
    GROUP BY store_id
),
steps AS (
    SELECT w.claim_id, w.at, w.name, w.store_id, w.assignee_id, w.due_at, w.start,
           COALESCE(o.at, w.at) AS scheduled_for,
           CASE WHEN o.claim_id IS NULL THEN a.at ELSE o.next_at END AS next_at,
           CASE WHEN o.claim_id IS NULL THEN a.name ELSE o.next_name END AS next_name,
           m.users AS managers,
           (w.name = %(overdue)s OR w.assignee_id IS NULL) AND m.users IS NOT NULL AS escalated
    FROM windows AS w
    LEFT JOIN ordered AS o ON o.claim_id = w.claim_id AND o.name = w.name
    LEFT JOIN ahead AS a ON a.claim_id = w.claim_id
    LEFT JOIN managers AS m ON m.store_id = w.store_id
),
moved AS (
    UPDATE disputes_claimalertschedule AS s
    SET next_alert_at = t.next_at, next_alert_threshold = COALESCE(t.next_name, '')
    FROM steps AS t WHERE s.claim_id = t.claim_id
    RETURNING s.claim_id
),
raised AS (
    INSERT INTO disputes_alert (claim_id, threshold, window_start, scheduled_for, raised_at, due_at, escalated)
    SELECT claim_id, name, start, scheduled_for, %(now)s, due_at, escalated FROM steps
    ORDER BY at, claim_id
    ON CONFLICT (claim_id, window_start, threshold) DO NOTHING
    RETURNING id, claim_id, threshold, window_start, scheduled_for, due_at, escalated
),
told AS (
    INSERT INTO disputes_notification (alert_id, user_id)
    SELECT DISTINCT r.id, u.user_id
    FROM raised AS r
    JOIN steps AS t ON t.claim_id = r.claim_id
    CROSS JOIN LATERAL unnest(
        ARRAY[t.assignee_id] || CASE WHEN r.escalated THEN t.managers ELSE '{}'::integer[] END
    ) AS u(user_id)
    WHERE u.user_id IS NOT NULL
),
logged AS (
    INSERT INTO disputes_claimevent (claim_id, action, actor_id, at, params)
    SELECT r.claim_id, %(action)s, NULL, %(now)s,
           jsonb_build_object('threshold', r.threshold)
           || CASE WHEN %(now)s - r.scheduled_for > interval '2 minutes'
                   THEN jsonb_build_object(
                       'late_minutes', floor(extract(epoch FROM %(now)s - r.scheduled_for) / 60)::integer)
                   ELSE '{}'::jsonb END
    FROM raised AS r
)
SELECT t.claim_id, t.store_id, t.assignee_id, t.due_at,
       r.id, r.threshold, r.window_start, r.scheduled_for, r.escalated
FROM steps AS t
JOIN moved AS m ON m.claim_id = t.claim_id
LEFT JOIN raised AS r ON r.claim_id = t.claim_id
ORDER BY t.at, t.claim_id
"""

# Python's datetimes end at the years 1 and 9999: a claim whose thresholds might fall outside is
# left to the per-row path (a warning is at most a year ahead of the deadline).
_EARLIEST = datetime(1, 1, 1, tzinfo=UTC) + timedelta(hours=MAX_WARNING_HOURS, days=2)
_LATEST = datetime(9999, 12, 31, tzinfo=UTC) - timedelta(days=2)

_CLAIM_FIELDS = ["id", "store_id", "assignee_id", "respond_by"]
_ALERT_FIELDS = [field.attname for field in Alert._meta.concrete_fields]


def rule_warnings() -> list[dict[str, Any]]:
    """Every deadline rule's warnings as the statement reads them (rule id, seconds before the
    deadline, threshold name), and the desk's default for claims without a rule: parsed here,
    by the one reader of a rule's list (`warnings_or_default`)."""
    rules = [(None, None), *DeadlineRule.objects.values_list("id", "warn_hours_before")]
    return [
        {
            "rule_id": rule_id,
            "seconds": timedelta(hours=hours) // timedelta(seconds=1),
            "name": warn_threshold(hours),
        }
        for rule_id, value in rules
        for hours in warnings_or_default(value)
    ]


def sweep_due(now: datetime, batch: int) -> list[tuple[Claim, Alert | None]]:
    """One batch of due claims swept by the database (see the module's docstring): each claim
    moved on, with its fresh alert (None when that alert was raised before)."""
    warnings = rule_warnings()
    latest = min(_LATEST, _LATEST - settings.DESK_ESCALATE_AFTER)
    params: dict[str, Any] = {
        "now": now,
        "batch": batch,
        "settled": [str(status) for status in ClaimStatus.settled()],
        "earliest": _EARLIEST,
        "latest": latest,
        "rules": sorted({w["rule_id"] for w in warnings if w["rule_id"] is not None}),
        "warnings": json.dumps(warnings),
        "escalate": settings.DESK_ESCALATE_AFTER,
        "due": str(AlertThreshold.DUE),
        "overdue": str(AlertThreshold.OVERDUE),
        "half": str(AlertThreshold.HALF),
        "manager": str(Role.MANAGER),
        "action": Action.ALERT.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(SWEEP_SQL, params)
        found = cursor.fetchall()
    done: list[tuple[Claim, Alert | None]] = []
    alias = connection.alias
    for claim_id, store_id, assignee_id, due_at, alert_id, threshold, start, scheduled, escalated in found:
        claim = _loaded(Claim, _CLAIM_FIELDS, (claim_id, store_id, assignee_id, due_at), alias)
        alert = None
        if alert_id is not None:
            values = {
                "id": alert_id,
                "claim_id": claim_id,
                "message_id": None,
                "threshold": threshold,
                "window_start": start,
                "scheduled_for": scheduled,
                "raised_at": now,
                "due_at": due_at,
                "escalated": escalated,
            }
            alert = _loaded(Alert, _ALERT_FIELDS, [values[name] for name in _ALERT_FIELDS], alias)
            alert._state.fields_cache["claim"] = claim
        done.append((claim, alert))
    return done
