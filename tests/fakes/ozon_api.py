"""A stand-in for Ozon's Seller API on loopback: a real threaded HTTP server holding postings,
returns and buyer chats in memory, answering the methods the desk reads as Ozon's reference
describes them (JSON POSTs, Client-Id and Api-Key headers, offset / last_id / cursor paging,
errors as {"code", "message", "details"}).

A test changes the state (`fbs`, `fbo`, `returns`, `chats`) and the behaviour: `throttle(n)`
answers the next n requests 429, `blip(n)` the next n with 503, `hold(path, after=n)` makes the
request for that path wait after n of them were answered (so a test can kill the process that
sent it), and `requests` records what was asked. Run alone (`python -m tests.fakes.ozon_api
--postings 100000`) it serves generated FBS postings for the benchmark."""

from __future__ import annotations

import argparse
import contextlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CLIENT_ID = "836412"
API_KEY = "7f3c1a9e-52b4-4e61-9d0a-ozon-test-key"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def posting(
    number: str, *, status: str = "awaiting_deliver", changed: datetime | None = None, **extra
) -> dict:
    """An FBS posting as /v3/posting/fbs/list gives it."""
    changed = changed or datetime.now(UTC) - timedelta(hours=1)
    return {
        "posting_number": number,
        "order_id": int(number.split("-")[0]),
        "order_number": number.rsplit("-", 1)[0],
        "status": status,
        "substatus": "",
        "in_process_at": iso(changed - timedelta(days=1)),
        "shipment_date": iso(changed + timedelta(days=1)),
        "delivering_date": None,
        "tracking_number": "",
        "delivery_method": {"id": 1, "name": "Ozon Логистика", "tpl_provider": "Ozon Логистика"},
        "products": [
            {
                "sku": 1000001,
                "offer_id": "MUG-1",
                "name": "Кружка керамическая",
                "quantity": 1,
                "price": "590.0000",
                "currency_code": "RUB",
            }
        ],
        "_changed": iso(changed),
        **extra,
    }


def fbo_posting(number: str, *, status: str = "delivering", created: datetime | None = None) -> dict:
    created = created or datetime.now(UTC) - timedelta(days=2)
    return {
        "posting_number": number,
        "order_id": int(number.split("-")[0]),
        "order_number": number.rsplit("-", 1)[0],
        "status": status,
        "created_at": iso(created),
        "in_process_at": iso(created),
        "products": [
            {
                "sku": 2000002,
                "offer_id": "LAMP-2",
                "name": "Настольная лампа",
                "quantity": 2,
                "price": "1490",
                "currency_code": "RUB",
            }
        ],
    }


def a_return(
    return_id: int,
    number: str,
    *,
    reason: str = "Товар поврежден",
    status: str = "DisputeOpened",
    changed: datetime | None = None,
) -> dict:
    changed = changed or datetime.now(UTC) - timedelta(hours=2)
    return {
        "id": return_id,
        "company_id": int(CLIENT_ID),
        "return_reason_name": reason,
        "type": "ClientReturn",
        "schema": "FBS",
        "order_number": number.rsplit("-", 1)[0],
        "posting_number": number,
        "product": {
            "sku": 1000001,
            "offer_id": "MUG-1",
            "name": "Кружка керамическая",
            "quantity": 1,
            "price": {"currency_code": "RUB", "price": 590},
        },
        "logistic": {"return_date": iso(changed - timedelta(hours=1)), "barcode": f"ii{return_id}"},
        "visual": {
            "status": {"id": 1, "display_name": status, "sys_name": status},
            "change_moment": iso(changed),
        },
    }


def chat_message(
    message_id: int,
    text: str,
    *,
    user_type: str = "Customer",
    order_number: str | None = None,
    at: datetime | None = None,
) -> dict:
    return {
        "message_id": str(message_id),
        "user": {"id": "115568" if user_type == "Customer" else CLIENT_ID, "type": user_type},
        "created_at": iso(at or datetime.now(UTC) - timedelta(minutes=30)),
        "is_read": False,
        "is_image": False,
        "data": [text],
        "context": {"order_number": order_number or "", "sku": "1000001"},
    }


