"""Credentials at rest: sealed with Fernet (AES-128-CBC and HMAC-SHA256, from `cryptography`),
under the keys of settings.DESK_CONNECTOR_KEYS. The first key seals; every key opens, so a new
key goes first and the old ones stay until every row is sealed again (`reseal`). In development, with no key
set, one is generated once into VAR_DIR."""

import json
import os
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class Unreadable(Exception):
    """No configured key opens the sealed text (a key was removed, or the row was altered)."""


def _development_key() -> bytes:
    path = settings.DESK_CONNECTOR_KEY_FILE
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first: use theirs
        return path.read_bytes().strip()
    with os.fdopen(descriptor, "wb") as file:
        file.write(key)
    return key


@cache
def _keys(configured: tuple[str, ...]) -> MultiFernet:
    raw = [key.encode() for key in configured] or [_development_key()]
    try:
        return MultiFernet([Fernet(key) for key in raw])
    except ValueError:
        raise ImproperlyConfigured(
            "DESK_CONNECTOR_KEYS must be Fernet keys (32 bytes, url-safe base64), comma-separated"
        ) from None


def _fernet() -> MultiFernet:
    return _keys(tuple(settings.DESK_CONNECTOR_KEYS))


def seal(values: dict[str, str]) -> str:
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def unseal(sealed: str) -> dict[str, str]:
    try:
        return json.loads(_fernet().decrypt(sealed.encode()))
    except (InvalidToken, ValueError):
        raise Unreadable("the saved credentials cannot be opened with the configured keys") from None


def reseal(sealed: str) -> str:
    """The same values sealed under the first key (key rotation)."""
    return _fernet().rotate(sealed.encode()).decode()
