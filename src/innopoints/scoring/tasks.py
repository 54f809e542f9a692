"""The Celery face of scoring: thin tasks over ``dispatch`` and ``run_parts``, all safe to run
twice (see docs/scale-out-and-faults.md), and the worker start-up sweep of interrupted runs."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from innopoints.core.worker import takes_back
from innopoints.scoring import dispatch, run_parts
from innopoints.scoring.models import RunJob, RunPart

RELIABLE: dict[str, Any] = {"bind": True, "acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="innopoints.scoring.execute_run", acks_late=True)
def execute_run(run_id: int) -> str:
    return dispatch.execute_run(run_id)


@shared_task(name=dispatch.ANALYSE_ROBUSTNESS, acks_late=True)
def analyse_robustness(analysis_id: int) -> str:
    return dispatch.analyse_robustness(analysis_id)


@shared_task(name=run_parts.TASK, **RELIABLE)
def run_part(self: Any, run_id: int, attempt: int, part: str) -> str:
    return run_parts.carry_out(run_id, attempt, part, self.request.hostname or "?")


@takes_back("runs")
def take_back_runs(hostname: str) -> int:
    """A part still running on this worker's name was interrupted: the run starts again as a
    new attempt (the killed attempt left nothing: each part's writes are one transaction)."""
    taken = 0
    interrupted = RunPart.objects.filter(
        worker=hostname, finished_at__isnull=True, run__status__in=["queued", "running"]
    ).select_related("run")
    for part in interrupted:
        RunPart.objects.filter(pk=part.pk).update(finished_at=timezone.now())
        current = RunJob.objects.filter(run=part.run).values_list("attempt", flat=True).first()
        if current == part.attempt:
            run_parts.restart(part.run)
            taken += 1
    return taken
