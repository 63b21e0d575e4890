from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API and webhooks")

    def ready(self) -> None:
        # The events that webhooks announce connect on import; Celery finds tasks.py itself.
        from disputes import setaside
        from disputes.models import SetAsideKind
        from evidence import uploads

        from . import events, schema, tasks, webhooks  # noqa: F401

        # A manager's retry from /set-aside/: the delivery is due again at once.
        setaside.register(SetAsideKind.WEBHOOK_DELIVERY, retry=webhooks.send_again, url=webhooks.delivery_url)
        # An evidence upload through the API is judged from its first bytes like the page's.
        uploads.UPLOAD_VIEWS.add("api:order-evidence-list")
