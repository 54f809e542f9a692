from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LendingConfig(AppConfig):
    name = "innopoints.lending"
    verbose_name = _("融资申请")

    def ready(self) -> None:
        # the menu entries and the Celery task (reminders) register
        from innopoints.lending import menu, tasks  # noqa: F401, PLC0415 - app ready
