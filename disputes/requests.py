"""The request a view behind login_required receives, for the type checker: its user is a real
User (never AnonymousUser) and django-htmx's middleware has set `request.htmx`."""

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class AuthenticatedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails
