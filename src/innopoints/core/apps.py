from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "innopoints.core"
    verbose_name = _("后台任务")

    def ready(self) -> None:
        # the redispatch task and the worker start-up sweep, registered with Celery
        from innopoints.core import tasks, worker  # noqa: F401, PLC0415 - app ready
