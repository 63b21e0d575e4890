"""Team chat webhooks (WeCom, DingTalk, Feishu/Lark, Slack) against a real HTTP server on
loopback: each platform's documented body and signature, a 200 carrying an error code taken
as the failure it is, a retry after a 500 with one message recorded, never sent twice, a
timeout on every request, failures shown to the managers, and the admin that never shows a
secret back."""

import time
from datetime import timedelta
from urllib.parse import quote_plus

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from disputes import alerts, chat, setaside
from disputes.models import (
    ChatDelivery,
    ChatDestination,
    ChatPlatform,
    Claim,
    ClaimStatus,
    SetAside,
    SetAsideKind,
)
from disputes.tasks import send_due_chat_messages

from .chatservers import chat_server
from .conftest import client_for
from .test_sweep import T0, _a_48_hour_window, open_claim  # noqa: F401 (autouse fixture)

ORDER_ID = "111-0000001-0000001"
DINGTALK_SECRET = "SEC7f3a9c0d2b4e6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d"
FEISHU_SECRET = "qJ4vX9mN2pL7rT5w"


@pytest.fixture
def server():
    with chat_server() as running:
        yield running


def destination(world, server, platform: str, **extra) -> ChatDestination:
    tails = {
        "wecom": "cgi-bin/webhook/send?key=6a1d4c2e-93b7-4f05-8e21-c0ffee123456",
        "dingtalk": "robot/send?access_token=4be1d3f0c9a8",
        "feishu": "open-apis/bot/v2/hook/2d7c9e41-5b3a-4f6e-9a80-1c2b3d4e5f60",
        "slack": "services/T0DESK01/B0DESK02/kT9xWq3LmZ",
    }
    values = {"send_warnings": False, "send_due": False, "send_overdue": True, **extra}
    return ChatDestination.objects.create(
        store=world.store_a,
        name=f"{platform} team",
        platform=platform,
        url=server.url(platform, tails[platform]),
        **values,
    )


def raise_alerts(world, hours: int = 50) -> Claim:
    """An A-to-Z claim 50 hours on: its 24 h and 6 h warnings, due and overdue alerts raised."""
    claim = open_claim(world)
    alerts.sweep_claims(now=T0 + timedelta(hours=hours))
    return claim


def test_each_platform_receives_its_documented_body_signed_where_it_signs(world, server):
    server.secrets = {"dingtalk": DINGTALK_SECRET, "feishu": FEISHU_SECRET}
    destination(world, server, "wecom")
    destination(world, server, "dingtalk", secret=DINGTALK_SECRET)
    destination(world, server, "feishu", secret=FEISHU_SECRET)
    destination(world, server, "slack")
    claim = raise_alerts(world)
    owed = ChatDelivery.objects.filter(alert__claim=claim)
    assert owed.count() == 4 and {row.alert.threshold for row in owed} == {"overdue"}

    before = time.time()
    assert send_due_chat_messages() == 4
    assert len(server.received) == 4 and all(
        r.content_type.startswith("application/json") for r in server.received
    )

    [wecom] = server.of("wecom")
    assert wecom.query == {"key": "6a1d4c2e-93b7-4f05-8e21-c0ffee123456"}
    assert wecom.body["msgtype"] == "markdown" and ORDER_ID in wecom.body["markdown"]["content"]
    assert f"/claims/{claim.pk}/" in wecom.body["markdown"]["content"]

    [ding] = server.of("dingtalk")
    assert ding.query["access_token"] == "4be1d3f0c9a8"  # the robot's own token kept
    assert ding.signature_ok is True
    assert abs(int(ding.query["timestamp"]) - before * 1000) < 60_000  # milliseconds
    assert ding.body["msgtype"] == "markdown"
    assert ORDER_ID in ding.body["markdown"]["title"] and "overdue" in ding.body["markdown"]["text"]

    [feishu] = server.of("feishu")
    assert feishu.signature_ok is True
    assert abs(int(feishu.body["timestamp"]) - before) < 60  # seconds, as a string
    assert isinstance(feishu.body["timestamp"], str)
    assert feishu.body["msg_type"] == "text" and ORDER_ID in feishu.body["content"]["text"]

    [slack] = server.of("slack")
    assert ORDER_ID in slack.body["text"]
    assert (
        slack.body["blocks"][0]["type"] == "section" and ORDER_ID in slack.body["blocks"][0]["text"]["text"]
    )

    assert not owed.filter(sent_at__isnull=True).exists() and not owed.filter(due_at__isnull=False).exists()
    # Never twice: a second drain, even with every row made due again by hand, sends nothing.
    assert send_due_chat_messages() == 0
    ChatDelivery.objects.update(due_at=timezone.now())
    assert send_due_chat_messages() == 0
    assert len(server.received) == 4


