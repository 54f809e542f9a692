from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The site's frame: base template, error pages, menu, shell assets (no models)."""

    name = "innopoints.site"
    label = "innopoints_site"
    verbose_name = _("企业创新积分信息管理平台")

    def ready(self) -> None:
        from innopoints.accounts.models import Role  # noqa: PLC0415 - app ready
        from innopoints.core.menu import register  # noqa: PLC0415

        register(Role.ADMIN, _("平台管理"), "admin:index", order=110)  # Django's admin site
