"""The live server takes no request once a test is over, so none can race the tables' emptying."""

import urllib.error
import urllib.request

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


def test_a_request_after_the_test_is_over_is_refused_before_it_reaches_django(live_server):
    gate = live_server.thread.httpd.get_app()
    assert status_of(f"{live_server.url}/login/") == 200

    gate.open.clear()  # what the fixture does once the test and its pages are done
    try:
        assert status_of(f"{live_server.url}/login/") == 503
    finally:
        gate.open.set()
    assert status_of(f"{live_server.url}/login/") == 200