def test_a_500_is_retried_after_a_wait_and_the_message_recorded_once(world, server, settings):
    server.secrets = {"dingtalk": DINGTALK_SECRET}
    destination(world, server, "dingtalk", secret=DINGTALK_SECRET)
    claim = raise_alerts(world)
    [row] = ChatDelivery.objects.filter(alert__claim=claim)
    server.then("dingtalk", 500, {"errcode": -1, "errmsg": "system busy"})

    started = timezone.now()
    assert send_due_chat_messages() == 0
    row.refresh_from_db()
    assert row.sent_at is None and row.attempts == 1 and "HTTP 500" in row.last_error
    wait = (row.due_at - started).total_seconds()
    assert settings.DESK_MAIL_RETRY_SECONDS - 5 <= wait <= settings.DESK_MAIL_RETRY_SECONDS + 5
    assert send_due_chat_messages() == 0  # not before the wait is over
    assert len(server.received) == 1

    ChatDelivery.objects.filter(pk=row.pk).update(due_at=timezone.now())  # the wait is over
    assert send_due_chat_messages() == 1
    assert send_due_chat_messages() == 0
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 2 and row.last_error == ""
    assert [r.signature_ok for r in server.received] == [True, True]
    # The retry is signed afresh, not replayed.
    assert len(server.received) == 2
    assert not SetAside.objects.filter(kind=SetAsideKind.CHAT_MESSAGE).exists()


@pytest.mark.parametrize(
    ("platform", "status", "answer", "reason"),
    [
        ("wecom", 200, {"errcode": 93000, "errmsg": "invalid webhook url"}, "error 93000"),
        ("dingtalk", 200, {"errcode": 300001, "errmsg": "token is not exist"}, "error 300001"),
        (
            "feishu",
            200,
            {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"},
            "error 19001",
        ),
        ("slack", 404, "no_service", "HTTP 404"),
        ("slack", 200, "invalid_payload", "invalid_payload"),
    ],
)
def test_an_answer_that_is_not_success_is_a_failure_shown_to_the_managers(
    world, server, platform, status, answer, reason
):
    destination(world, server, platform)
    claim = raise_alerts(world)
    [row] = ChatDelivery.objects.filter(alert__claim=claim)
    server.then(platform, status, answer)

    assert send_due_chat_messages() == 0
    row.refresh_from_db()
    # A wrong address or token does not mend itself: not retried on its own, shown at once.
    assert row.sent_at is None and row.due_at is None and reason in row.last_error
    [entry] = SetAside.objects.filter(kind=SetAsideKind.CHAT_MESSAGE, resolved_at__isnull=True)
    assert entry.subject_id == row.pk and entry.store_id == world.store_a.pk
    assert reason in entry.reason and ORDER_ID in entry.label


def test_a_wrong_secret_is_refused_by_the_platform_and_a_managers_retry_sends_it_once_fixed(
    world, server, manager_client
):
    server.secrets = {"feishu": FEISHU_SECRET}
    chat_room = destination(world, server, "feishu", secret="not-the-robots-secret")
    claim = raise_alerts(world)
    [row] = ChatDelivery.objects.filter(alert__claim=claim)

    assert send_due_chat_messages() == 0
    assert server.received[0].signature_ok is False
    [entry] = SetAside.objects.filter(kind=SetAsideKind.CHAT_MESSAGE, resolved_at__isnull=True)
    assert "19021" in entry.reason
    # The store's manager sees it with the platform's reason and a link to the claim.
    page = manager_client.get(reverse("disputes:set_aside")).content.decode()
    assert "sign match fail" in page and "feishu team" in page
    assert f'href="/claims/{claim.pk}/"' in page

    ChatDestination.objects.filter(pk=chat_room.pk).update(secret=FEISHU_SECRET)
    assert setaside.retry(entry, by=world.manager_a)
    assert send_due_chat_messages() == 1
    row.refresh_from_db()
    assert row.sent_at is not None and server.received[-1].signature_ok is True
    assert not SetAside.objects.filter(kind=SetAsideKind.CHAT_MESSAGE, resolved_at__isnull=True).exists()


def test_a_message_failing_for_days_is_given_up_and_shown(world, server, settings):
    from disputes.models import Alert

    destination(world, server, "wecom")
    claim = raise_alerts(world)
    [row] = ChatDelivery.objects.filter(alert__claim=claim)
    Alert.objects.filter(pk=row.alert_id).update(
        raised_at=timezone.now() - settings.DESK_ALERT_EMAIL_GIVE_UP_AFTER - timedelta(minutes=1)
    )
    server.then("wecom", 502, "Bad Gateway")
    assert send_due_chat_messages() == 0
    row.refresh_from_db()
    assert (
        row.due_at is None and row.sent_at is None and row.last_error.startswith("gave up after 1 attempts")
    )
    [entry] = SetAside.objects.filter(kind=SetAsideKind.CHAT_MESSAGE, resolved_at__isnull=True)
    assert "HTTP 502" in entry.reason


@pytest.mark.parametrize(
    ("platform", "status", "answer"),
    [
        ("dingtalk", 200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}),
        ("wecom", 200, {"errcode": 45009, "errmsg": "api freq out of limit"}),
        ("feishu", 200, {"code": 11232, "msg": "frequency limited"}),
        ("slack", 429, "rate_limited"),
    ],
)
def test_too_many_messages_waits_and_goes_later(world, server, platform, status, answer):
    destination(world, server, platform)
    claim = raise_alerts(world)
    [row] = ChatDelivery.objects.filter(alert__claim=claim)
    server.then(platform, status, answer)
    assert send_due_chat_messages() == 0
    row.refresh_from_db()
    assert row.sent_at is None and row.due_at > timezone.now()
    assert not SetAside.objects.filter(kind=SetAsideKind.CHAT_MESSAGE).exists()
    ChatDelivery.objects.filter(pk=row.pk).update(due_at=timezone.now())
    assert send_due_chat_messages() == 1 and len(server.received) == 2


