from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "appeals"
    verbose_name = _("Appeals")

    def ready(self) -> None:
        from disputes import demo

        from .demo import seed_demo_appeals

        demo.register(seed_demo_appeals)
