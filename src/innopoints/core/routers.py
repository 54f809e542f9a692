"""Reports and statistics read from a replica when one is configured.

``DATABASE_REPLICA_URL`` adds the ``replica`` database; code that only reads finished results
(statistics, exports) runs inside ``reports()``, and its reads go to the replica. Everything
else — every write, every read outside ``reports()``, every read when no replica is
configured — uses ``default``. A finished run never changes, so a replica a few seconds behind
serves the same figures. Callers load the run itself from the primary and only the figures over
its results inside ``reports()``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

REPLICA = "replica"
_reading_reports: ContextVar[bool] = ContextVar("innopoints_reports", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def reports() -> Iterator[None]:
    """Reads inside go to the replica, when one is configured."""
    token = _reading_reports.set(True)
    try:
        yield
    finally:
        _reading_reports.reset(token)


class ReplicaRouter:
    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if _reading_reports.get() and replica_configured():
            return REPLICA
        return "default"

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db == "default"
