"""gunicorn's configuration: ``gunicorn -c python:innopoints.site.gunicorn_conf
innopoints.site.wsgi:application``. Everything from the environment:

- ``INNOPOINTS_BIND`` (``127.0.0.1:8000``; ``0.0.0.0:8000`` behind a load balancer);
- ``GUNICORN_WORKERS`` (processes; default the number of cores) and ``GUNICORN_THREADS``
  (threads per process; default 2): pages are short and CPU-bound, so about one process per
  core, threads to overlap the database round trips;
- ``GUNICORN_TIMEOUT`` (seconds before a stuck worker is replaced; default 60 — long work
  runs on Celery, never in a request);
- ``INNOPOINTS_FORWARDED_ALLOW_IPS``: the load balancers whose X-Forwarded-* are trusted.

Access log lines are JSON like the application's (ops/logs.py), with the request id."""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        number = int(value) if value else default
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from exc
    if number < 1:
        raise ValueError(f"{name} must be at least 1, not {number}")
    return number


bind = os.environ.get("INNOPOINTS_BIND", "127.0.0.1:8000")
workers = _int("GUNICORN_WORKERS", os.cpu_count() or 1)
threads = _int("GUNICORN_THREADS", 2)
worker_class = "gthread"
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
# a worker is replaced after this many requests (bounds slow leaks), staggered
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("INNOPOINTS_FORWARDED_ALLOW_IPS", "127.0.0.1")
# GUNICORN_ACCESS_LOG: a file, "-" for stdout (default), empty for none
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '{"time": "%(t)s", "level": "INFO", "logger": "gunicorn.access", '
    '"request_id": "%({x-request-id}o)s", "method": "%(m)s", "path": "%(U)s", '
    '"status": %(s)s, "bytes": "%(B)s", "ms": %(M)s, "remote": "%(h)s"}'
)
