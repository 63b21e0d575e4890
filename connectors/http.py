"""The one way connectors talk HTTP: timeouts on every request, polite retries, errors in words.

- 429 Too Many Requests: wait as Retry-After says (seconds or an HTTP date), else back off
  exponentially with jitter; up to RATE_LIMIT_TRIES times.
- 5xx and connection errors: the same backoff, up to TRANSIENT_TRIES times.
- Per-operation rate limits (Amazon publishes one per operation: a rate and a burst): a token
  bucket per operation paces the calls before the platform has to refuse them, and follows the
  rate the platform states in its answers (`rate_header`, e.g. x-amzn-RateLimit-Limit).
- 401 (and whatever the platform says an expired token looks like): the platform's `refresh`
  hook renews its token once and the request is sent again.
- Every wait is capped by settings.DESK_CONNECTOR_MAX_WAIT (the tests shorten it, no patching).
- What still fails comes out as ConnectorError, a sentence a manager can act on. Request and
  response bodies are never put in it (they may hold credentials), only the platform's own
  error code or message."""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from django.conf import settings
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

RATE_LIMIT_TRIES = 8
TRANSIENT_TRIES = 4
BACKOFF_FIRST = 1.0  # seconds; doubled each try, with jitter
DETAIL_CHARS = 200


class ConnectorError(Exception):
    """A sync or a test of the connection failed; str() is what the manager reads."""


class Transient(ConnectorError):
    """The platform was out of reach, overloaded (5xx) or kept throttling (429): the same request
    may well pass later. The outbox of platform actions puts the action off; a sync tries again."""


class AuthRefused(ConnectorError):
    """The platform refused the credentials: nothing will work until someone connects again."""


def base_url(name: str, default: str) -> str:
    """Where the API named `name` is: the platform's published address unless the deployment
    (settings.DESK_CONNECTOR_BASE_URLS) points it elsewhere, e.g. at a local test server."""
    return settings.DESK_CONNECTOR_BASE_URLS.get(name, default).rstrip("/")


def wait_seconds(response: requests.Response | None, attempt: int, *, now: datetime | None = None) -> float:
    """How long to wait before try `attempt + 1`: Retry-After when the answer has one, else
    exponential backoff with full jitter; never more than DESK_CONNECTOR_MAX_WAIT."""
    cap = settings.DESK_CONNECTOR_MAX_WAIT
    said = response.headers.get("Retry-After") if response is not None else None
    if said:
        said = said.strip()
        if said.isdigit():
            return min(float(said), cap)
        try:
            when = email.utils.parsedate_to_datetime(said)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return min(max((when - (now or datetime.now(UTC))).total_seconds(), 0.0), cap)
    return min(random.uniform(0, BACKOFF_FIRST * 2**attempt), cap)


@dataclass(frozen=True)
class Rate:
    """A platform's published limit for one operation: `per_second` on average, `burst` at once."""

    per_second: float
    burst: int


class Bucket:
    """A token bucket for one operation: up to `burst` calls at once, then `per_second`."""

    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.clock = clock
        self.tokens = float(rate.burst)
        self.at = clock()

    def take(self) -> float:
        """Take the next call's token: how many seconds to wait before sending it (0: at once)."""
        now = self.clock()
        self.tokens = min(float(self.rate.burst), self.tokens + (now - self.at) * self.rate.per_second)
        self.at = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate.per_second

    def stated(self, per_second: float) -> None:
        """The platform said which rate applies now (it may differ by seller and by hour)."""
        if per_second > 0:
            self.rate = Rate(per_second, self.rate.burst)


def stated_rate(response: requests.Response, header: str) -> float | None:
    value = response.headers.get(header) if header else None
    try:
        return float(value) if value else None
    except ValueError:
        return None


def sleep(seconds: float, cap: float | None = None) -> None:
    """Wait, never past DESK_CONNECTOR_MAX_WAIT nor `cap`."""
    limit = settings.DESK_CONNECTOR_MAX_WAIT if cap is None else min(cap, settings.DESK_CONNECTOR_MAX_WAIT)
    time.sleep(min(seconds, limit))


def detail_of(response: requests.Response) -> str:
    """The platform's own short word for what went wrong (an error code or message), if any."""
    try:
        body = response.json()
    except ValueError:
        return ""
    found: Any = None
    if isinstance(body, dict):
        for name in ("error", "message", "error_description", "errors", "code"):
            if body.get(name):
                found = body[name]
                break
    if isinstance(found, list) and found:
        found = found[0]
    if isinstance(found, dict):
        found = found.get("code") or found.get("message") or found.get("errorId") or ""
    return str(found or "")[:DETAIL_CHARS]


