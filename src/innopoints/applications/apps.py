from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "innopoints.applications"
    verbose_name = _("积分应用")

    def ready(self) -> None:
        from django.db.models.signals import post_save  # noqa: PLC0415 - app ready

        from innopoints.analysis.models import Leaderboard  # noqa: PLC0415
        from innopoints.applications import menu  # noqa: F401, PLC0415 - the menu entries register
        from innopoints.applications.receivers import board_saved  # noqa: PLC0415

        post_save.connect(board_saved, sender=Leaderboard, dispatch_uid="applications.matching")
        # the Celery tasks (and the worker start-up sweep of interrupted work)
        from innopoints.applications import job_rows, tasks  # noqa: F401, PLC0415 - app ready
