"""The appeal builder: facts, evidence and conclusion edited on one page with a live preview and
policy check (HTMX), saved as versions, exported as PDF and plain text, submitted and decided."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from disputes.access import get_claim_for_user, stores_for
from disputes.downloads import attachment_header
from disputes.inputs import parse_id
from disputes.models import Buyer, ClaimStatus, Outcome
from disputes.requests import AuthenticatedRequest
from disputes.services import ClaimConflict, ClaimError
from disputes.services import claim_choose as claim_choose_service
from evidence import selectors as evidence_selectors
from evidence.checklist import checklist
from messaging.selectors import findings_view

from . import abuse, advice, document, services
from .access import get_appeal_for_user, may_decide_appeal
from .forms import AppealDecisionForm, AppealNewForm, AppealSubmitForm
from .models import Appeal, AppealVersion
from .services import AppealDraft


def _versions(appeal: Appeal) -> list[AppealVersion]:
    return list(appeal.versions.select_related("saved_by").order_by("number"))


def _chosen(
    request: AuthenticatedRequest, appeal: Appeal, versions: list[AppealVersion]
) -> AppealVersion | None:
    """?version=N, else the submitted version, else the latest; None before the first save."""
    wanted = request.GET.get("version", "")
    if wanted:
        found = next((v for v in versions if str(v.number) == wanted), None)
        if found is None:
            raise Http404(_("This appeal has no such version."))
        return found
    if appeal.submitted_version_id:
        return next(v for v in versions if v.pk == appeal.submitted_version_id)
    return versions[-1] if versions else None


def _document(request: AuthenticatedRequest, appeal: Appeal, vault: list | None = None):
    """The chosen version's facts, exhibits and conclusion, or the fresh draft before any save."""
    versions = _versions(appeal)
    version = _chosen(request, appeal, versions)
    facts, exhibits, conclusion = document.contents(appeal, version, vault)
    return versions, version, facts, exhibits, conclusion


def _live(appeal: Appeal, facts: list[str], exhibits: list[document.Exhibit], conclusion: str) -> dict:
    """The preview as the platform's form will take it, the appeal policy findings, and the
    evidence the claim's reason needs that this appeal does not show."""
    claim = appeal.claim
    platform = claim.store.platform
    full = document.plain_text(claim, facts, exhibits, conclusion)
    limit = document.form_limit(platform)
    text, truncated = document.sized(full, limit)
    checked = document.checked_text(facts, [e.caption for e in exhibits], conclusion)
    return {
        "text": text,
        "length": len(full),
        "limit": limit,
        "limit_confirmed": document.form_limit_confirmed(platform),
        "truncated": truncated,
        **findings_view(checked, platform, context="appeal"),
        "missing": checklist(claim.reason, [e.item.kind for e in exhibits]).missing,
    }


def _posted(request: AuthenticatedRequest) -> AppealDraft:
    ids = [item_id for i in request.POST.getlist("item") if (item_id := parse_id(i)) is not None]
    return AppealDraft(
        facts=request.POST.getlist("fact"),
        evidence=[(item_id, request.POST.get(f"caption-{item_id}", "")) for item_id in ids],
        conclusion=request.POST.get("conclusion", ""),
    )


def _exhibits_for(draft: AppealDraft, vault: list) -> list[document.Exhibit]:
    by_id = {item.pk: item for item in vault}
    return [
        document.Exhibit(by_id[item_id], caption) for item_id, caption in draft.evidence if item_id in by_id
    ]


def odr_effect(appeal: Appeal) -> str:
    if not appeal.is_decided:
        return ""
    if Outcome(appeal.matching_outcome).counts_toward_odr:
        return _("This outcome counts toward the store's Order Defect Rate.")
    return _("This outcome does not count toward the store's Order Defect Rate.")


