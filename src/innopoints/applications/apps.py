from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "innopoints.applications"
    verbose_name = _("积分应用")
