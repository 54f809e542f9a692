from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "innopoints.targets"
    verbose_name = _("目标与融资漏斗")

    def ready(self) -> None:
        from innopoints.applications.match_and_push import matching_finished  # noqa: PLC0415
        from innopoints.audit import watch  # noqa: PLC0415
        from innopoints.targets import menu  # noqa: F401, PLC0415 - the menu entries register
        from innopoints.targets.rollup import on_matching_finished  # noqa: PLC0415

        watch.exclude("targets.matchrollup")  # derived from a run's matches, as its results
        watch.exclude("targets.batchdivision")  # derived from a batch's values
        matching_finished.connect(on_matching_finished, dispatch_uid="targets.rollup")
