from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LendingConfig(AppConfig):
    name = "innopoints.lending"
    verbose_name = _("融资申请")
