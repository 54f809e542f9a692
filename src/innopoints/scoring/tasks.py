"""Background work for runs: a Celery task (production: Redis broker), or a thread in the
embedded default so the demo needs no broker."""

from __future__ import annotations

import threading

from celery import shared_task
from django.conf import settings
from django.db import connection

from innopoints.scoring.execution import execute
from innopoints.scoring.models import Run


@shared_task(name="innopoints.scoring.execute_run", acks_late=True)
def execute_run(run_id: int) -> str:
    run = Run.objects.select_related("scheme_version", "region").get(pk=run_id)
    return execute(run).status


def _in_thread(run_id: int) -> None:
    try:
        execute_run(run_id)
    finally:
        connection.close()


def dispatch(run: Run) -> None:
    """Queue the run: on the broker when one is configured, else in-process."""
    if getattr(settings, "CELERY_BROKER_URL", ""):
        result = execute_run.delay(run.pk)
        Run.objects.filter(pk=run.pk).update(task_id=result.id)
    elif getattr(settings, "INNOPOINTS_JOBS_IN_BACKGROUND", True):
        threading.Thread(
            target=_in_thread, args=(run.pk,), daemon=True, name=f"run-{run.pk}"
        ).start()
    else:
        execute_run(run.pk)
