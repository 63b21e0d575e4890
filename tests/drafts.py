"""Ready-made inputs for services that need more than a few fields."""

from datetime import timedelta

from django.utils import timezone

from disputes.models import RootCause
from disputes.services import PostMortemDraft


def post_mortem(
    owner, *, root_cause: str = RootCause.CARRIER, action: str = "Ask the carrier for signature on delivery"
) -> PostMortemDraft:
    return PostMortemDraft(
        root_cause=root_cause,
        decided_by="The carrier's scan showed delivery to the buyer's address.",
        action=action,
        owner=owner,
        due_on=timezone.localdate() + timedelta(days=7),
    )


def closing_post(owner, **changes) -> dict:
    """The close form's post-mortem fields, as a browser would post them."""
    draft = post_mortem(owner)
    return {
        "root_cause": draft.root_cause,
        "decided_by": draft.decided_by,
        "action": draft.action,
        "owner": owner.pk,
        "due_on": draft.due_on.isoformat(),
        **changes,
    }
