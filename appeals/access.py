"""Who may see and decide appeals, on top of the desk's store scoping (`disputes.access`)."""

from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404

from disputes.access import is_manager, stores_for

from .models import Appeal


def may_decide_appeal(user: User, appeal: Appeal) -> bool:
    """Only a manager of the store records the platform's decision: it closes the appeal for good
    and says whether the claim counts toward the store's Order Defect Rate, which managers answer
    for. Agents draft, export and submit appeals."""
    return is_manager(user, appeal.store)


def get_appeal_for_user(user: User, appeal_id: int) -> Appeal:
    return get_object_or_404(
        Appeal.objects.filter(store__in=stores_for(user)).select_related(
            "claim__store", "claim__order", "submitted_version", "submitted_by", "decided_by", "created_by"
        ),
        pk=appeal_id,
    )
