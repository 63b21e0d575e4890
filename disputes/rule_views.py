"""Managers' pages for a store's tags and automation rules (with the dry run before a rule is
switched on), and the claim page's tag and undo actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import rules, tagging
from .access import get_claim_for_user, managed_stores_for
from .models import ClaimEvent, Rule, Store, Tag
from .requests import AuthenticatedRequest
from .rule_forms import RuleForm, TagForm
from .timeline import Action


def rule_url(rule_id: int) -> str:
    return reverse("disputes:rule_edit", args=[rule_id])


def _managed_store(request: AuthenticatedRequest, store_id: int) -> Store:
    return get_object_or_404(managed_stores_for(request.user), pk=store_id)


def _managed_rule(request: AuthenticatedRequest, rule_id: int) -> Rule:
    return get_object_or_404(
        Rule.objects.filter(store__in=managed_stores_for(request.user)).select_related("store"), pk=rule_id
    )


def _rules_page(request: AuthenticatedRequest, store: Store, tag_form: TagForm | None = None) -> HttpResponse:
    context = {
        "store": store,
        "rules": list(Rule.objects.filter(store=store).order_by("position", "pk")),
        "triggers": rules.TRIGGERS,
        "tags": list(Tag.objects.filter(store=store).order_by("name")),
        "tag_form": tag_form or TagForm(store=store),
        "other_stores": list(managed_stores_for(request.user).order_by("name")),
    }
    return render(request, "disputes/rules.html", context)


@login_required
@require_GET
def rules_home(request: AuthenticatedRequest) -> HttpResponse:
    """The navigation's "Rules": the first store this user manages."""
    store = managed_stores_for(request.user).order_by("name").first()
    if store is None:
        raise PermissionDenied(_("Rules are edited by managers."))
    return redirect("disputes:rules", store.pk)


@login_required
@require_GET
def rule_list(request: AuthenticatedRequest, store_id: int) -> HttpResponse:
    return _rules_page(request, _managed_store(request, store_id))


def _edit(request: AuthenticatedRequest, store: Store, rule: Rule | None) -> HttpResponse:
    form = RuleForm(request.POST or None, store=store, rule=rule)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if rule is None:
                last = (
                    Rule.objects.filter(store=store).order_by("-position").values_list("position", flat=True)
                )
                rule = Rule(store=store, created_by=request.user, position=(last.first() or 0) + 1)
            rule.name, rule.trigger = form.cleaned_data["name"], form.cleaned_data["trigger"]
            rule.conditions, rule.actions = form.conditions, form.actions
            rule.last_error, rule.last_error_at = "", None
            rule.save()
        messages.success(request, _("Rule “%(name)s” saved.") % {"name": rule.name})
        return redirect("disputes:rule_edit", rule.pk)
    context = {"store": store, "rule": rule, "form": form, "dry_run": rules.dry_run(rule) if rule else None}
    return render(request, "disputes/rule_edit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request: AuthenticatedRequest, store_id: int) -> HttpResponse:
    return _edit(request, _managed_store(request, store_id), None)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: AuthenticatedRequest, rule_id: int) -> HttpResponse:
    rule = _managed_rule(request, rule_id)
    return _edit(request, rule.store, rule)


@login_required
@require_POST
def rule_dry_run(request: AuthenticatedRequest, store_id: int) -> HttpResponse:
    """What the rule as typed (saved or not) would have done to the last 30 days of claims."""
    store = _managed_store(request, store_id)
    rule = None
    if request.POST.get("rule", "").isdigit():
        rule = Rule.objects.filter(store=store, pk=int(request.POST["rule"])).first()
    form = RuleForm(request.POST, store=store, rule=rule)
    result = rules.dry_run(form.unsaved()) if form.is_valid() else None
    return render(request, "disputes/rule_edit.html#dry_run", {"form": form, "dry_run": result})


@login_required
@require_POST
def rule_switch(request: AuthenticatedRequest, rule_id: int) -> HttpResponse:
    rule = _managed_rule(request, rule_id)
    rule.is_active = request.POST.get("on") == "1"
    rule.save(update_fields=["is_active", "updated_at"])
    if rule.is_active:
        messages.success(request, _("Rule “%(name)s” is on.") % {"name": rule.name})
    else:
        messages.success(request, _("Rule “%(name)s” is off.") % {"name": rule.name})
    return redirect("disputes:rules", rule.store_id)


@login_required
@require_POST
def rule_move(request: AuthenticatedRequest, rule_id: int) -> HttpResponse:
    """Swap the rule with its neighbour above ("up") or below: rules run in this order."""
    rule = _managed_rule(request, rule_id)
    with transaction.atomic():
        ordered = list(
            Rule.objects.select_for_update().filter(store_id=rule.store_id).order_by("position", "pk")
        )
        index = next(i for i, other in enumerate(ordered) if other.pk == rule.pk)
        other_index = index - 1 if request.POST.get("direction") == "up" else index + 1
        if 0 <= other_index < len(ordered):
            ordered[index], ordered[other_index] = ordered[other_index], ordered[index]
        for position, each in enumerate(ordered, start=1):
            if each.position != position:
                Rule.objects.filter(pk=each.pk).update(position=position)
    return redirect("disputes:rules", rule.store_id)


@login_required
@require_POST
def rule_delete(request: AuthenticatedRequest, rule_id: int) -> HttpResponse:
    rule = _managed_rule(request, rule_id)
    rule.delete()
    messages.success(request, _("Rule “%(name)s” deleted.") % {"name": rule.name})
    return redirect("disputes:rules", rule.store_id)


@login_required
@require_POST
def tag_create(request: AuthenticatedRequest, store_id: int) -> HttpResponse:
    store = _managed_store(request, store_id)
    form = TagForm(request.POST, store=store)
    if not form.is_valid():
        return _rules_page(request, store, tag_form=form)
    form.save()
    return redirect("disputes:rules", store.pk)


@login_required
@require_POST
def tag_delete(request: AuthenticatedRequest, tag_id: int) -> HttpResponse:
    tag = get_object_or_404(Tag.objects.filter(store__in=managed_stores_for(request.user)), pk=tag_id)
    tag.delete()
    return redirect("disputes:rules", tag.store_id)


@login_required
@require_POST
def claim_tags(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    claim = get_claim_for_user(request.user, claim_id)
    ids = [int(pk) for pk in request.POST.getlist("tags") if pk.isdigit()]
    tagging.claim_set_tags(claim=claim, tag_ids=ids, by=request.user)
    messages.success(request, _("Tags saved."))
    return redirect("disputes:claim", claim.pk)


@login_required
@require_POST
def rule_change_undo(request: AuthenticatedRequest, claim_id: int, event_id: int) -> HttpResponse:
    claim = get_claim_for_user(request.user, claim_id)
    event = get_object_or_404(ClaimEvent.objects.filter(claim=claim, action=Action.RULE_CHANGE), pk=event_id)
    if rules.undo_change(event=event, by=request.user):
        messages.success(request, _("Undone."))
    else:
        messages.error(request, _("Nothing to undo: it was undone already, or someone changed it since."))
    return redirect("disputes:claim", claim.pk)
