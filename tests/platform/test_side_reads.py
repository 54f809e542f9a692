"""Reads beside the caller's connection (core.side_reads): on a connection of their own when
that sees what the caller's would, else at once on the caller's."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from typing import Any

import pytest
from django.db import connection, transaction

from innopoints.core.side_reads import read_beside
from innopoints.registry.models import Region

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a second connection is PostgreSQL's"
)


def _backend_and_regions(code: str) -> tuple[int, str, bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return pid, threading.current_thread().name, Region.objects.filter(code=code).exists()


def _pid() -> Any:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_outside_a_transaction_the_read_runs_on_its_own_connection(
    transactional_db: None,
) -> None:
    Region.objects.create(code="990101", name="测试区", level=3)  # committed
    with ThreadPoolExecutor(1, thread_name_prefix="side") as pool:
        pid, thread, found = read_beside(pool, _backend_and_regions, "990101").result()
    assert found
    assert thread.startswith("side")
    assert pid != _pid()
    # the thread closed its connection when done (its server process ends just after)
    deadline = time.monotonic() + 10
    while _connected(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _connected(pid)


def _connected(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return bool(cursor.fetchone()[0])


def test_inside_a_transaction_the_read_sees_the_callers_uncommitted_rows(
    transactional_db: None,
) -> None:
    with transaction.atomic():
        Region.objects.create(code="990102", name="测试区", level=3)  # not committed
        with ThreadPoolExecutor(1) as pool:
            pid, thread, found = read_beside(pool, _backend_and_regions, "990102").result()
        assert found
        assert thread == threading.current_thread().name
        assert pid == _pid()


@pytest.mark.parametrize("atomic", [False, True])
def test_the_reads_error_is_raised_where_its_result_is_asked_for(
    transactional_db: None, atomic: bool
) -> None:
    def broken() -> None:
        raise LookupError("no such region")

    with transaction.atomic() if atomic else nullcontext(), ThreadPoolExecutor(1) as pool:
        reading = read_beside(pool, broken)
        with pytest.raises(LookupError, match="no such region"):
            reading.result()
