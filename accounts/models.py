"""Second factors, single sign-on providers and the record of sign-ins."""

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Role, Store


class TotpDevice(models.Model):
    """An authenticator app's shared secret. Unconfirmed until the user types its first code."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device"
    )
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last 30-second step a code was accepted for: a code is good once.
    last_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"TOTP of {self.user}"


class Passkey(models.Model):
    """A WebAuthn credential (security key or platform passkey) registered by the user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(_("name"), max_length=60)
    credential_id = models.BinaryField(unique=True)
    credential = models.BinaryField()  # fido2's AttestedCredentialData, as bytes
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"


class RecoveryCode(models.Model):
    """A one-time code for a lost device; only its SHA-256 is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code of {self.user}"


class TwoFactorRequirement(models.Model):
    """A manager's rule that everyone on the store's team signs in with a second factor."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="two_factor_requirement")
    required_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    required_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"second factor required on {self.store}"


class OidcProvider(models.Model):
    """An OpenID Connect provider (Google Workspace, Microsoft Entra, Feishu/Lark, any other)."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=60, help_text=_("Shown on the log-in button."))
    issuer = models.URLField(_("issuer"), help_text=_("Its discovery document is read from here."))
    client_id = models.CharField(_("client ID"), max_length=200)
    client_secret = models.CharField(_("client secret"), max_length=500)
    scopes = models.CharField(_("scopes"), max_length=200, default="openid email profile")
    email_domains = models.CharField(
        _("allowed e-mail domains"),
        max_length=300,
        blank=True,
        help_text=_("Comma-separated; empty allows any domain the provider vouches for."),
    )
    groups_claim = models.CharField(
        _("groups claim"),
        max_length=60,
        default="groups",
        help_text=_("The ID token claim listing the groups."),
    )
    create_users = models.BooleanField(_("create users on first sign-in"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("single sign-on provider")
        verbose_name_plural = _("single sign-on providers")

    def __str__(self) -> str:
        return self.name


class OidcStoreGrant(models.Model):
    """Who gets which store and role: a group named in the token, or everyone ("" group)."""

    provider = models.ForeignKey(OidcProvider, on_delete=models.CASCADE, related_name="grants")
    group = models.CharField(_("group"), max_length=200, blank=True, help_text=_("Empty: every user."))
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.AGENT)

    class Meta:
        verbose_name = _("store granted by sign-on")
        constraints = [
            models.UniqueConstraint(fields=["provider", "group", "store"], name="oidc_grant_once"),
        ]

    def __str__(self) -> str:
        return f"{self.group or '*'} → {self.store} ({self.role})"


class OidcIdentity(models.Model):
    """The provider's subject, tied to one desk user."""

    provider = models.ForeignKey(OidcProvider, on_delete=models.CASCADE, related_name="identities")
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identities"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "subject"], name="oidc_subject_once")]

    def __str__(self) -> str:
        return f"{self.provider.slug}:{self.subject} → {self.user}"


class SignInKind(models.TextChoices):
    PASSWORD_OK = "password_ok", _("Password accepted")
    PASSWORD_FAILED = "password_failed", _("Wrong password")
    SECOND_FACTOR_OK = "2fa_ok", _("Second factor accepted")
    SECOND_FACTOR_FAILED = "2fa_failed", _("Wrong second factor")
    SECOND_FACTOR_THROTTLED = "2fa_throttled", _("Second factor refused: too many attempts")
    RECOVERY_CODE_USED = "recovery_used", _("Recovery code used")
    SIGNED_IN = "signed_in", _("Signed in")
    SSO_FAILED = "sso_failed", _("Single sign-on refused")
    TWO_FACTOR_ENABLED = "2fa_enabled", _("Second factor added")
    TWO_FACTOR_RESET = "2fa_reset", _("Second factors reset by an admin")


class SignInEvent(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sign_in_events",
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    kind = models.CharField(_("event"), max_length=20, choices=SignInKind.choices)
    method = models.CharField(_("method"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=45, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("sign-in event")
        verbose_name_plural = _("sign-in events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "-at"], name="signin_user_recent")]

    def __str__(self) -> str:
        return f"{self.username} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class SignInSecurity(User):
    """Users as the admin sees their sign-in security (the lost-device path)."""

    class Meta:
        proxy = True
        verbose_name = _("user's second factors")
        verbose_name_plural = _("users' second factors")
