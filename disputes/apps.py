from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Disputes")

    def ready(self) -> None:
        from . import alerts, outbox, setaside, signals, sweep, tasks  # noqa: F401 (signals connect on import)
        from .models import SetAsideKind

        # A manager's retry puts the item back in its loop: the claim is due again at once and
        # a sweep is queued; the e-mail is due again at once and a send queued (what was sent
        # stays sent).
        setaside.register(SetAsideKind.CLAIM_ALERTS, url=alerts.CLAIMS.url,
                          retry=lambda pk: sweep.put_back(alerts.CLAIMS, pk, tasks.sweep_claim_alerts))
        setaside.register(SetAsideKind.ALERT_EMAIL, url=outbox.notification_url,
                          retry=lambda pk: outbox.email_again(pk, tasks.send_alert_emails))
