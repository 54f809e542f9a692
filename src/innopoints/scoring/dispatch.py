"""Starting a run or a robustness analysis in the background: on the broker when one is
configured (a run in parts that any worker may take, ``run_parts``), else in a thread of the
embedded default so the demo needs no broker (inline in the tests)."""

from __future__ import annotations

from django.conf import settings

from innopoints.core import queue
from innopoints.core.background import run_in_process
from innopoints.scoring import robustness, run_parts
from innopoints.scoring.execution import execute
from innopoints.scoring.models import RobustnessAnalysis, Run

ANALYSE_ROBUSTNESS = "innopoints.scoring.analyse_robustness"


def execute_run(run_id: int) -> str:
    run = Run.objects.select_related("scheme_version", "region").get(pk=run_id)
    if run.status in {"done", "cancelled"}:  # delivered again after it finished
        return run.status
    return execute(run).status


def dispatch(run: Run) -> bool:
    """Queue the run; False when the broker is down: the run waits."""
    if getattr(settings, "CELERY_BROKER_URL", ""):
        return run_parts.start(run)
    run_in_process(execute_run, run.pk, name=f"run-{run.pk}")
    return True


def analyse_robustness(analysis_id: int) -> str:
    analysis = RobustnessAnalysis.objects.select_related("run__scheme_version").get(pk=analysis_id)
    if analysis.status in {"done", "failed"}:  # delivered again after it finished
        return analysis.status
    return robustness.execute(analysis).status


def dispatch_robustness(analysis_id: int) -> bool:
    """Start a robustness analysis like a run (kept for later when the broker does not answer:
    False)."""
    if getattr(settings, "CELERY_BROKER_URL", ""):
        task_id = queue.send(ANALYSE_ROBUSTNESS, [analysis_id])
        if task_id is None:
            return False
        RobustnessAnalysis.objects.filter(pk=analysis_id).update(task_id=task_id)
        return True
    run_in_process(analyse_robustness, analysis_id, name=f"robustness-{analysis_id}")
    return True
