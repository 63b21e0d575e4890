from django import template

from disputes.models import Claim

from ..platforms.ebay_actions import actions_for

register = template.Library()


@register.inclusion_tag("connectors/_ebay_answers.html", takes_context=True)
def ebay_answers_card(context, claim: Claim) -> dict:
    """The claim page's "Answer on eBay" card: what the Post-Order API lets the seller do on this
    return, inquiry or case. Nothing is shown for other claims, or once eBay has decided."""
    return {"claim": claim, "actions": actions_for(claim), "csrf_token": context.get("csrf_token")}
