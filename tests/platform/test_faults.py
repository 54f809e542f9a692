"""Faults with real worker processes (docs/scale-out-and-faults.md): a worker killed in the
middle of a run or an import, the database connection cut during an import, Redis down."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from innopoints.collection import background_imports
from innopoints.collection.demo import import_all, write_files
from innopoints.collection.importing import import_file
from innopoints.collection.models import DataSource, FactValue, ImportBatch, ImportJob
from innopoints.core import queue
from innopoints.core.models import QueuedTask
from innopoints.scoring import execution
from innopoints.scoring.dispatch import dispatch
from innopoints.scoring.models import Result, Run, RunPart
from tests.platform.celery_workers import (
    REDIS_DB_URL,
    point_app_at,
    require_postgres_and_redis,
    workers,
)
from tests.platform.test_scale_out import fingerprint, new_run, sichuan, wait_done


class Rollback(Exception):
    pass


def values_of(batch: ImportBatch) -> list[tuple[Any, ...]]:
    return sorted(
        FactValue.objects.filter(batch=batch).values_list(
            "enterprise__credit_code", "field_code", "value", "version"
        )
    )


def expected_import(source: DataSource, path: Path) -> list[tuple[Any, ...]]:
    """What importing the file gives, found by importing it and rolling back."""
    found: list[tuple[Any, ...]] = []
    with pytest.raises(Rollback), transaction.atomic():
        outcome = import_file(source, "2025", path.name, path.read_bytes())
        found = values_of(outcome.batch)
        raise Rollback
    assert found
    return found


def counts() -> tuple[int, int]:
    return FactValue.objects.count(), ImportBatch.objects.count()


def wait_import(token: str, seconds: float = 180) -> ImportJob:
    deadline = time.time() + seconds
    while time.time() < deadline:
        job = ImportJob.objects.get(token=token)
        if job.status in {"done", "failed", "refused"}:
            return job
        time.sleep(0.2)
    raise AssertionError(f"import {token} did not finish: {job.status}")


@pytest.fixture
def samr_only(reference_data: None, tmp_path: Path) -> dict[str, Path]:
    """300 registered enterprises; the other sources' files not yet imported."""
    files = write_files(tmp_path / "files", 300, seed=13)
    import_all(type(files)(files.directory, {"samr": files.files["samr"]}), "2025")
    return files.files


def test_a_worker_killed_while_storing_a_run_leaves_nothing_and_the_retry_matches(
    reference_data: None, settings: Any, tmp_path: Path
) -> None:
    require_postgres_and_redis()
    import_all(write_files(tmp_path / "files", 300, seed=7), "2025")
    expected = fingerprint(execution.execute(new_run()))
    with workers(tmp_path, settings) as started:
        started.start("a")
        started.pause_at("run:stored")
        run = new_run()
        assert dispatch(run)
        started.paused_pid()
        # the worker has written every result row, uncommitted, when its process is killed
        started.kill_task_process()
        assert Result.objects.filter(run=run).count() == 0
        wait_done([run])  # acks_late + reject_on_worker_lost: the store part is sent again
    stores = list(RunPart.objects.filter(run=run, part="store").values_list("finished_at"))
    assert len(stores) == 2 and stores[0][0] is None  # killed, then done
    assert fingerprint(run) == expected


def test_a_worker_killed_during_an_import_leaves_nothing_and_its_restart_retries(
    samr_only: dict[str, Path], settings: Any, tmp_path: Path
) -> None:
    require_postgres_and_redis()
    tax = DataSource.objects.get(code="tax")
    path = samr_only["tax"]
    expected = expected_import(tax, path)
    before = counts()
    with workers(tmp_path, settings) as started:
        started.start("a")
        started.pause_at("import:stored")
        token = background_imports.start(tax, "2025", path.name, path.read_bytes())
        started.paused_pid()
        started.kill_worker("a")  # the machine fails: main process and pool process
        assert counts() == before  # every value was written, none committed
        assert ImportJob.objects.get(token=token).status == "running"  # orphaned
        started.start("a")  # the same worker name comes back and takes its work back
        job = wait_import(token)
    assert job.status == "done" and job.attempt == 2, job.state
    assert values_of(ImportBatch.objects.get(pk=job.state["batch"])) == expected
    assert background_imports.state(token)["values"] == len(expected)


def test_the_database_connection_cut_during_an_import_rolls_it_back(
    samr_only: dict[str, Path], settings: Any, tmp_path: Path
) -> None:
    require_postgres_and_redis()
    tax = DataSource.objects.get(code="tax")
    path = samr_only["tax"]
    before = counts()
    with workers(tmp_path, settings) as started:
        started.start("a")
        started.pause_at("import:stored")
        token = background_imports.start(tax, "2025", path.name, path.read_bytes())
        started.paused_pid()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND state LIKE 'idle in transaction%%'"
            )
            assert [row[0] for row in cursor.fetchall()] == [True]
        started.release()
        failed = wait_import(token)
        assert failed.status == "failed"
        assert counts() == before
        assert "数据库连接中断，本次导入已整体回滚，未写入任何数据" in failed.state["problems"][0]
        assert background_imports.state(token)["state"] == "failed"
        # the worker is still there and the same file imports on the next try
        again = wait_import(background_imports.start(tax, "2025", path.name, path.read_bytes()))
    assert again.status == "done", again.state
    assert counts()[1] == before[1] + 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_with_redis_down_the_web_answers_jobs_wait_and_go_when_it_returns(
    samr_only: dict[str, Path], settings: Any, tmp_path: Path
) -> None:
    require_postgres_and_redis()
    admin = get_user_model().objects.create_superuser("root", "r@example.invalid", "pw")
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    with workers(tmp_path, settings) as started:
        started.start("a")
        down = f"redis://127.0.0.1:{_closed_port()}/0"
        settings.CELERY_BROKER_URL = down
        point_app_at(down)
        response = client.post(
            reverse("scoring:runs"), {"period": "2025", "scheme_version": sichuan().pk}
        )
        assert response.status_code == 302
        run = Run.objects.get()
        page = client.get(response["Location"])
        assert page.status_code == 200
        text = page.content.decode()
        assert "任务队列暂不可用，任务已排队，队列恢复后将自动开始" in text
        assert (run.status, run.stage) == ("queued", queue.BROKER_DOWN)
        path = samr_only["tax"]
        with path.open("rb") as upload:
            response = client.post(
                reverse("admin:collection_upload"),
                {"source": DataSource.objects.get(code="tax").pk, "period": "2025", "file": upload},
            )
        assert response.status_code == 302
        progress = client.get(response["Location"])
        assert "任务队列暂不可用" in progress.content.decode()
        token = ImportJob.objects.get().token
        state = client.get(reverse("admin:collection_upload_state", args=[token])).json()
        assert state["waiting"] and state["stage"] == queue.BROKER_DOWN
        assert client.get(reverse("scoring:runs")).status_code == 200
        assert QueuedTask.objects.filter(sent_at__isnull=True).count() == 2
        assert queue.flush() == 0  # still down: nothing is lost
        # Redis is back: the periodic re-dispatch (or manage redispatch_jobs) sends them
        settings.CELERY_BROKER_URL = REDIS_DB_URL
        point_app_at(REDIS_DB_URL)
        assert queue.flush() == 2 and queue.waiting() == 0
        job = wait_import(token)
        wait_done([run])
    assert job.status == "done", job.state
    assert Result.objects.filter(run=run).count() == run.n_enterprises > 0
