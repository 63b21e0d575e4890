"""Team chat messages (WeCom, DingTalk, Feishu/Lark, Slack), sent from an outbox like the alert
e-mails (`outbox.py`).

The sweep writes one `ChatDelivery` per alert and chat destination of its store that wants
that kind of alert, in the alert's own transaction, so an owed message cannot be lost. Beat
runs `chat_messages_send()` every half minute on the mail queue (never in the way of the
deadline sweeps); the sweep also queues it for the alerts it just raised.

One message goes like this:
1. The sender claims a batch of due rows: locked (another sender skips them), then pushed a
   lease ahead by a conditional UPDATE that counts the attempt.
2. It builds the platform's JSON body, signs it where the platform signs (DingTalk in the
   query, Feishu in the body) and POSTs it with a timeout.
3. Only a 2xx answer whose body says success (WeCom and DingTalk `errcode` 0, Feishu `code` 0,
   Slack the text "ok") marks the row sent; a 200 carrying an error code is a failure.
   A failure that may pass (no answer, a timeout, 5xx, 429, a platform's "too fast") puts the
   row off with a growing wait; any other (a wrong address or secret, a removed robot) ends it
   at once. Either is shown to the managers at /set-aside/ (a passing one after a few tries),
   where a retry makes it due again.

As with e-mail, a platform may take a message and the sender die before the row is marked
sent: that message is sent again once its lease ends. The chat platforms offer no key to drop
such a copy, so the window is kept to one HTTP answer and one UPDATE."""

import base64
import hashlib
import hmac
import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from . import setaside
from .models import ChatDelivery, ChatPlatform, SetAsideKind
from .outbox import SHOW_AFTER_ATTEMPTS, Columns, backoff, drain, take_due
from .sweep import _subjects, label_of, open_set_aside, subject_of

log = logging.getLogger(__name__)

BATCH = 50
# Error codes in a 200 answer that mean "too many messages, try later": DingTalk's 130101
# ("send too fast"), WeCom's 45009 (frequency limit), Feishu's 11232 (frequency limited).
_TOO_FAST = {ChatPlatform.DINGTALK: {130101}, ChatPlatform.WECOM: {45009}, ChatPlatform.FEISHU: {11232}}


class ChatError(Exception):
    """The platform did not take the message. `temporary`: trying again later may work."""

    temporary: bool
    unreachable: bool

    def __init__(self, reason: str, *, temporary: bool, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.temporary = temporary
        self.unreachable = unreachable  # no answer at all (refused, timed out, DNS)


@dataclass(frozen=True)
class Text:
    title: str
    lines: list[str]
    url: str


# --- the platforms -------------------------------------------------------------------------


def sign_dingtalk(secret: str, timestamp_ms: int) -> str:
    """DingTalk: base64 of HMAC-SHA256 keyed with the secret over "timestamp\\nsecret"."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def sign_feishu(secret: str, timestamp_s: int) -> str:
    """Feishu/Lark: base64 of HMAC-SHA256 keyed with "timestamp\\nsecret" over nothing."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def request_for(platform: str, url: str, secret: str, text: Text, now: float) -> tuple[str, dict[str, Any]]:
    """The address to POST to and the JSON body, as each platform documents its robot."""
    plain = "\n".join([text.title, *text.lines, text.url])
    if platform == ChatPlatform.WECOM:
        content = "\n".join(
            [f"**{text.title}**", *(f"> {line}" for line in text.lines), f"[{text.url}]({text.url})"]
        )
        return url, {"msgtype": "markdown", "markdown": {"content": content}}
    if platform == ChatPlatform.DINGTALK:
        body = {
            "msgtype": "markdown",
            "markdown": {
                "title": text.title,
                "text": "\n\n".join([f"#### {text.title}", *text.lines, f"[{text.url}]({text.url})"]),
            },
        }
        if secret:
            stamp = int(now * 1000)
            query = urllib.parse.urlencode({"timestamp": stamp, "sign": sign_dingtalk(secret, stamp)})
            url = f"{url}{'&' if '?' in url else '?'}{query}"
        return url, body
    if platform == ChatPlatform.FEISHU:
        body = {"msg_type": "text", "content": {"text": plain}}
        if secret:
            stamp = int(now)
            body = {"timestamp": str(stamp), "sign": sign_feishu(secret, stamp), **body}
        return url, body
    if platform == ChatPlatform.SLACK:
        # Slack reads &, < and > as its own markup: they are escaped in what the desk writes.
        mrkdwn = "\n".join([f"*{_slack(text.title)}*", *map(_slack, text.lines), f"<{text.url}>"])
        return url, {
            "text": _slack(plain),
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}],
        }
    raise ChatError(f"unknown chat platform {platform!r}", temporary=False)


