"""Comparing two runs (积分跃升): risers and fallers, tier changes, new and dropped enterprises."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from django.utils.translation import gettext

from innopoints.scoring.models import Result, Run


@dataclass(frozen=True)
class Comparison:
    before: Run
    after: Run
    risers: pl.DataFrame
    fallers: pl.DataFrame
    tier_changes: pl.DataFrame
    """before tier × after tier counts."""
    new: pl.DataFrame
    dropped: pl.DataFrame
    both: pl.DataFrame | None = None
    """Every enterprise of both runs with its change, the largest rise first."""


def _frame(run: Run) -> pl.DataFrame:
    rows = list(
        Result.objects.filter(run=run).values_list(
            "enterprise_id",
            "enterprise__name",
            "enterprise__credit_code",
            "total",
            "rank",
            "tier",
            "coverage",
        )
    )
    return pl.DataFrame(
        rows,
        orient="row",
        schema={
            "enterprise_id": pl.Int64,
            "name": pl.String,
            "credit_code": pl.String,
            "total": pl.Float64,
            "rank": pl.Int64,
            "tier": pl.String,
            "coverage": pl.Float64,
        },
    )


def compare(before: Run, after: Run, top: int = 50) -> Comparison:
    a, b = _frame(before), _frame(after)
    both = a.join(b, on="enterprise_id", suffix="_after").with_columns(
        (pl.col("total_after") - pl.col("total")).alias("change"),
        (pl.col("rank") - pl.col("rank_after")).alias("rank_change"),
    )
    risers = both.filter(pl.col("change") > 0).sort("change", descending=True).head(top)
    fallers = both.filter(pl.col("change") < 0).sort("change").head(top)
    vetoed = gettext("清零")
    tiers = (
        both.with_columns(
            pl.col("tier").replace("", vetoed), pl.col("tier_after").replace("", vetoed)
        )
        .group_by("tier", "tier_after")
        .len()
        .sort("tier", "tier_after")
    )
    new = b.join(a, on="enterprise_id", how="anti").sort("rank", nulls_last=True)
    dropped = a.join(b, on="enterprise_id", how="anti").sort("rank", nulls_last=True)
    both = both.sort("change", "enterprise_id", descending=[True, False], nulls_last=True)
    return Comparison(before, after, risers, fallers, tiers, new, dropped, both)
