"""Policy matching at national scale: a synthetic 1,000,000-enterprise matching frame and 100
offerings with mixed rules and terms, evaluated vectorised (``applications/matching.py``).

uv run python -m benchmarks.matching [--n 1000000] [--offerings 100] [--repeat 3]

Prints the frame build, the evaluation (median of the repeats), the pairs found and the peak
memory; the last line is JSON for ``python -m benchmarks``. Target: ≤ 30 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from typing import Any

import numpy as np
import polars as pl

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "innopoints.site.settings")

STAGES = ["seed", "startup", "growth", "mature"]
INDUSTRIES = ["电子信息", "生物医药", "先进装备", "新材料", "航空航天", "清洁能源", "人工智能"]
QUALIFICATIONS = ["hitech", "sme", "little_giant", "gazelle"]
POOLS = ["sme", "hitech", "listing", "leader"]
REGIONS = ["510104", "510107", "510500", "510600", "510700", "511100", "513200"]


def _lists(rng: np.random.Generator, n: int, codes: list[str], p: float) -> pl.Series:
    """A list column built without a Python loop: each code held with probability p."""
    held = rng.random((n, len(codes))) < p
    long = pl.DataFrame(
        {
            "row": np.repeat(np.arange(n), len(codes)),
            "code": np.tile(np.array(codes), n),
            "held": held.ravel(),
        }
    )
    grouped = (
        long.filter(pl.col("held"))
        .group_by("row")
        .agg(pl.col("code"))
        .join(pl.DataFrame({"row": np.arange(n)}), on="row", how="right")
        .sort("row")
    )
    return grouped["code"]


def synthetic_frame(n: int, seed: int = 7) -> pl.DataFrame:
    from innopoints.applications.matching import with_rank_shares  # noqa: PLC0415

    rng = np.random.default_rng(seed)
    total = rng.normal(60, 12, n).clip(0, 100)
    vetoed = rng.random(n) < 0.03
    stage = rng.choice(STAGES, n)
    frame = pl.DataFrame(
        {
            "enterprise_id": np.arange(1, n + 1, dtype=np.int64),
            "total": total,
            "vetoed": vetoed,
            "stage": stage,
            "industry": rng.choice(INDUSTRIES, n),
            "region_code": rng.choice(REGIONS, n),
            "revenue": rng.lognormal(7, 1.5, n),
            "revenue_prev": np.where(rng.random(n) < 0.9, rng.lognormal(7, 1.5, n), np.nan),
            "employees": rng.integers(3, 2000, n).astype(np.float64),
        }
    ).with_columns(pl.col("revenue_prev").fill_nan(None))
    ranked = ~pl.col("vetoed")
    frame = frame.with_columns(
        pl.when(ranked)
        .then(pl.col("total").rank("ordinal", descending=True).over("vetoed"))
        .cast(pl.Int64)
        .alias("rank"),
        pl.when(ranked)
        .then(pl.col("total").rank("ordinal", descending=True).over(["vetoed", "stage"]))
        .cast(pl.Int64)
        .alias("rank_stage"),
    ).with_columns(
        pl.when(pl.col("rank").is_null())
        .then(None)
        .when(pl.col("total") >= 80)
        .then(pl.lit("A"))
        .when(pl.col("total") >= 65)
        .then(pl.lit("B"))
        .when(pl.col("total") >= 50)
        .then(pl.lit("C"))
        .otherwise(pl.lit("D"))
        .alias("tier")
    )
    authorised = pl.Series(
        "authorised",
        pl.DataFrame({"i": rng.integers(1, 20, n)})
        .select(pl.when(pl.Series(rng.random(n) < 0.2)).then(pl.concat_list(pl.col("i"))))
        .to_series(),
    )
    return with_rank_shares(
        frame.with_columns(
            _lists(rng, n, QUALIFICATIONS, 0.15).alias("qualifications"),
            _lists(rng, n, POOLS, 0.1).alias("pools"),
            authorised,
        )
    )


def offerings(k: int, seed: int = 11) -> list[Any]:
    from innopoints.applications.matching import OfferingSpec, check_eligibility, check_terms  # noqa: PLC0415

    rng = np.random.default_rng(seed)
    specs = []
    for i in range(k):
        rules: list[dict[str, Any]] = [{"test": "no_veto"}]
        choice = i % 10
        if choice in {0, 5}:
            rules.append({"test": "score", "gt": float(rng.integers(55, 80))})
        if choice in {1, 6}:
            rules.append({"test": "tier", "in": ["A", "B"]})
        if choice in {2, 7}:
            rules.append(
                {"test": "rank_share", "max": float(rng.integers(5, 40)), "within": "stage"}
            )
        if choice == 3:
            rules.append({"test": "qualification", "any": ["hitech", "little_giant"]})
        if choice == 4:
            rules.append({"test": "pool", "any": ["sme"]})
        if choice == 8:
            rules += [
                {"test": "industry", "in": INDUSTRIES[:3]},
                {"test": "stage", "in": STAGES[:2]},
            ]
        if choice == 9:
            rules += [{"test": "authorisation"}, {"test": "fact", "field": "employees", "max": 500}]
        if i % 3 == 0:
            rules.append({"test": "region", "in": ["5101"]})
        terms = {
            "max_amount": float(rng.integers(100, 2000)),
            "amount": {"revenue_multiple": 0.3},
            "rate": {"base": "lpr_1y", "spread_bp": 80, "tier_spread_bp": {"A": 50, "B": 65}},
        }
        check_eligibility(rules)
        check_terms(terms)
        specs.append(
            OfferingSpec(
                id=i + 1,
                eligibility=rules,
                terms=terms,
                institution_id=int(rng.integers(1, 20)),
                region_prefix="51" if i % 2 else "",
            )
        )
    return specs


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.matching")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--offerings", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import django  # noqa: PLC0415 - the matching module's messages use Django's gettext

    django.setup()
    from innopoints.applications.matching import evaluate  # noqa: PLC0415

    started = time.perf_counter()
    frame = synthetic_frame(args.n)
    built = time.perf_counter() - started
    specs = offerings(args.offerings)
    n_conditions = sum(len(s.conditions()) for s in specs)
    walls = []
    pairs = pl.DataFrame()
    for _ in range(args.repeat):
        started = time.perf_counter()
        pairs = evaluate(frame, specs, {"lpr_1y": 3.0})
        walls.append(time.perf_counter() - started)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"policy matching: {args.n:,} enterprises × {len(specs)} offerings "
        f"({n_conditions} conditions) on {os.cpu_count()} cores"
    )
    print(f"  synthetic frame built in {built:.2f} s ({frame.estimated_size('mb'):.0f} MB)")
    print(
        "  evaluation (conditions, reasons JSON, suggested amount and rate): "
        + ", ".join(f"{w:.2f} s" for w in walls)
        + f"; median {statistics.median(walls):.2f} s (target ≤ 30 s)"
    )
    print(
        f"  {pairs.height:,} eligible pairs ({pairs.estimated_size('mb'):.0f} MB); "
        f"peak RSS {peak:,.0f} MB"
    )
    print(
        json.dumps(
            {
                "enterprises": args.n,
                "offerings": len(specs),
                "conditions": n_conditions,
                "build_s": round(built, 3),
                "walls_s": [round(w, 3) for w in walls],
                "median_s": round(statistics.median(walls), 3),
                "pairs": pairs.height,
                "peak_rss_mb": round(peak),
            }
        )
    )


if __name__ == "__main__":
    main()
