"""Sending tasks to the broker without ever failing a page: when Redis does not answer, the
task is kept in ``QueuedTask`` and sent when it answers again (the next successful send, a
worker starting, the periodic ``innopoints.jobs.redispatch`` of core/tasks.py, or
``manage redispatch_jobs``)."""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from innopoints.core.models import QueuedTask

log = logging.getLogger(__name__)

BROKER_DOWN = gettext_noop("任务队列暂不可用，任务已排队，队列恢复后将自动开始")
"""What the user sees on a job that waits for the broker (stored untranslated)."""

# a page waits at most about a second for the broker before keeping the task for later
RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}


def _send(task: str, args: list[Any]) -> str:
    # the project's Celery app (innopoints.site.celery), current once Django is configured
    result = current_app.send_task(task, args=args, retry=True, retry_policy=RETRY_POLICY)
    return str(result.id)


def send(task: str, args: list[Any]) -> str | None:
    """Send now and return the task id, or keep the task for later and return None."""
    try:
        task_id = _send(task, args)
    except Exception as exc:  # kombu's OperationalError, refused connections, DNS, timeouts
        log.warning("broker unavailable, %s%r kept for later: %s", task, args, exc)
        QueuedTask.objects.create(task=task, args=args, reason=f"{type(exc).__name__}: {exc}")
        return None
    flush()
    return task_id


def send_on_commit(task: str, args: list[Any]) -> None:
    transaction.on_commit(lambda: send(task, args))


def flush() -> int:
    """Send the tasks that waited for the broker, oldest first; stop at the first refusal."""
    sent = 0
    for waiting in QueuedTask.objects.filter(sent_at__isnull=True).order_by("pk")[:1000]:
        # claim the row so two senders never send it twice
        claimed = QueuedTask.objects.filter(pk=waiting.pk, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )
        if not claimed:
            continue
        try:
            _send(waiting.task, list(waiting.args))
        except Exception as exc:
            QueuedTask.objects.filter(pk=waiting.pk).update(
                sent_at=None, reason=f"{type(exc).__name__}: {exc}"
            )
            break
        sent += 1
    if sent:
        log.info("sent %d task(s) that waited for the broker", sent)
    return sent


def waiting() -> int:
    return QueuedTask.objects.filter(sent_at__isnull=True).count()
