from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("evidence/_panel.html", takes_context=True)
def evidence_panel(context, claim=None, order=None) -> dict:
    """The order's vault with the uploader: `{% evidence_panel claim %}` on the claim page (with
    the claim's checklist), `{% evidence_panel order=order %}` on the order page."""
    request = context["request"]
    order = claim.order if claim is not None else order
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "csp_nonce": context.get("csp_nonce"),
        "evidence": selectors.panel(
            request.user,
            order,
            claim,
            items=selectors.present_items(order),
            kind=request.session.get(selectors.LAST_KIND, ""),
            manager=context.get("manages_store"),
        ),
    }
