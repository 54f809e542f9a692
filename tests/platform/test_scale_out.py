"""Scale-out with real worker processes (docs/scale-out-and-faults.md): a scoring run's parts
and a batch of 一企一档 PDFs shared by two ``celery worker`` processes."""

from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Sum

from innopoints.analysis import dossier_batches as dossiers
from innopoints.analysis.models import DossierBatch, DossierChunk, PoolMembership
from innopoints.collection.demo import import_all, write_files
from innopoints.scoring import execution
from innopoints.scoring.dispatch import dispatch
from innopoints.scoring.models import Result, Run, RunPart, SchemeVersion
from tests.platform.celery_workers import require_postgres_and_redis, workers

RESULT_FIELDS = [
    f.attname for f in Result._meta.concrete_fields if f.attname not in {"id", "run_id"}
]


def fingerprint(run: Run) -> tuple[Any, ...]:
    """Everything a run produced, bit for bit (floats as their bytes), but its timings."""
    run = Run.objects.defer(None).get(pk=run.pk)
    rows = Result.objects.filter(run=run).order_by("enterprise_id").values_list(*RESULT_FIELDS)
    exact = [tuple(v.hex() if isinstance(v, float) else v for v in row) for row in rows]
    pools = sorted(PoolMembership.objects.filter(run=run).values_list("pool_id", "enterprise_id"))
    report = {k: v for k, v in run.report.items() if k != "timings_s"}
    return (
        exact,
        pools,
        run.parameters,
        bytes(run.ranked_totals),
        bytes(run.input_fact_ids),
        run.input_digest,
        report,
        (run.n_enterprises, run.n_ranked, run.n_vetoed),
    )


def wait_done(runs: list[Run], seconds: float = 300) -> None:
    deadline = time.time() + seconds
    for run in runs:
        while time.time() < deadline:
            run.refresh_from_db()
            if run.status in {"done", "failed", "cancelled"}:
                break
            time.sleep(0.3)
        assert run.status == "done", (run.pk, run.status, run.stage, run.error)


def sichuan() -> SchemeVersion:
    return SchemeVersion.objects.get(scheme_id="sichuan-2025")


def new_run() -> Run:
    return Run.objects.create(period="2025", scheme_version=sichuan())


def test_a_runs_parts_give_the_same_result_on_one_or_two_workers(
    reference_data: None, settings: Any, tmp_path: Path
) -> None:
    require_postgres_and_redis()
    import_all(write_files(tmp_path / "files", 1000, seed=11), "2025")
    reference = execution.execute(new_run())
    assert reference.status == "done" and reference.n_enterprises == 1000
    expected = fingerprint(reference)
    with workers(tmp_path, settings) as started:
        started.start("a")
        alone = new_run()
        assert dispatch(alone)
        wait_done([alone])
        started.start("b")
        together = [new_run() for _ in range(4)]
        for run in together:
            assert dispatch(run)
        wait_done(together)
    a, b = started.hostname("a"), started.hostname("b")
    parts = list(RunPart.objects.values_list("run_id", "part", "worker"))
    assert sorted(p for r, p, _w in parts if r == alone.pk) == ["gather", "score", "store"]
    assert {w for r, _p, w in parts if r == alone.pk} == {a}
    assert {w for r, _p, w in parts if r != alone.pk} == {a, b}  # both took parts
    assert len(parts) == 3 * 5  # every part once: no retries, nothing lost
    for run in [alone, *together]:
        assert fingerprint(run) == expected, run.pk
    assert not any((tmp_path / "shared" / "runs").iterdir())  # the hand-over files are gone


# a real batch shared by two real workers; the whole province's 30,000 files are a benchmark
# (benchmarks/dossier_batch.py), not a test
PROVINCE = 600
CHUNK = 25


@pytest.mark.longest
def test_b_two_workers_share_a_batch_of_dossier_pdfs(
    reference_data: None, settings: Any, tmp_path: Path
) -> None:
    """A whole province's batch: full 一企一档 PDFs in chunks, shared by two worker processes,
    every file checked against the manifest."""
    require_postgres_and_redis()
    import_all(write_files(tmp_path / "files", PROVINCE, seed=5), "2025")
    run = execution.execute(new_run())
    assert run.status == "done" and run.n_enterprises == PROVINCE
    try:
        with workers(tmp_path, settings) as started:
            started.start("a")
            started.start("b")
            batch = dossiers.create(run=run, chunk_size=CHUNK)
            assert batch.n_chunks == PROVINCE // CHUNK and batch.n_enterprises == PROVINCE
            started.wait_for(
                lambda: DossierBatch.objects.get(pk=batch.pk).status in {"done", "failed"},
                3600,
                "the batch",
            )
        batch.refresh_from_db()
        assert batch.status == "done", batch.error
        assert (batch.chunks_done, batch.files_done) == (PROVINCE // CHUNK, PROVINCE)
        shares = dict(
            DossierChunk.objects.filter(batch=batch)
            .values_list("worker")
            .annotate(n=Sum("n_files"))
            .values_list("worker", "n")
        )
        assert set(shares) == {started.hostname("a"), started.hostname("b")}
        assert min(shares.values()) >= PROVINCE // 5, shares  # both did a real part of it
        directory = Path(batch.directory)
        codes = sorted(
            Result.objects.filter(run=run).values_list("enterprise__credit_code", flat=True)
        )
        files = sorted(p.name for p in directory.iterdir() if p.suffix == ".pdf")
        assert files == [f"{c}.pdf" for c in codes]
        assert not list(directory.glob(".*.part"))
        with open(batch.manifest, encoding="utf-8") as handle:
            manifest = list(csv.DictReader(handle))
        assert [row["credit_code"] for row in manifest] == codes
        for row in manifest:
            data = (directory / row["file"]).read_bytes()
            assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
            assert hashlib.sha256(data).hexdigest() == row["sha256"]
            assert len(data) == int(row["bytes"])
        names = dict(
            Result.objects.filter(run=run).values_list(
                "enterprise__credit_code", "enterprise__name"
            )
        )
        for row in manifest[:: len(manifest) // 12]:  # a sample read back as text
            text = subprocess.run(
                ["pdftotext", str(directory / row["file"]), "-"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            assert f"一企一档 · {names[row['credit_code']]}" in text
            assert row["credit_code"] in text and "指标数据（2025）及来源" in text
    finally:  # the PDFs are not left in the test's temporary directory
        shutil.rmtree(tmp_path / "shared" / "dossiers", ignore_errors=True)


@pytest.mark.parametrize("chunk_size", [0, -3])
def test_a_batch_needs_a_positive_chunk_size(chunk_size: int, db: Any) -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        dossiers.create(chunk_size=chunk_size)