def _context(
    request: AuthenticatedRequest,
    appeal: Appeal,
    *,
    draft: AppealDraft | None = None,
    based_on=None,
    submit_form=None,
    decision_form=None,
) -> dict:
    claim = appeal.claim
    vault = list(evidence_selectors.order_items(claim.order))
    versions, version, facts, exhibits, conclusion = _document(request, appeal, vault)
    if draft is not None:
        facts, exhibits, conclusion = draft.facts, _exhibits_for(draft, vault), draft.conclusion
    picked = {e.item.pk for e in exhibits}
    # The picker: the exhibits in their order (ticked), then the rest of the vault.
    picker = [(e.item, e.caption, True) for e in exhibits]
    picker += [(item, item.caption, False) for item in vault if item.pk not in picked]
    latest = versions[-1].number if versions else 0
    return {
        "appeal": appeal,
        "claim": claim,
        "order": claim.order,
        "versions": versions,
        "version": version,
        "latest": latest,
        "based_on": latest if based_on is None else based_on,
        "viewing_old": version is not None and version.number != latest and draft is None,
        "facts": facts,
        "exhibits": exhibits,
        "conclusion": conclusion,
        "picker": picker,
        "vault_missing": checklist(claim.reason, [item.kind for item in vault]).missing,
        "now": timezone.now(),
        "submit_form": submit_form or AppealSubmitForm(appeal=appeal, initial={"version": latest}),
        "decision_form": decision_form or AppealDecisionForm(),
        # Asked only while a decision is awaited, so other pages pay no query for it.
        "may_decide": appeal.is_submitted
        and not appeal.is_decided
        and may_decide_appeal(request.user, appeal),
        "odr_effect": odr_effect(appeal),
        "close_hint": _close_hint(appeal),
        **_live(appeal, facts, exhibits, conclusion),
    }


def _close_hint(appeal: Appeal) -> str:
    claim = appeal.claim
    if (
        not appeal.is_decided
        or claim.status == ClaimStatus.CLOSED
        and claim.outcome == appeal.matching_outcome
    ):
        return ""
    return _(
        "The claim's outcome is set on the claim page: close it as “%(outcome)s” there "
        "(closing asks for the post-mortem)."
    ) % {"outcome": Outcome(appeal.matching_outcome).label}


@login_required
@require_POST
def appeal_new(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    claim = get_claim_for_user(request.user, claim_id)
    form = AppealNewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what kind of appeal this is."))
        return redirect("disputes:claim", claim_id=claim.pk)
    appeal = services.appeal_create(claim=claim, kind=form.cleaned_data["kind"], by=request.user)
    return redirect("appeals:appeal", appeal_id=appeal.pk)


@login_required
@require_GET
def appeal_builder(request: AuthenticatedRequest, appeal_id: int) -> HttpResponse:
    appeal = get_appeal_for_user(request.user, appeal_id)
    return render(request, "appeals/appeal.html", _context(request, appeal))


@login_required
@require_POST
def appeal_preview(request: AuthenticatedRequest, appeal_id: int) -> HttpResponse:
    appeal = get_appeal_for_user(request.user, appeal_id)
    draft = _posted(request)
    vault = list(evidence_selectors.order_items(appeal.claim.order))
    return render(
        request,
        "appeals/appeal.html#live",
        {"appeal": appeal, **_live(appeal, draft.facts, _exhibits_for(draft, vault), draft.conclusion)},
    )


@login_required
@require_POST
def appeal_save(request: AuthenticatedRequest, appeal_id: int) -> HttpResponse:
    appeal = get_appeal_for_user(request.user, appeal_id)
    draft = _posted(request)
    based_on = parse_id(request.POST.get("based_on"))
    try:
        version = services.appeal_save(appeal=appeal, draft=draft, by=request.user, based_on=based_on)
    except ClaimError as error:
        status = 409 if isinstance(error, ClaimConflict) else 400
        context = _context(
            request, get_appeal_for_user(request.user, appeal_id), draft=draft, based_on=based_on
        )
        return render(request, "appeals/appeal.html", {**context, "error": str(error)}, status=status)
    messages.success(request, _("Saved as version %(number)s.") % {"number": version.number})
    return redirect("appeals:appeal", appeal_id=appeal.pk)


def _export_name(appeal: Appeal, version: AppealVersion | None, ext: str) -> str:
    return f"appeal-{appeal.claim.order.platform_order_id}-v{version.number if version else 0}.{ext}"


@login_required
@require_GET
def appeal_pdf(request: AuthenticatedRequest, appeal_id: int) -> HttpResponse:
    """The appeal as a PDF. Like every export, a GET that changes nothing: a browser's prefetch or
    a second download writes no timeline entry (submitting the appeal is what the record keeps)."""
    appeal = get_appeal_for_user(request.user, appeal_id)
    _versions_, version, facts, exhibits, conclusion = _document(request, appeal)
    data = document.export_pdf(appeal, version, facts, exhibits, conclusion)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = attachment_header(_export_name(appeal, version, "pdf"))
    return response


@login_required
@require_GET
def appeal_text(request: AuthenticatedRequest, appeal_id: int) -> HttpResponse:
    appeal = get_appeal_for_user(request.user, appeal_id)
    _versions_, version, facts, exhibits, conclusion = _document(request, appeal)
    text, _cut = document.sized(
        document.plain_text(appeal.claim, facts, exhibits, conclusion),
        document.form_limit(appeal.store.platform),
    )
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = attachment_header(_export_name(appeal, version, "txt"))
    return response


def _form_action[F: Form](
    request: AuthenticatedRequest,
    appeal_id: int,
    make_form: Callable[[Appeal], F],
    act: Callable[[Appeal, F], object],
    success: str,
    form_name: str,
) -> HttpResponse:
    """Run the service on a valid form and come back to the builder; otherwise show the form's
    errors (or the service's refusal) in place, with status 400."""
    appeal = get_appeal_for_user(request.user, appeal_id)
    form = make_form(appeal)
    if form.is_valid():
        try:
            act(appeal, form)
        except ClaimError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, success)
            return redirect("appeals:appeal", appeal_id=appeal.pk)
    forms: dict[str, Any] = {form_name: form}
    return render(request, "appeals/appeal.html", _context(request, appeal, **forms), status=400)


