from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionConfig(AppConfig):
    name = "innopoints.collection"
    verbose_name = _("数据采集治理")

    def ready(self) -> None:
        from django.db.models.signals import post_save  # noqa: PLC0415

        from innopoints.collection import menu  # noqa: F401, PLC0415 - the menu entries register
        from innopoints.collection.models import ImportBatch  # noqa: PLC0415
        from innopoints.collection.quality_warm import batch_saved  # noqa: PLC0415

        # the quality report computed ahead once a batch is committed (background jobs only)
        post_save.connect(batch_saved, sender=ImportBatch, dispatch_uid="quality-warm")
        # the Celery tasks (and the worker start-up sweep of interrupted work)
        from innopoints.collection import job_rows, tasks  # noqa: F401, PLC0415 - app ready
