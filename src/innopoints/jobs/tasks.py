"""The Celery tasks of work split over workers. All acknowledge late and are rejected (sent
again) when their worker process dies; each is safe to run twice (see docs/scale-out-and-
faults.md)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from innopoints.jobs import dossiers, imports, queue, run_parts

RELIABLE: dict[str, Any] = {"bind": True, "acks_late": True, "reject_on_worker_lost": True}


@shared_task(name=run_parts.TASK, **RELIABLE)
def run_part(self: Any, run_id: int, attempt: int, part: str) -> str:
    return run_parts.carry_out(run_id, attempt, part, self.request.hostname or "?")


@shared_task(name=imports.TASK, **RELIABLE)
def run_import(self: Any, token: str, attempt: int) -> str:
    return imports.carry_out(token, attempt, self.request.hostname or "?")


@shared_task(name=dossiers.TASK, **RELIABLE)
def dossier_chunk(self: Any, chunk_id: int) -> str:
    return dossiers.render_chunk(chunk_id, self.request.hostname or "?")


@shared_task(name="innopoints.jobs.redispatch")
def redispatch() -> int:
    """Periodic (beat): send the tasks that waited for the broker."""
    return queue.flush()
