"""The sweep engine and the alert e-mails: one bad claim, buyer message or e-mail is set aside
with its reason while the rest of the batch goes on; warning hours an admin typed wrong are
refused, and a bad value already stored breaks neither the pages nor the sweep."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from disputes import alerts, services, sweep
from disputes.models import (
    Alert,
    Claim,
    ClaimKind,
    DeadlineRule,
    Notification,
    Order,
    Reason,
    SetAside,
    SetAsideKind,
)
from disputes.tasks import send_alert_emails, sweep_claim_alerts
from messaging import services as messaging
from messaging import sla
from messaging.models import Message

from .conftest import client_for
from .mailservers import free_port, smtp_listener

# Claims open "now": scheduling looks at the real clock; sweeps are then given later times.
T0 = timezone.now().replace(second=0, microsecond=0)
# A due time whose "overdue" threshold (an hour later) falls off the calendar: the claim's
# thresholds cannot be computed.
OFF_THE_CALENDAR = datetime(9999, 12, 31, 23, 30, tzinfo=UTC)
ALL_FOUR = ["warn_24h", "warn_6h", "due", "overdue"]


@pytest.fixture(autouse=True)
def _a_48_hour_window(rules):
    # The timings below were worked out on a 48-hour A-to-Z window (the rule is an admin's to set).
    DeadlineRule.objects.filter(platform="amazon", claim_kind="a_to_z", deadline="respond").update(length=48)


def open_claim(world, order=None, **extra) -> Claim:
    """An Amazon A-to-Z claim, 48 hours from T0, warnings at 24 h and 6 h, assigned to agent_a."""
    return services.claim_open(
        order=order or world.order_a,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        by=world.agent_a,
        opened_at=T0,
        assignee=world.agent_a,
        **extra,
    )


def an_order(world, number: str, purchased_at: datetime = T0 - timedelta(days=3)) -> Order:
    return Order.objects.create(
        store=world.store_a, platform_order_id=number, purchased_at=purchased_at, currency="USD", total="9.00"
    )


def raised(claim) -> list[str]:
    return list(
        Alert.objects.filter(claim=claim)
        .order_by("scheduled_for", "threshold")
        .values_list("threshold", flat=True)
    )


def open_entries(kind) -> list[SetAside]:
    return list(SetAside.objects.filter(kind=kind, resolved_at__isnull=True))


def with_emails(world) -> None:
    for user, address in [(world.agent_a, "agent.a@example.com"), (world.manager_a, "manager.a@example.com")]:
        user.email = address
        user.save()


# --- one bad claim or message in a batch --------------------------------------------------


def test_a_claim_whose_thresholds_cannot_be_computed_is_set_aside_and_the_others_alert(world):
    good = [open_claim(world) for _ in range(3)]
    bad = open_claim(world)
    Claim.objects.filter(pk=bad.pk).update(respond_by=OFF_THE_CALENDAR)
    now = T0 + timedelta(hours=50)

    alerts.sweep_claims(now=now)

    assert [raised(claim) for claim in good] == [ALL_FOUR] * 3
    assert raised(bad) == []
    [entry] = open_entries(SetAsideKind.CLAIM_ALERTS)
    assert entry.subject_id == bad.pk and entry.store_id == world.store_a.pk
    assert entry.label == world.order_a.platform_order_id
    assert entry.reason.startswith("OverflowError")
    # Pushed an hour on, still owing the same threshold; nothing else of it changed.
    bad.refresh_from_db()
    assert (bad.next_alert_threshold, bad.next_alert_at) == ("warn_24h", now + sweep.RETRY_AFTER)
    assert alerts.sweep_claims(now=now + timedelta(minutes=30)) == []


def test_a_claim_failing_again_bumps_its_entry_and_once_fixed_alerts_and_closes_it(world):
    bad = open_claim(world)
    Claim.objects.filter(pk=bad.pk).update(respond_by=OFF_THE_CALENDAR)
    now = T0 + timedelta(hours=50)
    alerts.sweep_claims(now=now)
    alerts.sweep_claims(now=now + timedelta(hours=1))
    [entry] = open_entries(SetAsideKind.CLAIM_ALERTS)
    assert entry.attempts == 2

    Claim.objects.filter(pk=bad.pk).update(respond_by=T0 + timedelta(hours=48))
    alerts.sweep_claims(now=now + timedelta(hours=2))

    assert raised(bad) == ALL_FOUR
    entry.refresh_from_db()
    assert entry.resolved_at is not None


def test_a_managers_retry_reschedules_the_fixed_claim_and_queues_a_sweep(
    world, manager_client, django_capture_on_commit_callbacks
):
    bad = open_claim(world)
    Claim.objects.filter(pk=bad.pk).update(respond_by=OFF_THE_CALENDAR)
    alerts.sweep_claims(now=T0 + timedelta(hours=50))
    [entry] = open_entries(SetAsideKind.CLAIM_ALERTS)
    page = manager_client.get(reverse("disputes:set_aside")).content.decode()
    assert "OverflowError" in page and f'href="/claims/{bad.pk}/"' in page

    # Fixed: due half an hour ago. Its next alert is worked out again from that: due at once.
    Claim.objects.filter(pk=bad.pk).update(respond_by=timezone.now() - timedelta(minutes=30))
    with django_capture_on_commit_callbacks() as queued:
        manager_client.post(reverse("disputes:set_aside_retry", args=[entry.pk]))
    assert queued == [sweep_claim_alerts.delay]
    bad.refresh_from_db()
    assert bad.next_alert_threshold == "due" and bad.next_alert_at <= timezone.now()
    alerts.sweep_claims()
    assert raised(bad) == ["due"]
    assert open_entries(SetAsideKind.CLAIM_ALERTS) == []


def test_a_buyer_message_whose_thresholds_cannot_be_computed_is_set_aside_and_the_others_alert(
    world, manager_client, django_capture_on_commit_callbacks
):
    t0 = timezone.now()
    good = messaging.message_receive(order=world.order_a, body="Where is it?", at=t0)
    bad = messaging.message_receive(order=world.order_a, body="Hello?", at=t0)
    Message.objects.filter(pk=bad.pk).update(reply_by=OFF_THE_CALENDAR)

    sla.sweep_replies(now=t0 + timedelta(hours=30))

    assert set(Alert.objects.filter(message=good).values_list("threshold", flat=True)) == {
        "warn_6h",
        "warn_2h",
        "due",
        "overdue",
    }
    assert not Alert.objects.filter(message=bad).exists()
    [entry] = open_entries(SetAsideKind.MESSAGE_ALERTS)
    assert entry.subject_id == bad.pk and entry.reason.startswith("OverflowError")
    assert entry.label.startswith(world.order_a.platform_order_id)
    page = manager_client.get(reverse("disputes:set_aside")).content.decode()
    assert f'href="/orders/{world.order_a.pk}/"' in page

    Message.objects.filter(pk=bad.pk).update(reply_by=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        manager_client.post(reverse("disputes:set_aside_retry", args=[entry.pk]))
    assert len(queued) == 1
    sla.sweep_replies()
    assert list(Alert.objects.filter(message=bad).values_list("threshold", flat=True)) == ["due"]


def test_a_claim_whose_timeline_cannot_be_written_is_set_aside_and_the_batch_is_written(world):
    good = [open_claim(world) for _ in range(3)]
    bad = open_claim(world)

    def timeline(claim, threshold, scheduled_for, now):
        if claim.pk == bad.pk:
            # NOT NULL refuses it
            return {
                "claim_id": None,
                "action": "alert",
                "actor_id": None,
                "params": {"threshold": threshold},
                "at": now,
            }
        return alerts.CLAIMS.timeline(claim, threshold, scheduled_for, now)

    now = T0 + timedelta(hours=25)
    # The timeline hook is the per-row path's (the set-based one writes the entries in SQL).
    sweep.sweep(dataclasses.replace(alerts.CLAIMS, timeline=timeline, set_based=None), now)

    assert [raised(claim) for claim in good] == [["warn_24h"]] * 3
    assert all(claim.events.filter(action="alert").count() == 1 for claim in good)
    assert Notification.objects.filter(alert__claim__in=good).count() == 3
    # Nothing of the bad claim's alert stayed: no alert, no notification, no timeline entry.
    assert raised(bad) == [] and not bad.events.filter(action="alert").exists()
    [entry] = open_entries(SetAsideKind.CLAIM_ALERTS)
    assert entry.subject_id == bad.pk and "IntegrityError" in entry.reason
    bad.refresh_from_db()
    assert (bad.next_alert_threshold, bad.next_alert_at) == ("warn_24h", now + sweep.RETRY_AFTER)


# --- a batch's writes -----------------------------------------------------------------------


def test_each_alert_of_a_batch_its_bell_notifications_and_timeline_entry_belong_to_its_own_claim(world):
    """The batch's alerts, notifications and timeline entries are written in bulk (on PostgreSQL
    as one JSON text per table): each alert comes back with its own id and claim, and everything
    written for it is its claim's."""

    worked = open_claim(world)
    nobodys = services.claim_open(
        order=an_order(world, "111-0000002-0000002"),
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        by=world.agent_a,
        opened_at=T0,
    )
    # Opened 20 hours earlier: by the sweep it owes two thresholds, raised in two batches.
    behind = services.claim_open(
        order=an_order(world, "111-0000003-0000003"),
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        by=world.agent_a,
        opened_at=T0 - timedelta(hours=20),
        assignee=world.agent_a,
    )
    now = T0 + timedelta(hours=25)

    fresh = alerts.sweep_claims(now=now)

    expected = {
        worked.pk: [("warn_24h", T0 + timedelta(hours=24), False)],
        nobodys.pk: [("warn_24h", T0 + timedelta(hours=24), True)],
        behind.pk: [
            ("warn_24h", T0 + timedelta(hours=4), False),
            ("warn_6h", T0 + timedelta(hours=22), False),
        ],
    }
    got: dict[int, list] = {}
    for alert in fresh:
        assert alert.claim.pk == alert.claim_id  # the claim row it was raised for, loaded
        stored = Alert.objects.get(pk=alert.pk)
        assert (stored.claim_id, stored.threshold, stored.window_start, stored.due_at, stored.escalated) == (
            alert.claim_id,
            alert.threshold,
            alert.window_start,
            alert.due_at,
            alert.escalated,
        )
        assert stored.scheduled_for == alert.scheduled_for and stored.raised_at == now
        got.setdefault(alert.claim_id, []).append((alert.threshold, alert.scheduled_for, alert.escalated))
        users = set(Notification.objects.filter(alert=alert).values_list("user_id", flat=True))
        # Unassigned: the store's managers hear of it (escalated); otherwise its assignee.
        assert users == ({world.manager_a.pk} if alert.escalated else {world.agent_a.pk})
    assert got == expected
    assert len(fresh) == 4

    for claim in (worked, nobodys, behind):
        entries = list(
            claim.events.filter(action="alert").order_by("pk").values_list("at", "actor_id", "params")
        )
        assert [(at, actor, params["threshold"]) for at, actor, params in entries] == [
            (now, None, threshold) for threshold, _at, _escalated in expected[claim.pk]
        ]
    # How late each was raised is kept: 21 hours for the first of the claim that was behind.
    [first, _second] = behind.events.filter(action="alert").order_by("pk")
    assert first.params["late_minutes"] == 21 * 60
    worked.refresh_from_db()
    assert (worked.next_alert_threshold, worked.next_alert_at) == ("warn_6h", T0 + timedelta(hours=42))


