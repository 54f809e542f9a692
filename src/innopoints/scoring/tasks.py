"""Background work for runs: a Celery task (production: Redis broker), or a thread in the
embedded default so the demo needs no broker."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from innopoints.jobs.inprocess import run_in_process
from innopoints.scoring import robustness
from innopoints.scoring.execution import execute
from innopoints.scoring.models import RobustnessAnalysis, Run


@shared_task(name="innopoints.scoring.execute_run", acks_late=True)
def execute_run(run_id: int) -> str:
    run = Run.objects.select_related("scheme_version", "region").get(pk=run_id)
    if run.status in {"done", "cancelled"}:  # delivered again after it finished
        return run.status
    return execute(run).status


def dispatch(run: Run) -> bool:
    """Queue the run: on the broker when one is configured (in parts that any worker may take,
    ``jobs.run_parts``), else in-process. False when the broker is down: the run waits."""
    if getattr(settings, "CELERY_BROKER_URL", ""):
        from innopoints.jobs import run_parts  # noqa: PLC0415 - the jobs app imports Run

        return run_parts.start(run)
    run_in_process(execute_run, run.pk, name=f"run-{run.pk}")
    return True


@shared_task(name="innopoints.scoring.analyse_robustness", acks_late=True)
def analyse_robustness(analysis_id: int) -> str:
    analysis = RobustnessAnalysis.objects.select_related("run__scheme_version").get(pk=analysis_id)
    if analysis.status in {"done", "failed"}:  # delivered again after it finished
        return analysis.status
    return robustness.execute(analysis).status


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
    run_in_process(analyse_robustness, analysis_id, name=f"robustness-{analysis_id}")
    return True
