"""Evidence is reached only through these helpers: another store's evidence is a 404."""

from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404

from disputes.access import stores_for

from .models import EvidenceItem


def get_item_for_user(user: User, item_id: int) -> EvidenceItem:
    return get_object_or_404(
        EvidenceItem.objects.present().filter(store__in=stores_for(user)).select_related("order", "added_by"),
        pk=item_id,
    )
