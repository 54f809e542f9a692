from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "innopoints.scoring"
    verbose_name = _("积分测算")

    def ready(self) -> None:
        from innopoints.scoring import menu  # noqa: F401, PLC0415 - the menu entries register
        from innopoints.scoring.schemes import sync_builtin_schemes  # noqa: PLC0415 - app ready

        post_migrate.connect(sync_builtin_schemes, sender=self)
        # the Celery tasks and the worker start-up sweep of interrupted runs
        from innopoints.scoring import job_rows, tasks  # noqa: F401, PLC0415 - app ready
