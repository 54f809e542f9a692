from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    name = "innopoints.analysis"
    verbose_name = _("汇集分析与应用")

    def ready(self) -> None:
        from innopoints.analysis.receivers import evaluate_pools  # noqa: PLC0415 - app ready
        from innopoints.scoring.signals import run_scored  # noqa: PLC0415

        run_scored.connect(evaluate_pools, dispatch_uid="analysis.pools")
        # the Celery tasks (and the worker start-up sweep of interrupted work)
        from innopoints.analysis import job_rows, menu, tasks  # noqa: F401, PLC0415 - app ready
