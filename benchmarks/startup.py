"""Start-up of the command line: ``innopoints --help`` in a fresh process, warm (bytecode
cached) and cold (every module compiled again: an empty PYTHONPYCACHEPREFIX). Goal ≤ 0.3 s.

uv run python -m benchmarks --only startup [--repeat 7]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any


def _once(env: dict[str, str]) -> float:
    exe = shutil.which("innopoints") or os.path.join(os.path.dirname(sys.executable), "innopoints")
    start = time.perf_counter()
    subprocess.run([exe, "--help"], check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def measure(repeat: int) -> dict[str, Any]:
    warm_env = dict(os.environ)
    _once(warm_env)  # the bytecode is written once
    warm = [_once(warm_env) for _ in range(repeat)]
    cold = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as prefix:
            cold.append(_once({**os.environ, "PYTHONPYCACHEPREFIX": prefix}))
    return {"warm": warm, "cold": cold}


def describe(seconds: list[float]) -> str:
    return (
        f"median {statistics.median(seconds):.3f} s "
        f"(range {min(seconds):.3f}–{max(seconds):.3f}, n={len(seconds)})"
    )


def print_startup(repeat: int, results: dict[str, Any]) -> None:
    measured = measure(max(repeat, 5))
    results["startup"] = measured
    print("\n`innopoints --help` start-up, a fresh process each (goal ≤ 0.3 s warm)")
    print(f"  warm (bytecode cached): {describe(measured['warm'])}")
    print(f"  cold (no bytecode):     {describe(measured['cold'])}")
