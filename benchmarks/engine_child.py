"""One engine measurement in a fresh process: python -m benchmarks.engine_child N REPEAT WARM.

Prints one JSON line: wall times of `score` (Sichuan scheme, full breakdown, agreement), the
time to build the breakdown table, and the peak resident memory while scoring.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from innopoints.engine import load_scheme, score
from innopoints.engine.synth import synth_frame

PEAK_RESET = Path("/proc/self/clear_refs")


def rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def warm_memory(gigabytes: float) -> None:
    """Touch and free memory first. On this VM a page the process has never touched costs
    ~2.5 ms/MB to fault in (the host backs guest memory lazily); a server's memory is backed
    already. Warm runs therefore measure the engine, cold runs the VM as well."""
    block = np.ones(int(gigabytes * 2**30 / 8))
    del block


def main() -> None:
    n, repeat, warm = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "warm"
    frame = synth_frame(n, seed=1)
    scheme = load_scheme("sichuan-2025")
    if warm:
        warm_memory(4.0)
    gc.collect()
    if PEAK_RESET.exists():
        PEAK_RESET.write_text("5")
    base_rss = rss_mb("VmRSS")
    walls, stages = [], []
    result = None
    for _ in range(repeat):
        result = None
        gc.collect()
        start = time.perf_counter()
        result = score(scheme, frame, "2025")
        walls.append(time.perf_counter() - start)
        stages.append(result.timings)
    assert result is not None
    peak = rss_mb("VmHWM")
    start = time.perf_counter()
    breakdown = result.breakdown_frame()
    breakdown_s = time.perf_counter() - start
    print(
        json.dumps(
            {
                "n": n,
                "warm": warm,
                "walls_s": walls,
                "median_s": statistics.median(walls),
                "stages_median_s": {k: statistics.median(s[k] for s in stages) for k in stages[0]},
                "stages_s": {k: [s[k] for s in stages] for k in stages[0]},
                "breakdown_table_s": breakdown_s,
                "breakdown_columns": breakdown.width,
                "input_rss_mb": base_rss,
                "peak_rss_mb": peak,
                "agreement": {m.method: m.spearman for m in result.agreement.methods}
                if result.agreement
                else None,
            }
        )
    )


if __name__ == "__main__":
    main()
