import time

import pyotp
import pytest

from accounts.models import OidcProvider, OidcStoreGrant
from disputes.models import Role

from ..conftest import PASSWORD
from ..oidcprovider import CLIENT_ID, CLIENT_SECRET, oidc_provider
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fresh_code(secret: str) -> str:
    """A code for a step no earlier code was accepted in (each step's code works once)."""
    otp = pyotp.TOTP(secret)
    step = int(time.time()) // 30
    while int(time.time()) // 30 == step:
        time.sleep(0.5)
    return otp.now()


def test_agent_enrols_an_authenticator_app_and_signs_in_with_it(page, world):
    log_in(page, "agent_a", PASSWORD)
    page.click("#account-link")
    page.click("#totp-start")
    secret = page.inner_text("#totp-secret").strip()
    page.fill("#totp-code", pyotp.TOTP(secret).now())
    page.click("#totp-enrol button[type=submit]")
    page.wait_for_selector("#recovery-codes li")
    assert "On since" in page.inner_text("#totp-status")

    page.click("button:text('Log out')")
    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector("#second-factor-form")
    page.fill("#second-factor-code", "000000")
    page.click("#second-factor-form button[type=submit]")
    page.wait_for_selector("text=That code is not right")

    page.fill("#second-factor-code", fresh_code(secret))
    page.click("#second-factor-form button[type=submit]")
    page.wait_for_selector("h1:text('Queue')")
    page.click("#account-link")
    assert "password+totp" in page.inner_text("#sign-ins")
    assert page.csp_violations == []


def test_a_manager_signs_in_through_the_local_oidc_provider(page, world, live_server, settings):
    settings.DESK_BASE_URL = live_server.url
    claims = {"sub": "m-1", "email": "lin@corp.example", "email_verified": True, "groups": ["desk-managers"]}
    with oidc_provider(claims) as provider:
        row = OidcProvider.objects.create(
            slug="corp",
            name="Corp SSO",
            issuer=provider.issuer,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
        )
        OidcStoreGrant.objects.create(
            provider=row, group="desk-managers", store=world.store_a, role=Role.MANAGER
        )
        page.goto("/login/")
        with page.expect_navigation(url=f"{live_server.url}/"):
            page.click("#sso-providers a:text('Corp SSO')")
        page.wait_for_selector("h1:text('Queue')")
        assert provider.exchanged
    assert world.store_a.name in page.content()
    page.click("#account-link")
    assert "sso:corp" in page.inner_text("#sign-ins")
    assert page.csp_violations == []
