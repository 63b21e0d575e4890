from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        from django.db import transaction
        from django.urls import reverse

        from disputes import demo, digest, search, setaside, sweep, timeline
        from disputes.models import SetAsideKind

        from . import automation, signals, sla, tasks  # noqa: F401 (signals connect on import)
        from .demo import seed_demo_messaging
        from .digest import replies_waiting
        from .models import OffPlatformReason, Purpose
        from .search import find_messages

        automation.register()
        demo.register(seed_demo_messaging)
        search.register("messages", _("Messages"), find_messages)
        digest.register(replies_waiting)

        timeline.register_choices(purpose=Purpose, off_platform_reason=OffPlatformReason)
        # A manager's retry: the message is due again at once and a sweep is queued.
        setaside.register(
            SetAsideKind.MESSAGE_ALERTS,
            url=sla.REPLIES.url,
            retry=lambda pk: sweep.put_back(sla.REPLIES, pk, tasks.sweep_reply_alerts),
        )
        # A mail set aside is filed again from the raw mail the unmatched list keeps.
        setaside.register(
            SetAsideKind.INBOUND_MAIL,
            retry=lambda pk: transaction.on_commit(lambda: tasks.refile_mail.delay(pk)),
            url=lambda _pk: reverse("messaging:unmatched"),
        )
