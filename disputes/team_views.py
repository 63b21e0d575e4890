"""A store's team time (working hours, leave, holidays) and the managers' coverage warnings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from . import team
from .access import get_store_for_user, is_manager, managed_stores_for
from .models import Membership, Store, TeamHoliday, TimeOff
from .requests import AuthenticatedRequest
from .team_forms import TeamHolidayForm, TimeOffForm, WorkScheduleForm


def _team_page(request: AuthenticatedRequest, store: Store, **forms) -> HttpResponse:
    today = timezone.localdate()
    members = list(
        Membership.objects.filter(store=store, user__is_active=True)
        .select_related("user__work_schedule")
        .order_by("role", "user__username")
    )
    people = [membership.user for membership in members]
    leave = list(
        TimeOff.objects.filter(user__in=people, last_day__gte=today)
        .select_related("user")
        .order_by("first_day")
    )
    manager = is_manager(request.user, store)
    context = {
        "store": store,
        "rows": [
            {"membership": membership, "schedule": team.assigning.schedule_of(membership.user)}
            for membership in members
        ],
        "leave": leave,
        "holidays": TeamHoliday.objects.filter(store=store, last_day__gte=today).order_by("first_day"),
        "gaps": team.coverage_gaps([store], today=today),
        "is_manager": manager,
    }
    if manager:
        context |= {
            "holiday_form": forms.get("holiday_form") or TeamHolidayForm(prefix="holiday"),
            "time_off_form": forms.get("time_off_form") or TimeOffForm(prefix="off", store=store),
            "schedule_form": forms.get("schedule_form")
            or WorkScheduleForm(prefix="hours", store=store, initial={"weekdays": list("12345")}),
        }
    return render(request, "disputes/team.html", context, status=400 if forms else 200)


def _managed_store(request: AuthenticatedRequest, store_id: int) -> Store:
    store = get_store_for_user(request.user, store_id)
    if not is_manager(request.user, store):
        raise PermissionDenied(_("Only the store's managers change its team's time."))
    return store


@login_required
@require_GET
def team_time(request: AuthenticatedRequest, store_id: int) -> HttpResponse:
    return _team_page(request, get_store_for_user(request.user, store_id))


@login_required
@require_POST
def holiday_add(request: AuthenticatedRequest, store_id: int) -> HttpResponse:
    store = _managed_store(request, store_id)
    form = TeamHolidayForm(request.POST, prefix="holiday")
    if not form.is_valid():
        return _team_page(request, store, holiday_form=form)
    form.instance.store = store
    holiday = form.save()
    messages.success(request, _("Holiday “%(name)s” added.") % {"name": holiday.name})
    return redirect("disputes:team", store.pk)


@login_required
@require_POST
def holiday_delete(request: AuthenticatedRequest, store_id: int, holiday_id: int) -> HttpResponse:
    store = _managed_store(request, store_id)
    get_object_or_404(TeamHoliday, store=store, pk=holiday_id).delete()
    messages.success(request, _("Holiday removed."))
    return redirect("disputes:team", store.pk)


@login_required
@require_POST
def time_off_add(request: AuthenticatedRequest, store_id: int) -> HttpResponse:
    store = _managed_store(request, store_id)
    form = TimeOffForm(request.POST, prefix="off", store=store)
    if not form.is_valid():
        return _team_page(request, store, time_off_form=form)
    data = form.cleaned_data
    result = team.time_off_record(
        user=data["user"],
        first_day=data["first_day"],
        last_day=data["last_day"],
        note=data["note"],
        by=request.user,
    )
    messages.success(
        request,
        ngettext(
            "Leave of %(user)s recorded; %(count)d open claim handed on.",
            "Leave of %(user)s recorded; %(count)d open claims handed on.",
            len(result.to),
        )
        % {"user": data["user"].get_username(), "count": len(result.to)},
    )
    return redirect("disputes:team", store.pk)


@login_required
@require_POST
def time_off_delete(request: AuthenticatedRequest, store_id: int, time_off_id: int) -> HttpResponse:
    store = _managed_store(request, store_id)
    off = get_object_or_404(TimeOff, user__memberships__store=store, pk=time_off_id)
    team.time_off_cancel(off)
    messages.success(request, _("Leave removed; claims already handed on stay where they went."))
    return redirect("disputes:team", store.pk)


@login_required
@require_POST
def schedule_set(request: AuthenticatedRequest, store_id: int) -> HttpResponse:
    store = _managed_store(request, store_id)
    form = WorkScheduleForm(request.POST, prefix="hours", store=store)
    if not form.is_valid():
        return _team_page(request, store, schedule_form=form)
    with transaction.atomic():
        team.schedule_set(
            user=form.cleaned_data["user"],
            weekdays=form.weekday_digits,
            starts_at=form.cleaned_data["starts_at"],
            ends_at=form.cleaned_data["ends_at"],
        )
    messages.success(
        request, _("Working hours of %(user)s saved.") % {"user": form.cleaned_data["user"].get_username()}
    )
    return redirect("disputes:team", store.pk)


@login_required
@require_GET
def coverage(request: AuthenticatedRequest) -> HttpResponse:
    stores = list(managed_stores_for(request.user))
    if not stores:
        raise PermissionDenied(_("Coverage is shown to managers."))
    gaps = team.coverage_gaps(stores)
    return render(
        request,
        "disputes/coverage.html",
        {
            "gaps": [gap for gap in gaps if gap.at_risk],
            "quiet": [gap for gap in gaps if not gap.at_risk],
            "days": team.COVERAGE_DAYS,
        },
    )
