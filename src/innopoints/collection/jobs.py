"""Running an import where the user can watch it: in a background thread with its progress in
the cache (the embedded default), or inline (tests, or INNOPOINTS_IMPORT_BACKGROUND=0). The
database is touched only by the import itself, so a refused file leaves it unchanged."""

from __future__ import annotations

import secrets
import threading
import traceback
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from innopoints.collection import messages
from innopoints.collection.importing import ImportRefused, import_file
from innopoints.collection.models import DataSource
from innopoints.jobs import imports

TTL = 6 * 3600


def _key(token: str, part: str = "state") -> str:
    return f"import:{token}:{part}"


def state(token: str) -> dict[str, Any] | None:
    on_worker = imports.state(token)
    return on_worker if on_worker is not None else cache.get(_key(token))


def cached_state(token: str) -> dict[str, Any] | None:
    return cache.get(_key(token))


def owner(token: str) -> int | None:
    """Who started the import (only they follow its progress in the portal)."""
    return cache.get(_key(token, "owner"))


def error_report(token: str) -> bytes | None:
    return cache.get(_key(token, "report")) or imports.error_report(token)


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
        imports.start(*args, translation.get_language())
        return token
    if getattr(settings, "INNOPOINTS_IMPORT_BACKGROUND", True):
        threading.Thread(
            target=run_in,
            args=(translation.get_language(), *args),
            daemon=True,
            name=f"import-{token}",
        ).start()
    else:
        _run(*args)
    return token
