"""Every change to an appeal happens here: the change and its claim timeline row, in one
transaction."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes import dates, rules
from disputes.inputs import has_nul
from disputes.models import Claim
from disputes.services import ClaimConflict, ClaimError
from disputes.timeline import Action, record
from evidence.models import EvidenceItem
from evidence.services import evidence_lock
from messaging import policy

from .access import may_decide_appeal
from .document import checked_text
from .models import Appeal, AppealDecision, AppealEvidence, AppealKind, AppealVersion, Funding

# The automation rules' trigger fired when the platform's decision on an appeal is recorded.
APPEAL_DECIDED = "appeal_decided"


class AppealFrozen(ClaimError):
    """The appeal was submitted: what the platform received cannot change any more."""


@dataclass(frozen=True)
class AppealDraft:
    """What one save of the builder says: the facts in order, the evidence in order with its
    caption for this appeal, and the conclusion."""

    facts: list[str]
    evidence: list[tuple[int, str]]  # (evidence item id, what it proves)
    conclusion: str


@transaction.atomic
def appeal_create(*, claim: Claim, kind: str, by) -> Appeal:
    if kind not in AppealKind.values:
        raise ClaimError(_("Choose what kind of appeal this is."))
    appeal = Appeal.objects.create(claim=claim, store_id=claim.store_id, kind=kind, created_by=by)
    record(claim, Action.APPEAL_CREATED, by=by, appeal_kind=appeal.kind, appeal=appeal.pk)
    return appeal


def _locked_appeal(appeal: Appeal) -> Appeal:
    current = (
        Appeal.objects.select_for_update().select_related("claim__order", "claim__store").get(pk=appeal.pk)
    )
    if current.is_submitted:
        submitted = current.submitted_version
        assert submitted is not None  # saved with submitted_at
        raise AppealFrozen(
            _(
                "This appeal was submitted on %(when)s (version %(number)s) and is frozen: it can no longer "
                "be changed. Start a new appeal if the platform asks for more."
            )
            % {
                "when": dates.moment_text(current.submitted_at),
                "number": submitted.number,
            }
        )
    return current


def _clean_draft(appeal: Appeal, draft: AppealDraft) -> AppealDraft:
    facts = [" ".join(fact.split()) for fact in draft.facts]
    facts = [fact for fact in facts if fact]
    conclusion = draft.conclusion.strip()
    problems = []
    if not facts:
        problems.append(_("keep at least one fact"))
    if not conclusion:
        problems.append(_("write the conclusion"))
    ids = [item_id for item_id, _caption in draft.evidence]
    if len(set(ids)) != len(ids):
        problems.append(_("each evidence item can be used once"))
    found = set(
        EvidenceItem.objects.present()
        .filter(order_id=appeal.claim.order_id, pk__in=ids)
        .values_list("pk", flat=True)
    )
    if found != set(ids):
        problems.append(_("pick evidence only from this order's vault"))
    evidence = [(item_id, " ".join(caption.split())) for item_id, caption in draft.evidence]
    if any(not caption for _item, caption in evidence):
        problems.append(_("give every picked item a caption saying what it proves"))
    if has_nul(conclusion, *facts, *(caption for _item, caption in evidence)):
        # Pasted from another program now and then; PostgreSQL cannot store it.
        problems.append(_("remove the NUL characters from the text"))
    if policy.length_error(checked_text(facts, [caption for _item, caption in evidence], conclusion)):
        problems.append(
            _("shorten the facts, captions and conclusion to %(limit)s characters in all")
            % {"limit": f"{policy.MAX_CHARS:,}"}
        )
    if problems:
        raise ClaimError(_("The appeal cannot be saved: %(problems)s.") % {"problems": "; ".join(problems)})
    return AppealDraft(facts=facts, evidence=evidence, conclusion=conclusion)


@transaction.atomic
def appeal_save(*, appeal: Appeal, draft: AppealDraft, by, based_on: int | None) -> AppealVersion:
    """Save the builder as the next version. `based_on` is the version the user loaded (0 for
    none): if someone saved since, refuse rather than silently replace their work."""
    appeal = _locked_appeal(appeal)
    latest = appeal.versions.order_by("-number").values_list("number", flat=True).first() or 0
    if based_on is not None and based_on != latest:
        raise ClaimConflict(
            _(
                "Someone else saved version %(number)s of this appeal while you were editing. "
                "Reload it to see their change, then try again."
            )
            % {"number": latest}
        )
    draft = _clean_draft(appeal, draft)
    version = AppealVersion.objects.create(
        appeal=appeal, number=latest + 1, facts=draft.facts, conclusion=draft.conclusion, saved_by=by
    )
    AppealEvidence.objects.bulk_create(
        [
            AppealEvidence(version=version, item_id=item_id, position=n, caption=caption[:500])
            for n, (item_id, caption) in enumerate(draft.evidence, 1)
        ]
    )
    record(
        appeal.claim,
        Action.APPEAL_SAVED,
        by=by,
        appeal_kind=appeal.kind,
        appeal=appeal.pk,
        version=version.number,
        facts=len(draft.facts),
        items=len(draft.evidence),
    )
    return version


@transaction.atomic
def appeal_submit(
    *, appeal: Appeal, version: AppealVersion, where: str, by, at: datetime | None = None
) -> Appeal:
    """Record that this version went to the platform: the appeal freezes, and every evidence
    item it shows is locked in the vault (it can no longer be deleted)."""
    appeal = _locked_appeal(appeal)
    if version.appeal_id != appeal.pk:
        raise ClaimError(_("Choose a version of this appeal."))
    where = where.strip()
    if not where:
        raise ClaimError(_("Say where the appeal was submitted (e.g. “Seller Central A-to-Z form”)."))
    at = at or timezone.now()
    if at > timezone.now() + timedelta(minutes=5):
        raise ClaimError(_("The submission time cannot be in the future."))
    rows = list(version.evidence.select_related("item"))
    text = checked_text(version.facts, [row.caption for row in rows], version.conclusion)
    if policy.blocking(policy.check(text, appeal.store.platform, context="appeal")):
        raise ClaimError(
            _(
                "Version %(number)s breaks the appeal policy (see the findings): fix it in a new "
                "version before submitting."
            )
            % {"number": version.number}
        )
    appeal.submitted_version, appeal.submitted_at = version, at
    appeal.submitted_where, appeal.submitted_by = where[:200], by
    appeal.save(update_fields=["submitted_version", "submitted_at", "submitted_where", "submitted_by"])
    reason = _("Submitted with appeal #%(appeal)s, version %(number)s") % {
        "appeal": appeal.pk,
        "number": version.number,
    }
    for row in rows:
        evidence_lock(item=row.item, reason=reason, by=by, appeal=appeal.pk, version=version.number)
    record(
        appeal.claim,
        Action.APPEAL_SUBMITTED,
        by=by,
        at=at,
        appeal_kind=appeal.kind,
        appeal=appeal.pk,
        version=version.number,
        where=appeal.submitted_where,
    )
    return appeal


@transaction.atomic
def appeal_decide(
    *, appeal: Appeal, decision: str, funding: str, by, decided_at: datetime | None = None, note: str = ""
) -> Appeal:
    """The platform's answer. The claim's own outcome is still set by closing it (with its
    post-mortem) on the claim page; this records what the platform said about the appeal."""
    appeal = Appeal.objects.select_for_update().select_related("claim").get(pk=appeal.pk)
    if not may_decide_appeal(by, appeal):
        raise ClaimError(_("Only a manager of the store can record the platform's decision."))
    if not appeal.is_submitted:
        raise ClaimError(_("Record the submission before the platform's decision."))
    if appeal.is_decided:
        raise ClaimError(_("The decision on this appeal is already recorded."))
    if decision not in AppealDecision.values:
        raise ClaimError(_("Choose the platform's decision."))
    if decision == AppealDecision.LOST and funding not in Funding.values:
        raise ClaimError(_("Say who funds the refund: the seller or the platform."))
    decided_at = decided_at or timezone.now()
    assert appeal.submitted_at is not None  # is_submitted above
    if decided_at < appeal.submitted_at:
        raise ClaimError(_("The decision cannot come before the submission."))
    appeal.decision = decision
    appeal.funding = funding if decision == AppealDecision.LOST else ""
    appeal.decided_at, appeal.decided_by, appeal.decision_note = decided_at, by, note.strip()
    appeal.save(update_fields=["decision", "funding", "decided_at", "decided_by", "decision_note"])
    record(
        appeal.claim,
        Action.APPEAL_DECIDED,
        by=by,
        at=decided_at,
        appeal=appeal.pk,
        decision=appeal.decision,
        funding=appeal.funding or None,
        note=appeal.decision_note,
    )
    claim = Claim.objects.select_related("store", "order").get(pk=appeal.claim_id)
    rules.run(APPEAL_DECIDED, claim, by=by)
    return appeal
