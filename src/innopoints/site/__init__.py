"""The Django project: settings, urls, the Celery application — and the site shell every page
shares (base template, menu, error pages, names of codes, paging)."""

from innopoints.site.celery import app as celery_app

__all__ = ["celery_app"]
