"""innopoints' COINr methods against COINr's own timings (../shared/reference/coinr/synthetic).

Treat (defaults) + normalise (min-max 0–100) + aggregate (arithmetic mean up the tree) on the
synthetic 1,000 × 25 set, and on 10,000 and 50,000 rows drawn from it with replacement
(seed 7), compared with timings_coinr.csv (COINr 1.1.14 on the same step sizes, 2 reps each;
its 10k/50k sets were also resampled from the 1,000 rows). COINr's figure at a size it did
not run is extrapolated linearly from its two largest sizes (its time is ~linear in rows).

uv run python -m benchmarks.coinr_speed
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import numpy as np
import polars as pl

from innopoints.engine.coinr.aggregate import aggregate_tree
from innopoints.engine.coinr.normalisers import normalise
from innopoints.engine.coinr.treat import treat
from innopoints.engine.coinr.tree import Tree

SYNTH = Path(__file__).resolve().parents[2] / "shared" / "reference" / "coinr" / "synthetic"
STEPS = ("treat", "normalise", "aggregate")


def _read(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema_length=0)
    return frame.with_columns(
        [pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in frame.columns]
    )


def coinr_seconds() -> dict[int, float]:
    """COINr's median treat + normalise + aggregate seconds by number of units."""
    t = _read(SYNTH / "timings_coinr.csv").with_columns(
        pl.col("n_units").cast(pl.Int64), pl.col("seconds").cast(pl.Float64)
    )
    t = t.filter(pl.col("step").is_in(STEPS))
    per_rep = t.group_by("n_units", "rep").agg(pl.col("seconds").sum())
    med = per_rep.group_by("n_units").agg(pl.col("seconds").median()).sort("n_units")
    return dict(zip(med["n_units"].to_list(), med["seconds"].to_list(), strict=True))


def extrapolate(known: dict[int, float], n: int) -> float:
    if n in known:
        return known[n]
    (n1, s1), (n2, s2) = sorted(known.items())[-2:]
    return s2 + (s2 - s1) / (n2 - n1) * (n - n2)


def run_once(x: np.ndarray, tree: Tree, ind: list[str]) -> dict[str, float]:
    times = {}
    start = time.perf_counter()
    treated = treat(x)
    times["treat"] = time.perf_counter() - start
    start = time.perf_counter()
    normalised = normalise(treated.x, "minmax", tree.directions(ind), l_u=(0.0, 100.0))
    times["normalise"] = time.perf_counter() - start
    start = time.perf_counter()
    aggregate_tree(normalised, ind, tree)
    times["aggregate"] = time.perf_counter() - start
    return times


def main(sizes: tuple[int, ...] = (1000, 10_000, 50_000), repeat: int = 5) -> dict[str, object]:
    tree = Tree.from_frame(_read(SYNTH / "synth_iMeta.csv"))
    ind = tree.indicators
    base = _read(SYNTH / "synth1000_iData.csv").select(ind).cast(pl.Float64).to_numpy()
    coinr = coinr_seconds()
    rng = np.random.default_rng(7)
    rows = []
    print("COINr treat + normalise + aggregate vs innopoints (synthetic 25 indicators, 5 pillars)")
    print(f"{'units':>8} {'COINr s':>9} {'innopoints s':>13} {'speed-up':>9}  innopoints by step")
    for n in sizes:
        x = base if n == base.shape[0] else base[rng.integers(0, base.shape[0], n)]
        run_once(x, tree, ind)  # warm
        runs = [run_once(x, tree, ind) for _ in range(repeat)]
        total = statistics.median(sum(r.values()) for r in runs)
        steps = {s: statistics.median(r[s] for r in runs) for s in STEPS}
        theirs = extrapolate(coinr, n)
        label = "" if n in coinr else " (extrapolated)"
        rows.append({"n": n, "coinr_s": theirs, "innopoints_s": total, "steps_s": steps})
        detail = ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in steps.items())
        print(f"{n:>8,} {theirs:>9.3f} {total:>13.4f} {theirs / total:>8.0f}×  {detail}{label}")
    result = {"coinr_speed": rows}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
