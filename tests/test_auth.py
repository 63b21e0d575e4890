import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from disputes.models import Profile

from .conftest import PASSWORD


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_with_the_right_password_lands_on_the_queue(client, world):
    response = login(client, "agent_a", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("disputes:queue")
    assert "Alpha Amazon US" in client.get(reverse("disputes:queue")).content.decode()


def test_login_with_a_wrong_password_shows_an_error_in_place(client, world):
    response = login(client, "agent_a", "wrong")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_login_is_locked_after_repeated_failures(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "agent_a", "wrong")
    response = login(client, "agent_a", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_on_another_account_do_not_lock_this_one(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "agent_b", "wrong")
    assert login(client, "agent_a", PASSWORD).status_code == 302


def test_logout_needs_post(agent_client):
    assert agent_client.get(reverse("logout")).status_code == 405
    assert agent_client.post(reverse("logout")).status_code == 302
    assert agent_client.get(reverse("disputes:queue")).status_code == 302


def test_language_switch_speaks_chinese_and_is_remembered(client, world):
    login(client, "agent_a", PASSWORD)
    client.post(reverse("preferences"), {"language": "zh-hans", "next": reverse("disputes:queue")})
    assert Profile.objects.get(user=world.agent_a).language == "zh-hans"
    page = client.get(reverse("disputes:queue")).content.decode()
    assert "队列" in page
    # A new session picks the saved language up at login.
    client.post(reverse("logout"))
    login(client, "agent_a", PASSWORD)
    assert "队列" in client.get(reverse("disputes:queue")).content.decode()


def test_times_are_shown_in_the_users_time_zone(client, world):
    login(client, "agent_a", PASSWORD)
    client.post(reverse("preferences"), {"time_zone": "Asia/Shanghai"})
    page = client.get(reverse("disputes:queue")).content.decode()
    assert "Asia/Shanghai" in page


def test_an_unknown_time_zone_is_refused_with_a_message(client, world):
    login(client, "agent_a", PASSWORD)
    response = client.post(reverse("preferences"), {"time_zone": "Mars/Olympus"}, follow=True)
    assert "Mars/Olympus is not one of the available choices" in response.content.decode()
    assert Profile.objects.get(user=world.agent_a).time_zone == "UTC"


def test_preferences_refuse_an_offsite_next(agent_client):
    response = agent_client.post(reverse("preferences"), {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == reverse("disputes:queue")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_pages_carry_a_nonce_csp_without_unsafe_scripts(agent_client, language):
    agent_client.post(reverse("preferences"), {"language": language})
    response = agent_client.get(reverse("disputes:queue"))
    policy = response["Content-Security-Policy"]
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert "'nonce-" in script_src
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "<script>" not in response.content.decode()


def test_csrf_token_rides_on_the_body_for_htmx(agent_client):
    page = agent_client.get(reverse("disputes:queue")).content.decode()
    assert '<body hx-headers=\'{"X-CSRFToken": "' in page


def test_htmx_is_served_by_the_desk_not_a_cdn(agent_client):
    page = agent_client.get(reverse("disputes:queue")).content.decode()
    assert "/static/django_htmx/htmx-2.min.js" in page
    assert "://" not in page.split("<body")[0].replace("http://www.w3.org", "")


def test_stale_workers_are_announced_to_admins(client, world):
    client.force_login(world.superuser)
    page = client.get(reverse("disputes:queue")).content.decode()
    assert "Background workers have not reported yet" in page
    from disputes.models import WorkerHeartbeat

    WorkerHeartbeat.objects.create(source="beat", last_seen=timezone.now())
    page = client.get(reverse("disputes:queue")).content.decode()
    assert "Background workers" not in page


def test_the_layout_reads_the_bell_the_role_and_beats_time_as_stored(world):
    from datetime import timedelta

    from disputes.context_processors import desk, unread_role_and_beat
    from disputes.models import Alert, Notification, WorkerHeartbeat

    # Only the user's unacknowledged notifications count: one more for the agent, one
    # acknowledged, one for the manager.
    first = world.notification_a.alert
    second, third = (
        Alert.objects.create(
            claim=world.claim_a,
            threshold=threshold,
            window_start=first.window_start,
            scheduled_for=first.scheduled_for,
            due_at=first.due_at,
        )
        for threshold in ("overdue", "warn_6h")
    )
    Notification.objects.create(alert=second, user=world.agent_a)
    Notification.objects.create(alert=third, user=world.agent_a, acknowledged_at=timezone.now())
    Notification.objects.create(alert=first, user=world.manager_a)
    assert unread_role_and_beat(world.agent_a) == (2, False, None)
    assert unread_role_and_beat(world.manager_a) == (1, True, None)
    # Beat's last report comes back as the aware time stored (SQLite keeps it as text), and a
    # stale one is announced to the manager, not to the agent.
    seen = timezone.now() - timedelta(hours=2)
    WorkerHeartbeat.objects.create(source="beat", last_seen=seen)
    WorkerHeartbeat.objects.create(source="sweep", last_seen=timezone.now())
    unread, manages, beat_seen = unread_role_and_beat(world.manager_a)
    assert (unread, manages, beat_seen) == (1, True, seen) and timezone.is_aware(beat_seen)
    request = RequestFactory().get("/")
    request.user = world.manager_a
    assert desk(request)["workers_stale"] is True and desk(request)["workers_last_seen"] == seen
    request.user = world.agent_a
    assert "workers_stale" not in desk(request) and desk(request)["unread_alerts"] == 2


def test_the_working_pages_speak_chinese(manager_client, world):
    manager_client.post(reverse("preferences"), {"language": "zh-hans"})
    pages = {
        reverse("disputes:queue"): ["队列", "负责人", "剩余"],
        reverse("disputes:claim", args=[world.claim_a.pk]): ["期限", "时间线", "队列中的下一个索赔", "订单"],
        reverse("disputes:dashboard"): ["当前逾期", "客服工作量", "订单缺陷率"],
        reverse("disputes:store", args=[world.store_a.pk]): ["订单缺陷率", "有缺陷的订单"],
        reverse("disputes:import_orders"): ["导入订单"],
    }
    for url, words in pages.items():
        body = manager_client.get(url).content.decode()
        for word in words:
            assert word in body, (url, word)


# --- The client's address behind a proxy --------------------------------------------------

PROXY = "10.0.0.2"


def login_from(forwarded: str, username: str, password: str):
    """A login arriving through the reverse proxy, which appends the client it saw."""
    return Client().post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_the_proxy_a_lockout_of_one_client_leaves_another_client_alone(world, settings):
    settings.DESK_TRUSTED_PROXY_COUNT = 1
    # The attacker writes a different address of their own in front of the proxy's each time.
    for n in range(settings.AXES_FAILURE_LIMIT):
        login_from(f"192.0.2.{n}, 203.0.113.5", "agent_a", "wrong")
    locked = login_from("192.0.2.99, 203.0.113.5", "agent_a", PASSWORD)
    assert locked.status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"
    assert login_from("198.51.100.7", "agent_a", PASSWORD).status_code == 302


def test_without_the_setting_a_forged_forwarded_address_is_ignored(world, settings):
    assert settings.DESK_TRUSTED_PROXY_COUNT == 0
    for n in range(settings.AXES_FAILURE_LIMIT):
        login_from(f"198.51.100.{n}", "agent_a", "wrong")
    assert login_from("198.51.100.200", "agent_a", PASSWORD).status_code == 429
    assert AccessAttempt.objects.get().ip_address == PROXY


def test_a_forwarding_header_shorter_than_the_proxy_chain_falls_back_to_the_connection(world, settings):
    settings.DESK_TRUSTED_PROXY_COUNT = 2
    login_from("203.0.113.5", "agent_a", "wrong")
    login_from("not-an-address, 10.0.0.1", "agent_a", "wrong")
    login_from("203.0.113.9, 10.0.0.1", "agent_a", "wrong")
    assert sorted(AccessAttempt.objects.values_list("ip_address", flat=True)) == [PROXY, "203.0.113.9"]
