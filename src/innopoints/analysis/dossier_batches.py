"""一企一档 PDFs for many enterprises at once (a run's or a region's): the batch is split into
chunks of enterprises, each chunk a task any worker may take; every PDF is written to the
batch's directory under a temporary name and renamed when complete, so a killed worker never
leaves a half-written file. The chunk that completes the batch writes its manifest
(``manifest.csv``: credit code, file, bytes, SHA-256)."""

from __future__ import annotations

import csv
import hashlib
import os
import time
import traceback
from pathlib import Path

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from innopoints.analysis import dossier
from innopoints.analysis.models import DossierBatch, DossierChunk
from innopoints.core import queue
from innopoints.core.background import run_in_process
from innopoints.engine.text_cells import csv_text
from innopoints.registry.models import Enterprise, Region
from innopoints.scoring.models import Result, Run

TASK = "innopoints.jobs.dossier_chunk"
CHUNK = 100


def _enterprise_ids(run: Run | None, region: Region | None) -> list[int]:
    if run is not None:
        query = Result.objects.filter(run=run)
        if region is not None:
            query = query.filter(region_code__startswith=region.code_prefix())
        return list(query.order_by("enterprise_id").values_list("enterprise_id", flat=True))
    query = Enterprise.objects.all()
    if region is not None:
        query = query.filter(region__code__startswith=region.code_prefix())
    return list(query.order_by("id").values_list("id", flat=True))


def create(
    run: Run | None = None,
    region: Region | None = None,
    user: object = None,
    chunk_size: int = CHUNK,
    limit: int | None = None,
) -> DossierBatch:
    """Record the batch and its chunks and send the chunks (on the broker, else in-process);
    ``limit`` keeps the first enterprises only (a sample)."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    ids = _enterprise_ids(run, region)[:limit]
    if not ids:
        raise ValueError("该范围内没有企业，无需生成一企一档")
    chunks = [ids[start : start + chunk_size] for start in range(0, len(ids), chunk_size)]
    batch = DossierBatch.objects.create(
        run=run,
        region=region,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        n_enterprises=len(ids),
        n_chunks=len(chunks),
    )
    path = Path(settings.INNOPOINTS_SHARED_DIR) / "dossiers" / f"batch-{batch.pk}"
    path.mkdir(parents=True, exist_ok=True)
    DossierBatch.objects.filter(pk=batch.pk).update(directory=str(path))
    batch.directory = str(path)
    DossierChunk.objects.bulk_create(
        [DossierChunk(batch=batch, index=i, enterprise_ids=c) for i, c in enumerate(chunks)],
        batch_size=1000,
    )
    chunk_ids = list(batch.chunks.order_by("index").values_list("pk", flat=True))
    if getattr(settings, "CELERY_BROKER_URL", ""):
        waiting = sum(queue.send(TASK, [pk]) is None for pk in chunk_ids)
        if waiting:
            DossierBatch.objects.filter(pk=batch.pk).update(status="waiting")
    else:
        run_in_process(_render_chunks, chunk_ids, name=f"dossiers-{batch.pk}")
    batch.refresh_from_db()
    return batch


def _render_chunks(chunk_ids: list[int]) -> None:
    for pk in chunk_ids:
        render_chunk(pk, "in-process")


def file_name(credit_code: str) -> str:
    return f"{credit_code}.pdf"


def render_chunk(chunk_id: int, worker: str) -> str:
    claimed = DossierChunk.objects.filter(pk=chunk_id, status__in=["queued", "running"]).update(
        status="running", worker=worker
    )
    if not claimed:
        return "stale"
    chunk = DossierChunk.objects.select_related("batch").get(pk=chunk_id)
    batch = chunk.batch
    DossierBatch.objects.filter(pk=batch.pk, status__in=["queued", "waiting"]).update(
        status="running"
    )
    directory = Path(batch.directory)
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        enterprises = list(Enterprise.objects.filter(pk__in=chunk.enterprise_ids).order_by("id"))
        written = 0
        for built in dossier.build_many(enterprises):  # the chunk's queries at once
            content = dossier.pdf(built)
            final = directory / file_name(built.enterprise.credit_code)
            partial = final.with_name(f".{final.name}.{os.getpid()}.part")
            partial.write_bytes(content)
            os.replace(partial, final)
            written += 1
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"
        DossierChunk.objects.filter(pk=chunk_id).update(
            status="failed", error=f"{message}\n{traceback.format_exc()[-2000:]}"
        )
        DossierBatch.objects.filter(pk=batch.pk).update(
            status="failed", error=f"分片 {chunk.index}：{message}", finished_at=timezone.now()
        )
        return "failed"
    done = DossierChunk.objects.filter(pk=chunk_id, status="running").update(
        status="done", n_files=written, seconds=round(time.perf_counter() - started, 3)
    )
    if done:
        DossierBatch.objects.filter(pk=batch.pk).update(
            chunks_done=F("chunks_done") + 1, files_done=F("files_done") + written
        )
        _finish_if_complete(batch.pk)
    return "done"


def _finish_if_complete(batch_id: int) -> None:
    """The chunk that completes the batch (exactly one claims it) writes the manifest."""
    batch = DossierBatch.objects.get(pk=batch_id)
    manifest = str(Path(batch.directory) / "manifest.csv")
    claimed = DossierBatch.objects.filter(
        pk=batch_id, chunks_done=F("n_chunks"), status="running", manifest=""
    ).update(manifest=manifest)
    if not claimed:
        return
    codes = dict(
        Enterprise.objects.filter(
            pk__in=[
                e
                for ids in DossierChunk.objects.filter(batch_id=batch_id).values_list(
                    "enterprise_ids", flat=True
                )
                for e in ids
            ]
        ).values_list("pk", "credit_code")
    )
    directory = Path(batch.directory)
    with open(manifest, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["credit_code", "file", "bytes", "sha256"])
        for code in sorted(codes.values()):
            path = directory / file_name(code)
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            writer.writerow([csv_text(code), csv_text(path.name), len(data), digest])
    finished = timezone.now()
    DossierBatch.objects.filter(pk=batch_id).update(
        status="done",
        finished_at=finished,
        seconds=round((finished - batch.created_at).total_seconds(), 3),
    )


def resend(chunk: DossierChunk) -> bool:
    DossierChunk.objects.filter(pk=chunk.pk).update(status="queued")
    return queue.send(TASK, [chunk.pk]) is not None