def test_a_silent_server_times_out_and_the_message_waits_its_turn(world, server, settings):
    settings.DESK_CHAT_TIMEOUT = 1
    destination(world, server, "slack")
    claim = raise_alerts(world)
    [row] = ChatDelivery.objects.filter(alert__claim=claim)
    server.silent_for = 3

    started = time.monotonic()
    assert send_due_chat_messages() == 0
    assert time.monotonic() - started < 2.5  # gave up at the timeout, not when the server spoke
    row.refresh_from_db()
    assert row.sent_at is None and row.due_at > timezone.now() and "timed out" in row.last_error.lower()
    # Shown to the managers only after a few attempts: one timeout is no news.
    assert not SetAside.objects.filter(kind=SetAsideKind.CHAT_MESSAGE).exists()


def test_a_chat_out_of_reach_is_tried_once_per_run_and_retried(world, server):
    with chat_server() as gone:
        url = gone.url("wecom", "cgi-bin/webhook/send?key=k")
    ChatDestination.objects.create(store=world.store_a, name="gone", platform="wecom", url=url)
    destination(world, server, "slack")
    claim = raise_alerts(world)
    rows = ChatDelivery.objects.filter(alert__claim=claim, destination__name="gone")
    assert rows.count() == 2  # due and overdue
    assert send_due_chat_messages() == 1  # the reachable chat is not held up
    tried, waiting = sorted(rows, key=lambda row: -row.attempts)
    assert tried.attempts == 1 and "Connection refused" in tried.last_error and tried.due_at > timezone.now()
    # The other met the same closed door in the same run: not tried, due again for the next.
    assert waiting.attempts == 0 and waiting.due_at <= timezone.now() and waiting.sent_at is None


def test_each_chat_hears_only_of_the_alerts_it_wants_and_only_of_its_store(world, server):
    deadlines = destination(world, server, "slack", send_due=True, send_overdue=True)
    everything = destination(world, server, "wecom", send_warnings=True, send_due=True)
    destination(world, server, "feishu", enabled=False)
    ChatDestination.objects.create(
        store=world.store_b, name="Ozon team", platform="slack", url=server.url("slack", "services/other")
    )
    claim = raise_alerts(world)
    sent = {
        (row.destination_id, row.alert.threshold) for row in ChatDelivery.objects.filter(alert__claim=claim)
    }
    assert sent == {
        (deadlines.pk, "due"),
        (deadlines.pk, "overdue"),
        (everything.pk, "warn_24h"),
        (everything.pk, "warn_6h"),
        (everything.pk, "due"),
        (everything.pk, "overdue"),
    }


