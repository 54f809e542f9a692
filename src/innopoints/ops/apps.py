from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "innopoints.ops"
    label = "ops"
    verbose_name = _("运行维护")

    def ready(self) -> None:
        from innopoints.ops import menu  # noqa: F401, PLC0415 - the menu entries register