# --- warning hours ------------------------------------------------------------------------

BAD_WARNINGS = [["24"], [[6]], {"hours": 6}, True, [None, "6"]]


def respond_rule() -> DeadlineRule:
    return DeadlineRule.objects.get(platform="amazon", claim_kind="a_to_z", deadline="respond")


def rule_form(rule: DeadlineRule, warnings: str) -> dict:
    return {
        "platform": rule.platform,
        "claim_kind": rule.claim_kind,
        "deadline": rule.deadline,
        "length": rule.length,
        "unit": rule.unit,
        "starts_from": rule.starts_from,
        "warn_hours_before": warnings,
        "source": rule.source,
        "is_active": "on",
        "_save": "Save",
    }


@pytest.mark.parametrize(
    "warnings",
    [
        '["24"]',
        "[-6]",
        "[0]",
        "[[6]]",
        '{"hours": 6}',
        "true",
        "[true]",
        "[24, null]",
        "[1e9]",
        "[NaN]",
        '"24"',
    ],
)
def test_the_admin_refuses_warning_hours_that_are_not_positive_numbers(world, warnings):
    rule = respond_rule()
    before = rule.warn_hours_before
    admin = client_for(world.superuser)
    response = admin.post(
        reverse("admin:disputes_deadlinerule_change", args=[rule.pk]), rule_form(rule, warnings)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "errorlist" in page
    assert "is not a number of hours" in page or "Enter a list of hours" in page
    rule.refresh_from_db()
    assert rule.warn_hours_before == before


@pytest.mark.parametrize(("warnings", "stored"), [("[12, 1.5]", [12, 1.5]), ("[]", []), ("", [])])
def test_the_admin_saves_a_list_of_positive_hours_or_none(world, warnings, stored):
    rule = respond_rule()
    admin = client_for(world.superuser)
    response = admin.post(
        reverse("admin:disputes_deadlinerule_change", args=[rule.pk]), rule_form(rule, warnings)
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.warn_hours_before == stored


@pytest.mark.parametrize("warnings", BAD_WARNINGS)
def test_queue_and_claim_page_show_a_claim_whose_rule_has_bad_warning_hours_stored(
    world, agent_client, warnings
):
    claim = open_claim(world)
    DeadlineRule.objects.filter(pk=respond_rule().pk).update(warn_hours_before=warnings)
    for url in [reverse("disputes:queue"), reverse("disputes:claim", args=[claim.pk])]:
        response = agent_client.get(url)
        assert response.status_code == 200
        assert world.order_a.platform_order_id in response.content.decode()


def test_a_rules_usable_warning_hours_still_count_beside_bad_ones(world, agent_client):
    claim = open_claim(world)  # due in 48 hours
    DeadlineRule.objects.filter(pk=respond_rule().pk).update(warn_hours_before=["12", 50, -1])
    page = agent_client.get(reverse("disputes:claim", args=[claim.pk])).content.decode()
    assert "badge badge-warning" in page  # 48 hours left is inside the 50-hour warning


@pytest.mark.parametrize("warnings", BAD_WARNINGS)
def test_pages_show_a_buyer_message_whose_stored_warnings_are_bad(world, agent_client, warnings):
    message = messaging.message_receive(order=world.order_a, body="Any news about my lamp?")
    Message.objects.filter(pk=message.pk).update(warn_hours_before=warnings)
    for url in [reverse("disputes:queue"), reverse("disputes:order", args=[world.order_a.pk])]:
        response = agent_client.get(url)
        assert response.status_code == 200
        assert 'class="badge badge-' in response.content.decode()


@pytest.mark.parametrize("warnings", BAD_WARNINGS)
def test_claims_whose_rule_has_bad_warning_hours_stored_still_alert_and_so_do_the_others(world, warnings):
    claims = [open_claim(world) for _ in range(3)]
    DeadlineRule.objects.filter(pk=respond_rule().pk).update(warn_hours_before=warnings)
    alerts.sweep_claims(now=T0 + timedelta(hours=50))
    # What is left of the rule's warnings, else a day ahead (the 6-hour one is gone).
    assert [raised(claim) for claim in claims] == [["warn_24h", "due", "overdue"]] * 3
    assert not SetAside.objects.exists()


def test_a_buyer_messages_clock_keeps_only_the_usable_warnings_of_its_rule(world):
    DeadlineRule.objects.filter(platform="amazon", deadline="reply").update(
        warn_hours_before=[6, "2", 0, 6, 1.5]
    )
    message = messaging.message_receive(order=world.order_a, body="Hello?")
    assert message.warn_hours_before == [6, 1.5]
    assert [t.name for t in sla.thresholds_for(message)] == ["warn_6h", "warn_1.5h", "due", "overdue"]


# --- alert e-mails ------------------------------------------------------------------------


def test_one_alert_email_that_cannot_be_built_is_set_aside_and_the_others_are_sent(
    world, manager_client, django_capture_on_commit_callbacks
):
    with_emails(world)
    good = open_claim(world)
    # An order id with a line break (a bad import) cannot go in an e-mail's subject.
    broken = Order.objects.create(
        store=world.store_a,
        platform_order_id="111-BROKEN\nBcc: x@example.com",
        purchased_at=T0 - timedelta(days=3),
        currency="USD",
        total="9.00",
    )
    bad = open_claim(world, order=broken)
    fresh = alerts.sweep_claims(now=T0 + timedelta(hours=25))
    mail.outbox.clear()

    assert send_alert_emails([alert.pk for alert in fresh]) == 1
    assert [m.subject for m in mail.outbox] == [
        f"[{world.store_a.name}] {world.order_a.platform_order_id}: 24 hours left to respond"
    ]
    note = Notification.objects.get(alert__claim=bad)
    assert note.emailed_at is None
    [entry] = open_entries(SetAsideKind.ALERT_EMAIL)
    assert entry.subject_id == note.pk and entry.reason.startswith("ValueError")
    assert "agent.a@example.com" in entry.label
    assert f'href="/claims/{bad.pk}/"' in manager_client.get(reverse("disputes:set_aside")).content.decode()

    # Run again (a retry of the task): what went out stays out, and the bad one, which can
    # never go as it is, waits for a person instead of failing every run.
    assert send_alert_emails([alert.pk for alert in fresh]) == 0
    assert len(mail.outbox) == 1
    note.refresh_from_db()
    assert (note.email_due_at, note.email_attempts) == (None, 1)
    entry.refresh_from_db()
    assert entry.attempts == 1

    Order.objects.filter(pk=broken.pk).update(platform_order_id="111-0000009-0000009")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        manager_client.post(reverse("disputes:set_aside_retry", args=[entry.pk]))
    assert len(queued) == 1
    assert send_alert_emails([note.alert_id]) == 1
    assert "111-0000009-0000009" in mail.outbox[-1].subject
    assert Notification.objects.filter(alert__claim__in=[good, bad], emailed_at__isnull=True).count() == 0


def test_an_address_the_mail_server_refuses_is_set_aside_and_the_others_are_sent(world, settings):
    with_emails(world)
    claim = open_claim(world)
    fresh = alerts.sweep_claims(now=T0 + timedelta(hours=50))  # the overdue one goes to the manager too
    with smtp_listener(refused={"manager.a@example.com"}) as smtp:
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": smtp.host, "port": smtp.port, "timeout": 10},
            }
        }
        assert send_alert_emails([alert.pk for alert in fresh]) == 4
        assert send_alert_emails([alert.pk for alert in fresh]) == 0
    assert [envelope.rcpt_tos for envelope in smtp.received] == [["agent.a@example.com"]] * 4
    [entry] = open_entries(SetAsideKind.ALERT_EMAIL)
    assert entry.reason.startswith("SMTPRecipientsRefused")
    assert entry.subject_id == Notification.objects.get(alert__claim=claim, user=world.manager_a).pk