def test_a_buyer_message_left_unanswered_reaches_the_chat_with_its_order_page(
    world, server, django_capture_on_commit_callbacks
):
    from messaging import services as messaging
    from messaging import sla

    destination(world, server, "slack")
    t0 = timezone.now()
    message = messaging.message_receive(order=world.order_a, body="Where is my parcel?", at=t0)
    with django_capture_on_commit_callbacks() as queued:
        sla.sweep_replies(now=t0 + timedelta(hours=30))
    rows = ChatDelivery.objects.filter(alert__message=message).select_related("alert")
    # Nobody works the order, so every alert escalated to the managers: the chat hears of each.
    assert sorted(row.alert.threshold for row in rows) == ["due", "overdue", "warn_2h", "warn_6h"]
    assert all(row.alert.escalated for row in rows)
    # The sweep queued the fast path for the alerts it raised (besides the e-mails').
    assert any(
        "send_chat_messages" in callback.__code__.co_names + callback.__code__.co_freevars
        for callback in queued
    )
    assert send_due_chat_messages() == 4
    assert len(server.received) == 4
    for slack in server.received:
        assert ORDER_ID in slack.body["text"] and f"/orders/{world.order_a.pk}/" in slack.body["text"]


def test_a_chat_in_chinese_gets_the_alert_in_chinese(world, server):
    destination(world, server, "wecom", language="zh-hans")
    raise_alerts(world)
    assert send_due_chat_messages() == 1
    content = server.of("wecom")[0].body["markdown"]["content"]
    assert ORDER_ID in content and "逾期" in content


def test_nothing_goes_for_a_claim_closed_or_a_chat_switched_off_meanwhile(world, server):
    chat_room = destination(world, server, "slack", send_due=True)
    claim = raise_alerts(world)
    assert ChatDelivery.objects.filter(alert__claim=claim).count() == 2
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.CLOSED, closed_at=timezone.now())
    assert send_due_chat_messages() == 0

    other = raise_alerts(world)
    ChatDestination.objects.filter(pk=chat_room.pk).update(enabled=False)
    assert ChatDelivery.objects.filter(alert__claim=other, due_at__isnull=False).count() == 2
    assert send_due_chat_messages() == 0
    assert server.received == []
    assert not ChatDelivery.objects.filter(due_at__isnull=False).exists()


def test_a_message_another_sender_holds_is_not_sent_again_before_its_lease_ends(world, server):
    destination(world, server, "slack")
    claim = raise_alerts(world)
    [row] = ChatDelivery.objects.filter(alert__claim=claim)
    assert [held.pk for held in chat._claim_batch(None)] == [row.pk]
    assert send_due_chat_messages() == 0 and server.received == []


def test_the_chat_sender_runs_on_the_mail_queue_from_beat(settings):
    from config.celery import route_mail

    entry = settings.CELERY_BEAT_SCHEDULE["chat-outbox"]
    assert entry["task"] == "disputes.tasks.send_due_chat_messages" and entry["schedule"] <= 60
    for name in ("disputes.tasks.send_due_chat_messages", "disputes.tasks.send_chat_messages"):
        assert route_mail(name, (), {}, {}) == {"queue": settings.DESK_MAIL_QUEUE}
    assert route_mail("disputes.tasks.sweep_claim_alerts", (), {}, {}) is None


