from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API and webhooks")

    def ready(self) -> None:
        # The events that webhooks announce connect on import; Celery finds tasks.py itself.
        from . import events, schema, tasks  # noqa: F401
