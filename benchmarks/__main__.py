"""Run every benchmark and print its figures (see README, Performance).

uv run python -m benchmarks [--sizes 30000,100000,1000000] [--repeat 5] [--cli-rows 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def engine(n: int, repeat: int, warm: bool) -> dict[str, object]:
    line = (
        subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.engine_child",
                str(n),
                str(repeat),
                "warm" if warm else "cold",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return dict(json.loads(line))


def cli_end_to_end(rows: int, repeat: int) -> dict[str, object]:
    exe = shutil.which("innopoints") or "innopoints"
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "province.csv"
        subprocess.run(
            [exe, "synth", "--n", str(rows), "--seed", "5", "--out", str(source)],
            check=True,
            capture_output=True,
        )
        walls = []
        for k in range(repeat):
            out = Path(tmp) / f"scores{k}.csv"
            start = time.perf_counter()
            subprocess.run(
                [
                    exe,
                    "score",
                    str(source),
                    "--scheme",
                    "sichuan-2025",
                    "--period",
                    "2025",
                    "--out",
                    str(out),
                    "--report",
                    str(Path(tmp) / "r.json"),
                    "--quiet",
                ],
                check=True,
            )
            walls.append(time.perf_counter() - start)
        size_mb = source.stat().st_size / 2**20
    return {
        "rows": rows,
        "file_mb": round(size_mb, 1),
        "walls_s": walls,
        "median_s": statistics.median(walls),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--sizes", default="30000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cli-rows", type=int, default=100_000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"innopoints benchmarks on {machine}")
    print("\nEngine: Sichuan scheme, full breakdown and agreement report, in memory")
    print(
        f"{'enterprises':>12} {'warm median':>12} {'warm min':>9} {'cold 1st':>9} "
        f"{'peak RSS':>9} {'input RSS':>10} {'breakdown table':>16}"
    )
    results: dict[str, object] = {"machine": machine, "engine": []}
    for n in sizes:
        warm = engine(n, args.repeat, warm=True)
        cold = engine(n, 1, warm=False)
        results["engine"].append({"warm": warm, "cold": cold})  # type: ignore[attr-defined]
        print(
            f"{n:>12,} {warm['median_s']:>11.3f}s {min(warm['walls_s']):>8.3f}s "  # type: ignore[arg-type]
            f"{cold['median_s']:>8.3f}s {warm['peak_rss_mb']:>7.0f}MB "
            f"{warm['input_rss_mb']:>8.0f}MB {warm['breakdown_table_s']:>15.3f}s"
        )
        print(
            f"{'':>12} stages (warm median): "
            + ", ".join(f"{k} {v:.3f}s" for k, v in warm["stages_median_s"].items())
        )  # type: ignore[attr-defined]
    print(
        f"\nCommand line end to end: innopoints score on a {args.cli_rows:,}-row CSV "
        "(read, check, score, write CSV and report)"
    )
    cli = cli_end_to_end(args.cli_rows, 3)
    results["cli"] = cli
    print(
        f"  {cli['file_mb']} MB input; runs {', '.join(f'{w:.2f}s' for w in cli['walls_s'])}; "  # type: ignore[attr-defined]
        f"median {cli['median_s']:.2f}s"
    )
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nfigures saved to {OUT / 'results.json'}")


if __name__ == "__main__":
    main()
