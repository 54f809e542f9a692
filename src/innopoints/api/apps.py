from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "innopoints.api"
    verbose_name = _("机构接口")

    def ready(self) -> None:
        from innopoints.api import menu  # noqa: F401, PLC0415 - the menu entries register
