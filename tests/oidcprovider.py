"""A small OpenID Connect provider on loopback that issues real RS256-signed ID tokens.

It publishes a discovery document and its public key set, answers the authorization endpoint at
once (the person signing in is whoever the test put in `claims`) by sending the browser back
with a one-time code, and exchanges that code at the token endpoint only for the right client
secret, redirect URI and PKCE verifier. `tamper` makes it sign with a key it does not publish."""

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "desk-client"
CLIENT_SECRET = "desk-client-secret"


@dataclass
class Provider:
    issuer: str = ""
    claims: dict = field(default_factory=dict)
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, {"kid": "k1"}))
    tamper: bool = False
    codes: dict[str, dict] = field(default_factory=dict)
    exchanged: list[str] = field(default_factory=list)

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": nonce}
        claims |= self.claims
        key = RSAKey.generate_key(2048, {"kid": "k1"}) if self.tamper else self.key
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args) -> None:
            pass

        def _json(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self._json(
                    200,
                    {
                        "issuer": provider.issuer,
                        "authorization_endpoint": provider.issuer + "/authorize",
                        "token_endpoint": provider.issuer + "/token",
                        "jwks_uri": provider.issuer + "/jwks",
                        "response_types_supported": ["code"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                    },
                )
            elif url.path == "/jwks":
                self._json(200, KeySet([provider.key]).as_dict(private=False))
            elif url.path == "/authorize":
                code = secrets.token_urlsafe(16)
                provider.codes[code] = query
                target = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
                self.send_response(302)
                self.send_header("Location", target)
                self.end_headers()
            else:
                self._json(404, {})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            asked = provider.codes.pop(form.get("code", ""), None)
            challenge = base64.urlsafe_b64encode(
                hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            ).rstrip(b"=")
            if (
                asked is None
                or form.get("client_id") != CLIENT_ID
                or form.get("client_secret") != CLIENT_SECRET
                or form.get("redirect_uri") != asked["redirect_uri"]
                or challenge.decode() != asked.get("code_challenge")
            ):
                self._json(400, {"error": "invalid_grant"})
                return
            provider.exchanged.append(form["code"])
            self._json(
                200,
                {"access_token": "x", "token_type": "Bearer", "id_token": provider.id_token(asked["nonce"])},
            )

    return Handler


@contextmanager
def oidc_provider(claims: dict | None = None) -> Iterator[Provider]:
    provider = Provider(claims=claims or {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
