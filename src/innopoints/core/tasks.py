"""The Celery task of the shared machinery."""

from __future__ import annotations

from celery import shared_task

from innopoints.core import queue

# the name is kept from the former jobs app: tasks waiting in QueuedTask and beat name it
REDISPATCH = "innopoints.jobs.redispatch"


@shared_task(name=REDISPATCH)
def redispatch() -> int:
    """Periodic (beat): send the tasks that waited for the broker."""
    return queue.flush()
