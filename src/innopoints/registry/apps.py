from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "innopoints.registry"
    verbose_name = "企业登记与参考数据"
