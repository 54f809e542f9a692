"""一企一档 PDF batches on 1 and 2 real Celery workers (docs/scale-out-and-faults.md).

uv run python -m benchmarks.dossier_batch [--n 30000] [--render 30000] [--chunk 100]
    [--workers 1,2] [--single 200]

Builds a synthetic province of N enterprises in a fresh PostgreSQL database (through the real
imports) and scores it. First, in this process, it times one chunk of SINGLE dossiers (the
chunk's queries, then each PDF). Then for each worker count it starts that many ``celery
worker`` processes (concurrency 1, Redis database 13, a queue of its own) and times a batch of
the first RENDER enterprises' full 一企一档 PDFs from sending to the manifest; with RENDER below
N it also gives the time the whole province's batch would take at that rate
(``minutes_for_all``). One JSON line."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

BROKER = "redis://127.0.0.1:6379/13"
DATABASE = "innopoints_bench_dossiers"


def _fresh_database() -> str:
    import psycopg  # noqa: PLC0415

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        db.execute(f"CREATE DATABASE {DATABASE}")
    return f"postgres://postgres@127.0.0.1:5432/{DATABASE}"


def _start_workers(count: int, queue: str, env: dict[str, str], logs: Path) -> list[Any]:
    processes = []
    for k in range(count):
        log = logs / f"worker-{queue}-{k}.log"
        with log.open("wb") as out:
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "innopoints.site.celery",
                        "worker",
                        "-n",
                        f"bench{k}-{queue}@%h",
                        "-Q",
                        queue,
                        "--concurrency",
                        "1",
                        "--loglevel",
                        "INFO",
                        "--without-gossip",
                        "--without-mingle",
                    ],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        deadline = time.time() + 120
        while b" ready." not in log.read_bytes():
            if time.time() > deadline:
                raise RuntimeError(log.read_text())
            time.sleep(0.2)
    return processes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=30_000)
    parser.add_argument("--render", type=int, default=None)
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--single", type=int, default=200)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="innopoints-bench-dossiers-"))
    url = _fresh_database()
    queue_base = f"bench-{uuid.uuid4().hex[:6]}"
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="innopoints.site.settings",
        DATABASE_URL=url,
        CELERY_BROKER_URL=BROKER,
        INNOPOINTS_DATA_DIR=str(tmp / "data"),
        INNOPOINTS_SHARED_DIR=str(tmp / "shared"),
        INNOPOINTS_HTTPS="0",
        INNOPOINTS_LOG_FORMAT="text",
    )
    os.environ.update(env)
    import django  # noqa: PLC0415 - configured from the environment just above

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415
    from django.db.models import Sum  # noqa: PLC0415

    from innopoints.analysis import dossier_batches as dossiers  # noqa: PLC0415
    from innopoints.analysis.models import DossierBatch, DossierChunk  # noqa: PLC0415
    from innopoints.collection.demo import import_all, write_files  # noqa: PLC0415
    from innopoints.scoring.execution import execute  # noqa: PLC0415
    from innopoints.scoring.models import Run, SchemeVersion  # noqa: PLC0415
    from innopoints.site.celery import app  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    import_all(write_files(tmp / "files", args.n), "2025")
    version = SchemeVersion.objects.get(scheme_id="sichuan-2025", version="1")
    run = execute(Run.objects.create(period="2025", scheme_version=version))
    single = _single_process(args.single, run)
    figures = []
    for count in [int(w) for w in args.workers.split(",")]:
        queue = f"{queue_base}-{count}"
        app.conf.update(task_default_queue=queue)
        processes = _start_workers(count, queue, dict(env, INNOPOINTS_QUEUE=queue), tmp)
        try:
            started = time.perf_counter()
            batch = dossiers.create(run=run, chunk_size=args.chunk, limit=args.render)
            while DossierBatch.objects.get(pk=batch.pk).status not in {"done", "failed"}:
                time.sleep(1)
            seconds = time.perf_counter() - started
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(60)
        batch.refresh_from_db()
        per_worker = dict(
            DossierChunk.objects.filter(batch=batch)
            .values_list("worker")
            .annotate(n=Sum("n_files"))
            .values_list("worker", "n")
        )
        size = sum(p.stat().st_size for p in Path(batch.directory).glob("*.pdf"))
        figures.append(
            {
                "workers": count,
                "status": batch.status,
                "pdfs": batch.files_done,
                "seconds": round(seconds, 1),
                "pdfs_per_second": round(batch.files_done / seconds, 2),
                "per_worker": per_worker,
                "mean_pdf_kb": round(size / max(batch.files_done, 1) / 1024, 1),
                "minutes_for_all": round(args.n / (batch.files_done / seconds) / 60, 1),
            }
        )
    print(
        json.dumps(
            {"enterprises": args.n, "chunk": args.chunk, "single": single, "batches": figures}
        )
    )


def _single_process(count: int, run: Any) -> dict[str, float] | None:
    """One chunk of ``count`` dossiers in this process, as a worker renders it (after one
    warm-up PDF, which builds the compact font if this machine has none yet)."""
    from innopoints.analysis import dossier  # noqa: PLC0415 - Django is set up by now
    from innopoints.registry.models import Enterprise  # noqa: PLC0415
    from innopoints.scoring.models import Result  # noqa: PLC0415

    if count < 1:
        return None
    ids = list(
        Result.objects.filter(run=run)
        .order_by("enterprise_id")
        .values_list("enterprise_id", flat=True)[: count + 1]
    )
    enterprises = list(Enterprise.objects.filter(pk__in=ids).order_by("id"))
    dossier.pdf(dossier.build(enterprises[0]))
    started = time.perf_counter()
    built = dossier.build_many(enterprises[1:])
    queries = time.perf_counter() - started
    sizes = [len(dossier.pdf(d)) for d in built]
    seconds = time.perf_counter() - started
    return {
        "pdfs": len(built),
        "build_ms_per_pdf": round(1000 * queries / len(built), 1),
        "ms_per_pdf": round(1000 * seconds / len(built), 1),
        "mean_pdf_kb": round(sum(sizes) / len(sizes) / 1024, 1),
    }


if __name__ == "__main__":
    main()
