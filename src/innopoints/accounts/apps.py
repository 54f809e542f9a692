from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "innopoints.accounts"
    verbose_name = _("账户与角色")

    def ready(self) -> None:
        from innopoints.accounts import menu  # noqa: F401, PLC0415 - the menu entries register
