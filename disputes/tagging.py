"""Tags a person puts on or takes off a claim (rules add theirs through `disputes.rules`), and
the diff both claims and buyer threads (messaging) are tagged by."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction

from .models import Claim, ClaimEvent, Tag
from .timeline import Action, entry


def set_links(
    through: Any, owner: str, owner_id: int, store_id: int, tag_ids: Iterable[int]
) -> tuple[list[Tag], list[Tag]]:
    """Make the owner (`owner` is the through model's column: "claim_id", "thread_id") carry
    exactly these tags of its store: another store's ids are ignored, so a tag of another store
    can never be put on it. Returns (added, removed)."""
    wanted = {tag.pk: tag for tag in Tag.objects.filter(store_id=store_id, pk__in=list(tag_ids))}
    current = {
        row.tag_id: row.tag for row in through.objects.filter(**{owner: owner_id}).select_related("tag")
    }
    added = [tag for pk, tag in wanted.items() if pk not in current]
    removed = [tag for pk, tag in current.items() if pk not in wanted]
    through.objects.bulk_create(through(**{owner: owner_id, "tag_id": tag.pk}) for tag in added)
    through.objects.filter(**{owner: owner_id, "tag_id__in": [tag.pk for tag in removed]}).delete()
    return added, removed


def marked_tags(carried: str, owner_id: int, store_id: int) -> list[tuple[Tag, bool]]:
    """The store's tags by name, each with whether its owner carries it: `carried` selects the
    owner's link (`%s`, the owner's id) to the tag `t`. One statement written out, the same on
    PostgreSQL and SQLite: built with the ORM, its Exists took longer to compile than to run
    (issue #18)."""
    sql = (
        f"SELECT t.id, t.store_id, t.name, t.colour, EXISTS ({carried}) "
        "FROM disputes_tag t WHERE t.store_id = %s ORDER BY t.name"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [owner_id, store_id])
        rows = cursor.fetchall()
    return [(Tag.from_db(connection.alias, TAG_COLUMNS, row[:4]), bool(row[4])) for row in rows]


TAG_COLUMNS = ["id", "store_id", "name", "colour"]


@transaction.atomic
def claim_set_tags(*, claim: Claim, tag_ids: Iterable[int], by: User) -> tuple[list[Tag], list[Tag]]:
    """Make the claim carry exactly these tags of its store (others' ids are ignored); each tag
    added or removed is a timeline entry. Returns (added, removed)."""
    added, removed = set_links(Tag.claims.through, "claim_id", claim.pk, claim.store_id, tag_ids)
    ClaimEvent.objects.bulk_create(
        [entry(ClaimEvent(claim=claim), Action.TAGGED, by=by, tag=tag.name) for tag in added]
        + [entry(ClaimEvent(claim=claim), Action.UNTAGGED, by=by, tag=tag.name) for tag in removed]
    )
    return added, removed
