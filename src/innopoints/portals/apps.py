from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalsConfig(AppConfig):
    name = "innopoints.portals"
    verbose_name = _("门户")

    def ready(self) -> None:
        from innopoints.portals import menu  # noqa: F401, PLC0415 - the menu entries register
