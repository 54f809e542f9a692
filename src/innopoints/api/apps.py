from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "innopoints.api"
    verbose_name = _("机构接口")

    def ready(self) -> None:
        # the filings and claims endpoints add their router to the API (api/programmes.py)
        from innopoints.api import (
            menu,  # noqa: F401 - the menu entries register
            programmes,  # noqa: F401
        )
