"""Running an import where the user can watch it: in a background thread with its progress in
the cache (the embedded default), inline (tests: background jobs off), or on a worker when a
broker is configured — the upload waits in the shared job directory, the import runs where a
worker takes it and its outcome is kept in ``ImportJob`` (progress in the cache, as in-process).
The database is touched only by the import itself (one transaction), so a refused file leaves
it unchanged."""

from __future__ import annotations

import secrets
import threading
import traceback
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from innopoints.collection import messages
from innopoints.collection.importing import ImportRefused, import_file
from innopoints.collection.models import DataSource, ImportJob
from innopoints.core import queue
from innopoints.core.background import run_in_process

TTL = 6 * 3600


def _key(token: str, part: str = "state") -> str:
    return f"import:{token}:{part}"


def state(token: str) -> dict[str, Any] | None:
    on_worker = worker_state(token)
    return on_worker if on_worker is not None else cache.get(_key(token))


def cached_state(token: str) -> dict[str, Any] | None:
    return cache.get(_key(token))


def owner(token: str) -> int | None:
    """Who started the import (only they follow its progress in the portal)."""
    return cache.get(_key(token, "owner"))


def error_report(token: str) -> bytes | None:
    return cache.get(_key(token, "report")) or worker_error_report(token)


def cached_error_report(token: str) -> bytes | None:
    return cache.get(_key(token, "report"))


def _run(
    token: str,
    source_id: int,
    period: str,
    name: str,
    content: bytes,
    user_id: int | None,
    jurisdiction: str | None = None,
) -> None:
    def progress(stage: str, fraction: float) -> None:
        cache.set(
            _key(token), {"state": "running", "stage": stage, "fraction": round(fraction, 3)}, TTL
        )

    try:
        source = DataSource.objects.get(pk=source_id)
        user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
        outcome = import_file(
            source, period, name, content, user=user, progress=progress, jurisdiction=jurisdiction
        )
        cache.set(
            _key(token),
            {
                "state": "done",
                "stage": gettext_noop("完成"),
                "fraction": 1.0,
                "batch": outcome.batch.pk,
                "rows": outcome.n_rows,
                "values": outcome.n_values,
                "new_enterprises": outcome.n_new_enterprises,
                "findings": outcome.n_findings,
                "seconds": outcome.seconds,
                "ignored": outcome.ignored_columns,
            },
            TTL,
        )
    except ImportRefused as refused:
        if refused.error_report is not None:
            cache.set(_key(token, "report"), refused.error_report, TTL)
        cache.set(
            _key(token),
            {
                "state": "refused",
                "stage": gettext_noop("未导入"),
                "fraction": 1.0,
                "problems": [messages.describe(p) for p in refused.problems],
                "has_report": refused.error_report is not None,
                "source": source_id,
                "unknown_headers": _unknown_headers(refused),
            },
            TTL,
        )
    except (OperationalError, InterfaceError) as exc:  # the connection dropped: rolled back
        cache.set(
            _key(token),
            {
                "state": "failed",
                "stage": gettext_noop("失败"),
                "fraction": 1.0,
                "problems": [
                    gettext("数据库连接中断，本次导入已整体回滚，未写入任何数据；请稍后重新导入。")
                    + f" ({type(exc).__name__}: {exc})".strip()
                ],
                "trace": traceback.format_exc()[-2000:],
            },
            TTL,
        )
    except Exception as exc:  # the user must see every failure, not a spinner forever
        cache.set(
            _key(token),
            {
                "state": "failed",
                "stage": gettext_noop("失败"),
                "fraction": 1.0,
                "problems": [f"{type(exc).__name__}: {exc}"],
                "trace": traceback.format_exc()[-2000:],
            },
            TTL,
        )
    finally:
        if threading.current_thread() is not threading.main_thread():
            connection.close()


def run_in(language: str | None, *args: Any) -> None:
    """``_run`` in a thread, in the language of the request that started it (messages)."""
    with translation.override(language):
        _run(*args)


def _unknown_headers(refused: ImportRefused) -> list[str]:
    """Headers the reader did not know: the user may save them as the source's aliases."""
    return [
        p.column.split("“", 1)[1].rsplit("”", 1)[0]
        for p in refused.problems
        if p.column and "“" in p.column and p.reason.startswith("unknown column header")
    ]


def start(
    source: DataSource,
    period: str,
    name: str,
    content: bytes,
    user: Any = None,
    jurisdiction: str | None = None,
) -> str:
    """Start an import; ``jurisdiction`` (a region prefix) refuses rows of enterprises outside
    a government user's divisions."""
    token = secrets.token_urlsafe(12)
    cache.set(
        _key(token), {"state": "running", "stage": gettext_noop("排队"), "fraction": 0.0}, TTL
    )
    user_id = user.pk if user is not None and user.is_authenticated else None
    cache.set(_key(token, "owner"), user_id, TTL)
    args = (token, source.pk, period, name, content, user_id, jurisdiction)
    if getattr(settings, "CELERY_BROKER_URL", ""):  # on a worker; waits there if Redis is down
        cache.delete(_key(token))
        start_on_worker(*args, translation.get_language())
        return token
    run_in_process(run_in, translation.get_language(), *args, name=f"import-{token}")
    return token


# on a worker (a broker is configured)

TASK = "innopoints.jobs.run_import"
TERMINAL = {"done", "refused", "failed"}


def _directory() -> Path:
    path = Path(settings.INNOPOINTS_SHARED_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_on_worker(
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


def worker_state(token: str) -> dict[str, Any] | None:
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


def worker_error_report(token: str) -> bytes | None:
    path = _directory() / f"{token}.errors.xlsx"
    return path.read_bytes() if path.exists() else None


def carry_out(token: str, attempt: int, worker: str) -> str:
    claimed = ImportJob.objects.filter(
        token=token, attempt=attempt, status__in=["queued", "waiting", "running"]
    ).update(status="running", worker=worker)
    if not claimed:
        return "stale"
    job = ImportJob.objects.get(token=token)
    content = Path(job.path).read_bytes()
    run_in(
        job.language or None,
        token,
        job.source_id,
        job.period,
        job.file_name,
        content,
        job.user_id,
        job.jurisdiction or None,
    )
    outcome = cached_state(token) or {"state": "failed", "problems": ["?"]}
    report = cached_error_report(token)
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
