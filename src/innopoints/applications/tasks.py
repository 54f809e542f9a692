"""The Celery face of applications: matching a published run and pushing what is new."""

from __future__ import annotations

from celery import shared_task

from innopoints.applications import match_and_push


@shared_task(name=match_and_push.TASK, acks_late=True)
def match_run_task(run_id: int) -> str:
    return match_and_push.match_run(run_id).status
