import time

import pyotp
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from fido2.cose import ES256
from fido2.webauthn import Aaguid, AttestedCredentialData

from accounts.models import OidcProvider, OidcStoreGrant, Passkey, SignInEvent, SignInKind, TotpDevice
from accounts.twofactor import recovery_codes_issue, require_for_store
from disputes.models import Membership, Role

from .conftest import PASSWORD, client_for
from .oidcprovider import CLIENT_ID, CLIENT_SECRET, oidc_provider


@pytest.fixture(autouse=True)
def no_counted_failures():
    """Wrong codes are counted in the cache per user id, and ids come round again between tests."""
    cache.clear()


def login(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def enrol_totp(user: User) -> TotpDevice:
    client = client_for(user)
    client.post(reverse("accounts:totp_start"))
    device = TotpDevice.objects.get(user=user)
    # The code of the previous step, so the test's own code for "now" is still unused.
    previous = pyotp.TOTP(device.secret).at(time.time() - 30)
    response = client.post(reverse("accounts:totp_confirm"), {"code": previous})
    assert response.status_code == 200
    assert "recovery codes" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed_at is not None
    return device


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- authenticator app ---------------------------------------------------------------------


def test_enrolment_shows_the_secret_and_needs_a_right_code(world):
    client = client_for(world.agent_a)
    page = client.post(reverse("accounts:totp_start")).content.decode()
    device = TotpDevice.objects.get(user=world.agent_a)
    assert device.secret in page and "otpauth://totp/" in page
    wrong = client.post(reverse("accounts:totp_confirm"), {"code": "000000"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    assert device.confirmed_at is None


def test_password_then_app_code_signs_in(client, world):
    device = enrol_totp(world.agent_a)
    response = login(client, "agent_a")
    assert response["Location"] == reverse("accounts:second_factor")
    assert not signed_in(client)
    assert client.get(reverse("disputes:queue")).status_code == 302

    wrong = client.post(reverse("accounts:second_factor"), {"code": "123456"})
    assert "That code is not right" in wrong.content.decode()
    assert not signed_in(client)

    right = client.post(reverse("accounts:second_factor"), {"code": pyotp.TOTP(device.secret).now()})
    assert right["Location"] == reverse("disputes:queue")
    assert signed_in(client)
    kinds = list(SignInEvent.objects.filter(user=world.agent_a).values_list("kind", flat=True))
    assert SignInKind.SECOND_FACTOR_FAILED in kinds and SignInKind.SIGNED_IN in kinds
    assert SignInEvent.objects.get(user=world.agent_a, kind=SignInKind.SIGNED_IN).method == "password+totp"


def test_an_app_code_works_once(world):
    device = enrol_totp(world.agent_a)
    code = pyotp.TOTP(device.secret).now()
    first, second = Client(), Client()
    login(first, "agent_a")
    login(second, "agent_a")
    first.post(reverse("accounts:second_factor"), {"code": code})
    assert signed_in(first)
    replay = second.post(reverse("accounts:second_factor"), {"code": code})
    assert "was used already" in replay.content.decode()
    assert not signed_in(second)


def test_a_recovery_code_signs_in_once(world):
    enrol_totp(world.agent_a)
    codes = recovery_codes_issue(world.agent_a)
    first = Client()
    login(first, "agent_a")
    first.post(reverse("accounts:second_factor"), {"code": codes[3].upper()})
    assert signed_in(first)
    assert SignInEvent.objects.filter(user=world.agent_a, kind=SignInKind.RECOVERY_CODE_USED).count() == 1
    again = Client()
    login(again, "agent_a")
    again.post(reverse("accounts:second_factor"), {"code": codes[3]})
    assert not signed_in(again)


def test_wrong_codes_are_throttled_even_before_a_right_one(client, world, settings):
    device = enrol_totp(world.agent_a)
    login(client, "agent_a")
    for _ in range(settings.DESK_SECOND_FACTOR_FAILURE_LIMIT):
        client.post(reverse("accounts:second_factor"), {"code": "000000"})
    response = client.post(reverse("accounts:second_factor"), {"code": pyotp.TOTP(device.secret).now()})
    assert response.status_code == 429
    assert "Too many wrong codes" in response.content.decode()
    assert not signed_in(client)
    assert SignInEvent.objects.filter(user=world.agent_a, kind=SignInKind.SECOND_FACTOR_THROTTLED).exists()


def test_a_password_step_left_waiting_expires(client, world):
    device = enrol_totp(world.agent_a)
    login(client, "agent_a")
    session = client.session
    session["signin_pending"]["since"] -= 301
    session.save()
    response = client.post(reverse("accounts:second_factor"), {"code": pyotp.TOTP(device.secret).now()})
    assert response["Location"] == reverse("login")
    assert not signed_in(client)


def test_the_second_factor_page_needs_a_password_first(client, world):
    enrol_totp(world.agent_a)
    response = client.post(reverse("accounts:second_factor"), {"code": "000000"})
    assert response["Location"] == reverse("login")


# --- stores that require it ------------------------------------------------------------------


def test_a_manager_requires_a_second_factor_and_the_team_must_enrol(client, world):
    manager = client_for(world.manager_a)
    manager.post(reverse("accounts:store_requirement", args=[world.store_a.pk]), {"required": "on"})
    assert world.store_a.two_factor_requirement.required_by == world.manager_a

    login(client, "agent_a")
    assert signed_in(client)
    response = client.get(reverse("disputes:queue"))
    assert response["Location"] == reverse("accounts:account")
    page = client.get(reverse("accounts:account")).content.decode()
    assert "requires a second factor" in page and world.store_a.name in page

    client.post(reverse("accounts:totp_start"))
    device = TotpDevice.objects.get(user=world.agent_a)
    client.post(reverse("accounts:totp_confirm"), {"code": pyotp.TOTP(device.secret).now()})
    assert client.get(reverse("disputes:queue")).status_code == 200
    # Required, so it cannot be removed.
    client.post(reverse("accounts:totp_remove"))
    assert TotpDevice.objects.filter(user=world.agent_a).exists()


def test_an_agent_cannot_change_the_stores_rule(world):
    response = client_for(world.agent_a).post(
        reverse("accounts:store_requirement", args=[world.store_a.pk]), {"required": "on"}
    )
    assert response.status_code == 403
    assert not hasattr(world.store_a, "two_factor_requirement")


# --- lost device -----------------------------------------------------------------------------


def test_an_admin_resets_a_lost_device_and_the_user_signs_in_with_the_password(client, world):
    enrol_totp(world.agent_a)
    admin = client_for(User.objects.get(username="root"))
    response = admin.post(
        reverse("admin:accounts_signinsecurity_changelist"),
        {"action": "reset_second_factors", "_selected_action": [world.agent_a.pk]},
    )
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=world.agent_a).exists()
    reset = SignInEvent.objects.get(user=world.agent_a, kind=SignInKind.TWO_FACTOR_RESET)
    assert reset.detail == "by root"
    assert login(client, "agent_a")["Location"] == reverse("disputes:queue")


# --- the record of sign-ins ------------------------------------------------------------------


def test_sign_ins_and_failures_show_on_the_users_page_only(client, world):
    login(Client(), "agent_a", "wrong")
    login(client, "agent_a")
    login(Client(), "agent_b")
    page = client.get(reverse("accounts:account")).content.decode()
    assert "Wrong password" in page and "Signed in" in page
    assert page.count("sign-in-signed_in") == 1  # agent_b's is not here
    assert SignInEvent.objects.filter(user=world.agent_b, kind=SignInKind.SIGNED_IN).exists()


def test_admins_see_every_sign_in(world):
    login(Client(), "agent_b", "wrong")
    admin = client_for(User.objects.get(username="root"))
    page = admin.get(reverse("admin:accounts_signinevent_changelist")).content.decode()
    assert "agent_b" in page and "Wrong password" in page


# --- single sign-on --------------------------------------------------------------------------


@pytest.fixture
def provider_row(world, settings):
    settings.DESK_BASE_URL = "http://testserver"

    def make(issuer: str, **extra) -> OidcProvider:
        row = OidcProvider.objects.create(
            slug="corp",
            name="Corp SSO",
            issuer=issuer,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            **extra,
        )
        OidcStoreGrant.objects.create(
            provider=row, group="desk-managers", store=world.store_a, role=Role.MANAGER
        )
        return row

    return make


def sso(client: Client, slug: str = "corp"):
    start = client.get(reverse("accounts:sso_start", args=[slug]))
    assert start.status_code == 302
    back = requests.get(start["Location"], allow_redirects=False, timeout=5)
    return client.get(back.headers["Location"].removeprefix("http://testserver"))


def test_single_sign_on_makes_a_user_with_the_granted_store_and_role(client, provider_row, world):
    claims = {"sub": "u-1", "email": "mei@corp.example", "email_verified": True, "groups": ["desk-managers"]}
    with oidc_provider(claims) as provider:
        provider_row(provider.issuer)
        response = sso(client)
        assert len(provider.exchanged) == 1
    assert response["Location"] == reverse("disputes:queue")
    user = User.objects.get(email="mei@corp.example")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert Membership.objects.get(user=user, store=world.store_a).role == Role.MANAGER
    assert not user.has_usable_password()
    assert SignInEvent.objects.get(user=user, kind=SignInKind.SIGNED_IN).method == "sso:corp"


def test_single_sign_on_refuses_a_token_signed_with_another_key(client, provider_row):
    claims = {"sub": "u-1", "email": "mei@corp.example", "groups": ["desk-managers"]}
    with oidc_provider(claims) as provider:
        provider_row(provider.issuer)
        provider.tamper = True
        response = sso(client)
    assert response["Location"] == reverse("login")
    assert not signed_in(client)
    assert "could not be verified" in client.get(reverse("login")).content.decode()
    assert SignInEvent.objects.filter(kind=SignInKind.SSO_FAILED).exists()


def test_single_sign_on_refuses_without_a_granted_store_or_outside_the_domains(client, provider_row):
    with oidc_provider({"sub": "u-2", "email": "x@corp.example", "groups": ["other"]}) as provider:
        provider_row(provider.issuer)
        sso(client)
        assert not signed_in(client)
        assert not User.objects.filter(email="x@corp.example").exists()
        OidcProvider.objects.update(email_domains="elsewhere.example")
        provider.claims = {"sub": "u-3", "email": "y@corp.example", "groups": ["desk-managers"]}
        sso(client)
    assert not signed_in(client)
    assert not User.objects.filter(email="y@corp.example").exists()


def test_single_sign_on_joins_an_existing_user_only_on_a_verified_address(client, provider_row, world):
    world.agent_a.email = "agent@corp.example"
    world.agent_a.save()
    claims = {"sub": "u-4", "email": "agent@corp.example", "email_verified": True}
    with oidc_provider(claims) as provider:
        provider_row(provider.issuer)
        sso(client)
    assert int(client.session["_auth_user_id"]) == world.agent_a.pk

    other = Client()
    claims = {
        "sub": "u-5",
        "email": "agent@corp.example",
        "email_verified": False,
        "groups": ["desk-managers"],
    }
    with oidc_provider(claims) as provider:
        OidcProvider.objects.update(issuer=provider.issuer)
        sso(other)
    assert int(other.session["_auth_user_id"]) != world.agent_a.pk


def test_a_forged_state_is_refused(client, provider_row):
    with oidc_provider({"sub": "u-6"}) as provider:
        provider_row(provider.issuer)
        client.get(reverse("accounts:sso_start", args=["corp"]))
        response = client.get(
            reverse("accounts:sso_callback", args=["corp"]), {"code": "x", "state": "forged"}
        )
    assert response["Location"] == reverse("login")
    assert not signed_in(client)


def test_single_sign_on_still_asks_for_the_users_second_factor(client, provider_row, world):
    enrol_totp(world.agent_a)
    world.agent_a.email = "agent@corp.example"
    world.agent_a.save()
    with oidc_provider({"sub": "u-7", "email": "agent@corp.example", "email_verified": True}) as provider:
        provider_row(provider.issuer)
        response = sso(client)
    assert response["Location"] == reverse("accounts:second_factor")
    assert not signed_in(client)


# --- passkeys (the ceremony itself runs in Chromium: tests/browser/test_passkeys.py) ---------


def make_passkey(user: User, name: str) -> Passkey:
    """A well-formed stored credential whose private key nobody keeps."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    data = AttestedCredentialData.create(Aaguid.NONE, name.encode(), ES256.from_cryptography_key(key))
    return Passkey.objects.create(user=user, name=name, credential_id=name.encode(), credential=bytes(data))


def test_a_passkey_answer_without_its_challenge_or_forged_adds_nothing(world):
    client = client_for(world.agent_a)
    url = reverse("accounts:passkey_register_complete")
    forged = {
        "credential": {"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {}},
        "name": "x",
    }
    expired = client.post(url, forged, content_type="application/json").json()
    assert expired["error"] == "Start again: the passkey request has expired."

    options = client.post(reverse("accounts:passkey_register_begin")).json()["publicKey"]
    assert options["rp"]["id"] == "127.0.0.1"  # the host of DESK_BASE_URL
    assert options["user"]["name"] == "agent_a"
    response = client.post(url, forged, content_type="application/json")
    assert response.json()["error"] == "The passkey could not be added."
    assert not Passkey.objects.filter(user=world.agent_a).exists()


def test_a_forged_passkey_at_sign_in_counts_as_a_wrong_code(client, world, settings):
    make_passkey(world.agent_a, "Laptop")
    assert client.post(reverse("accounts:passkey_signin_begin")).status_code == 400  # no password yet
    login(client, "agent_a")
    assert client.get(reverse("accounts:second_factor")).context["has_passkey"] is True
    forged = {"credential": {"id": "aWQ", "rawId": "aWQ", "type": "public-key", "response": {}}}
    for _ in range(settings.DESK_SECOND_FACTOR_FAILURE_LIMIT):
        client.post(reverse("accounts:passkey_signin_begin"))
        response = client.post(
            reverse("accounts:passkey_signin_complete"), forged, content_type="application/json"
        )
        assert response.status_code == 400
    client.post(reverse("accounts:passkey_signin_begin"))
    response = client.post(
        reverse("accounts:passkey_signin_complete"), forged, content_type="application/json"
    )
    assert response.status_code == 429
    assert not signed_in(client)
    assert (
        SignInEvent.objects.filter(
            user=world.agent_a, kind=SignInKind.SECOND_FACTOR_FAILED, method="passkey"
        ).count()
        == settings.DESK_SECOND_FACTOR_FAILURE_LIMIT
    )


def test_the_only_passkey_stays_while_a_store_requires_a_second_factor(world):
    mine = make_passkey(world.agent_a, "Laptop")
    theirs = make_passkey(world.agent_b, "Phone")
    client = client_for(world.agent_a)
    assert client.post(reverse("accounts:passkey_remove", args=[theirs.pk])).status_code == 404
    require_for_store(world.store_a, world.manager_a, True)
    client.post(reverse("accounts:passkey_remove", args=[mine.pk]))
    assert Passkey.objects.filter(pk=mine.pk).exists()
    require_for_store(world.store_a, world.manager_a, False)
    client.post(reverse("accounts:passkey_remove", args=[mine.pk]))
    assert not Passkey.objects.filter(pk=mine.pk).exists()
