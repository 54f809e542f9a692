"""The Celery face of analysis: one chunk of a 一企一档 batch, and the worker start-up sweep
that sends interrupted chunks again."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from innopoints.analysis import dossier_batches
from innopoints.analysis.models import DossierChunk
from innopoints.core.worker import takes_back


@shared_task(name=dossier_batches.TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
def dossier_chunk(self: Any, chunk_id: int) -> str:
    return dossier_batches.render_chunk(chunk_id, self.request.hostname or "?")


@takes_back("chunks")
def take_back_chunks(hostname: str) -> int:
    """PDFs are renamed into place only when complete: a chunk is simply sent again."""
    taken = 0
    for chunk in DossierChunk.objects.filter(worker=hostname, status="running"):
        dossier_batches.resend(chunk)
        taken += 1
    return taken
