"""WebAuthn passkeys and security keys as a second factor. fido2 builds the ceremonies' options
and checks the authenticator's answers; the relying party is the host of DESK_BASE_URL."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from fido2.server import Fido2Server
from fido2.webauthn import (
    AttestedCredentialData,
    PublicKeyCredentialRpEntity,
    PublicKeyCredentialUserEntity,
    UserVerificationRequirement,
)

from .models import Passkey

NAME_LENGTH = 60


class PasskeyError(Exception):
    pass


def _server() -> Fido2Server:
    rp_id = urlsplit(settings.DESK_BASE_URL).hostname or "localhost"
    return Fido2Server(PublicKeyCredentialRpEntity(id=rp_id, name="Dispute Desk"))


def _credentials(user: User) -> list[AttestedCredentialData]:
    return [AttestedCredentialData(bytes(p.credential)) for p in Passkey.objects.filter(user=user)]


def register_begin(user: User) -> tuple[dict, dict]:
    options, state = _server().register_begin(
        PublicKeyCredentialUserEntity(
            id=str(user.pk).encode(),
            name=user.get_username(),
            display_name=user.get_full_name() or user.get_username(),
        ),
        _credentials(user),
        user_verification=UserVerificationRequirement.DISCOURAGED,
    )
    return dict(options), dict(state)


def register_complete(user: User, state: dict, response: Mapping[str, Any], name: str) -> Passkey:
    try:
        data = _server().register_complete(state, response).credential_data
    except Exception as error:  # fido2 raises several kinds for a bad answer
        raise PasskeyError(str(error)) from error
    if data is None:
        raise PasskeyError("no credential")
    return Passkey.objects.create(
        user=user,
        name=(name.strip() or "Passkey")[:NAME_LENGTH],
        credential_id=bytes(data.credential_id),
        credential=bytes(data),
    )


def authenticate_begin(user: User) -> tuple[dict, dict]:
    options, state = _server().authenticate_begin(
        _credentials(user), user_verification=UserVerificationRequirement.DISCOURAGED
    )
    return dict(options), dict(state)


def authenticate_complete(user: User, state: dict, response: Mapping[str, Any]) -> Passkey:
    try:
        used = _server().authenticate_complete(state, _credentials(user), response)
    except Exception as error:  # a wrong key, a wrong origin, a replayed challenge
        raise PasskeyError(str(error)) from error
    passkey = Passkey.objects.get(user=user, credential_id=bytes(used.credential_id))
    passkey.last_used_at = timezone.now()
    passkey.save(update_fields=["last_used_at"])
    return passkey
