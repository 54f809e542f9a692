from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "innopoints.targets"
    verbose_name = _("目标与融资漏斗")
