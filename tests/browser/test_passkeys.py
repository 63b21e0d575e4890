import pytest

from accounts.models import Passkey

from ..conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_adds_a_passkey_and_signs_in_with_it(page, world, live_server, settings):
    # WebAuthn needs a domain for the relying party: localhost, not 127.0.0.1.
    base = live_server.url.replace("127.0.0.1", "localhost")
    settings.DESK_BASE_URL = base
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "agent_a")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.click("button[type=submit]")
    page.goto(f"{base}/account/")
    page.fill("#passkey-name", "Work laptop")
    with page.expect_navigation(wait_until="load"):
        page.click("#passkey-add button")
    assert "Work laptop" in page.inner_text("#passkeys")
    assert Passkey.objects.filter(user=world.agent_a, name="Work laptop").count() == 1

    with page.expect_navigation(wait_until="load"):
        page.click("button:text('Log out')")
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "agent_a")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.click("button[type=submit]")
    page.wait_for_selector("#passkey-signin")
    with page.expect_navigation(wait_until="load"):
        page.click("#passkey-signin button")
    page.wait_for_selector("h1:text('Queue')")
    page.goto(f"{base}/account/")
    assert "password+passkey" in page.inner_text("#sign-ins")
    assert page.csp_violations == []
