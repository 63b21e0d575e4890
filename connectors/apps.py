from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectorsConfig(AppConfig):
    name = "connectors"
    verbose_name = _("Marketplace connectors")

    def ready(self) -> None:
        from django.db import transaction

        from disputes import setaside
        from disputes.models import SetAsideKind

        from . import outbox, tasks

        # A record set aside is written again from what the platform gave (connectors/sync.py).
        setaside.register(
            SetAsideKind.CONNECTOR_RECORD,
            retry=lambda pk: transaction.on_commit(lambda: tasks.write_again.delay(pk)),
            url=_connection_url,
        )
        # An action refused by a marketplace (or given up) is pending again (connectors/outbox.py).
        setaside.register(SetAsideKind.PLATFORM_ACTION, retry=outbox.send_again, url=outbox.action_url)


def _connection_url(failed_id: int) -> str | None:
    from django.urls import reverse

    from .models import FailedRecord

    store_id = (
        FailedRecord.objects.filter(pk=failed_id).values_list("connection__store_id", flat=True).first()
    )
    return reverse("connectors:connection", args=[store_id]) if store_id else None
