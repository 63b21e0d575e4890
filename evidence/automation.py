"""What evidence adds to the automation rules (`disputes/rules.py`): whether a claim's evidence
is complete for its reason (the checklist of `evidence/checklist.py`)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from disputes import rules
from disputes.models import Claim

from .checklist import checklist
from .models import EvidenceItem

COMPLETE = "complete"
INCOMPLETE = "incomplete"


def _complete(event: rules.Event) -> dict[int, Any]:
    """Each claim's checklist complete or not, from one query over the orders' present items."""
    kinds: dict[int, list[str]] = {}
    for order_id, kind in (
        EvidenceItem.objects.present()
        .filter(order_id__in={claim.order_id for claim in event.claims})
        .values_list("order_id", "kind")
    ):
        kinds.setdefault(order_id, []).append(kind)
    return {
        claim.pk: not checklist(claim.reason, kinds.get(claim.order_id, [])).missing for claim in event.claims
    }


def _test(setting: Any, claim: Claim, event: rules.Event) -> bool:
    return event.fact("evidence_complete", claim) == (setting == COMPLETE)


def register() -> None:
    """Called from EvidenceConfig.ready()."""
    rules.register_fact("evidence_complete", _complete)
    rules.register_condition(
        rules.Condition(
            "evidence",
            gettext_lazy("The evidence the reason needs is"),
            lambda store: {
                "if_evidence": forms.ChoiceField(
                    label=gettext_lazy("The evidence the reason needs is"),
                    choices=[
                        ("", "—"),
                        (COMPLETE, gettext_lazy("complete")),
                        (INCOMPLETE, gettext_lazy("incomplete")),
                    ],
                    required=False,
                )
            },
            *rules.one_field("if_evidence"),
            test=_test,
        )
    )
