from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Disputes")

    def ready(self) -> None:
        from django.conf import settings
        from django.db import transaction

        # signals connect on import; Celery finds only tasks.py by itself, so rule_tasks is named.
        from . import alerts, chat, outbox, rule_tasks, rule_views, rules, setaside, signals, sweep, tasks  # noqa: F401
        from .models import SetAsideKind

        # A manager's retry puts the item back in its loop: the claim is due again at once and
        # a sweep is queued; the e-mail is due again at once and a send queued (what was sent
        # stays sent).
        setaside.register(
            SetAsideKind.CLAIM_ALERTS,
            url=alerts.CLAIMS.url,
            retry=lambda pk: sweep.put_back(alerts.CLAIMS, pk, tasks.sweep_claim_alerts),
        )
        setaside.register(
            SetAsideKind.CLAIM_DEADLINE,
            url=alerts.CLAIMS.url,
            retry=lambda pk: transaction.on_commit(
                lambda: rule_tasks.recompute_claim.apply_async(args=[pk], queue=settings.DEADLINE_TASK_QUEUE)
            ),
        )
        setaside.register(
            SetAsideKind.ALERT_EMAIL,
            url=outbox.notification_url,
            retry=lambda pk: outbox.email_again(pk, tasks.send_alert_emails),
        )
        # A rule that failed is fixed by editing it; a retry then has the worker run it again on
        # each event it failed on (an action it has made since is not made twice).
        setaside.register(
            SetAsideKind.RULE,
            url=lambda pk: rule_views.rule_url(pk),
            retry=lambda pk: rules.queue_retry(pk, tasks.retry_rule_failures),
        )
        setaside.register(
            SetAsideKind.CHAT_MESSAGE,
            url=chat.delivery_url,
            retry=lambda pk: chat.send_again(pk, tasks.send_chat_messages),
        )
