"""Second factors: authenticator-app codes (TOTP, RFC 6238, computed by pyotp), one-time recovery
codes, the stores that require a second factor, and the limit on wrong codes."""

import hashlib
import hmac
import secrets
import time

import pyotp
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from disputes.models import Membership, Store

from .models import Passkey, RecoveryCode, TotpDevice, TwoFactorRequirement

ISSUER = "Dispute Desk"
RECOVERY_CODES = 10
STEP_SECONDS = 30


# --- authenticator apps ----------------------------------------------------------------------


def totp_start(user: User) -> TotpDevice:
    """A new secret for the user to scan; it replaces an unconfirmed one, never a confirmed one."""
    device = TotpDevice.objects.filter(user=user).first()
    if device and device.confirmed_at:
        return device
    if device is None:
        device = TotpDevice(user=user)
    device.secret = pyotp.random_base32()
    device.save()
    return device


def totp_uri(device: TotpDevice) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(name=device.user.get_username(), issuer_name=ISSUER)


def totp_accepts(device: TotpDevice, code: str, now: float | None = None) -> bool:
    """The code of this step or its neighbours, each step good once (a seen code is refused)."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return False
    otp = pyotp.TOTP(device.secret)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if step > device.last_step and hmac.compare_digest(otp.generate_otp(step), code):
            # Compare-and-set, so two requests racing with one code cannot both pass.
            taken = TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step)
            if taken:
                device.last_step = step
                return True
            return False
    return False


def totp_confirm(device: TotpDevice, code: str) -> bool:
    if not totp_accepts(device, code):
        return False
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed_at"])
    return True


# --- recovery codes --------------------------------------------------------------------------


def _digest(code: str) -> str:
    return hashlib.sha256("".join(code.split()).lower().replace("-", "").encode()).hexdigest()


@transaction.atomic
def recovery_codes_issue(user: User) -> list[str]:
    """Ten fresh codes (shown once); the old ones stop working."""
    RecoveryCode.objects.filter(user=user).delete()
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_digest(code)) for code in codes)
    return codes


def recovery_code_use(user: User, code: str) -> bool:
    used = RecoveryCode.objects.filter(user=user, code_hash=_digest(code), used_at__isnull=True).update(
        used_at=timezone.now()
    )
    return used == 1


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# --- who has, and who needs, a second factor -------------------------------------------------


def has_second_factor(user: User) -> bool:
    return (
        TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()
        or Passkey.objects.filter(user=user).exists()
    )


def stores_requiring(user: User) -> list[Store]:
    return list(
        Store.objects.filter(memberships__user=user, two_factor_requirement__isnull=False).order_by("name")
    )


def requires_second_factor(user: User) -> bool:
    return Membership.objects.filter(user=user, store__two_factor_requirement__isnull=False).exists()


def require_for_store(store: Store, manager: User, required: bool) -> None:
    if required:
        TwoFactorRequirement.objects.get_or_create(store=store, defaults={"required_by": manager})
    else:
        TwoFactorRequirement.objects.filter(store=store).delete()


@transaction.atomic
def reset_second_factors(user: User) -> None:
    """The lost-device path: an admin removes every second factor; the user enrols again."""
    TotpDevice.objects.filter(user=user).delete()
    Passkey.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()


# --- wrong codes -----------------------------------------------------------------------------


def _failures_key(user: User) -> str:
    return f"2fa-failures:{user.pk}"


def throttled(user: User) -> bool:
    return int(cache.get(_failures_key(user), 0)) >= settings.DESK_SECOND_FACTOR_FAILURE_LIMIT


def count_failure(user: User) -> None:
    key = _failures_key(user)
    window = int(settings.AXES_COOLOFF_TIME.total_seconds())
    if cache.add(key, 1, window):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)


def clear_failures(user: User) -> None:
    cache.delete(_failures_key(user))
