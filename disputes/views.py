from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .access import get_store_for_user, managed_stores_for, stores_for
from .forms import PreferencesForm
from .models import Profile
from .preferences import activate_preferences, remember_preferences


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    stores = stores_for(request.user).order_by("name")
    return render(request, "disputes/queue.html", {"stores": stores})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    stores = list(managed_stores_for(request.user).order_by("name"))
    if not stores:
        raise PermissionDenied(_("The dashboard is for managers."))
    return render(request, "disputes/dashboard.html", {"stores": stores})


@login_required
def store_detail(request: HttpRequest, store_id: int) -> HttpResponse:
    store = get_store_for_user(request.user, store_id)
    memberships = store.memberships.select_related("user").order_by("role", "user__username")
    return render(request, "disputes/store.html", {"store": store, "memberships": memberships})


@login_required
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    profile, _created = Profile.objects.get_or_create(user=request.user)
    # The header's language switch posts only the language; keep the stored time zone then.
    data = {"language": profile.language, "time_zone": profile.time_zone, **request.POST.dict()}
    form = PreferencesForm(data, instance=profile)
    if form.is_valid():
        form.save()
        remember_preferences(request, profile)
        activate_preferences(request)
        messages.success(request, _("Preferences saved."))
    else:
        for error in form.errors.values():
            messages.error(request, error.as_text())
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "disputes:queue"
    return redirect(next_url)
