"""Sign-in (the password step, the second factor, single sign-on) and the account page's
"Sign-in security" section."""

import json

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from disputes.access import get_store_for_user, is_manager, managed_stores_for
from disputes.requests import AuthenticatedRequest

from . import oidc, passkeys, signin, twofactor
from .audit import record
from .models import OidcProvider, Passkey, SignInEvent, SignInKind, TotpDevice

RECENT_SIGN_INS = 20


class DeskLoginView(auth_views.LoginView):
    """Django's login form; a right password leads to the second factor when the user has one."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_providers"] = OidcProvider.objects.filter(is_active=True).order_by("name")
        return context

    def form_valid(self, form) -> HttpResponse:
        user = form.get_user()
        record(self.request, SignInKind.PASSWORD_OK, user=user, method="password")
        backend = getattr(user, "backend", "django.contrib.auth.backends.ModelBackend")
        next_url = self.get_redirect_url()
        if signin.begin(self.request, user, method="password", backend=backend, next_url=next_url):
            return redirect(self.get_success_url())
        return redirect("accounts:second_factor")


def _next_or_queue(request: HttpRequest, next_url: str) -> str:
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return next_url
    return reverse("disputes:queue")


def second_factor(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the authenticator app, or a recovery code."""
    user = signin.pending_user(request)
    if user is None:
        return redirect("login")
    error = ""
    status = 200
    if request.method == "POST":
        code = request.POST.get("code", "")[:40]
        if twofactor.throttled(user):
            record(request, SignInKind.SECOND_FACTOR_THROTTLED, user=user)
            error = _("Too many wrong codes. Try again later, or ask an admin if your device is lost.")
            status = 429
        else:
            device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
            factor = ""
            if device and twofactor.totp_accepts(device, code):
                factor = "totp"
            elif twofactor.recovery_code_use(user, code):
                factor = "recovery code"
                record(request, SignInKind.RECOVERY_CODE_USED, user=user)
            if factor:
                twofactor.clear_failures(user)
                record(request, SignInKind.SECOND_FACTOR_OK, user=user, method=factor)
                next_url = signin.pending_next(request)
                signin.complete(request, user, factor=factor)
                return redirect(_next_or_queue(request, next_url))
            twofactor.count_failure(user)
            record(request, SignInKind.SECOND_FACTOR_FAILED, user=user)
            error = _("That code is not right, or was used already.")
    context = {
        "error": error,
        "has_app": TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists(),
        "has_passkey": Passkey.objects.filter(user=user).exists(),
    }
    return render(request, "accounts/second_factor.html", context, status=status)


# --- single sign-on --------------------------------------------------------------------------


def sso_start(request: HttpRequest, slug: str) -> HttpResponse:
    provider = get_object_or_404(OidcProvider, slug=slug, is_active=True)
    try:
        url = oidc.authorization_url(request, provider, next_url=request.GET.get("next", ""))
    except oidc.SignOnError as error:
        messages.error(request, str(error))
        return redirect("login")
    return redirect(url)


def sso_callback(request: HttpRequest, slug: str) -> HttpResponse:
    provider = get_object_or_404(OidcProvider, slug=slug, is_active=True)
    try:
        user, next_url = oidc.user_from_callback(request, provider)
    except oidc.SignOnError as error:
        record(request, SignInKind.SSO_FAILED, method=f"sso:{slug}", detail=str(error))
        messages.error(request, str(error))
        return redirect("login")
    backend = "django.contrib.auth.backends.ModelBackend"
    if signin.begin(request, user, method=f"sso:{slug}", backend=backend, next_url=next_url):
        return redirect(_next_or_queue(request, next_url))
    return redirect("accounts:second_factor")


# --- the account page ------------------------------------------------------------------------


def _security_context(request: AuthenticatedRequest) -> dict:
    user = request.user
    managed = list(managed_stores_for(user).select_related("two_factor_requirement").order_by("name"))
    return {
        "totp": TotpDevice.objects.filter(user=user).first(),
        "passkeys": Passkey.objects.filter(user=user).order_by("created_at"),
        "recovery_left": twofactor.recovery_codes_left(user),
        "requiring": twofactor.stores_requiring(user),
        "managed_stores": [(store, hasattr(store, "two_factor_requirement")) for store in managed],
        "sign_ins": SignInEvent.objects.filter(user=user)[:RECENT_SIGN_INS],
        "enrol_due": bool(request.session.get(signin.ENROL_DUE)),
    }


@login_required
def account(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "accounts/account.html", _security_context(request))


@login_required
@require_POST
def totp_start(request: AuthenticatedRequest) -> HttpResponse:
    device = twofactor.totp_start(request.user)
    if device.confirmed_at:
        return redirect("accounts:account")
    context = _security_context(request) | {"enrolling": device, "otpauth_uri": twofactor.totp_uri(device)}
    return render(request, "accounts/account.html", context)


@login_required
@require_POST
def totp_confirm(request: AuthenticatedRequest) -> HttpResponse:
    device = TotpDevice.objects.filter(user=request.user, confirmed_at__isnull=True).first()
    if device is None:
        return redirect("accounts:account")
    if not twofactor.totp_confirm(device, request.POST.get("code", "")[:40]):
        context = _security_context(request) | {
            "enrolling": device,
            "otpauth_uri": twofactor.totp_uri(device),
            "enrol_error": _("That code is not right. Check the time on your phone and try the next code."),
        }
        return render(request, "accounts/account.html", context, status=400)
    record(request, SignInKind.TWO_FACTOR_ENABLED, user=request.user, method="totp")
    request.session.pop(signin.ENROL_DUE, None)
    codes = twofactor.recovery_codes_issue(request.user)
    return render(request, "accounts/account.html", _security_context(request) | {"new_codes": codes})


