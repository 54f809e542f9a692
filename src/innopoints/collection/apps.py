from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionConfig(AppConfig):
    name = "innopoints.collection"
    verbose_name = _("数据采集治理")
