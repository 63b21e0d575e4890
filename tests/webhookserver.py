"""A webhook receiver on loopback, written as a subscriber would write one: it checks each
request's Desk-Signature with the subscription's secret (its own HMAC, not the desk's code),
records every request, and keeps each Desk-Delivery id once however often it comes. A test
lines up answers (`then(500)`) before the usual 200."""

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    headers: dict[str, str]
    raw: bytes

    @property
    def body(self) -> dict:
        return json.loads(self.raw)


@dataclass
class Receiver:
    url: str
    secret: str = ""
    requests: list[Request] = field(default_factory=list)
    queued: list[int] = field(default_factory=list)
    accepted: dict[str, dict] = field(default_factory=dict)  # Desk-Delivery → body, once each

    def then(self, *statuses: int) -> None:
        self.queued.extend(statuses)

    def signature_ok(self, request: Request, tolerance: int = 300) -> bool:
        fields = dict(part.split("=", 1) for part in request.headers["Desk-Signature"].split(","))
        stamp = fields["t"]
        expected = hmac.new(
            self.secret.encode(), f"{stamp}.".encode() + request.raw, hashlib.sha256
        ).hexdigest()
        return abs(time.time() - int(stamp)) <= tolerance and hmac.compare_digest(expected, fields["v1"])


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    receiver = Receiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            request = Request(headers=dict(self.headers.items()), raw=raw)
            with lock:
                receiver.requests.append(request)
                status = receiver.queued.pop(0) if receiver.queued else 200
                if status == 200 and receiver.signature_ok(request):
                    receiver.accepted.setdefault(request.headers["Desk-Delivery"], request.body)
            answer = json.dumps({"status": status}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/desk"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
