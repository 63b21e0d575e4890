"""The REST API (/api/v1/): tokens, each endpoint and role, pages by cursor, the rate limit and
the published schema. Access (anonymous 401, outsider 404) is in test_url_access.py."""

import hashlib

import pytest
import yaml
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openapi_spec_validator import validate

from api.authentication import PerToken
from api.models import ApiToken
from api.tokens import token_create
from appeals.models import AppealVersion
from disputes.models import Claim, ClaimEvent, ClaimStatus, Order
from evidence.models import EvidenceItem
from messaging.models import Direction, Message

from .conftest import client_for
from .evidence_corpus import HTML, photo
from .url_cases import API_APPEAL


def api(user, name: str = "tool") -> Client:
    return Client(headers={"Authorization": f"Bearer {token_create(user=user, name=name).secret}"})


# --- tokens -----------------------------------------------------------------------------------


def test_a_token_is_shown_once_and_kept_only_as_its_hash(world):
    page = client_for(world.agent_a)
    made = page.post(reverse("integrations:tokens"), {"name": "Zendesk bridge"})
    secret = made.context["made"].secret
    assert secret in made.content.decode()
    token = ApiToken.objects.get(user=world.agent_a)
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    again = page.get(reverse("accounts:account")).content.decode()
    assert "Zendesk bridge" in again and token.prefix in again and secret not in again
    response = Client(headers={"Authorization": f"Bearer {secret}"}).get(reverse("api:claim-list"))
    assert response.status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_a_token_needs_a_name_said_in_place(world):
    response = client_for(world.agent_a).post(reverse("integrations:tokens"), {"name": "  "})
    assert "Give the token a name" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_owner_revokes_a_token_and_it_stops_working_but_no_one_else_can(world):
    made = token_create(user=world.agent_a, name="old")
    caller = Client(headers={"Authorization": f"Bearer {made.secret}"})
    assert caller.get(reverse("api:order-list")).status_code == 200
    revoke = reverse("integrations:token_revoke", args=[made.token.pk])
    assert client_for(world.manager_a).post(revoke).status_code == 404
    assert caller.get(reverse("api:order-list")).status_code == 200
    revoked = client_for(world.agent_a).post(revoke)
    assert revoked["Location"] == reverse("accounts:account") + "#api-tokens"
    assert caller.get(reverse("api:order-list")).status_code == 401


def test_a_wrong_token_is_refused(world):
    made = token_create(user=world.agent_a, name="t")
    wrong = made.secret[:-2] + ("AA" if not made.secret.endswith("AA") else "BB")
    assert (
        Client(headers={"Authorization": f"Bearer {wrong}"}).get(reverse("api:order-list")).status_code == 401
    )


def test_a_deactivated_users_token_stops_working(world):
    caller = api(world.agent_a)
    world.agent_a.is_active = False
    world.agent_a.save()
    assert caller.get(reverse("api:order-list")).status_code == 401


# --- orders and pages by cursor ----------------------------------------------------------------


def test_orders_come_a_page_at_a_time_by_cursor_and_only_of_the_callers_stores(world):
    now = timezone.now()
    for n in range(5):
        Order.objects.create(
            store=world.store_a, platform_order_id=f"A-{n}", purchased_at=now, currency="USD", total="1.00"
        )
    Order.objects.create(store=world.store_b, platform_order_id="B-1", purchased_at=now, currency="RUB")
    caller = api(world.agent_a)
    seen: list[int] = []
    url = reverse("api:order-list") + "?page_size=2"
    pages = 0
    while url:
        page = caller.get(url).json()
        assert len(page["results"]) <= 2
        seen += [row["id"] for row in page["results"]]
        url, pages = page["next"], pages + 1
    mine = set(Order.objects.filter(store=world.store_a).values_list("pk", flat=True))
    assert pages == 3 and len(seen) == len(set(seen)) == 6
    assert set(seen) == mine
    assert "cursor=" in caller.get(reverse("api:order-list") + "?page_size=2").json()["next"]