@login_required
@require_POST
def recovery_codes(request: AuthenticatedRequest) -> HttpResponse:
    if not twofactor.has_second_factor(request.user):
        return redirect("accounts:account")
    codes = twofactor.recovery_codes_issue(request.user)
    return render(request, "accounts/account.html", _security_context(request) | {"new_codes": codes})


@login_required
@require_POST
def totp_remove(request: AuthenticatedRequest) -> HttpResponse:
    if (
        twofactor.requires_second_factor(request.user)
        and not Passkey.objects.filter(user=request.user).exists()
    ):
        messages.error(request, _("A store you work for requires a second factor: it cannot be removed."))
    else:
        TotpDevice.objects.filter(user=request.user).delete()
        messages.success(request, _("The authenticator app was removed."))
    return redirect("accounts:account")


@login_required
@require_POST
def store_requirement(request: AuthenticatedRequest, store_id: int) -> HttpResponse:
    store = get_store_for_user(request.user, store_id)
    if not is_manager(request.user, store):
        raise PermissionDenied
    required = request.POST.get("required") == "on"
    twofactor.require_for_store(store, request.user, required)
    if required:
        messages.success(
            request, _("Everyone on %(store)s must now sign in with a second factor.") % {"store": store}
        )
    else:
        messages.success(
            request, _("A second factor is no longer required for %(store)s.") % {"store": store}
        )
    return redirect("accounts:account")


# --- passkeys --------------------------------------------------------------------------------

PASSKEY_STATE = "passkey_state"


def _json_body(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body[:20_000] or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@login_required
@require_POST
def passkey_register_begin(request: AuthenticatedRequest) -> HttpResponse:
    options, state = passkeys.register_begin(request.user)
    request.session[PASSKEY_STATE] = state
    return JsonResponse(options)


@login_required
@require_POST
def passkey_register_complete(request: AuthenticatedRequest) -> HttpResponse:
    """A refusal is an answer the script shows in place, like a form's errors (200)."""
    state = request.session.pop(PASSKEY_STATE, None)
    body = _json_body(request)
    if state is None or not isinstance(body.get("credential"), dict):
        return JsonResponse({"error": _("Start again: the passkey request has expired.")})
    try:
        passkeys.register_complete(request.user, state, body["credential"], str(body.get("name", "")))
    except passkeys.PasskeyError:
        return JsonResponse({"error": _("The passkey could not be added.")})
    record(request, SignInKind.TWO_FACTOR_ENABLED, user=request.user, method="passkey")
    request.session.pop(signin.ENROL_DUE, None)
    messages.success(request, _("The passkey was added."))
    return JsonResponse({"redirect": reverse("accounts:account")})


@login_required
@require_POST
def passkey_remove(request: AuthenticatedRequest, passkey_id: int) -> HttpResponse:
    passkey = get_object_or_404(Passkey, pk=passkey_id, user=request.user)
    if twofactor.requires_second_factor(request.user) and not (
        Passkey.objects.filter(user=request.user).exclude(pk=passkey.pk).exists()
        or TotpDevice.objects.filter(user=request.user, confirmed_at__isnull=False).exists()
    ):
        messages.error(request, _("A store you work for requires a second factor: it cannot be removed."))
    else:
        passkey.delete()
        messages.success(request, _("The passkey was removed."))
    return redirect("accounts:account")


@require_POST
def passkey_signin_begin(request: HttpRequest) -> HttpResponse:
    user = signin.pending_user(request)
    if user is None or not Passkey.objects.filter(user=user).exists():
        return JsonResponse({"redirect": reverse("login")}, status=400)
    options, state = passkeys.authenticate_begin(user)
    request.session[PASSKEY_STATE] = state
    return JsonResponse(options)


@require_POST
def passkey_signin_complete(request: HttpRequest) -> HttpResponse:
    user = signin.pending_user(request)
    state = request.session.pop(PASSKEY_STATE, None)
    body = _json_body(request)
    if user is None or state is None or not isinstance(body.get("credential"), dict):
        return JsonResponse({"redirect": reverse("login")}, status=400)
    if twofactor.throttled(user):
        record(request, SignInKind.SECOND_FACTOR_THROTTLED, user=user, method="passkey")
        return JsonResponse(
            {"error": _("Too many wrong codes. Try again later, or ask an admin if your device is lost.")},
            status=429,
        )
    try:
        passkeys.authenticate_complete(user, state, body["credential"])
    except passkeys.PasskeyError:
        twofactor.count_failure(user)
        record(request, SignInKind.SECOND_FACTOR_FAILED, user=user, method="passkey")
        return JsonResponse({"error": _("That passkey was not accepted.")}, status=400)
    twofactor.clear_failures(user)
    record(request, SignInKind.SECOND_FACTOR_OK, user=user, method="passkey")
    next_url = signin.pending_next(request)
    signin.complete(request, user, factor="passkey")
    return JsonResponse({"redirect": _next_or_queue(request, next_url)})
