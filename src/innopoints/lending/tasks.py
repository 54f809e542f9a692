"""Celery tasks of 融资申请 (registered when the app is ready)."""

from __future__ import annotations

from celery import shared_task

from innopoints.lending import reminders


@shared_task(name=reminders.TASK)
def remind_overdue_task() -> int:
    return reminders.remind_overdue()
