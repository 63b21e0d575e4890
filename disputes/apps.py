from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Disputes")

    def ready(self) -> None:
        from . import rule_tasks, signals  # noqa: F401  (rule_tasks: Celery finds only tasks.py by itself)