def test_a_mail_outage_puts_the_email_off_and_sends_everything_once_the_server_is_back(world, settings):
    with_emails(world)
    open_claim(world)
    fresh = alerts.sweep_claims(now=T0 + timedelta(hours=50))
    nobody_listens = free_port()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": nobody_listens, "timeout": 10},
        }
    }
    assert send_alert_emails([alert.pk for alert in fresh]) == 0
    # The first e-mail met the outage and waits its turn; the run stopped there, nothing is
    # marked sent and nothing is set aside (one failure of a whole server is not news).
    notes = Notification.objects.filter(alert__in=fresh).order_by("email_due_at", "pk")
    assert [note.email_attempts for note in notes] == [0, 0, 0, 0, 1]
    assert notes.last().email_due_at > timezone.now() + timedelta(seconds=30)
    assert not SetAside.objects.exists()
    assert not Notification.objects.filter(alert__in=fresh, emailed_at__isnull=False).exists()

    with smtp_listener() as smtp:
        settings.MAILERS["default"]["OPTIONS"]["port"] = smtp.port
        assert send_alert_emails([alert.pk for alert in fresh]) == 4
        Notification.objects.filter(alert__in=fresh).update(email_due_at=timezone.now())  # its wait is over
        assert send_alert_emails([alert.pk for alert in fresh]) == 1
        assert send_alert_emails([alert.pk for alert in fresh]) == 0
    assert len(smtp.received) == 5


