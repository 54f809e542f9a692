from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "innopoints.programmes"
    verbose_name = _("风险补偿与奖补")

    def ready(self) -> None:
        from innopoints.programmes import menu  # noqa: F401, PLC0415 - the menu entries register
