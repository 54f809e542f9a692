from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    name = "innopoints.onboarding"
    verbose_name = _("企业自助注册")

    def ready(self) -> None:
        from innopoints.onboarding import menu  # noqa: F401, PLC0415 - the menu entries register
