from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Sign-in security")

    def ready(self) -> None:
        from . import audit  # noqa: F401  (records sign-in failures and successes)
