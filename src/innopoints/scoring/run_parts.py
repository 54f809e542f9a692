"""A scoring run in three parts that any worker may take — gather the inputs, score, store —
handing each other files in the shared job directory. The parts call the same functions as
the in-process run (``scoring.execution``), so the results are the same bit for bit whichever
workers ran them; storing stays one transaction (all results or none)."""

from __future__ import annotations

import json
import pickle
import shutil
import time
from pathlib import Path

import numpy as np
import polars as pl
from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from innopoints.core import queue
from innopoints.scoring import execution
from innopoints.scoring.models import Run, RunJob, RunPart

TASK = "innopoints.jobs.run_part"  # the name kept from the former jobs app (queued tasks)
NEXT = {"gather": "score", "score": "store", "store": None}
FINISHED = {"done", "failed", "cancelled"}


def directory(run_id: int, attempt: int) -> Path:
    return Path(settings.INNOPOINTS_SHARED_DIR) / "runs" / f"{run_id}-{attempt}"


def start(run: Run) -> bool:
    """Send the run's first part (a new attempt); False when the broker is down and the run
    waits (its stage says so)."""
    job, _ = RunJob.objects.get_or_create(run=run)
    RunJob.objects.filter(pk=job.pk).update(attempt=F("attempt") + 1)
    job.refresh_from_db()
    task_id = queue.send(TASK, [run.pk, job.attempt, "gather"])
    if task_id is None:
        Run.objects.filter(pk=run.pk).update(stage=queue.BROKER_DOWN)
        return False
    Run.objects.filter(pk=run.pk).update(task_id=task_id)
    return True


def restart(run: Run) -> bool:
    """Run again from the first part after its worker died (a new attempt: the old attempt's
    messages, if the broker delivers them again, do nothing)."""
    Run.objects.filter(pk=run.pk).update(
        status="queued", stage=gettext_noop("执行节点中断，已重新排队"), progress=0.0
    )
    return start(run)


def _save_gathered(path: Path, gathered: execution.Gathered) -> None:
    path.mkdir(parents=True, exist_ok=True)
    gathered.table.write_parquet(path / "table.parquet")
    np.save(path / "fact_ids.npy", gathered.fact_ids)
    np.save(path / "fact_enterprises.npy", gathered.fact_enterprises)
    meta = {"left_out": gathered.left_out, "seconds": gathered.seconds}
    (path / "gathered.json").write_text(json.dumps(meta), encoding="utf-8")


def _load_gathered(path: Path) -> execution.Gathered:
    meta = json.loads((path / "gathered.json").read_text(encoding="utf-8"))
    return execution.Gathered(
        pl.read_parquet(path / "table.parquet"),
        np.load(path / "fact_ids.npy"),
        meta["left_out"],
        meta["seconds"],
        np.load(path / "fact_enterprises.npy"),
    )


def _elapsed(run_id: int, attempt: int) -> float:
    seconds = RunPart.objects.filter(
        run_id=run_id, attempt=attempt, seconds__isnull=False
    ).values_list("seconds", flat=True)
    return float(sum(seconds))


def carry_out(run_id: int, attempt: int, part: str, worker: str) -> str:
    run = Run.objects.select_related("scheme_version", "region").get(pk=run_id)
    current = RunJob.objects.filter(run_id=run_id).values_list("attempt", flat=True).first()
    if current != attempt or run.status in FINISHED:
        return "stale"
    record = RunPart.objects.create(run=run, attempt=attempt, part=part, worker=worker)
    started = time.perf_counter()
    path = directory(run_id, attempt)
    following = NEXT[part]
    try:
        if part == "gather":
            execution.begin(run)
            _save_gathered(path, execution.gather(run))
        elif part == "score":
            result = execution.compute(run, _load_gathered(path))
            # the engine's own objects, exactly (pickle keeps every float's bits); written by
            # and for this platform's workers only
            with (path / "result.pickle").open("wb") as handle:
                pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
        else:
            gathered = _load_gathered(path)
            with (path / "result.pickle").open("rb") as handle:
                result = pickle.load(handle)
            execution.store(run, gathered, result, _elapsed(run_id, attempt))
    except execution.Cancelled:
        execution.cancelled(run)
        following = None
    except Exception as exc:
        execution.fail(run, exc)
        following = None
    finally:
        RunPart.objects.filter(pk=record.pk).update(
            finished_at=timezone.now(), seconds=round(time.perf_counter() - started, 3)
        )
    if following is None:
        shutil.rmtree(path, ignore_errors=True)
        run.refresh_from_db(fields=["status"])
        return run.status
    if queue.send(TASK, [run_id, attempt, following]) is None:
        Run.objects.filter(pk=run_id).update(stage=queue.BROKER_DOWN)
    return following
