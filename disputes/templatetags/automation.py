"""The claim page's tags card and the undo of a rule's change on its timeline."""

from django import template

from .. import rules
from ..models import Claim, Tag

register = template.Library()


@register.inclusion_tag("disputes/_claim_tags.html", takes_context=True)
def claim_tags_card(context, claim: Claim) -> dict:
    """The claim's tags, and the store's to choose from (two queries)."""
    on = {tag.pk for tag in claim.tags.all()}
    return {
        "claim": claim,
        "csrf_token": context.get("csrf_token"),
        "tags": [(tag, tag.pk in on) for tag in Tag.objects.filter(store_id=claim.store_id).order_by("name")],
    }


@register.simple_tag
def rule_changes_undone(events) -> set[int]:
    """Which rule changes among the timeline's entries were undone (a query only when the
    timeline holds a rule's change)."""
    return rules.undone_ids([event for event in events if getattr(event, "action", None) == "rule_change"])
