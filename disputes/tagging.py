"""Tags a person puts on or takes off a claim (rules add theirs through `disputes.rules`)."""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction

from .models import Claim, ClaimEvent, Tag
from .timeline import Action, entry


@transaction.atomic
def claim_set_tags(*, claim: Claim, tag_ids: Iterable[int], by: User) -> tuple[list[Tag], list[Tag]]:
    """Make the claim carry exactly these tags of its store (others' ids are ignored); each tag
    added or removed is a timeline entry. Returns (added, removed)."""
    wanted = {tag.pk: tag for tag in Tag.objects.filter(store_id=claim.store_id, pk__in=list(tag_ids))}
    through = Tag.claims.through
    current = {row.tag_id: row.tag for row in through.objects.filter(claim_id=claim.pk).select_related("tag")}
    added = [tag for pk, tag in wanted.items() if pk not in current]
    removed = [tag for pk, tag in current.items() if pk not in wanted]
    through.objects.bulk_create(through(claim_id=claim.pk, tag_id=tag.pk) for tag in added)
    through.objects.filter(claim_id=claim.pk, tag_id__in=[tag.pk for tag in removed]).delete()
    ClaimEvent.objects.bulk_create(
        [entry(ClaimEvent(claim=claim), Action.TAGGED, by=by, tag=tag.name) for tag in added]
        + [entry(ClaimEvent(claim=claim), Action.UNTAGGED, by=by, tag=tag.name) for tag in removed]
    )
    return added, removed
