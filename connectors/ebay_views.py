"""The claim page's "Answer on eBay" card: one POST that sends the seller's answer to eBay."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from disputes.access import get_claim_for_user
from disputes.requests import AuthenticatedRequest

from .platforms.ebay_actions import ActionRefused, actions_for, perform


@login_required
@require_POST
def ebay_answer(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    claim = get_claim_for_user(request.user, claim_id)
    carrier = request.POST.get("carrier", "")[:60]
    tracking = request.POST.get("tracking", "")[:60]
    context = {"claim": claim, "carrier": carrier, "tracking": tracking}
    try:
        done = perform(
            claim=claim,
            action_name=request.POST.get("action", ""),
            by=request.user,
            carrier=carrier,
            tracking=tracking,
        )
    except ActionRefused as refused:
        if request.htmx:
            # The card again with the reason in place (htmx swaps only 2xx answers).
            context |= {"refused": str(refused), "actions": actions_for(claim)}
            return render(request, "connectors/_ebay_answers.html", context)
        messages.error(request, str(refused))
        return redirect("disputes:claim", claim_id=claim.pk)
    if request.htmx:
        # The claim's status and timeline changed too: reload the page to show them.
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        messages.success(request, done)
        return response
    messages.success(request, done)
    return redirect("disputes:claim", claim_id=claim.pk)
