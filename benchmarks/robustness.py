"""Uncertainty and sensitivity analysis at provincial scale: 1,000 Monte Carlo replications
over 30,000 synthetic enterprises (``engine/uncertainty.py``), with the Saltelli design's
extra N·d runs for the sensitivity indices on top.

uv run python -m benchmarks.robustness [--n 30000] [--replications 1000] [--repeat 1]

Prints the wall time of each repeat, its stages and the peak memory; the last line is JSON
for ``python -m benchmarks``. Target: ≤ 60 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from typing import Any

from innopoints.engine import load_scheme
from innopoints.engine.synth import synth_frame
from innopoints.engine.uncertainty import analyse

TARGET_S = 60.0


def measure(n: int, replications: int, repeat: int, sensitivity: bool) -> dict[str, Any]:
    scheme = load_scheme("sichuan-2025")
    table = synth_frame(n, seed=2025)
    walls, last = [], None
    for k in range(repeat):
        start = time.perf_counter()
        last = analyse(
            scheme, table, "2025", replications=replications, seed=k, sensitivity=sensitivity
        )
        walls.append(time.perf_counter() - start)
    assert last is not None
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = last.report()
    return {
        "enterprises": n,
        "replications": last.replications,
        "runs": last.runs,
        "varying": list(last.varying),
        "walls_s": [round(w, 3) for w in walls],
        "median_s": round(statistics.median(walls), 3),
        "stages_s": last.timings,
        "peak_rss_mb": round(peak_mb),
        "target_s": TARGET_S,
        "rank_band_median": report["rank_band"]["median"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.robustness")
    parser.add_argument("--n", type=int, default=30_000)
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-sensitivity", action="store_true")
    args = parser.parse_args()
    result = measure(args.n, args.replications, args.repeat, not args.no_sensitivity)
    walls = ", ".join(f"{w:.2f}s" for w in result["walls_s"])
    print(
        f"Robustness: {result['replications']:,} replications ({result['runs']:,} runs with the "
        f"sensitivity design) over {result['enterprises']:,} enterprises, "
        f"{len(result['varying'])} factors"
    )
    stages = ", ".join(f"{k} {v:.2f}s" for k, v in result["stages_s"].items())
    verdict = "within" if result["median_s"] <= TARGET_S else "OVER"
    print(
        f"  runs {walls}; median {result['median_s']:.2f}s ({verdict} the {TARGET_S:.0f} s "
        f"target); peak RSS {result['peak_rss_mb']} MB"
    )
    print(f"  stages of the last: {stages}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
