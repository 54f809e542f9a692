"""Imports on a worker (when a broker is configured): the upload waits in the shared job
directory, the import runs where a worker takes it, its outcome is kept in ``ImportJob``
(progress in the cache, as in-process imports). The import itself is one transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_noop

from innopoints.jobs import queue
from innopoints.jobs.models import ImportJob

TASK = "innopoints.jobs.run_import"
TERMINAL = {"done", "refused", "failed"}


def _directory() -> Path:
    path = Path(settings.INNOPOINTS_SHARED_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def start(
    token: str,
    source_id: int,
    period: str,
    name: str,
    content: bytes,
    user_id: int | None,
    jurisdiction: str | None,
    language: str | None,
) -> None:
    path = _directory() / f"{token}.upload"
    path.write_bytes(content)
    job = ImportJob.objects.create(
        token=token,
        source_id=source_id,
        period=period,
        file_name=name,
        path=str(path),
        user_id=user_id,
        jurisdiction=jurisdiction or "",
        language=language or "",
    )
    send(job)


def send(job: ImportJob) -> bool:
    if queue.send(TASK, [job.token, job.attempt]) is None:
        ImportJob.objects.filter(pk=job.pk).update(status="waiting")
        return False
    return True


def retry(job: ImportJob) -> bool:
    """Import again after the worker died (the killed attempt left nothing: one transaction)."""
    ImportJob.objects.filter(pk=job.pk).update(status="queued", attempt=job.attempt + 1)
    job.refresh_from_db()
    return send(job)


def state(token: str) -> dict[str, Any] | None:
    """The import's state for the progress page, or None when it did not run on a worker."""
    job = ImportJob.objects.filter(token=token).first()
    if job is None:
        return None
    if job.status in TERMINAL:
        return dict(job.state)
    if job.status == "waiting":
        return {"state": "running", "stage": queue.BROKER_DOWN, "fraction": 0.0, "waiting": True}
    if job.status == "queued":
        return {"state": "running", "stage": gettext_noop("排队"), "fraction": 0.0}
    return cache.get(f"import:{token}:state") or {
        "state": "running",
        "stage": gettext_noop("导入中"),
        "fraction": 0.0,
    }


def error_report(token: str) -> bytes | None:
    path = _directory() / f"{token}.errors.xlsx"
    return path.read_bytes() if path.exists() else None


def carry_out(token: str, attempt: int, worker: str) -> str:
    from innopoints.collection import jobs  # noqa: PLC0415 - collection.jobs imports this

    claimed = ImportJob.objects.filter(
        token=token, attempt=attempt, status__in=["queued", "waiting", "running"]
    ).update(status="running", worker=worker)
    if not claimed:
        return "stale"
    job = ImportJob.objects.get(token=token)
    content = Path(job.path).read_bytes()
    jobs.run_in(
        job.language or None,
        token,
        job.source_id,
        job.period,
        job.file_name,
        content,
        job.user_id,
        job.jurisdiction or None,
    )
    outcome = jobs.cached_state(token) or {"state": "failed", "problems": ["?"]}
    report = jobs.cached_error_report(token)
    if report is not None:
        (_directory() / f"{token}.errors.xlsx").write_bytes(report)
    connection.close_if_unusable_or_obsolete()
    ImportJob.objects.filter(pk=job.pk).update(
        status=outcome["state"] if outcome["state"] in TERMINAL else "failed",
        state=outcome,
        finished_at=timezone.now(),
    )
    Path(job.path).unlink(missing_ok=True)
    return str(outcome["state"])
