"""Real Celery worker processes for the scale-out and fault tests: ``celery -A
innopoints.site.celery worker`` against Redis at 127.0.0.1:6379 (database 14) on a queue of
this test session's own, and this test session's PostgreSQL database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from innopoints.site.celery import app

REDIS_DB_URL = "redis://127.0.0.1:6379/14"
SESSION = uuid.uuid4().hex[:8]
QUEUE = f"innopoints-test-{SESSION}"


def redis_answers(port: int = 6379) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def require_postgres_and_redis() -> None:
    """These tests need processes sharing one database: PostgreSQL (not the test's SQLite)."""
    if connection.vendor != "postgresql":
        pytest.skip("worker processes share the database: PostgreSQL only (SQLite pass)")
    if not redis_answers():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no Redis answers on 127.0.0.1:6379")
        pytest.skip("no Redis here")


def point_app_at(url: str) -> None:
    """The test process sends to ``url`` (a fresh producer pool: no old connection kept)."""
    app.conf.update(broker_url=url, task_default_queue=QUEUE, result_backend=None)
    fresh_pools()


def fresh_pools() -> None:
    """Celery caches its connection and producer pools per app; kombu keeps one per URL."""
    app._pool = None
    app.amqp._producer_pool = None
    # the queues and the router are cached too (with the default queue of the time)
    app.__dict__.pop("amqp", None)


def database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{user}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


class Workers:
    """Starts and kills named worker processes; all are stopped at the end."""

    def __init__(self, base: Path, pause_file: Path) -> None:
        self.base = base
        self.pause_file = pause_file
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: dict[str, Path] = {}

    def hostname(self, name: str) -> str:
        return f"{name}-{SESSION}@test"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="innopoints.site.settings",
            DATABASE_URL=database_url(),
            CELERY_BROKER_URL=REDIS_DB_URL,
            INNOPOINTS_QUEUE=QUEUE,
            INNOPOINTS_DATA_DIR=str(self.base / "worker-data"),
            INNOPOINTS_SHARED_DIR=str(settings.INNOPOINTS_SHARED_DIR),
            INNOPOINTS_PAUSE_FILE=str(self.pause_file),
            INNOPOINTS_HTTPS="0",
            INNOPOINTS_LOG_FORMAT="text",
        )
        return env

    def start(self, name: str) -> None:
        log = self.base / f"{name}-{len(self.logs)}.log"
        self.logs[name] = log
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "innopoints.site.celery",
            "worker",
            "-n",
            self.hostname(name),
            "-Q",
            QUEUE,
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ]
        with log.open("wb") as out:
            self.processes[name] = subprocess.Popen(
                command, env=self.env(), stdout=out, stderr=subprocess.STDOUT
            )
        self.wait_for(lambda: b" ready." in log.read_bytes(), 120, f"worker {name} ready")

    def wait_for(self, condition: Callable[[], bool], seconds: float, what: str) -> None:
        deadline = time.time() + seconds
        while time.time() < deadline:
            if condition():
                return
            for name, process in self.processes.items():
                if process.poll() is not None and process.returncode not in (-9, 0):
                    raise AssertionError(f"worker {name} exited: {self.logs[name].read_text()}")
            time.sleep(0.2)
        logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in self.logs.values())
        raise AssertionError(f"timed out waiting for {what}\n{logs}")

    def pause_at(self, point: str) -> None:
        Path(f"{self.pause_file}.reached").unlink(missing_ok=True)
        self.pause_file.write_text(point, encoding="utf-8")

    def paused_pid(self, seconds: float = 120) -> int:
        reached = Path(f"{self.pause_file}.reached")
        self.wait_for(reached.exists, seconds, "the pause point")
        return int(reached.read_text(encoding="utf-8").split()[1])

    def release(self) -> None:
        self.pause_file.unlink(missing_ok=True)

    def kill_task_process(self) -> int:
        """SIGKILL the pool process that is paused in a task (what the OOM killer does)."""
        pid = self.paused_pid()
        self.pause_file.write_text("", encoding="utf-8")  # the retry does not pause again
        os.kill(pid, signal.SIGKILL)
        self.release()
        return pid

    def kill_worker(self, name: str) -> None:
        """SIGKILL the whole worker (main process and its pool process: a machine failing)."""
        pid = self.paused_pid()
        self.pause_file.write_text("", encoding="utf-8")
        self.processes[name].send_signal(signal.SIGKILL)
        os.kill(pid, signal.SIGKILL)
        self.processes[name].wait(30)
        self.release()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


@contextmanager
def workers(tmp_path: Path, settings_fixture: Any) -> Iterator[Workers]:
    """The test process sends to this session's queue; its workers share the job directory."""
    previous = (app.conf.broker_url, app.conf.task_default_queue)
    settings_fixture.CELERY_BROKER_URL = REDIS_DB_URL
    settings_fixture.INNOPOINTS_SHARED_DIR = tmp_path / "shared"
    point_app_at(REDIS_DB_URL)
    started = Workers(tmp_path, tmp_path / "pause")
    try:
        yield started
    finally:
        started.release()
        started.stop()
        app.conf.update(broker_url=previous[0], task_default_queue=previous[1])
        fresh_pools()
