"""When a worker starts, it takes back what it was doing when it died: a worker's name
(``-n``) is the same after a restart, so a part, import or chunk still marked as running on
that name was interrupted. Runs and imports start again as a new attempt (the killed attempt
left nothing: each is one transaction); PDF chunks are sent again. Then the tasks that waited
for the broker are sent."""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import worker_ready
from django.utils import timezone

from innopoints.jobs import dossiers, imports, queue, run_parts
from innopoints.jobs.models import DossierChunk, ImportJob, RunJob, RunPart

log = logging.getLogger(__name__)


def sweep(hostname: str) -> dict[str, int]:
    counts = {"runs": 0, "imports": 0, "chunks": 0}
    interrupted = RunPart.objects.filter(
        worker=hostname, finished_at__isnull=True, run__status__in=["queued", "running"]
    ).select_related("run")
    for part in interrupted:
        RunPart.objects.filter(pk=part.pk).update(finished_at=timezone.now())
        current = RunJob.objects.filter(run=part.run).values_list("attempt", flat=True).first()
        if current == part.attempt:
            run_parts.restart(part.run)
            counts["runs"] += 1
    for job in ImportJob.objects.filter(worker=hostname, status="running"):
        imports.retry(job)
        counts["imports"] += 1
    for chunk in DossierChunk.objects.filter(worker=hostname, status="running"):
        dossiers.resend(chunk)
        counts["chunks"] += 1
    if any(counts.values()):
        log.warning("worker %s took back interrupted work: %s", hostname, counts)
    return counts


@worker_ready.connect
def on_worker_ready(sender: Any = None, **_: Any) -> None:
    hostname = getattr(sender, "hostname", None)
    try:
        if hostname:
            sweep(hostname)
        queue.flush()
    except Exception:  # a sweep must never stop a worker from starting
        log.exception("start-up sweep of %s failed", hostname)
