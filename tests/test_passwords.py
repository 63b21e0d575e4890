"""Changing one's password, and resetting a forgotten one by e-mail: the whole flow through the
real mail outbox, the mail in the owner's language, and the limits on reset requests."""

import re
from uuid import uuid4

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from disputes.models import Profile

from .conftest import PASSWORD

NEW_PASSWORD = "amber-lantern-quietly-47"


@pytest.fixture(autouse=True)
def _own_cache_keys(settings):
    # The reset limits count in the shared cache (Redis on CI): a key prefix of its own per test
    # keeps one test's requests, or an earlier run's, out of another's budget.
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid4().hex}"}}


@pytest.fixture
def agent(world):
    world.agent_a.email = "agent.a@example.com"
    world.agent_a.save(update_fields=["email"])
    return world.agent_a


def ask_reset(email: str, *, address: str = "203.0.113.5", client: Client | None = None, **extra):
    return (client or Client()).post(
        reverse("password_reset"), {"email": email}, REMOTE_ADDR=address, **extra
    )


def emailed_link(message) -> str:
    found = re.search(r"https?://\S+/password-reset/\S+/\S+/", message.body)
    assert found, message.body
    return found.group(0)


def logs_in(username: str, password: str) -> bool:
    response = Client().post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def test_a_forgotten_password_is_reset_through_the_emailed_link(world, agent, settings):
    login_page = Client().get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in login_page

    response = ask_reset("agent.a@example.com")
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert (
        "a link to choose a new password is on its way" in Client().get(response["Location"]).content.decode()
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["agent.a@example.com"]
    assert message.subject == "Reset your Dispute Desk password"
    assert "account agent_a" in message.body
    link = emailed_link(message)
    # The link is built on the desk's own address, not on the Host header of the request.
    assert link.startswith(settings.DESK_BASE_URL + "/password-reset/")

    browser = Client()
    form_page = browser.get(link.removeprefix(settings.DESK_BASE_URL), follow=True)
    assert 'id="password-set-form"' in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = browser.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert "Your new password is set" in browser.get(done["Location"]).content.decode()

    assert logs_in("agent_a", NEW_PASSWORD)
    assert not logs_in("agent_a", PASSWORD)
    # The link works once.
    again = Client().get(link.removeprefix(settings.DESK_BASE_URL), follow=True).content.decode()
    assert "This link is not valid" in again


def test_a_mismatched_new_password_is_refused_on_the_form(world, agent, settings):
    ask_reset("agent.a@example.com")
    browser = Client()
    form_page = browser.get(emailed_link(mail.outbox[0]).removeprefix(settings.DESK_BASE_URL), follow=True)
    response = browser.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    )
    assert response.status_code == 200
    assert "The two password fields didn’t match." in response.content.decode()
    assert logs_in("agent_a", PASSWORD)


def test_the_reset_mail_is_written_in_the_owners_language(world, agent):
    Profile.objects.filter(user=agent).update(language="zh-hans")
    # The request itself comes from an English browser.
    ask_reset("agent.a@example.com", HTTP_ACCEPT_LANGUAGE="en")
    message = mail.outbox[0]
    assert message.subject == "重置你的纠纷工作台密码"
    assert "在此设置新密码" in message.body and "agent_a" in message.body
    assert "Choose a new password" not in message.body


def test_an_unknown_address_gets_the_same_answer_and_no_mail(world, agent):
    response = ask_reset("nobody@example.com")
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_reset_requests_are_limited_per_client_address(world, agent, settings):
    assert settings.DESK_PASSWORD_RESETS_PER_ADDRESS == 5
    for n in range(5):
        assert ask_reset(f"someone{n}@example.com", address="198.51.100.7").status_code == 302
    refused = ask_reset("agent.a@example.com", address="198.51.100.7")
    assert refused.status_code == 429
    assert "Too many password reset requests from your network" in refused.content.decode()
    assert mail.outbox == []
    # Another client is not held back by the first one's requests.
    assert ask_reset("agent.a@example.com", address="198.51.100.8").status_code == 302
    assert len(mail.outbox) == 1


def test_reset_requests_are_limited_per_email_address_from_any_client(world, agent, settings):
    assert settings.DESK_PASSWORD_RESETS_PER_EMAIL == 3
    for n in range(3):
        assert ask_reset("agent.a@example.com", address=f"192.0.2.{n}").status_code == 302
    refused = ask_reset("Agent.A@Example.com", address="192.0.2.50")
    assert refused.status_code == 429
    assert "A reset link was already sent to this address several times" in refused.content.decode()
    assert len(mail.outbox) == 3


def test_behind_the_trusted_proxy_reset_limits_count_per_forwarded_client(world, agent, settings):
    settings.DESK_TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        ask_reset(f"someone{n}@example.com", address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert (
        ask_reset("x@example.com", address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    )
    assert (
        ask_reset("agent.a@example.com", address="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code
        == 302
    )


def test_a_user_changes_the_password_from_the_user_menu(world, agent):
    client = Client()
    client.post(reverse("login"), {"username": "agent_a", "password": PASSWORD})
    queue = client.get(reverse("disputes:queue")).content.decode()
    assert f'href="{reverse("password_change")}"' in queue

    wrong = client.post(
        reverse("password_change"),
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200
    assert "Your old password was entered incorrectly" in wrong.content.decode()

    done = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302 and done["Location"] == reverse("password_change_done")
    assert "Your new password is in use" in client.get(done["Location"]).content.decode()
    # This session stays logged in; the old password no longer opens the account.
    assert client.get(reverse("disputes:queue")).status_code == 200
    assert logs_in("agent_a", NEW_PASSWORD) and not logs_in("agent_a", PASSWORD)


def test_a_weak_new_password_is_refused_with_the_reason(agent_client):
    response = agent_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()


def test_the_password_pages_speak_chinese(world, agent_client):
    agent_client.post(reverse("preferences"), {"language": "zh-hans"})
    assert "修改密码" in agent_client.get(reverse("password_change")).content.decode()
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert "忘记密码？" in anonymous.get(reverse("login")).content.decode()
    assert "重置密码" in anonymous.get(reverse("password_reset")).content.decode()
    assert "请查收邮件" in anonymous.get(reverse("password_reset_done")).content.decode()
    assert "密码已设置" in anonymous.get(reverse("password_reset_complete")).content.decode()
