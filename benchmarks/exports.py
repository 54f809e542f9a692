"""Export timings over the demo database (issue 14 §6): the leaderboard of a 30,000-enterprise
run, a published list and a bank's list as .xlsx, each downloaded in full (streamed bodies
read to the end) with Django's test client, signed in as the demo account that uses it.

    uv run innopoints demo --no-serve          # once, into INNOPOINTS_DATA_DIR (e.g. /tmp/perfdemo)
    uv run python -m benchmarks.exports --data-dir /tmp/perfdemo [--repeat 3]

The demo's database is copied into a scratch directory first, so the demo is left as it was.
For each export: time to the first byte, time to the last byte (median and range), the
process's CPU time (the server's work: steadier than wall time on a shared machine), rows and
peak memory added (tracemalloc is off while timing; peak measured on one extra download). The
last line printed is the figures as JSON (benchmarks/__main__.py reads it)."""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any


def _prepare(data_dir: Path, scratch: Path) -> None:
    for name in ("innopoints.sqlite3", "secret_key", "demo-accounts.txt"):
        shutil.copy2(data_dir / name, scratch / name)
    os.environ["INNOPOINTS_DATA_DIR"] = str(scratch)
    for name in ("DATABASE_URL", "DATABASE_REPLICA_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    os.environ["INNOPOINTS_HTTPS"] = "0"
    os.environ["INNOPOINTS_ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    os.environ["INNOPOINTS_STATIC_MANIFEST"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "innopoints.site.settings")
    import django  # noqa: PLC0415 - after the environment points at the scratch copy

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415

    call_command("migrate", verbosity=0)  # a demo built before the newest migrations


def _client(username: str) -> Any:
    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _download(client: Any, url: str) -> tuple[int, float, bytes]:
    """Status, seconds to the first chunk, and the whole body."""
    start = time.perf_counter()
    response = client.get(url)
    if getattr(response, "streaming", False):
        chunks = iter(response.streaming_content)
        first = next(chunks, b"")
        first_s = time.perf_counter() - start
        body = first + b"".join(chunks)
    else:
        first_s = time.perf_counter() - start
        body = response.content
    return response.status_code, first_s, body


def _rows(body: bytes) -> int:
    from openpyxl import load_workbook  # noqa: PLC0415

    book = load_workbook(io.BytesIO(body), read_only=True)
    return sum(1 for sheet in book.worksheets for _row in sheet.iter_rows(values_only=True))


def _measure(label: str, client: Any, url: str, repeat: int) -> dict[str, Any]:
    walls, firsts, cpus = [], [], []
    status, body = 0, b""
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        status, first_s, body = _download(client, url)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        firsts.append(first_s)
    tracemalloc.start()
    _download(client, url)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "export": label,
        "status": status,
        "rows": _rows(body) if status == 200 else 0,
        "kb": round(len(body) / 1024),
        "first_byte_s": statistics.median(firsts),
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "cpu_s": statistics.median(cpus),
        "peak_mb": round(peak / 2**20, 1),
        "walls_s": walls,
    }


def exports(scratch: Path, repeat: int) -> list[dict[str, Any]]:
    from django.urls import reverse  # noqa: PLC0415

    from innopoints.analysis.models import Leaderboard  # noqa: PLC0415
    from innopoints.applications.models import Dispatch  # noqa: PLC0415
    from innopoints.scoring.models import Run  # noqa: PLC0415

    lines = (scratch / "demo-accounts.txt").read_text(encoding="utf-8").splitlines()
    accounts = {label: name for label, name, _secret in (line.split("\t") for line in lines)}
    run = Run.objects.filter(status="done").order_by("pk").first()
    assert run is not None, "the demo data directory has no finished run"
    government = _client(accounts["government (Sichuan)"])
    plan: list[tuple[str, Any, str]] = [
        (
            f"leaderboard .xlsx ({run.n_enterprises:,} rows)",
            government,
            reverse("scoring:leaderboard-xlsx", args=[run.pk]),
        )
    ]
    board = Leaderboard.objects.filter(run=run, status="published").order_by("pk").first()
    if board is not None:
        plan.append(
            ("published list .xlsx", government, reverse("analysis:board-xlsx", args=[board.pk]))
        )
        dispatch = Dispatch.objects.filter(board=board).order_by("pk").first()
        if dispatch is not None and "institution (bank)" in accounts:
            plan.append(
                (
                    "bank's list .xlsx",
                    _client(accounts["institution (bank)"]),
                    reverse("portals:fin_list_xlsx", args=[dispatch.pk]),
                )
            )
    return [_measure(label, client, url, repeat) for label, client, url in plan]


def report(measured: list[dict[str, Any]], out: Any = sys.stdout) -> None:
    print(
        f"{'export':<36} {'status':>6} {'rows':>7} {'KB':>6} {'first byte':>10} "
        f"{'median':>8} {'min–max':>15} {'CPU':>7} {'peak MB':>8}",
        file=out,
    )
    for m in measured:
        print(
            f"{m['export']:<36} {m['status']:>6} {m['rows']:>7} {m['kb']:>6} "
            f"{m['first_byte_s']:>9.2f}s {m['median_s']:>7.2f}s "
            f"{m['min_s']:>6.2f}–{m['max_s']:<6.2f}s {m['cpu_s']:>6.2f}s {m['peak_mb']:>8}",
            file=out,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="the demo's data directory")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="innopoints-exports-") as tmp:
        scratch = Path(tmp)
        _prepare(args.data_dir, scratch)
        measured = exports(scratch, args.repeat)
        print(f"Exports over the demo database ({args.data_dir}, SQLite), {args.repeat} each")
        report(measured)
        print(json.dumps(measured))


if __name__ == "__main__":
    main()
