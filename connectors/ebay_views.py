"""The claim page's "Answer on eBay" card: a POST that queues the seller's answer for eBay, and
the card itself, polled while an answer is on its way."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from disputes.access import get_claim_for_user
from disputes.requests import AuthenticatedRequest

from .platforms.ebay_actions import ActionRefused, ask, card

TEMPLATE = "connectors/_ebay_answers.html"


@login_required
@require_POST
def ebay_answer(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    claim = get_claim_for_user(request.user, claim_id)
    carrier = request.POST.get("carrier", "")[:60]
    tracking = request.POST.get("tracking", "")[:60]
    try:
        ask(
            claim=claim,
            action_name=request.POST.get("action", ""),
            by=request.user,
            carrier=carrier,
            tracking=tracking,
        )
    except ActionRefused as refused:
        if request.htmx:
            # The card again with the reason in place (htmx swaps only 2xx answers).
            context = card(claim) | {"refused": str(refused), "carrier": carrier, "tracking": tracking}
            return render(request, TEMPLATE, context)
        messages.error(request, str(refused))
        return redirect("disputes:claim", claim_id=claim.pk)
    if request.htmx:
        return render(request, TEMPLATE, card(claim))
    messages.info(request, _("Sending to eBay…"))
    return redirect("disputes:claim", claim_id=claim.pk)


@login_required
@require_GET
def ebay_card(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    """The card, polled while an answer is on its way. Once nothing is, the page reloads: eBay's
    acceptance changed the claim's status and timeline too."""
    claim = get_claim_for_user(request.user, claim_id)
    context = card(claim)
    if request.htmx and request.GET.get("polling") and not context["pending"]:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, TEMPLATE, context)
