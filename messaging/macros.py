"""Applying a macro: its steps in one transaction, each written to the timeline on its own.

The steps run in a fixed order: the entry naming the macro, the status, the tags, the assignee.
A step that cannot be taken (a status the claim may not move to, a person no longer in the
store, nobody working for a team pick) refuses the whole macro with its reason, and nothing is
written. The template is not a change to the claim: it goes into the composer for the agent to
review and send by hand."""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from disputes import assigning, services, tagging
from disputes.models import Claim, Membership
from disputes.services import ClaimError
from disputes.timeline import Action, record

from .models import Macro, MacroAssign, ReplyTemplate


@dataclass
class Applied:
    claim: Claim
    template: ReplyTemplate | None


def _assignee(macro: Macro, claim: Claim) -> User | None:
    if macro.assign == MacroAssign.PERSON:
        person = macro.assignee
        if person is None or not Membership.objects.filter(user=person, store_id=claim.store_id).exists():
            raise ClaimError(_("The macro's person is no longer a member of this store."))
        return person
    chosen = assigning.pick(macro.assign, claim.store)
    if chosen is None:
        raise ClaimError(_("Nobody in the team is working now to take the claim."))
    return chosen


@transaction.atomic
def apply_macro(*, macro: Macro, claim: Claim, by: User) -> Applied:
    """Raises ClaimError (nothing written) when a step cannot be taken."""
    if macro.store_id != claim.store_id:
        raise ClaimError(_("This macro belongs to another store."))
    claim = Claim.objects.select_for_update(of=("self",)).select_related("store", "order").get(pk=claim.pk)
    record(claim, Action.MACRO, by=by, macro=macro.name)
    if macro.status and macro.status != claim.status:
        claim = services.claim_move(claim=claim, to_status=macro.status, by=by, loaded=claim.status)
    tag_ids = [tag.pk for tag in macro.tags.all()]
    if tag_ids:
        current = list(claim.tags.values_list("pk", flat=True))
        tagging.claim_set_tags(claim=claim, tag_ids=[*current, *tag_ids], by=by)
    if macro.assign:
        person = _assignee(macro, claim)
        if person is not None and person.pk != claim.assignee_id:
            services.claim_assign(
                claims=[claim], assignee=person, by=by, loaded={claim.pk: claim.assignee_id}
            )
    claim.refresh_from_db()
    return Applied(
        claim=claim, template=macro.template if macro.template and macro.template.is_active else None
    )
