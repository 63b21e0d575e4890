from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        from disputes import claim_page, demo, setaside, timeline
        from disputes.models import SetAsideKind

        from . import automation, selectors, services
        from .demo import seed_demo_evidence
        from .models import CapturedFrom, EvidenceKind

        automation.register()
        claim_page.add_timeline_source(selectors.claim_timeline)
        demo.register(seed_demo_evidence)
        timeline.register_choices(
            evidence_kind=EvidenceKind, was_evidence_kind=EvidenceKind, captured_from=CapturedFrom
        )
        setaside.register(SetAsideKind.EVIDENCE_PREVIEW, retry=services.previews_retry, url=services.item_url)
        setaside.register(
            SetAsideKind.EVIDENCE_FINGERPRINT, retry=services.fingerprint_retry, url=services.item_url
        )
