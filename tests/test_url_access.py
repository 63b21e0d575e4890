import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from .conftest import client_for
from .url_cases import API_CASES, CASES, EXEMPT_NAMES, EXEMPT_PREFIXES, PUBLIC_NAMES


def named_patterns(resolver: URLResolver | None = None, namespace: str = "") -> dict[str, object]:
    found: dict[str, object] = {}
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.update(named_patterns(entry, inner))
        elif isinstance(entry, URLPattern) and entry.name:
            found[f"{namespace}{entry.name}"] = entry.callback
    return found


def desk_url_names() -> list[str]:
    return sorted(
        name
        for name in named_patterns()
        if name not in EXEMPT_NAMES | PUBLIC_NAMES and not name.startswith(EXEMPT_PREFIXES)
    )


def test_every_url_has_access_cases():
    missing = [name for name in desk_url_names() if name not in CASES]
    assert not missing, f"URLs without access tests (add them to tests/url_cases.py): {missing}"


def test_no_access_case_is_stale():
    names = set(named_patterns())
    assert not [name for name in CASES if name not in names]


@pytest.mark.parametrize("name", sorted(PUBLIC_NAMES))
def test_public_urls_answer_anonymous_and_outsider_alike_and_write_nothing(world, name):
    url = reverse(name)
    anonymous = Client().get(url)
    outsider = client_for(world.agent_b).get(url)
    assert anonymous.status_code == outsider.status_code == 200
    assert anonymous.content == outsider.content
    assert Client().post(url).status_code == 405


def test_no_view_is_csrf_exempt():
    # Except the API's: REST framework exempts them, and they take a bearer token only, never
    # the session cookie (test_api_ignores_the_session_cookie), so there is nothing to forge.
    exempt = [
        name
        for name, view in named_patterns().items()
        if getattr(view, "csrf_exempt", False) and not name.startswith("api:")
    ]
    assert exempt == []


def test_api_ignores_the_session_cookie(world):
    response = client_for(world.agent_a).get(reverse("api:claim-list"))
    assert response.status_code == 401
    assert client_for(world.agent_a).get(reverse("disputes:queue")).status_code == 200


def request(client: Client, method: str, url: str):
    return client.post(url) if method == "post" else client.get(url)


@pytest.mark.parametrize("name", sorted(CASES))
def test_anonymous_is_sent_to_login(world, name):
    case = CASES[name]
    url = reverse(name, kwargs=case.kwargs(world))
    for method in case.methods:
        response = request(Client(), method, url)
        assert response.status_code == 302, (name, method)
        assert response["Location"].startswith(reverse(settings.LOGIN_URL)), (name, method)


@pytest.mark.parametrize("name", sorted(CASES))
def test_outsider_sees_nothing_of_store_a(world, name):
    case = CASES[name]
    url = reverse(name, kwargs=case.kwargs(world))
    outsider = client_for(world.agent_b)
    for method in case.methods:
        response = request(outsider, method, url)
        if case.scope == "object":
            assert response.status_code == 404, (name, method)
        elif case.scope == "manager":
            assert response.status_code == 403, (name, method)
        elif case.scope == "list":
            assert response.status_code in ((200,) if method == "get" else (200, 302)), (name, method)
        else:
            assert case.scope == "self"
            assert response.status_code in (200, 302), (name, method)
        if response.status_code == 200:
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert world.store_a.name not in body.decode(), (name, method)


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if "post" in c.methods))
def test_unsafe_requests_need_the_csrf_token(world, name):
    url = reverse(name, kwargs=CASES[name].kwargs(world))
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.manager_a)
    assert client.post(url).status_code == 403


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if "get" in c.methods))
def test_member_of_store_a_gets_the_page(world, name):
    case = CASES[name]
    member = client_for(world.manager_a)
    url = reverse(name, kwargs=case.kwargs(world))
    assert member.get(url).status_code == case.member_status


def test_admin_refuses_non_staff(agent_client):
    response = agent_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --- the REST API ----------------------------------------------------------------------------


def api_client(user) -> Client:
    from api.tokens import token_create

    return Client(headers={"Authorization": f"Bearer {token_create(user=user, name='access test').secret}"})


def api_call(client: Client, name: str, world):
    case = API_CASES[name]
    url = reverse(name.removesuffix(":post"), kwargs=case.kwargs(world))
    if case.method == "post":
        return client.post(url, case.body(world), content_type="application/json")
    return client.get(url)


def test_every_api_url_has_access_cases():
    api_names = [name for name in named_patterns() if name.startswith("api:") and name not in PUBLIC_NAMES]
    assert "api:claim-move" in api_names
    missing = [name for name in api_names if name not in API_CASES]
    assert not missing, f"API URLs without access tests (add them to tests/url_cases.py): {missing}"
    assert not [name for name in API_CASES if name.removesuffix(":post") not in api_names]


@pytest.mark.parametrize("name", sorted(API_CASES))
def test_api_answers_anonymous_with_401(world, name):
    response = api_call(Client(), name, world)
    assert response.status_code == 401, name
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("name", sorted(API_CASES))
def test_api_answers_a_revoked_token_with_401(world, name):
    from api.models import ApiToken

    client = api_client(world.agent_a)
    ApiToken.objects.update(revoked_at=timezone.now())
    assert api_call(client, name, world).status_code == 401, name


@pytest.mark.parametrize("name", sorted(API_CASES))
def test_api_outsider_sees_nothing_of_store_a(world, name):
    case = API_CASES[name]
    response = api_call(api_client(world.agent_b), name, world)
    if case.scope == "object":
        assert response.status_code == 404, name
    else:
        assert response.status_code == 200, name
        assert response.json()["results"] == []
    assert world.store_a.name not in response.content.decode()
    assert world.order_a.platform_order_id not in response.content.decode()


@pytest.mark.parametrize("name", sorted(n for n, c in API_CASES.items() if c.method == "get"))
def test_api_member_of_store_a_gets_it(world, name):
    response = api_call(api_client(world.agent_a), name, world)
    assert response.status_code == 200, name
    if API_CASES[name].scope == "list":
        assert response.json()["results"], name
