"""An abuse report for a platform about a buyer whose claims repeat across orders and stores:
the facts of each claim (dates, amounts, outcomes) and the evidence kept on its order, drafted
calmly, the way DOMAIN.md describes reporting malicious complaints. The team reviews and sends
it through the platform's own form; nothing is sent from here."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import translation
from django.utils.translation import gettext as _

from disputes.access import stores_for
from disputes.dates import moment_text
from disputes.models import Buyer, Claim, Outcome
from evidence.models import EvidenceItem

# Platforms read these reports in English.
REPORT_LANGUAGE = "en"


@dataclass
class ReportedClaim:
    claim: Claim
    evidence: list[EvidenceItem]

    @property
    def outcome_text(self) -> str:
        return str(Outcome(self.claim.outcome).label) if self.claim.outcome else _("still open")


@dataclass
class AbuseReport:
    alias: str
    claims: list[ReportedClaim]

    @property
    def orders(self) -> int:
        return len({item.claim.order_id for item in self.claims})

    @property
    def stores(self) -> int:
        return len({item.claim.store_id for item in self.claims})

    @property
    def first(self) -> datetime | None:
        return min((item.claim.opened_at for item in self.claims), default=None)

    @property
    def last(self) -> datetime | None:
        return max((item.claim.opened_at for item in self.claims), default=None)

    @property
    def won(self) -> int:
        return sum(1 for item in self.claims if item.claim.outcome in Outcome.wins())

    def draft(self) -> str:
        """The report as plain text for the platform's form: facts, then evidence, then the
        request, with no judgement of the buyer beyond the record."""
        with translation.override(REPORT_LANGUAGE):
            return self._draft()

    def _draft(self) -> str:
        day = lambda moment: moment_text(moment.date()) if moment else "—"  # noqa: E731
        lines = [
            _("Report of repeated claims by buyer %(alias)s") % {"alias": self.alias},
            "",
            _(
                "Between %(first)s and %(last)s this buyer opened %(claims)d claims on %(orders)d "
                "orders in %(stores)d of our stores. %(won)d were decided in our favour or withdrawn."
            )
            % {
                "first": day(self.first),
                "last": day(self.last),
                "claims": len(self.claims),
                "orders": self.orders,
                "stores": self.stores,
                "won": self.won,
            },
            "",
            _("Facts:"),
        ]
        for item in self.claims:
            claim = item.claim
            amount = f"{claim.amount} {claim.order.currency}" if claim.amount is not None else "—"
            lines.append(
                _(
                    "- %(opened)s: order %(order)s (%(store)s), bought %(bought)s: %(kind)s, "
                    "%(reason)s, %(amount)s. Outcome: %(outcome)s%(decided)s."
                )
                % {
                    "opened": day(claim.opened_at),
                    "order": claim.order.platform_order_id,
                    "store": claim.store.name,
                    "bought": day(claim.order.purchased_at),
                    "kind": claim.get_kind_display(),
                    "reason": claim.get_reason_display(),
                    "amount": amount,
                    "outcome": item.outcome_text,
                    "decided": (_(", decided %(day)s") % {"day": day(claim.decided_at)})
                    if claim.decided_at
                    else "",
                }
            )
            for evidence in item.evidence:
                lines.append(
                    _("  Evidence: %(kind)s, captured %(captured)s: %(caption)s (SHA-256 %(hash)s)")
                    % {
                        "kind": evidence.get_kind_display(),
                        "captured": day(evidence.captured_at),
                        "caption": evidence.caption or evidence.original_name,
                        "hash": evidence.sha256[:16],
                    }
                )
        lines += [
            "",
            _(
                "We ask you to review this buyer's claims together, as one pattern, and to consider "
                "the record above before deciding any further claim from this account."
            ),
        ]
        return "\n".join(lines)


def abuse_report(user, buyer: Buyer) -> AbuseReport:
    """Every claim of this buyer (by alias) in the user's stores, oldest first, with the
    evidence kept on each claim's order: two queries."""
    claims = list(
        Claim.objects.filter(store__in=stores_for(user), order__buyer__alias=buyer.alias)
        .select_related("order", "store")
        .order_by("opened_at", "pk")
    )
    evidence: dict[int, list[EvidenceItem]] = {}
    for item in (
        EvidenceItem.objects.present()
        .filter(order_id__in={c.order_id for c in claims})
        .order_by("captured_at", "pk")
    ):
        evidence.setdefault(item.order_id, []).append(item)
    return AbuseReport(
        alias=buyer.alias,
        claims=[ReportedClaim(claim=c, evidence=evidence.get(c.order_id, [])) for c in claims],
    )
