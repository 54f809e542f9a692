from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "innopoints.jobs"
    verbose_name = _("后台任务")

    def ready(self) -> None:
        # registers the tasks and the worker start-up sweep with the Celery app
        from innopoints.jobs import tasks, worker  # noqa: F401, PLC0415 - app ready
