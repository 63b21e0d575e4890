from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectorsConfig(AppConfig):
    name = "connectors"
    verbose_name = _("Marketplace connectors")

    def ready(self) -> None:
        from django.db import transaction

        from disputes import setaside
        from disputes.models import SetAsideKind

        from . import tasks

        # A record set aside is written again from what the platform gave (connectors/sync.py).
        setaside.register(
            SetAsideKind.CONNECTOR_RECORD,
            retry=lambda pk: transaction.on_commit(lambda: tasks.write_again.delay(pk)),
        )
