"""Background work for runs: a Celery task (production: Redis broker), or a thread in the
embedded default so the demo needs no broker."""

from __future__ import annotations

import threading

from celery import shared_task
from django.conf import settings
from django.db import connection

from innopoints.scoring import robustness
from innopoints.scoring.execution import execute
from innopoints.scoring.models import RobustnessAnalysis, Run


@shared_task(name="innopoints.scoring.execute_run", acks_late=True)
def execute_run(run_id: int) -> str:
    run = Run.objects.select_related("scheme_version", "region").get(pk=run_id)
    if run.status in {"done", "cancelled"}:  # delivered again after it finished
        return run.status
    return execute(run).status


def _in_thread(run_id: int) -> None:
    try:
        execute_run(run_id)
    finally:
        connection.close()


def dispatch(run: Run) -> bool:
    """Queue the run: on the broker when one is configured (in parts that any worker may take,
    ``jobs.run_parts``), else in-process. False when the broker is down: the run waits."""
    if getattr(settings, "CELERY_BROKER_URL", ""):
        from innopoints.jobs import run_parts  # noqa: PLC0415 - the jobs app imports Run

        return run_parts.start(run)
    if getattr(settings, "INNOPOINTS_JOBS_IN_BACKGROUND", True):
        threading.Thread(
            target=_in_thread, args=(run.pk,), daemon=True, name=f"run-{run.pk}"
        ).start()
    else:
        execute_run(run.pk)
    return True


@shared_task(name="innopoints.scoring.analyse_robustness", acks_late=True)
def analyse_robustness(analysis_id: int) -> str:
    analysis = RobustnessAnalysis.objects.select_related("run__scheme_version").get(pk=analysis_id)
    if analysis.status in {"done", "failed"}:  # delivered again after it finished
        return analysis.status
    return robustness.execute(analysis).status


def _robustness_in_thread(analysis_id: int) -> None:
    try:
        analyse_robustness(analysis_id)
    finally:
        connection.close()


def dispatch_robustness(analysis_id: int) -> bool:
    """Start a robustness analysis like a run: on the broker when one is configured (kept
    for later when it does not answer: False), else in a thread, or inline in tests."""
    if getattr(settings, "CELERY_BROKER_URL", ""):
        from innopoints.jobs import queue  # noqa: PLC0415 - the jobs app imports Run

        task_id = queue.send("innopoints.scoring.analyse_robustness", [analysis_id])
        if task_id is None:
            return False
        RobustnessAnalysis.objects.filter(pk=analysis_id).update(task_id=task_id)
        return True
    if getattr(settings, "INNOPOINTS_JOBS_IN_BACKGROUND", True):
        threading.Thread(
            target=_robustness_in_thread,
            args=(analysis_id,),
            daemon=True,
            name=f"robustness-{analysis_id}",
        ).start()
    else:
        analyse_robustness(analysis_id)
    return True
