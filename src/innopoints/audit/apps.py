from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "innopoints.audit"
    verbose_name = _("审计日志")

    def ready(self) -> None:
        from innopoints.audit import guards, receivers  # noqa: PLC0415 - app ready

        receivers.connect_all()
        post_migrate.connect(guards.ensure, sender=self, dispatch_uid="innopoints.audit.guards")
