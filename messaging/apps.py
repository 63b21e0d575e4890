from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        from django.db import transaction
        from django.urls import reverse

        from disputes import setaside
        from disputes.models import SetAsideKind

        from . import signals  # noqa: F401
        from .tasks import refile_mail

        # A mail set aside is filed again from the raw mail the unmatched list keeps.
        setaside.register(
            SetAsideKind.INBOUND_MAIL,
            retry=lambda pk: transaction.on_commit(lambda: refile_mail.delay(pk)),
            url=lambda _pk: reverse("messaging:unmatched"),
        )