def test_a_list_costs_the_same_queries_for_one_claim_or_twenty(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    caller = api(world.agent_a)
    url = reverse("api:claim-list")

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert caller.get(url).status_code == 200
        return len(seen)

    Claim.objects.filter(pk=world.claim_a.pk).update(assignee=world.agent_a)
    queries()  # the first use of a token also notes when it was used
    few = queries()
    for _ in range(19):
        Claim.objects.create(
            store=world.store_a,
            order=world.order_a,
            kind="a_to_z",
            reason="not_received",
            opened_at=timezone.now(),
            assignee=world.manager_a,
        )
    assert queries() == few


# --- claims: read, open, move, assign ------------------------------------------------------------


def test_a_claim_opened_through_the_api_gets_its_deadline_and_timeline(world):
    response = api(world.agent_a).post(
        reverse("api:claim-list"),
        {"order": world.order_a.pk, "kind": "a_to_z", "reason": "not_as_described", "amount": "12.50"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    claim = Claim.objects.get(pk=response.json()["id"])
    assert (claim.reason, str(claim.amount), claim.created_by) == ("not_as_described", "12.50", world.agent_a)
    assert claim.respond_by is not None and response.json()["respond_by"]
    assert ClaimEvent.objects.filter(claim=claim, action="opened", actor=world.agent_a).exists()


def test_opening_a_claim_with_a_bad_kind_says_which_field(world):
    response = api(world.agent_a).post(
        reverse("api:claim-list"),
        {"order": world.order_a.pk, "kind": "nonsense", "reason": "not_received"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "kind" in response.json()
    assert Claim.objects.count() == 1


def test_a_claim_moves_as_the_rules_allow_and_a_stale_move_is_a_conflict(world):
    caller = api(world.agent_a)
    url = reverse("api:claim-move", args=[world.claim_a.pk])
    moved = caller.post(url, {"status": "responded", "loaded": "new"}, content_type="application/json")
    assert moved.status_code == 200 and moved.json()["status"] == "responded"
    assert ClaimEvent.objects.filter(claim=world.claim_a, action="status").exists()
    stale = caller.post(url, {"status": "in_progress", "loaded": "new"}, content_type="application/json")
    assert stale.status_code == 409
    closed = caller.post(url, {"status": "closed", "loaded": "responded"}, content_type="application/json")
    assert closed.status_code == 400 and "cannot move" in closed.json()["detail"]
    world.claim_a.refresh_from_db()
    assert world.claim_a.status == ClaimStatus.RESPONDED


def test_a_claim_is_assigned_only_to_a_member_of_its_store(world):
    caller = api(world.agent_a)
    url = reverse("api:claim-assign", args=[world.claim_a.pk])
    done = caller.post(url, {"assignee": "manager_a", "loaded": None}, content_type="application/json")
    assert done.status_code == 200 and done.json()["assignee"] == "manager_a"
    refused = caller.post(
        url, {"assignee": "agent_b", "loaded": "manager_a"}, content_type="application/json"
    )
    assert refused.status_code == 400 and "not a member" in refused.json()["detail"]
    stale = caller.post(url, {"assignee": None, "loaded": None}, content_type="application/json")
    assert stale.status_code == 409
    world.claim_a.refresh_from_db()
    assert world.claim_a.assignee == world.manager_a


# --- messages: the composer's policy check and outbox ---------------------------------------------


def test_a_reply_through_the_api_is_recorded_like_the_composers(world):
    response = api(world.agent_a).post(
        reverse("api:order-messages-list", args=[world.order_a.pk]),
        {"body": "Thank you, we are looking into it."},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["id"])
    assert (message.direction, message.author, message.body) == (
        Direction.TO_BUYER,
        world.agent_a,
        "Thank you, we are looking into it.",
    )
    assert ClaimEvent.objects.filter(claim=world.claim_a, action="message_sent").exists()
    listed = api(world.agent_a).get(reverse("api:order-messages-list", args=[world.order_a.pk])).json()
    assert [row["id"] for row in listed["results"]] == [message.pk]


def test_the_policy_check_blocks_a_bad_message_through_the_api_exactly_as_in_the_composer(world):
    text = "Call me on +1 415 555 2671."
    through_api = api(world.agent_a).post(
        reverse("api:order-messages-list", args=[world.order_a.pk]),
        {"body": text},
        content_type="application/json",
    )
    through_page = client_for(world.agent_a).post(
        reverse("messaging:send", args=[world.order_a.pk]), {"body": text}
    )
    assert through_api.status_code == 400
    refusal = through_api.json()
    assert [finding["code"] for finding in refusal["findings"]] == ["contact.phone"]
    assert refusal["detail"] in through_page.content.decode().replace("&#x27;", "'")
    assert not Message.objects.filter(direction=Direction.TO_BUYER).exists()


def test_only_a_manager_overrides_a_blocking_finding_through_the_api(world):
    url = reverse("api:order-messages-list", args=[world.order_a.pk])
    body = {"body": "The recall hotline is +1 415 555 2671.", "override_reason": "The recall hotline."}
    agent = api(world.agent_a).post(url, body, content_type="application/json")
    assert agent.status_code == 400 and "Only a manager" in agent.json()["detail"]
    manager = api(world.manager_a).post(url, body, content_type="application/json")
    assert manager.status_code == 201
    assert Message.objects.get(pk=manager.json()["id"]).override_by == world.manager_a


# --- evidence: the vault's validation ---------------------------------------------------------------


def test_evidence_uploaded_through_the_api_is_checked_and_kept(world, settings, tmp_path):
    url = reverse("api:order-evidence-list", args=[world.order_a.pk])
    caller = api(world.agent_a)
    good = caller.post(
        url,
        {
            "kind": "buyer_media",
            "caption": "Box",
            "file": SimpleUploadedFile("box.jpg", photo(), "image/jpeg"),
        },
    )
    assert good.status_code == 201, good.content
    item = EvidenceItem.objects.get(pk=good.json()["id"])
    assert (item.file_type, item.caption, item.added_by) == ("jpeg", "Box", world.agent_a)
    disguised = caller.post(
        url, {"kind": "buyer_media", "file": SimpleUploadedFile("box2.jpg", HTML, "image/jpeg")}
    )
    assert disguised.status_code == 400
    assert disguised.json()["detail"]
    assert EvidenceItem.objects.count() == 1
    listed = caller.get(url).json()["results"]
    assert [row["id"] for row in listed] == [item.pk]


def test_a_large_upload_of_no_accepted_kind_is_refused_from_its_first_bytes_as_on_the_page(world):
    big = HTML + b"<p>padding</p>" * 200_000  # about 3 MB, of which the first bytes decide
    through_api = api(world.agent_a).post(
        reverse("api:order-evidence-list", args=[world.order_a.pk]),
        {"kind": "buyer_media", "file": SimpleUploadedFile("page.jpg", big, "image/jpeg")},
    )
    through_page = client_for(world.agent_a).post(
        reverse("evidence:upload", args=[world.order_a.pk]),
        {"kind": "buyer_media", "file": SimpleUploadedFile("page.jpg", big, "image/jpeg")},
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert through_api.status_code == through_page.status_code == 400
    assert through_api.json()["code"] == "html"
    assert through_api.json()["detail"] in through_page.content.decode().replace("&#x27;", "'").replace(
        "&quot;", '"'
    )
    assert not EvidenceItem.objects.exists()


# --- appeals: read and export --------------------------------------------------------------------


def test_an_appeal_is_read_and_exported_as_its_pdf(world):
    appeal_id = API_APPEAL(world)
    caller = api(world.agent_a)
    shown = caller.get(reverse("api:appeal-detail", args=[appeal_id])).json()
    assert shown["claim"] == world.claim_a.pk
    exported = caller.get(reverse("api:appeal-export", args=[appeal_id]))
    assert exported.status_code == 200
    assert exported["Content-Type"] == "application/pdf"
    assert exported.content.startswith(b"%PDF")
    number = AppealVersion.objects.get(appeal_id=appeal_id).number
    assert f"-v{number}.pdf" in exported["Content-Disposition"]


# --- rate limit and schema -----------------------------------------------------------------------


@pytest.fixture
def three_a_minute(monkeypatch):
    cache.clear()
    monkeypatch.setattr(PerToken, "THROTTLE_RATES", {"token": "3/min"})
    yield
    cache.clear()


def test_each_token_has_its_own_rate_and_past_it_gets_429_with_retry_after(world, three_a_minute):
    first, second = api(world.agent_a, "one"), api(world.agent_a, "two")
    url = reverse("api:order-list")
    assert [first.get(url).status_code for _ in range(3)] == [200, 200, 200]
    over = first.get(url)
    assert over.status_code == 429
    assert 0 < int(over["Retry-After"]) <= 60
    assert second.get(url).status_code == 200


def test_the_schema_is_published_valid_and_names_every_endpoint(world):
    response = Client().get(reverse("api:schema"))
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate(schema)
    paths = set(schema["paths"])
    assert {
        "/api/v1/orders/",
        "/api/v1/claims/{id}/move/",
        "/api/v1/claims/{id}/assign/",
        "/api/v1/orders/{order_id}/messages/",
        "/api/v1/orders/{order_id}/evidence/",
        "/api/v1/appeals/{id}/export/",
    } <= paths
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    # Lists are described as pages by cursor.
    page = schema["components"]["schemas"]["PaginatedOrderList"]["properties"]
    assert "cursor=" in page["next"]["example"] and "page" not in page
    assert any(p["name"] == "cursor" for p in schema["paths"]["/api/v1/orders/"]["get"]["parameters"])
