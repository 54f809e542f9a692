"""The Celery beat schedule (``celery -A innopoints.site.celery beat``): the nightly jobs of
``periodic.py`` at ``INNOPOINTS_NIGHTLY_HOUR`` (default 02:00, the platform's time zone).
Without Celery, cron runs the same jobs: ``innopoints manage run_periodic NAME``."""

from __future__ import annotations

import os
from typing import Any

from celery.schedules import crontab

MATCHING = "innopoints.ops.nightly_matching"
EXPIRY = "innopoints.ops.expire_authorisations"
# tasks kept while the broker was down (core/tasks.py; a literal: celery.py loads this before
# Django's apps are ready)
REDISPATCH = "innopoints.jobs.redispatch"
# reminders of financing applications past their step's deadline (lending/reminders.py)
LENDING_REMINDERS = "innopoints.lending.remind_overdue"
# reminders of enterprise disputes past their deadline (collection/disputes.py)
DISPUTE_REMINDERS = "innopoints.collection.remind_overdue_disputes"
# the sources' endpoints due for a scheduled pull (collection/pulls.py)
PULLS = "innopoints.collection.pull_due_sources"
# deliveries past their due day: a finding and an e-mail to the source (targets/deliveries.py)
LATE_DELIVERIES = "innopoints.ops.flag_late_deliveries"
PULL_EVERY_SECONDS = 300.0


def beat_schedule() -> dict[str, dict[str, Any]]:
    hour = int(os.environ.get("INNOPOINTS_NIGHTLY_HOUR", "2"))
    if not 0 <= hour <= 23:
        raise ValueError(f"INNOPOINTS_NIGHTLY_HOUR must be 0–23, not {hour}")
    return {
        "authorisation-expiry": {"task": EXPIRY, "schedule": crontab(hour=hour, minute=0)},
        "nightly-matching": {"task": MATCHING, "schedule": crontab(hour=hour, minute=15)},
        "lending-reminders": {
            "task": LENDING_REMINDERS,
            "schedule": crontab(hour=hour, minute=30),
        },
        "dispute-reminders": {
            "task": DISPUTE_REMINDERS,
            "schedule": crontab(hour=hour, minute=45),
        },
        "late-deliveries": {"task": LATE_DELIVERIES, "schedule": crontab(hour=hour, minute=50)},
        "source-pulls": {"task": PULLS, "schedule": PULL_EVERY_SECONDS},
        "redispatch-waiting-jobs": {"task": REDISPATCH, "schedule": 60.0},
    }
