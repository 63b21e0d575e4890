import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .conftest import client_for
from .url_cases import CASES, EXEMPT_NAMES, EXEMPT_PREFIXES, PUBLIC_NAMES


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
    exempt = [name for name, view in named_patterns().items() if getattr(view, "csrf_exempt", False)]
    assert exempt == []


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
