from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _search_index(using: str = "default", **_kwargs: Any) -> None:
    from django.db import connections  # noqa: PLC0415

    from innopoints.registry.search_index import ensure_index  # noqa: PLC0415

    ensure_index(connections[using], postgres=False)


class RegistryConfig(AppConfig):
    name = "innopoints.registry"
    verbose_name = _("企业登记与参考数据")

    def ready(self) -> None:
        # SQLite drops a table's triggers when a migration rebuilds it: put them back
        post_migrate.connect(_search_index, sender=self, dispatch_uid="registry-search-index")
