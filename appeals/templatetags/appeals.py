from django import template

from disputes.models import Claim, ClaimKind, ClaimStatus, Outcome

from .. import advice
from ..forms import AppealNewForm
from ..models import AppealKind

register = template.Library()


@register.inclusion_tag("appeals/_card.html", takes_context=True)
def appeals_card(context, claim: Claim) -> dict:
    """The claim page's "Build an appeal" card: the claim's appeals, newest first, and the form
    that starts one of the kind the claim most likely needs."""
    return {
        "csrf_token": context.get("csrf_token"),
        "claim": claim,
        "appeals": claim.appeals.select_related("submitted_version").order_by("-created_at", "-pk"),
        "appeal_new_form": AppealNewForm(initial={"kind": default_kind(claim)}),
    }


def default_kind(claim: Claim) -> str:
    if claim.kind == ClaimKind.CHARGEBACK:
        return AppealKind.CHARGEBACK_RESPONSE
    if (claim.outcome and Outcome(claim.outcome).is_appealable) or claim.status == ClaimStatus.APPEALING:
        return AppealKind.APPEAL
    return AppealKind.CLAIM_RESPONSE


@register.inclusion_tag("appeals/_advice.html", takes_context=True)
def advice_panel(context, claim: Claim) -> dict:
    """The claim page's "Fight or refund?" card: the advice with its reasons, the choice made."""
    return advice.card(context["request"].user, claim, csrf_token=context.get("csrf_token"))
