"""A stand-in for the four chat platforms' webhook endpoints: a real threaded HTTP server on
loopback that records every request and answers as the platform does.

Paths pick the platform: /wecom/..., /dingtalk/..., /feishu/..., /slack/.... DingTalk's and
Feishu's signatures are checked with the secret the test gives, as the platforms check them:
a wrong one gets their documented error code inside a 200 answer. A test can also line up
answers of its own (`then(...)`), or make the server sit silent past the desk's timeout."""

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    platform: str
    path: str
    query: dict[str, str]
    content_type: str
    body: dict
    signature_ok: bool | None  # None: the request was not signed


SUCCESS = {
    "wecom": (200, {"errcode": 0, "errmsg": "ok"}),
    "dingtalk": (200, {"errcode": 0, "errmsg": "ok"}),
    "feishu": (200, {"code": 0, "msg": "success", "data": {}}),
    "slack": (200, "ok"),
}
BAD_SIGNATURE = {
    "dingtalk": (200, {"errcode": 310000, "errmsg": "sign not match"}),
    "feishu": (200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}),
}


@dataclass
class ChatServer:
    base: str
    secrets: dict[str, str] = field(default_factory=dict)  # platform → the robot's secret
    received: list[Received] = field(default_factory=list)
    queued: dict[str, list] = field(default_factory=dict)  # platform → answers to give first
    silent_for: float = 0.0  # seconds to wait before answering anything

    def url(self, platform: str, tail: str) -> str:
        return f"{self.base}/{platform}/{tail}"

    def then(self, platform: str, status: int, body) -> None:
        self.queued.setdefault(platform, []).append((status, body))

    def of(self, platform: str) -> list[Received]:
        return [r for r in self.received if r.platform == platform]

    def check_signature(self, platform: str, query: dict[str, str], body: dict) -> bool | None:
        secret = self.secrets.get(platform)
        if platform == "dingtalk":
            if "sign" not in query:
                return None if not secret else False
            stamp = query.get("timestamp", "")
            string = f"{stamp}\n{secret}".encode()
            expected = base64.b64encode(hmac.new((secret or "").encode(), string, hashlib.sha256).digest())
            fresh = stamp.isdigit() and abs(int(stamp) - time.time() * 1000) < 3600 * 1000
            return fresh and hmac.compare_digest(expected.decode(), query["sign"])
        if platform == "feishu":
            if "sign" not in body:
                return None if not secret else False
            stamp = str(body.get("timestamp", ""))
            key = f"{stamp}\n{secret}".encode()
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest())
            fresh = stamp.isdigit() and abs(int(stamp) - time.time()) < 3600
            return fresh and hmac.compare_digest(expected.decode(), body["sign"])
        return None

    def answer(
        self, platform: str, query: dict[str, str], raw: bytes, content_type: str
    ) -> tuple[int, bytes]:
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        signed = self.check_signature(platform, query, body)
        self.received.append(Received(platform, "", query, content_type, body, signed))
        if self.queued.get(platform):
            status, reply = self.queued[platform].pop(0)
        elif signed is False:
            status, reply = BAD_SIGNATURE[platform]
        else:
            status, reply = SUCCESS[platform]
        data = reply if isinstance(reply, str) else json.dumps(reply)
        return status, data.encode()


@contextmanager
def chat_server() -> Iterator[ChatServer]:
    state: dict[str, ChatServer] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            server = state["server"]
            if server.silent_for:
                time.sleep(server.silent_for)
            parts = urlsplit(self.path)
            platform = parts.path.strip("/").split("/")[0]
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, data = server.answer(platform, query, raw, self.headers.get("Content-Type", ""))
            server.received[-1].path = parts.path
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain" if platform == "slack" else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the desk gave up waiting

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    state["server"] = ChatServer(base=f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state["server"]
    finally:
        httpd.shutdown()
        httpd.server_close()
