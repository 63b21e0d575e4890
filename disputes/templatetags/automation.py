"""The claim page's tags card and the undo of a rule's change on its timeline."""

from django import template

from .. import rules
from ..models import Claim
from ..tagging import marked_tags

register = template.Library()


@register.inclusion_tag("disputes/_claim_tags.html", takes_context=True)
def claim_tags_card(context, claim: Claim) -> dict:
    """The store's tags to choose from, each marked when the claim has it (one query; a claim
    only has its store's tags)."""
    on_claim = "SELECT 1 FROM disputes_tag_claims tc WHERE tc.tag_id = t.id AND tc.claim_id = %s"
    return {
        "claim": claim,
        "csrf_token": context.get("csrf_token"),
        "tags": marked_tags(on_claim, claim.pk, claim.store_id),
    }


@register.simple_tag
def rule_changes_undone(events) -> set[int]:
    """Which rule changes among the timeline's entries were undone (a query only when the
    timeline holds a rule's change)."""
    return rules.undone_ids([event for event in events if getattr(event, "action", None) == "rule_change"])
