"""The Celery application. Production: ``CELERY_BROKER_URL=redis://host:6379/0`` and workers
started with ``celery -A innopoints.site.celery worker``; without a broker, jobs run in-process."""

from __future__ import annotations

import os

from celery import Celery

from innopoints.ops.schedule import beat_schedule

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "innopoints.site.settings")

app = Celery("innopoints")
app.config_from_object("django.conf:settings", namespace="CELERY")
# each app's tasks.py, registered by its AppConfig.ready() (and found here on workers)
app.autodiscover_tasks()
# periodic jobs (ops/periodic.py), started by `celery -A innopoints.site.celery beat`
app.conf.beat_schedule = beat_schedule()
app.autodiscover_tasks(["innopoints.ops"], related_name="periodic")
