"""Macros: the store's list (managers add and remove them) and applying one to a claim."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from disputes.access import get_claim_for_user, get_store_for_user, is_manager
from disputes.models import Store, Tag
from disputes.requests import AuthenticatedRequest
from disputes.services import ClaimError

from .macros import apply_macro
from .models import Macro, MacroAssign, ReplyTemplate


class MacroForm(forms.ModelForm):
    class Meta:
        model = Macro
        fields = ["name", "template", "status", "tags", "assign", "assignee"]
        widgets = {"tags": forms.CheckboxSelectMultiple}

    def __init__(self, *args, store: Store, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.store = store
        self.fields["template"].queryset = ReplyTemplate.objects.filter(  # type: ignore[attr-defined]
            Q(platform="") | Q(platform=store.platform), is_active=True
        )
        self.fields["tags"].queryset = Tag.objects.filter(store=store)  # type: ignore[attr-defined]
        self.fields["assignee"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            memberships__store=store, is_active=True
        ).order_by("username")

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if data.get("assign") == MacroAssign.PERSON and not data.get("assignee"):
            self.add_error("assignee", gettext_lazy("Choose the person the macro assigns to."))
        if data.get("assign") != MacroAssign.PERSON:
            data["assignee"] = None
        if not any(data.get(name) for name in ("template", "status", "tags", "assign")):
            raise forms.ValidationError(gettext_lazy("A macro needs at least one step."))
        return data


def _page(request: AuthenticatedRequest, store: Store, form: MacroForm | None = None) -> HttpResponse:
    manager = is_manager(request.user, store)
    return render(
        request,
        "messaging/macros.html",
        {
            "store": store,
            "macros": Macro.objects.filter(store=store)
            .select_related("template", "assignee")
            .prefetch_related("tags"),
            "is_manager": manager,
            "form": (form or MacroForm(store=store)) if manager else None,
        },
        status=400 if form is not None else 200,
    )


@login_required
@require_GET
def macro_list(request: AuthenticatedRequest, store_id: int) -> HttpResponse:
    return _page(request, get_store_for_user(request.user, store_id))


@login_required
@require_POST
def macro_add(request: AuthenticatedRequest, store_id: int) -> HttpResponse:
    store = get_store_for_user(request.user, store_id)
    if not is_manager(request.user, store):
        raise PermissionDenied(_("Only the store's managers add macros."))
    form = MacroForm(request.POST, store=store)
    if not form.is_valid():
        return _page(request, store, form)
    form.save()
    messages.success(request, _("Macro “%(name)s” added.") % {"name": form.instance.name})
    return redirect("messaging:macros", store.pk)


@login_required
@require_POST
def macro_delete(request: AuthenticatedRequest, store_id: int, macro_id: int) -> HttpResponse:
    store = get_store_for_user(request.user, store_id)
    macro = get_object_or_404(Macro, store=store, pk=macro_id)
    if not is_manager(request.user, store):
        raise PermissionDenied(_("Only the store's managers remove macros."))
    macro.delete()
    messages.success(request, _("Macro removed."))
    return redirect("messaging:macros", store.pk)


@login_required
@require_POST
def macro_apply(request: AuthenticatedRequest, claim_id: int, macro_id: int) -> HttpResponse:
    claim = get_claim_for_user(request.user, claim_id)
    macro = get_object_or_404(Macro, store_id=claim.store_id, pk=macro_id)
    try:
        applied = apply_macro(macro=macro, claim=claim, by=request.user)
    except ClaimError as refused:
        messages.error(
            request, _("Macro “%(name)s” not applied: %(reason)s") % {"name": macro.name, "reason": refused}
        )
        return redirect("disputes:claim", claim.pk)
    messages.success(request, _("Macro “%(name)s” applied.") % {"name": macro.name})
    url = reverse("disputes:claim", args=[claim.pk])
    if applied.template is not None:
        return redirect(f"{url}?fill={applied.template.pk}#compose")
    return redirect(url)
