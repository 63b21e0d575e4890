"""Single sign-on through OpenID Connect (authorization code flow with PKCE). The provider's
discovery document names its endpoints and keys; the ID token's signature and claims are checked
by joserfc. A user is found by the provider's subject, then by a verified e-mail address, or made;
the provider's store grants give stores and roles at every sign-in."""

import base64
import hashlib
import hmac
import secrets
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from disputes.models import Membership

from .models import OidcIdentity, OidcProvider

SESSION_KEY = "oidc_flow"
TIMEOUT = (5, 10)  # connect, read
DISCOVERY_SECONDS = 3600
ALGORITHMS = ["RS256", "ES256", "PS256"]


class SignOnError(Exception):
    """Why a single sign-on was refused, in words for the user."""


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=TIMEOUT)
        response.raise_for_status()
        return dict(response.json())
    except (requests.RequestException, ValueError) as error:
        raise SignOnError(_("The sign-on provider could not be reached.")) from error


def discovery(provider: OidcProvider) -> dict:
    key = f"oidc-discovery:{provider.pk}:{provider.issuer}"
    document = cache.get(key)
    if document is None:
        document = _get_json(provider.issuer.rstrip("/") + "/.well-known/openid-configuration")
        if document.get("issuer", "").rstrip("/") != provider.issuer.rstrip("/"):
            raise SignOnError(_("The sign-on provider's discovery document names another issuer."))
        cache.set(key, document, DISCOVERY_SECONDS)
    return document


def redirect_uri(provider: OidcProvider) -> str:
    # On the desk's configured address, never on the request's Host header.
    return settings.DESK_BASE_URL + reverse("accounts:sso_callback", args=[provider.slug])


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def authorization_url(request: HttpRequest, provider: OidcProvider, next_url: str = "") -> str:
    endpoint = discovery(provider)["authorization_endpoint"]
    flow = {
        "provider": provider.slug,
        "state": secrets.token_urlsafe(24),
        "nonce": secrets.token_urlsafe(24),
        "verifier": secrets.token_urlsafe(48),
        "next": next_url[:500],
    }
    request.session[SESSION_KEY] = flow
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri(provider),
        "scope": provider.scopes,
        "state": flow["state"],
        "nonce": flow["nonce"],
        "code_challenge": _challenge(flow["verifier"]),
        "code_challenge_method": "S256",
    }
    return f"{endpoint}?{urlencode(query)}"


def _id_token_claims(provider: OidcProvider, code: str, flow: dict) -> dict:
    document = discovery(provider)
    try:
        response = requests.post(
            document["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri(provider),
                "client_id": provider.client_id,
                "client_secret": provider.client_secret,
                "code_verifier": flow["verifier"],
            },
            headers={"Accept": "application/json"},
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        id_token = str(response.json()["id_token"])
    except (requests.RequestException, ValueError, KeyError) as error:
        raise SignOnError(_("The sign-on provider did not confirm the sign-in.")) from error
    jwks = _get_json(document["jwks_uri"])
    try:
        keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        JWTClaimsRegistry(
            iss={"essential": True, "value": document["issuer"]},
            aud={"essential": True, "value": provider.client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": flow["nonce"]},
        ).validate(token.claims)
    except (JoseError, ValueError, KeyError, TypeError) as error:
        raise SignOnError(_("The sign-on provider's token could not be verified.")) from error
    return dict(token.claims)


def user_from_callback(request: HttpRequest, provider: OidcProvider) -> tuple[User, str]:
    flow = request.session.pop(SESSION_KEY, None)
    state = request.GET.get("state", "")
    if not flow or flow["provider"] != provider.slug or not hmac.compare_digest(flow["state"], state):
        raise SignOnError(_("This sign-on link has expired. Please try again."))
    if request.GET.get("error") or not request.GET.get("code"):
        raise SignOnError(_("The sign-on provider refused the sign-in."))
    claims = _id_token_claims(provider, request.GET["code"], flow)
    return user_for_claims(provider, claims), flow["next"]


def _email_allowed(provider: OidcProvider, email: str) -> bool:
    domains = {d.strip().lower() for d in provider.email_domains.split(",") if d.strip()}
    return not domains or email.rpartition("@")[2].lower() in domains


@transaction.atomic
def user_for_claims(provider: OidcProvider, claims: dict) -> User:
    subject = str(claims["sub"])
    email = str(claims.get("email") or "").strip()
    if provider.email_domains and not (email and _email_allowed(provider, email)):
        raise SignOnError(_("Your e-mail domain may not sign in here."))
    groups = claims.get(provider.groups_claim) or []
    if not isinstance(groups, list):
        groups = [groups]
    grants = [g for g in provider.grants.select_related("store") if g.group == "" or g.group in groups]
    identity = OidcIdentity.objects.filter(provider=provider, subject=subject).select_related("user").first()
    if identity:
        user = identity.user
    else:
        user = _existing_or_new_user(provider, claims, subject, email, bool(grants))
        OidcIdentity.objects.create(provider=provider, subject=subject, user=user)
    if not user.is_active:
        raise SignOnError(_("This account is disabled."))
    for grant in grants:
        Membership.objects.update_or_create(user=user, store=grant.store, defaults={"role": grant.role})
    if not Membership.objects.filter(user=user).exists():
        raise SignOnError(_("No store has been granted to you. Ask a manager or an admin."))
    return user


def _existing_or_new_user(
    provider: OidcProvider, claims: dict, subject: str, email: str, granted: bool
) -> User:
    # An existing account is joined only on an address the provider says it verified.
    if email and claims.get("email_verified") is True:
        existing = User.objects.filter(email__iexact=email).order_by("pk").first()
        if existing:
            return existing
    if not (provider.create_users and granted):
        raise SignOnError(_("No desk account matches this sign-in. Ask an admin."))
    base = (email or f"{provider.slug}-{subject}")[:140]
    username = base
    while User.objects.filter(username=username).exists():
        username = f"{base}-{secrets.token_hex(2)}"
    user = User(
        username=username,
        email=email,
        first_name=str(claims.get("given_name", ""))[:150],
        last_name=str(claims.get("family_name", ""))[:150],
    )
    user.set_unusable_password()
    user.save()
    return user
