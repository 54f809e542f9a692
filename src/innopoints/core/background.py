"""Background work without a broker (the embedded default): a daemon thread that closes its
database connection when done — or, with ``INNOPOINTS_JOBS_IN_BACKGROUND`` off (the tests),
the work done inline."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection, transaction


def run_in_process(
    work: Callable[..., Any], *args: Any, name: str, after_commit: bool = False
) -> None:
    """Do ``work(*args)`` in a thread called ``name`` (started once the current transaction
    commits with ``after_commit``), or inline when background jobs are off."""
    if not getattr(settings, "INNOPOINTS_JOBS_IN_BACKGROUND", True):
        work(*args)
        return

    def body() -> None:
        try:
            work(*args)
        finally:
            connection.close()

    thread = threading.Thread(target=body, daemon=True, name=name)
    if after_commit:
        transaction.on_commit(thread.start)
    else:
        thread.start()
