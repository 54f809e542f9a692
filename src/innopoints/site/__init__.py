"""The Django project: settings, urls, the Celery application, the demo."""

from innopoints.site.celery import app as celery_app

__all__ = ["celery_app"]
