from django import template

from disputes.models import Claim

from ..platforms.ebay_actions import card

register = template.Library()


@register.inclusion_tag("connectors/_ebay_answers.html", takes_context=True)
def ebay_answers_card(context, claim: Claim) -> dict:
    """The claim page's "Answer on eBay" card: what the Post-Order API lets the seller do on this
    return, inquiry or case, what is on its way to eBay and how the last answer ended. Nothing is
    shown for other claims."""
    if claim.store.platform != "ebay":
        return {}
    return card(claim) | {"csrf_token": context.get("csrf_token")}
