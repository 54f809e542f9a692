from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "innopoints.api"
    verbose_name = _("机构接口")

    def ready(self) -> None:
        # the menu entries register; the filings and claims router mounts (api/programmes.py),
        # and the source departments' data exchange (api/exchange.py)
        from innopoints.api import exchange, menu, programmes  # noqa: F401, PLC0415
