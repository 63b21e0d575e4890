"""The claim page's tags card and the undo of a rule's change on its timeline."""

from django import template
from django.db.models import Exists, OuterRef

from .. import rules
from ..models import Claim, Tag

register = template.Library()


@register.inclusion_tag("disputes/_claim_tags.html", takes_context=True)
def claim_tags_card(context, claim: Claim) -> dict:
    """The store's tags to choose from, each marked when the claim has it (one query; a claim
    only has its store's tags)."""
    on_claim = Tag.claims.through.objects.filter(tag=OuterRef("pk"), claim=claim.pk)
    tags = Tag.objects.filter(store_id=claim.store_id).annotate(on=Exists(on_claim)).order_by("name")
    return {
        "claim": claim,
        "csrf_token": context.get("csrf_token"),
        "tags": [(tag, tag.on) for tag in tags],
    }


@register.simple_tag
def rule_changes_undone(events) -> set[int]:
    """Which rule changes among the timeline's entries were undone (a query only when the
    timeline holds a rule's change)."""
    return rules.undone_ids([event for event in events if getattr(event, "action", None) == "rule_change"])