class Http:
    """A requests Session for one platform. `auth()` gives the headers that authenticate a
    request (called for every try, so a refreshed token is used); `refresh(response)` is called
    on a 401 (or when `expired(response)` says the token ran out) and returns True when it got a
    new token, so the request is sent once more."""

    def __init__(
        self,
        base: str,
        *,
        platform: str,
        auth: Callable[[], dict[str, str]] | None = None,
        refresh: Callable[[requests.Response], bool] | None = None,
        expired: Callable[[requests.Response], bool] | None = None,
        headers: dict[str, str] | None = None,
        session: requests.Session | None = None,
        rates: Mapping[str, Rate] | None = None,
        rate_header: str = "",
    ) -> None:
        self.base = base.rstrip("/")
        self.platform = platform
        self.auth = auth
        self.refresh = refresh
        self.expired = expired or (lambda response: response.status_code == 401)
        self.session = session or requests.Session()
        self.session.headers.update({"User-Agent": "DisputeDesk/1.0", **(headers or {})})
        # One bucket per operation the platform limits, made on first use.
        self.rates = dict(rates or {})
        self.rate_header = rate_header
        self.buckets: dict[str, Bucket] = {}
        self.timeout = (settings.DESK_CONNECTOR_CONNECT_TIMEOUT, settings.DESK_CONNECTOR_READ_TIMEOUT)
        # A person waiting on a page is given fewer tries than a sync (see `for_a_person`).
        self.rate_limit_tries = RATE_LIMIT_TRIES
        self.transient_tries = TRANSIENT_TRIES
        # The longest one wait between tries (None: DESK_CONNECTOR_MAX_WAIT).
        self.max_wait: float | None = None
        # Figures for the sync's log line and the tests: requests sent, 429s and retries met.
        self.requests = 0
        self.throttled = 0
        self.retried = 0
        self.paced = 0.0  # seconds spent waiting for an operation's bucket

    def for_a_person(self) -> Http:
        """Short waits and few tries: someone is waiting on a page for the answer."""
        self.timeout = (min(self.timeout[0], 5.0), min(self.timeout[1], 15.0))
        self.rate_limit_tries = self.transient_tries = 2
        return self

    def for_an_outbox(self) -> Http:
        """Few tries and short waits: a worker sending one action among others, under a time
        limit. What still fails is put off by the outbox (its own backoff), not waited out here."""
        self.for_a_person()
        self.max_wait = 3.0
        return self

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base}/{path.lstrip('/')}"

    def bucket(self, operation: str) -> Bucket | None:
        if operation not in self.rates:
            return None
        if operation not in self.buckets:
            self.buckets[operation] = Bucket(self.rates[operation])
        return self.buckets[operation]

    def request(
        self, method: str, path: str, *, what: str = "", operation: str = "", **kwargs: Any
    ) -> requests.Response:
        """Send, retrying as the module says; returns a 2xx answer or raises ConnectorError.
        `operation` names the call in the platform's rate limits (see `rates`)."""
        what = what or path
        bucket = self.bucket(operation)
        limited = transient = 0
        refreshed = False
        while True:
            headers = {**(kwargs.pop("headers", None) or {})}
            kwargs["headers"] = headers
            sent_headers = {**headers, **(self.auth() if self.auth else {})}
            if bucket is not None and (wait := bucket.take()):
                self.paced += wait
                sleep(wait, self.max_wait)
            self.requests += 1
            try:
                response = self.session.request(
                    method, self.url(path), timeout=self.timeout, **{**kwargs, "headers": sent_headers}
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                transient += 1
                if transient >= self.transient_tries:
                    raise Transient(
                        _("%(platform)s could not be reached (%(error)s); the next sync tries again.")
                        % {"platform": self.platform, "error": type(error).__name__}
                    ) from None
                self.retried += 1
                sleep(wait_seconds(None, transient), self.max_wait)
                continue
            status = response.status_code
            if bucket is not None and (rate := stated_rate(response, self.rate_header)):
                bucket.stated(rate)
            if status < 300:
                return response
            if status == 429:
                self.throttled += 1
                limited += 1
                if limited >= self.rate_limit_tries:
                    raise Transient(
                        _(
                            "%(platform)s kept refusing requests as too many (429) for %(what)s; the next sync tries again."
                        )
                        % {"platform": self.platform, "what": what}
                    )
                sleep(wait_seconds(response, limited), self.max_wait)
                continue
            if status >= 500:
                transient += 1
                if transient >= self.transient_tries:
                    raise Transient(
                        _(
                            "%(platform)s answered with a server error (%(status)s) for %(what)s; the next sync tries again."
                        )
                        % {"platform": self.platform, "status": status, "what": what}
                    )
                self.retried += 1
                sleep(wait_seconds(response, transient), self.max_wait)
                continue
            if self.refresh is not None and not refreshed and self.expired(response):
                refreshed = True
                if self.refresh(response):
                    continue
            raise self.refused(response, what)

    def refused(self, response: requests.Response, what: str) -> ConnectorError:
        status = response.status_code
        detail = detail_of(response)
        shown = f"{status} {detail}".strip()
        if status in (401, 403):
            return AuthRefused(
                _("%(platform)s refused the credentials (%(detail)s): connect the store again.")
                % {"platform": self.platform, "detail": shown}
            )
        return ConnectorError(
            _("%(platform)s refused the request for %(what)s (%(detail)s).")
            % {"platform": self.platform, "what": what, "detail": shown}
        )

    def get_json(self, path: str, *, what: str = "", operation: str = "", **kwargs: Any) -> Any:
        return self._json(self.request("GET", path, what=what, operation=operation, **kwargs), what or path)

    def post_json(self, path: str, body: Any, *, what: str = "", operation: str = "", **kwargs: Any) -> Any:
        response = self.request("POST", path, what=what, operation=operation, json=body, **kwargs)
        return self._json(response, what or path)

    def _json(self, response: requests.Response, what: str) -> Any:
        try:
            return response.json()
        except ValueError:
            raise ConnectorError(
                _("%(platform)s answered %(what)s with something that is not JSON.")
                % {"platform": self.platform, "what": what}
            ) from None
