"""Backups: pg_dump the database, restore it into a fresh database, and re-compute a run there
bit-identically (PostgreSQL only: the backup is of the production database)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from innopoints.collection.demo import import_all, write_files
from innopoints.core import partitions
from innopoints.ops import backup
from innopoints.scoring import execution
from innopoints.scoring.models import Run, SchemeVersion
from tests.platform.rerun import fingerprint

ROOT = Path(__file__).resolve().parents[2]
SETUP = "import django; django.setup()"


def _url(name: str) -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


@pytest.fixture
def fresh_database(transactional_db: Any) -> Iterator[str]:
    if connection.vendor != "postgresql":
        pytest.skip("backups are of the PostgreSQL database")
    name = f"restore_{uuid.uuid4().hex[:12]}"
    admin = _url("postgres").replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _url(name)
    finally:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_client_programs_match_the_server() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    url = _url(connection.settings_dict["NAME"])
    assert backup.client_major("pg_dump") >= backup.server_major(url)
    assert backup.client_major("pg_restore") >= backup.server_major(url)


def test_backup_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="backups need PostgreSQL"):
        backup.dump(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path / "x.dump")
    with pytest.raises(ValueError, match="names no database"):
        backup.dump("postgres://postgres@127.0.0.1:5432/", tmp_path / "x.dump")


@pytest.mark.slow
def test_a_restored_backup_recomputes_the_run_bit_identically(
    reference_data: None, fresh_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the run's results and memberships as partitions of their own, as a national run's are:
    # the restored database must have them attached again
    monkeypatch.setattr(partitions, "OWN_PARTITION_FROM", 1)
    import_all(write_files(tmp_path / "files", 200, seed=5), "2025")
    version = SchemeVersion.objects.get(scheme_id="sichuan-2025")
    run = execution.execute(Run.objects.create(period="2025", scheme_version=version))
    assert run.status == "done" and run.n_enterprises == 200
    original = fingerprint(run)

    dump = tmp_path / "innopoints.dump"
    backup.dump(_url(connection.settings_dict["NAME"]), dump)
    assert dump.stat().st_size > 0 and not (tmp_path / ".innopoints.dump.partial").exists()
    backup.restore(dump, fresh_database)
    with pytest.raises(ValueError, match="is not empty"):
        backup.restore(dump, fresh_database)  # never over a database in use

    # the platform pointed at the restored database: the stored run, then a new run
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "innopoints.site.settings",
        "DATABASE_URL": fresh_database,
        "INNOPOINTS_DATA_DIR": str(tmp_path / "data"),
        "INNOPOINTS_HTTPS": "0",
        "CELERY_BROKER_URL": "",
    }
    done = subprocess.run(
        [sys.executable, "-c", f"{SETUP}; from tests.platform.rerun import main; main({run.pk})"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["restored"] == original
    assert outcome["recomputed"] == original
    assert outcome["input"] == run.input_digest
