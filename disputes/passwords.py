"""Password reset by e-mail: the mail speaks its reader's language, and requests are limited so
the form cannot be used to flood an inbox or probe the desk."""

from hashlib import sha256

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _

# Fixed one-hour windows, counted in the shared cache (Redis in production).
RESET_WINDOW_SECONDS = 60 * 60


class DeskPasswordResetForm(PasswordResetForm):
    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        # The request comes from someone not logged in; the mail goes to the account's owner,
        # so it is written in the language they chose in the desk.
        profile = getattr(context["user"], "profile", None)
        with translation.override(getattr(profile, "language", settings.LANGUAGE_CODE)):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )


def _spend(key: str, limit: int) -> bool:
    """Count one request against this key's budget for the window; False once it is spent."""
    cache.add(key, 0, timeout=RESET_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:
        # The window ran out between add and incr: this request opens the next one.
        cache.set(key, 1, timeout=RESET_WINDOW_SECONDS)
        count = 1
    return count <= limit


def password_reset_refusal(*, address: str, email: str) -> str:
    """Why this reset request is refused, or "" to go ahead. The e-mail budget is spent whether
    or not an account has that address, so a refusal tells nothing about who has an account."""
    if not _spend(f"password-reset:address:{address}", settings.DESK_PASSWORD_RESETS_PER_ADDRESS):
        return _("Too many password reset requests from your network. Try again in an hour.")
    digest = sha256(email.strip().lower().encode()).hexdigest()
    if not _spend(f"password-reset:email:{digest}", settings.DESK_PASSWORD_RESETS_PER_EMAIL):
        return _(
            "A reset link was already sent to this address several times. Check your inbox and spam "
            "folder, or try again in an hour."
        )
    return ""
