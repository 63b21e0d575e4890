"""Demo appeal for `seed_demo`: a first saved version on the "not received" claim that the
evidence seeder gave a tracking history, so the builder opens on a real draft."""

from django.db import transaction

from disputes.demo import DemoData
from disputes.models import Claim, Reason
from evidence.models import EvidenceItem

from . import document, services
from .models import Appeal, AppealKind


def seed_demo_appeals(data: DemoData) -> None:
    if Appeal.objects.exists():
        return
    claim = (
        Claim.objects.filter(reason=Reason.NOT_RECEIVED, order__evidence__isnull=False)
        .select_related("order", "store")
        .order_by("pk")
        .first()
    )
    agent = data.users.get("lin.agent")
    if claim is None:
        return
    items = list(EvidenceItem.objects.present().filter(order=claim.order))
    with transaction.atomic():
        appeal = services.appeal_create(claim=claim, kind=AppealKind.CLAIM_RESPONSE, by=agent)
        services.appeal_save(
            appeal=appeal,
            by=agent,
            based_on=0,
            draft=services.AppealDraft(
                facts=document.draft_facts(claim),
                evidence=[(item.pk, item.caption) for item in items],
                conclusion=document.draft_conclusion(claim, appeal.kind, {item.kind for item in items}),
            ),
        )