def test_the_signatures_match_the_platforms_worked_examples():
    # Worked by hand from the documented constructions, independent of the desk's code.
    import base64
    import hashlib
    import hmac

    stamp = 1_700_000_000_000
    expected = base64.b64encode(
        hmac.new(b"SECabc", f"{stamp}\nSECabc".encode(), hashlib.sha256).digest()
    ).decode()
    assert chat.sign_dingtalk("SECabc", stamp) == expected
    expected = base64.b64encode(
        hmac.new(f"{stamp // 1000}\nabc".encode(), b"", hashlib.sha256).digest()
    ).decode()
    assert chat.sign_feishu("abc", stamp // 1000) == expected
    url, _body = chat.request_for(
        ChatPlatform.DINGTALK,
        "https://robot.invalid/send?access_token=t",
        "SECabc",
        chat.Text("t", [], "u"),
        1.5,
    )
    # Kept the robot's token, added the time in milliseconds and the signature url-encoded.
    assert url.startswith("https://robot.invalid/send?access_token=t&timestamp=1500&sign=")
    assert url.split("sign=")[1] == quote_plus(chat.sign_dingtalk("SECabc", 1500))


# --- set up in Django admin ---------------------------------------------------------------


def _form(world, **values) -> dict:
    return {
        "store": world.store_a.pk,
        "name": "Ops group",
        "platform": "dingtalk",
        "url": "https://oapi.dingtalk.example/robot/send?access_token=4be1d3f0c9a8",
        "secret": "",
        "language": "zh-hans",
        "send_due": "on",
        "send_overdue": "on",
        "enabled": "on",
        **values,
    }


def test_the_admin_keeps_the_secret_and_never_shows_it_back(world):
    admin = client_for(world.superuser)
    add = reverse("admin:disputes_chatdestination_add")
    assert admin.post(add, _form(world, secret=DINGTALK_SECRET)).status_code == 302
    saved = ChatDestination.objects.get()
    assert saved.secret == DINGTALK_SECRET and not saved.send_warnings

    change = reverse("admin:disputes_chatdestination_change", args=[saved.pk])
    page = admin.get(change).content.decode()
    assert 'name="secret"' in page and 'type="password"' in page
    assert DINGTALK_SECRET not in page and "A secret is stored" in page

    # Saved again with the field left empty: the secret stays.
    assert admin.post(change, _form(world, name="Ops group 2")).status_code == 302
    saved.refresh_from_db()
    assert saved.name == "Ops group 2" and saved.secret == DINGTALK_SECRET
    # Removed on purpose.
    assert admin.post(change, _form(world, remove_secret="on")).status_code == 302
    saved.refresh_from_db()
    assert saved.secret == ""


def test_the_admin_refuses_a_secret_for_a_platform_that_does_not_sign_and_a_bad_address(world):
    admin = client_for(world.superuser)
    add = reverse("admin:disputes_chatdestination_add")
    page = admin.post(add, _form(world, platform="slack", secret="whatever")).content.decode()
    assert "Only DingTalk and Feishu/Lark robots have a signing secret." in page
    page = admin.post(add, _form(world, url="ftp://robot.example/hook")).content.decode()
    assert "The webhook address must start with https:// or http://." in page
    assert not ChatDestination.objects.exists()


def test_a_staff_manager_sees_and_picks_only_the_stores_they_manage(world):
    ChatDestination.objects.create(
        store=world.store_a, name="Alpha chat", platform="slack", url="https://h.example/a"
    )
    ChatDestination.objects.create(
        store=world.store_b, name="Bravo chat", platform="slack", url="https://h.example/b"
    )
    manager = world.manager_a
    manager.is_staff = True
    manager.save()
    manager.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_chatdestination", "add_chatdestination"])
    )
    client = client_for(manager)
    listing = client.get(reverse("admin:disputes_chatdestination_changelist")).content.decode()
    assert "Alpha chat" in listing and "Bravo chat" not in listing
    add = client.get(reverse("admin:disputes_chatdestination_add")).content.decode()
    assert world.store_a.name in add and world.store_b.name not in add


# --- a real worker ------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sweeps_and_sends_each_chat_message_once_from_the_mail_queue(world, server, tmp_path):
    from disputes.tasks import sweep_claim_alerts

    from .worker import celery_worker, wait_for

    server.secrets = {"dingtalk": DINGTALK_SECRET}
    destination(world, server, "dingtalk", secret=DINGTALK_SECRET, send_due=True)
    destination(world, server, "slack")
    from disputes import services
    from disputes.models import ClaimKind, Reason

    # Opened 50 hours ago on a 48-hour window, scheduled then: every threshold passed unswept.
    opened = timezone.now() - timedelta(hours=50)
    claim = services.claim_open(
        order=world.order_a,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        by=world.agent_a,
        opened_at=opened,
        assignee=world.agent_a,
    )
    alerts.schedule(claim, now=opened)
    claim.save(update_fields=["next_alert_at", "next_alert_threshold"])

    log = tmp_path / "worker.log"
    with celery_worker(log, every_task=True) as queue:
        # The sweep queues the chat messages' fast path on the mail queue; nothing else sends.
        sweep_claim_alerts.apply_async(queue=queue)
        wait_for(lambda: len(server.received) >= 3, log_path=log)
        sweep_claim_alerts.apply_async(queue=queue)
        wait_for(lambda: log.read_text().count("sweep_claim_alerts") >= 4, log_path=log)
    rows = ChatDelivery.objects.filter(alert__claim=claim)
    assert rows.count() == 3 and not rows.filter(sent_at__isnull=True).exists()
    assert "send_chat_messages" in log.read_text()
    assert sorted(r.platform for r in server.received) == ["dingtalk", "dingtalk", "slack"]
    assert all(r.signature_ok for r in server.of("dingtalk"))


def test_slack_markup_in_a_store_name_is_escaped():
    text = chat.Text("[Tom & Jerry <US>] 111-1: overdue", ["due <now>"], "https://desk.example/claims/1/")
    _url, body = chat.request_for(ChatPlatform.SLACK, "https://hooks.example/x", "", text, 0)
    section = body["blocks"][0]["text"]["text"]
    assert "Tom &amp; Jerry &lt;US&gt;" in body["text"] and "Tom &amp; Jerry &lt;US&gt;" in section
    assert "due &lt;now&gt;" in section and section.endswith("<https://desk.example/claims/1/>")
