"""An agent makes an API token on their account page, sees its secret once, calls /api/v1/ with
it from another client, and revokes it: the same call is then refused."""

import pytest

from api.models import ApiToken

from ..conftest import PASSWORD
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_makes_uses_and_revokes_a_token(page, world, browser, live_server):
    log_in(page, "agent_a", PASSWORD)
    page.goto("/account/")
    page.fill("#token-name", "Zendesk bridge")
    page.click("#token-form button[type=submit]")
    page.wait_for_selector("#new-token")
    secret = page.inner_text("#new-token-secret")
    token = ApiToken.objects.get(user=world.agent_a)
    assert secret.startswith(token.prefix)

    # Shown once: the account page lists the token by name and prefix only.
    page.goto("/account/")
    row = page.inner_text(f"#token-{token.pk}")
    assert "Zendesk bridge" in row and token.prefix in row
    assert secret not in page.content()

    # Another tool, without the browser's session, calls the API with the token.
    tool = browser.new_context(base_url=live_server.url)
    try:
        bearer = {"Authorization": f"Bearer {secret}"}
        answer = tool.request.get("/api/v1/claims/", headers=bearer)
        assert answer.status == 200
        assert [claim["id"] for claim in answer.json()["results"]] == [world.claim_a.pk]
        page.reload()
        assert page.inner_text(f"#token-{token.pk} td:nth-child(4)") != "—"  # last used

        page.click(f"#token-{token.pk} button:text('Revoke')")
        page.wait_for_selector("text=Token “Zendesk bridge” revoked.")
        assert "revoked" in page.inner_text(f"#token-{token.pk}")
        assert tool.request.get("/api/v1/claims/", headers=bearer).status == 401
    finally:
        tool.close()
    assert page.csp_violations == []
