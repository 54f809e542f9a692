"""How cost grows with the number of enterprises (issue 20 §4): the engine in memory and the
platform run from PostgreSQL to stored results, at several sizes; the exponent k of a fit
time ∝ n^k and the memory per enterprise.

uv run python -m benchmarks.growth [--engine 100000,300000,1000000] [--run 100000,300000]
    [--repeat 3] [--db-prefix bench_growth]

The platform run's data are generated once per size into database ``<prefix>_<n>`` (COPY,
benchmarks.million; minutes at 1M) and reused by later calls (``--fresh`` generates again).
Prints one table and writes benchmarks/out/growth.json. The machine's load average is printed
beside every figure: on a shared machine it says how far a figure is from a quiet one."""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
HEADER = f"{'enterprises':>12} {'median':>9} {'min–max':>15} {'peak RSS':>10} {'per ent.':>9} load"


def _load() -> float:
    return round(os.getloadavg()[0], 1)


def engine_at(n: int, repeat: int) -> dict[str, Any]:
    line = subprocess.run(
        [sys.executable, "-m", "benchmarks.engine_child", str(n), str(repeat), "warm"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    figures = dict(json.loads(line.splitlines()[-1]))
    figures["load"] = _load()
    return figures


def _exists(name: str) -> bool:
    import psycopg  # noqa: PLC0415 - only for this benchmark

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres") as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def run_at(n: int, database: str, fresh: bool) -> dict[str, Any]:
    env = {**os.environ, "INNOPOINTS_BENCH_DB": database}
    reuse = [] if fresh or not _exists(database) else ["--reuse"]
    line = subprocess.run(
        [sys.executable, "-m", "benchmarks.million", str(n), *reuse],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout.strip()
    figures = dict(json.loads(line.splitlines()[-1]))
    figures["reused"] = bool(reuse)
    return figures


def exponent(sizes: list[int], seconds: list[float]) -> float | None:
    """k of the least-squares line log t = k log n + c."""
    if len(sizes) < 2:
        return None
    xs = [math.log(n) for n in sizes]
    ys = [math.log(t) for t in seconds]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def _sizes(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", default="100000,300000,1000000")
    parser.add_argument("--run", default="100000,300000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db-prefix", default="bench_growth")
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {"engine": [], "run": []}
    print("Engine, Sichuan, full breakdown + agreement, warm, in memory")
    print(
        f"{'enterprises':>12} {'median':>9} {'min–max':>15} {'peak RSS':>10} {'per ent.':>9} load"
    )
    medians = []
    for n in _sizes(args.engine):
        figures = engine_at(n, args.repeat)
        walls = figures["walls_s"]
        medians.append(statistics.median(walls))
        results["engine"].append(figures)
        print(
            f"{n:>12,} {medians[-1]:>8.3f}s {min(walls):>6.3f}–{max(walls):<7.3f}s "
            f"{figures['peak_rss_mb']:>8.0f}MB {figures['peak_rss_mb'] * 2**10 / n:>7.2f}KB "
            f"{figures['load']}"
        )
    k = exponent(_sizes(args.engine), medians)
    results["engine_k"] = k
    print(f"  fitted exponent k (time ∝ n^k): {k:.2f}" if k is not None else "")
    print("\nPlatform run, PostgreSQL → stored results (one process per run)")
    print(
        f"{'enterprises':>12} {'median':>9} {'min–max':>15} {'peak RSS':>10} {'per ent.':>9} load"
    )
    sizes, run_medians = [], []
    for n in _sizes(args.run):
        database = f"{args.db_prefix}_{n}"
        measured = [run_at(n, database, args.fresh and i == 0) for i in range(args.repeat)]
        timed = [m for m in measured if m["reused"]] or measured
        walls = [m["run_s"] for m in timed]
        peak = statistics.median(m["peak_rss_mb"] for m in timed)
        results["run"].append({"n": n, "runs": measured})
        sizes.append(n)
        run_medians.append(statistics.median(walls))
        loads = "/".join(str(m["load"][0]) for m in timed)
        print(
            f"{n:>12,} {run_medians[-1]:>8.1f}s {min(walls):>6.1f}–{max(walls):<7.1f}s "
            f"{peak:>8.0f}MB {peak * 2**10 / n:>7.2f}KB {loads}"
        )
        stages = timed[-1]["stages"]
        print(f"{'':>12} stages of the last: " + ", ".join(f"{a} {b}s" for a, b in stages.items()))
    k = exponent(sizes, run_medians)
    results["run_k"] = k
    print(f"  fitted exponent k (time ∝ n^k): {k:.2f}" if k is not None else "")
    OUT.mkdir(exist_ok=True)
    (OUT / "growth.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
