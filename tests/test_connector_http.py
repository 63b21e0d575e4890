"""The connectors' one HTTP layer, against a real local server: it waits as Retry-After says
(seconds or a date), backs off on server errors, renews an expired token once, and says what
failed in words without echoing what was sent."""

import json
import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from connectors import crypto
from connectors.http import AuthRefused, Bucket, ConnectorError, Http, Rate, wait_seconds


@contextmanager
def answering(answers: list[tuple[int, dict, dict]]):
    """A server giving these answers in turn (the last one again once they run out); yields the
    list of (path, headers) it received."""
    received: list[tuple[str, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            received.append((self.path, dict(self.headers)))
            status, body, headers = answers[min(len(received), len(answers)) - 1]
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _short_waits(settings):
    settings.DESK_CONNECTOR_MAX_WAIT = 0.05


def test_retry_after_in_seconds_or_as_a_date_is_obeyed_up_to_the_cap(settings):
    settings.DESK_CONNECTOR_MAX_WAIT = 60
    response = requests.Response()
    response.headers["Retry-After"] = "7"
    assert wait_seconds(response, 1) == 7
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    response.headers["Retry-After"] = format_datetime(now + timedelta(seconds=20), usegmt=True)
    assert wait_seconds(response, 1, now=now) == 20
    response.headers["Retry-After"] = "3600"
    assert wait_seconds(response, 1) == 60
    # Without the header: exponential backoff with jitter, never past the cap.
    assert all(0 <= wait_seconds(None, attempt) <= 60 for attempt in range(12))


def test_an_operations_bucket_lets_its_burst_go_at_once_then_paces_at_its_rate():
    now = [100.0]
    bucket = Bucket(Rate(per_second=0.5, burst=3), clock=lambda: now[0])
    assert [bucket.take() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take() == pytest.approx(2.0)  # one call every two seconds from here
    now[0] += 2.0  # the caller waited as told
    assert bucket.take() == pytest.approx(2.0)
    now[0] += 60.0  # a quiet minute fills the bucket up to its burst again, no further
    assert [bucket.take() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take() > 0
    bucket.stated(4.0)  # the platform says a faster rate applies now
    now[0] += 0.25
    assert bucket.take() == pytest.approx(0.25)


def test_calls_are_paced_by_the_published_rate_until_the_platform_states_its_own():
    with answering([(200, {"ok": True}, {})]) as (base, received):
        http = Http(base, platform="Testplatz", rates={"getThings": Rate(0.01, 1)}, rate_header="x-rate")
        http.get_json("/things", operation="getThings")
        assert http.paced == 0  # the burst
        http.get_json("/things", operation="getThings")
        assert http.paced == pytest.approx(100.0, abs=1)  # 0.01 a second: 100 s (waited up to the cap)
        http.get_json("/other")  # an operation without a published limit is never paced
    assert len(received) == 3 and http.paced == pytest.approx(100.0, abs=1)

    with answering([(200, {"ok": True}, {"x-rate": "50"})]) as (base, received):
        http = Http(base, platform="Testplatz", rates={"getThings": Rate(0.01, 1)}, rate_header="x-rate")
        http.get_json("/things", operation="getThings")
        http.get_json("/things", operation="getThings")
        # The answer said 50 a second: the second call waited at most 1/50 s, not 100 s.
        assert http.buckets["getThings"].rate == Rate(50.0, 1)
        assert http.paced <= 0.02
    assert len(received) == 2


def test_429s_and_server_errors_are_retried_until_an_answer_comes():
    answers = [(429, {}, {"Retry-After": "1"}), (503, {}, {}), (429, {}, {}), (200, {"ok": True}, {})]
    with answering(answers) as (base, received):
        http = Http(base, platform="Testplatz")
        assert http.get_json("/things") == {"ok": True}
    assert len(received) == 4 and http.throttled == 2 and http.retried == 1


def test_an_expired_token_is_renewed_once_and_the_request_sent_again():
    tokens = iter(["first", "second"])
    current = {"token": next(tokens)}

    def renew(response) -> bool:
        current["token"] = next(tokens)
        return True

    answers = [
        (401, {"errors": [{"code": "Unauthorized", "message": "The access token has expired"}]}, {}),
        (200, {"ok": 1}, {}),
    ]
    with answering(answers) as (base, received):
        http = Http(
            base,
            platform="Testplatz",
            auth=lambda: {"Authorization": f"Bearer {current['token']}"},
            refresh=renew,
        )
        assert http.get_json("/orders") == {"ok": 1}
    assert [headers["Authorization"] for _path, headers in received] == ["Bearer first", "Bearer second"]


def test_refused_credentials_are_said_in_words_without_what_was_sent():
    answers = [(401, {"error": "invalid_grant", "error_description": "refresh token revoked"}, {})]
    with answering(answers) as (base, received):
        http = Http(
            base,
            platform="Testplatz",
            auth=lambda: {"Authorization": "Bearer s3cr3t-token"},
            refresh=lambda r: False,
        )
        with pytest.raises(AuthRefused) as refused:
            http.get_json("/orders")
    assert (
        str(refused.value)
        == "Testplatz refused the credentials (401 invalid_grant): connect the store again."
    )
    assert "s3cr3t" not in str(refused.value)
    assert len(received) == 1


def test_a_server_that_stays_down_is_given_up_on_in_words():
    with (
        answering([(502, {}, {})]) as (base, received),
        pytest.raises(ConnectorError, match="answered with a server error \\(502\\)"),
    ):
        Http(base, platform="Testplatz").get_json("/orders", what="orders")
    assert len(received) == 4


def test_unreachable_platform_is_said_in_words():
    with pytest.raises(ConnectorError, match="could not be reached"):
        Http("http://127.0.0.1:9", platform="Testplatz").get_json("/orders")


def test_sealed_credentials_open_with_an_older_key_after_rotation(settings):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.DESK_CONNECTOR_KEYS = [old]
    sealed = crypto.seal({"api_key": "k-123"})
    assert "k-123" not in sealed
    settings.DESK_CONNECTOR_KEYS = [new, old]
    assert crypto.unseal(sealed) == {"api_key": "k-123"}
    resealed = crypto.reseal(sealed)
    settings.DESK_CONNECTOR_KEYS = [new]
    assert crypto.unseal(resealed) == {"api_key": "k-123"}
    with pytest.raises(crypto.Unreadable):
        crypto.unseal(sealed)