# --- the tasks ----------------------------------------------------------------------------


def test_beat_runs_one_sweep_for_claims_and_one_for_buyer_messages(settings):
    from config.celery import app

    sweeps = {
        entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if "sweep" in entry["task"]
    }
    assert set(sweeps) == {"disputes.tasks.sweep_claim_alerts", "messaging.tasks.sweep_reply_alerts"}
    for name, entry in sweeps.items():
        assert name in app.tasks
        assert entry["schedule"] == 60.0 and entry["options"]["expires"] <= 60


def test_every_task_has_a_time_limit_and_the_sweeps_never_retry_themselves(settings):
    from config.celery import app

    tasks = {
        name: task for name, task in app.tasks.items() if name.split(".")[0] in {"disputes", "messaging"}
    }
    assert {
        "disputes.tasks.send_alert_emails",
        "messaging.tasks.send_reply",
        "messaging.tasks.poll_mailbox",
    } <= set(tasks)
    for name, task in tasks.items():
        assert 0 < task.soft_time_limit < task.time_limit, name
    for name in ["disputes.tasks.sweep_claim_alerts", "messaging.tasks.sweep_reply_alerts"]:
        assert not getattr(tasks[name], "autoretry_for", ()), name
    assert 0 < settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    # A task that kills its worker is not handed to the next one, over and over.
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is False


