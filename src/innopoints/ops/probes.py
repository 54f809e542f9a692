"""Probes of the services the platform needs, shared by /readyz and ``check-deploy``: each
returns (ok, detail) and never raises; details name the problem, never a password."""

from __future__ import annotations

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

Probe = tuple[bool, str]


def database(alias: str = DEFAULT_DB_ALIAS) -> Probe:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return False, f"{type(exc).__name__}: {_first_line(exc)}"
    return True, connections[alias].vendor


def migrations(alias: str = DEFAULT_DB_ALIAS) -> Probe:
    try:
        executor = MigrationExecutor(connections[alias])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return False, f"{type(exc).__name__}: {_first_line(exc)}"
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in plan[:5])
        more = f" (+{len(plan) - 5} more)" if len(plan) > 5 else ""
        return False, f"{len(plan)} unapplied: {names}{more}"
    return True, "all applied"


def broker() -> Probe:
    """The Celery broker answers (a Redis PING); ok and "not configured" without one (jobs
    then run in the web process)."""
    url = getattr(settings, "CELERY_BROKER_URL", "")
    if not url:
        return True, "not configured (jobs run in-process)"
    try:
        from kombu import Connection  # noqa: PLC0415 - only with a broker

        with Connection(url, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return False, f"{type(exc).__name__}: {_first_line(exc)}"
    return True, "reachable"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else ""
