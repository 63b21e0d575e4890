from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "appeals"
    verbose_name = _("Appeals")

    def ready(self) -> None:
        from disputes import demo, rules, timeline

        from . import fonts, services  # noqa: F401  (fonts registers the font check)
        from .demo import seed_demo_appeals
        from .models import AppealDecision, AppealKind, Funding

        demo.register(seed_demo_appeals)
        rules.register_trigger(services.APPEAL_DECIDED, _("an appeal is decided"))
        timeline.register_choices(appeal_kind=AppealKind, decision=AppealDecision, funding=Funding)