class Generated:
    """`count` FBS postings made on demand, all changed an hour ago (the benchmark's)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.changed = datetime.now(UTC) - timedelta(hours=1)

    def __len__(self) -> int:
        return self.count

    def page(self, offset: int, limit: int) -> list[dict]:
        return [
            posting(
                f"{40000000 + i}-0001-1",
                changed=self.changed,
                products=[
                    {
                        "sku": 1000001 + i % 50,
                        "offer_id": f"SKU-{i % 50}",
                        "name": "Товар",
                        "quantity": 1 + i % 3,
                        "price": "990.00",
                        "currency_code": "RUB",
                    }
                ],
            )
            for i in range(offset, min(offset + limit, self.count))
        ]


@dataclass
class FakeOzon:
    base: str = ""
    fbs: list[dict] | Generated = field(default_factory=list)
    fbo: list[dict] = field(default_factory=list)
    returns: list[dict] = field(default_factory=list)
    # chat id → {"chat": {...}, "messages": [...]}
    chats: dict[str, dict] = field(default_factory=dict)
    company: str = "ООО «Ромашка»"
    api_key: str = API_KEY
    requests: list[tuple[str, dict]] = field(default_factory=list)
    _throttle: int = 0
    _retry_after: str | None = None
    _blips: int = 0
    _holds: dict[str, tuple[int, threading.Event]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- what a test changes ----------------------------------------------------------------

    def throttle(self, times: int, retry_after: str | None = None) -> None:
        self._throttle, self._retry_after = times, retry_after

    def blip(self, times: int) -> None:
        self._blips = times

    def hold(self, path: str, *, after: int) -> threading.Event:
        """Requests for `path` wait after `after` of them were answered, until the event is set."""
        event = threading.Event()
        self._holds[path] = (after, event)
        return event

    def add_chat(self, chat_id: str, messages: list[dict]) -> None:
        self.chats[chat_id] = {
            "chat": {
                "chat_id": chat_id,
                "chat_status": "Opened",
                "chat_type": "Buyer_Seller",
                "created_at": messages[0]["created_at"],
            },
            "messages": messages,
        }

    def paths(self) -> list[str]:
        return [path for path, _body in self.requests]

    # --- answering --------------------------------------------------------------------------

    def answer(self, path: str, headers: dict[str, str], body: dict) -> tuple[int, dict, dict[str, str]]:
        with self.lock:
            self.requests.append((path, body))
            if self._throttle:
                self._throttle -= 1
                extra = {"Retry-After": self._retry_after} if self._retry_after else {}
                return (
                    429,
                    {"code": 8, "message": "You have reached request rate limit per second", "details": []},
                    extra,
                )
            if self._blips:
                self._blips -= 1
                return 503, {"code": 14, "message": "Service unavailable", "details": []}, {}
            hold = self._holds.get(path)
            answered = sum(1 for p, _b in self.requests[:-1] if p == path)
        if hold is not None and answered >= hold[0]:
            hold[1].wait(60)
        if not headers.get("client-id") or not headers.get("api-key"):
            return (
                401,
                {"code": 16, "message": "Client-Id and Api-Key headers are required", "details": []},
                {},
            )
        if headers["client-id"] != CLIENT_ID or headers["api-key"] != self.api_key:
            return 403, {"code": 7, "message": "Invalid Api-Key, please contact support", "details": []}, {}
        handler = ROUTES.get(path)
        if handler is None:
            return 404, {"code": 5, "message": "Not found", "details": []}, {}
        return 200, handler(self, body), {}

    def _fbs_list(self, body: dict) -> dict:
        window = body["filter"]["last_changed_status_date"]
        since, to = parse(window["from"]), parse(window["to"])
        offset, limit = int(body.get("offset", 0)), min(int(body.get("limit", 100)), 1000)
        if isinstance(self.fbs, Generated):
            inside = since <= self.fbs.changed <= to
            page = self.fbs.page(offset, limit) if inside else []
            more = inside and offset + limit < len(self.fbs)
        else:
            matching = [p for p in self.fbs if since <= parse(p["_changed"]) <= to]
            matching.sort(key=lambda p: (p["_changed"], p["posting_number"]))
            page = matching[offset : offset + limit]
            more = offset + limit < len(matching)
        return {
            "result": {
                "postings": [{k: v for k, v in p.items() if not k.startswith("_")} for p in page],
                "has_next": more,
            }
        }

    def _fbo_list(self, body: dict) -> dict:
        since, to = parse(body["filter"]["since"]), parse(body["filter"]["to"])
        offset, limit = int(body.get("offset", 0)), min(int(body.get("limit", 100)), 1000)
        matching = sorted(
            (p for p in self.fbo if since <= parse(p["created_at"]) <= to), key=lambda p: p["created_at"]
        )
        return {"result": matching[offset : offset + limit]}

    def _returns_list(self, body: dict) -> dict:
        window = body["filter"]["visual_status_change_moment"]
        since, to = parse(window["time_from"]), parse(window["time_to"])
        last_id, limit = int(body.get("last_id") or 0), min(int(body["limit"]), 500)
        matching = sorted(
            (
                r
                for r in self.returns
                if r["id"] > last_id and since <= parse(r["visual"]["change_moment"]) <= to
            ),
            key=lambda r: r["id"],
        )
        return {"returns": matching[:limit], "has_next": len(matching) > limit}

    def _chat_list(self, body: dict) -> dict:
        start = int(body.get("cursor") or 0)
        limit = min(int(body.get("limit", 30)), 1000)
        ids = sorted(self.chats)
        chats = [
            {
                "chat": self.chats[i]["chat"],
                "first_unread_message_id": "",
                "last_message_id": self.chats[i]["messages"][-1]["message_id"],
                "unread_count": 0,
            }
            for i in ids[start : start + limit]
        ]
        more = start + limit < len(ids)
        return {
            "chats": chats,
            "total_unread_count": 0,
            "cursor": str(start + limit) if more else "",
            "has_next": more,
        }

    def _chat_history(self, body: dict) -> dict:
        chat = self.chats.get(body["chat_id"])
        if chat is None:
            return {"messages": [], "has_next": False}
        after = int(body.get("from_message_id") or 0)
        limit = min(int(body.get("limit", 50)), 1000)
        # Forward, from the given message on (it included).
        later = [m for m in chat["messages"] if int(m["message_id"]) >= after]
        return {"messages": later[:limit], "has_next": len(later) > limit}

    def _seller_info(self, body: dict) -> dict:
        return {
            "company": {
                "country": "Россия",
                "currency": "RUB",
                "inn": "7707083893",
                "legal_name": self.company,
                "name": self.company,
            },
            "ratings": [],
            "subscription": {"is_premium": False, "type": "Стандартный"},
        }


ROUTES: dict[str, Any] = {
    "/v3/posting/fbs/list": FakeOzon._fbs_list,
    "/v2/posting/fbo/list": FakeOzon._fbo_list,
    "/v1/returns/list": FakeOzon._returns_list,
    "/v3/chat/list": FakeOzon._chat_list,
    "/v3/chat/history": FakeOzon._chat_history,
    "/v1/seller/info": FakeOzon._seller_info,
}


def _handler(fake: FakeOzon) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                body = {}
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, answer, extra = fake.answer(self.path, headers, body)
            data = json.dumps(answer, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            # The client may have gone away (a test killed it).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serving(fake: FakeOzon | None = None, port: int = 0) -> Iterator[FakeOzon]:
    fake = fake or FakeOzon()
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(fake))
    server.daemon_threads = True
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        for _after, event in fake._holds.values():
            event.set()
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--postings", type=int, default=100_000)
    arguments = parser.parse_args()
    with serving(FakeOzon(fbs=Generated(arguments.postings)), arguments.port) as running:
        print(running.base, flush=True)
        threading.Event().wait()