def _slack(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def check_answer(platform: str, status: int, body: bytes) -> None:
    """Raise ChatError unless the answer says the platform took the message."""
    text = body.decode("utf-8", "replace").strip()
    if status == 429 or status >= 500:
        raise ChatError(f"HTTP {status}: {text[:200]}", temporary=True)
    if not 200 <= status < 300:
        raise ChatError(f"HTTP {status}: {text[:200]}", temporary=False)
    if platform == ChatPlatform.SLACK:
        if text != "ok":
            raise ChatError(f"Slack answered {text[:200]!r}", temporary=False)
        return
    try:
        answer = json.loads(text)
    except ValueError:
        raise ChatError(f"not JSON: {text[:200]!r}", temporary=False) from None
    if not isinstance(answer, dict):
        raise ChatError(f"unexpected answer: {text[:200]!r}", temporary=False)
    if platform == ChatPlatform.FEISHU:
        # Newer robots answer {"code": 0, "msg": "success"}, older ones {"StatusCode": 0}.
        code = answer.get("code", answer.get("StatusCode"))
        message = answer.get("msg", answer.get("StatusMessage", ""))
    else:
        code, message = answer.get("errcode"), answer.get("errmsg", "")
    if code != 0:
        temporary = code in _TOO_FAST.get(ChatPlatform(platform), set())
        raise ChatError(f"error {code}: {message}", temporary=temporary)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A webhook that moved is an error to fix, not a POST to turn into a GET elsewhere.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(platform: str, url: str, secret: str, text: Text) -> None:
    """Send one message; raises ChatError when it was not taken."""
    address, body = request_for(platform, url, secret, text, time.time())
    request = urllib.request.Request(
        address,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with _opener.open(request, timeout=settings.DESK_CHAT_TIMEOUT) as response:
            status, answer = response.status, response.read(65536)
    except urllib.error.HTTPError as error:
        status, answer = error.code, error.read(65536)
    except (OSError, http.client.HTTPException) as error:
        # Refused, reset, a timeout, DNS, a broken answer.
        raise ChatError(setaside.describe_error(error), temporary=True, unreachable=True) from error
    except ValueError as error:  # an address that cannot be used
        raise ChatError(setaside.describe_error(error), temporary=False) from error
    check_answer(platform, status, answer)


# --- the outbox ----------------------------------------------------------------------------


def chat_messages_send(*, alert_ids: list[int] | None = None, budget: float | None = None) -> int:
    """Send every team chat message that is due (of these alerts only, when given), batch
    after batch until none is left or `budget` seconds went by. Returns how many were sent."""
    shown = open_set_aside(SetAsideKind.CHAT_MESSAGE)
    return drain(
        ChatDelivery,
        COLUMNS,
        take=lambda: _claim_batch(alert_ids),
        send=lambda row: _send_one(row, shown),
        destination=lambda row: row.destination_id,
        budget=budget,
        timeout=settings.DESK_CHAT_TIMEOUT,
    )


COLUMNS = Columns(sent="sent_at", due="due_at", attempts="attempts")


def _claim_batch(alert_ids: list[int] | None) -> list[ChatDelivery]:
    rows = ChatDelivery.objects.all()
    if alert_ids is not None:
        rows = rows.filter(alert_id__in=alert_ids)
    ids = take_due(rows, COLUMNS, batch=BATCH)
    related = ["destination", "alert"] + [
        f"alert__{name}__{r}" for name, subject in _subjects.items() for r in subject.mail_related
    ]
    return list(ChatDelivery.objects.filter(pk__in=ids).select_related(*related).order_by("due_at", "pk"))


def _send_one(row: ChatDelivery, shown: set[int]) -> int | None:
    """Send and settle one claimed message: 1 when sent, 0 when not, None when the chat could
    not be reached at all."""
    destination = row.destination
    try:
        subject = subject_of(row.alert)
        item = getattr(row.alert, subject.alert_field)
        if (
            not destination.enabled
            or not subject.owes_alerts(item)
            or row.alert.window_start != subject.window_start(item)
        ):
            # Switched off, or the claim was closed / the message answered meanwhile.
            _settle(row.pk, sent=False)
            return 0
        post(destination.platform, destination.url, destination.secret, _text(row))
    except SoftTimeLimitExceeded:
        raise  # the outcome is unknown: the lease brings it back
    except Exception as error:
        _failed(row, error, shown)
        return None if isinstance(error, ChatError) and error.unreachable else 0
    _settle(row.pk, sent=True)
    if row.pk in shown:
        setaside.resolve(kind=SetAsideKind.CHAT_MESSAGE, subject_id=row.pk)
    return 1


def _text(row: ChatDelivery) -> Text:
    """The alert's e-mail, in the chat's language: its subject line, then its body."""
    with translation.override(row.destination.language):
        title, body = subject_of(row.alert).mail(row.alert)
    lines = [line for line in body.splitlines() if line.strip()]
    url = lines.pop() if lines and lines[-1].startswith(("http://", "https://")) else settings.DESK_BASE_URL
    return Text(title=title, lines=lines, url=url)


def _settle(pk: int, *, sent: bool) -> None:
    ChatDelivery.objects.filter(pk=pk).update(
        due_at=None, last_error="", **({"sent_at": timezone.now()} if sent else {})
    )


def _failed(row: ChatDelivery, error: Exception, shown: set[int]) -> None:
    now = timezone.now()
    reason = str(error) if isinstance(error, ChatError) else setaside.describe_error(error)
    retry = isinstance(error, ChatError) and error.temporary
    too_old = now - row.alert.raised_at > settings.DESK_ALERT_EMAIL_GIVE_UP_AFTER
    if retry and not too_old:
        ChatDelivery.objects.filter(pk=row.pk).update(due_at=now + backoff(row.attempts), last_error=reason)
    else:
        if retry:
            reason = f"gave up after {row.attempts} attempts: {reason}"
        ChatDelivery.objects.filter(pk=row.pk).update(due_at=None, last_error=reason)
    log.warning(
        "chat message %s to %s failed (attempt %d): %s", row.pk, row.destination, row.attempts, reason
    )
    if not retry or too_old or row.attempts >= SHOW_AFTER_ATTEMPTS:
        setaside.record(
            kind=SetAsideKind.CHAT_MESSAGE,
            subject_id=row.pk,
            store_id=row.destination.store_id,
            label=_label(row),
            reason=reason,
        )
        shown.add(row.pk)


def _label(row: ChatDelivery) -> str:
    subject = subject_of(row.alert)
    item = label_of(subject, getattr(row.alert, f"{subject.alert_field}_id"))
    return f"{item} · {row.alert.threshold_label} → {row.destination.name}"


def send_again(delivery_id: int, task) -> None:
    """A manager's retry of a chat message that was set aside: due now (if still unsent)."""
    updated = ChatDelivery.objects.filter(pk=delivery_id, sent_at__isnull=True).update(due_at=timezone.now())
    alert_id = ChatDelivery.objects.filter(pk=delivery_id).values_list("alert_id", flat=True).first()
    if updated and alert_id is not None:
        transaction.on_commit(lambda: task.delay([alert_id]))


def delivery_url(delivery_id: int) -> str | None:
    row = ChatDelivery.objects.select_related("alert").filter(pk=delivery_id).first()
    if row is None:
        return None
    subject = subject_of(row.alert)
    return subject.url(getattr(row.alert, f"{subject.alert_field}_id"))