# --- with a real worker and a real SMTP server --------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_alerts_around_a_poisoned_claim_message_and_email_and_a_retry_raises_them(
    world, tmp_path
):
    from collections import Counter
    from email import message_from_bytes

    from messaging.tasks import sweep_reply_alerts

    from .worker import celery_worker, wait_for

    with_emails(world)
    now = timezone.now()

    def claim_opened(hours_ago, order=None) -> Claim:
        claim = services.claim_open(
            order=order or world.order_a,
            kind=ClaimKind.A_TO_Z,
            reason=Reason.NOT_RECEIVED,
            by=world.agent_a,
            opened_at=now - timedelta(hours=hours_ago),
            assignee=world.agent_a,
        )
        alerts.schedule(claim, now=claim.opened_at)  # every threshold since then passed unseen
        claim.save(update_fields=["next_alert_at", "next_alert_threshold"])
        return claim

    def order(number: str) -> Order:
        return an_order(world, number, purchased_at=now - timedelta(days=3))

    # Four good claims, each on its own order (four alerts each, the overdue one to the manager
    # too: 20 e-mails), and a good buyer message on three of those orders (overdue: the claim's
    # assignee and the manager, 6 e-mails). Every e-mail has its own recipient and subject.
    orders = [order(f"111-000000{n}-0000000") for n in range(1, 5)]
    good = [claim_opened(50, order=each) for each in orders]
    messages = [
        messaging.message_receive(order=each, body="Hello?", at=now - timedelta(hours=30))
        for each in orders[:3]
    ]
    # A claim whose thresholds cannot be computed, and a buyer message the same.
    bad_claim = claim_opened(50)
    Claim.objects.filter(pk=bad_claim.pk).update(respond_by=OFF_THE_CALENDAR)
    bad_message = messaging.message_receive(
        order=world.order_a, body="And this?", at=now - timedelta(hours=30)
    )
    Message.objects.filter(pk=bad_message.pk).update(reply_by=OFF_THE_CALENDAR)
    # A claim whose order id breaks its e-mail's subject: one alert (its 24-hour warning).
    broken = order("111-BROKEN\nBcc: x@example.com")
    mail_poison = services.claim_open(
        order=broken,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        by=world.agent_a,
        opened_at=now - timedelta(hours=25),
        assignee=world.agent_a,
    )
    manager = client_for(world.manager_a)

    def set_aside() -> list[SetAside]:
        return list(SetAside.objects.filter(resolved_at__isnull=True).order_by("kind"))

    log = tmp_path / "worker.log"
    with (
        smtp_listener() as smtp,
        celery_worker(
            log,
            every_task=True,
            env={"EMAIL_HOST": smtp.host, "EMAIL_PORT": str(smtp.port), "DESK_MAIL_TIMEOUT": "10"},
        ) as queue,
    ):
        sweep_claim_alerts.apply_async(queue=queue)
        sweep_reply_alerts.apply_async(queue=queue)
        wait_for(lambda: len(smtp.received) >= 26 and len(set_aside()) == 3, log_path=log)

        assert [raised(claim) for claim in good] == [ALL_FOUR] * 4
        assert all(Alert.objects.filter(message=m, threshold="overdue").exists() for m in messages)
        assert raised(bad_claim) == [] and not Alert.objects.filter(message=bad_message).exists()
        entries = {entry.kind: entry for entry in set_aside()}
        assert entries[SetAsideKind.CLAIM_ALERTS].subject_id == bad_claim.pk
        assert entries[SetAsideKind.MESSAGE_ALERTS].subject_id == bad_message.pk
        assert (
            entries[SetAsideKind.ALERT_EMAIL].subject_id
            == Notification.objects.get(alert__claim=mail_poison).pk
        )
        page = manager.get(reverse("disputes:set_aside")).content.decode()
        assert page.count("OverflowError: date value out of range") == 2
        assert "ValueError: Header values may not contain linefeed" in page

        # The causes are fixed; a manager retries each entry.
        Claim.objects.filter(pk=bad_claim.pk).update(respond_by=timezone.now() - timedelta(minutes=30))
        Message.objects.filter(pk=bad_message.pk).update(reply_by=timezone.now() - timedelta(minutes=30))
        Order.objects.filter(pk=broken.pk).update(platform_order_id="111-0000009-0000009")
        for entry in entries.values():
            assert manager.post(reverse("disputes:set_aside_retry", args=[entry.pk])).status_code == 302
        wait_for(lambda: len(smtp.received) >= 29 and not set_aside(), log_path=log)
        assert raised(bad_claim) == ["due"]
        assert list(Alert.objects.filter(message=bad_message).values_list("threshold", flat=True)) == ["due"]

    # Every e-mail reached the server once: after the retries, the claim's and the buyer
    # message's "due" (to the assignee; to the manager, nobody working order_a) and the warning.
    sent = Counter((tuple(e.rcpt_tos), message_from_bytes(e.content)["Subject"]) for e in smtp.received)
    assert len(smtp.received) == 29 and set(sent.values()) == {1}
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 29
    assert (
        not Notification.objects.filter(emailed_at__isnull=True).exclude(pk=world.notification_a.pk).exists()
    )
