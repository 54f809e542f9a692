from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "innopoints.registry"
    verbose_name = _("企业登记与参考数据")
