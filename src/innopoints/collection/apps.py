from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "innopoints.collection"
    verbose_name = "数据采集治理"
