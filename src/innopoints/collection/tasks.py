"""The Celery face of collection: an import run on a worker, and the worker start-up sweep of
interrupted imports."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from innopoints.collection import background_imports, disputes, pulls
from innopoints.collection.models import ImportJob
from innopoints.core.worker import takes_back


@shared_task(name=background_imports.TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
def run_import(self: Any, token: str, attempt: int) -> str:
    return background_imports.carry_out(token, attempt, self.request.hostname or "?")


@takes_back("imports")
def take_back_imports(hostname: str) -> int:
    """Import again as a new attempt (the killed attempt left nothing: one transaction)."""
    taken = 0
    for job in ImportJob.objects.filter(worker=hostname, status="running"):
        background_imports.retry(job)
        taken += 1
    return taken


@shared_task(name=disputes.TASK)
def remind_overdue_disputes() -> int:
    return disputes.remind_overdue()


@shared_task(name=pulls.TASK)
def pull_due_sources() -> int:
    """The scheduled pulls that are due (beat, every few minutes): how many were tried."""
    return len(pulls.pull_due())