@login_required
@require_POST
def appeal_submit(request: AuthenticatedRequest, appeal_id: int) -> HttpResponse:
    return _form_action(
        request,
        appeal_id,
        lambda appeal: AppealSubmitForm(request.POST, appeal=appeal),
        lambda appeal, form: services.appeal_submit(
            appeal=appeal,
            version=form.versions[form.cleaned_data["version"]],
            where=form.cleaned_data["where"],
            by=request.user,
            at=form.cleaned_data["submitted_at"],
        ),
        _("Marked submitted; this version and its evidence are now frozen."),
        "submit_form",
    )


@login_required
@require_POST
def appeal_decide(request: AuthenticatedRequest, appeal_id: int) -> HttpResponse:
    if not may_decide_appeal(request.user, get_appeal_for_user(request.user, appeal_id)):
        raise PermissionDenied(_("Only a manager of the store can record the platform's decision."))
    return _form_action(
        request,
        appeal_id,
        lambda appeal: AppealDecisionForm(request.POST),
        lambda appeal, form: services.appeal_decide(
            appeal=appeal,
            decision=form.cleaned_data["decision"],
            funding=form.cleaned_data["funding"],
            by=request.user,
            decided_at=form.cleaned_data["decided_at"],
            note=form.cleaned_data["note"],
        ),
        _("The platform's decision is recorded."),
        "decision_form",
    )


@login_required
@require_GET
def claim_advice(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    """The "Fight or refund?" card alone (htmx: asked again when the order's evidence changes)."""
    claim = get_claim_for_user(request.user, claim_id)
    return render(request, "appeals/_advice.html#body", advice.card(request.user, claim))


@login_required
@require_POST
def claim_choose(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    """Record the team's choice: fight, refund or ask for information, with the advice shown."""
    claim = get_claim_for_user(request.user, claim_id)
    error = ""
    try:
        claim = claim_choose_service(
            claim=claim,
            choice=request.POST.get("choice", ""),
            advised=request.POST.get("advised", ""),
            loaded=request.POST.get("loaded_choice", ""),
            by=request.user,
        )
    except ClaimError as refused:
        error = str(refused)
        claim.refresh_from_db()
    if request.htmx:
        # Answered 200 either way: htmx swaps only successful answers, and a refusal is shown in
        # place of the card, the choice as it now stands, with nothing written.
        return render(request, "appeals/_advice.html#body", advice.card(request.user, claim, error=error))
    if error:
        messages.error(request, error)
    return redirect(reverse("disputes:claim", kwargs={"claim_id": claim.pk}) + "#advice-card")


@login_required
@require_GET
def abuse_report(request: AuthenticatedRequest, buyer_id: int) -> HttpResponse:
    """A draft abuse report about a buyer whose claims repeat, to review and paste into the
    platform's form."""
    buyer = get_object_or_404(Buyer, pk=buyer_id, store__in=stores_for(request.user))
    report = abuse.abuse_report(request.user, buyer)
    return render(request, "appeals/abuse_report.html", {"report": report, "draft": report.draft()})
