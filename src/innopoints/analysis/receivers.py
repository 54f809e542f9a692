"""Adds a run's pool memberships in the same transaction as its results."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.db import IntegrityError

from innopoints.analysis.models import Pool, PoolMembership
from innopoints.analysis.pools import members_frame, period_year, pool_inputs
from innopoints.core import bulk
from innopoints.engine.result import ScoreResult
from innopoints.registry.models import Qualification, held_in
from innopoints.scoring.models import Run


def held_qualifications(enterprise_ids: list[int], year: int) -> pl.DataFrame:
    """(enterprise_id, qualifications): the kinds each enterprise holds in ``year``, for those
    of ``enterprise_ids`` holding any (a frame, joined to the run's table column-wise)."""
    rows = list(Qualification.objects.filter(held_in(year)).values_list("enterprise_id", "kind"))
    held = pl.DataFrame(
        rows, orient="row", schema={"enterprise_id": pl.Int64, "kind": pl.String}
    ).filter(pl.col("enterprise_id").is_in(pl.Series(enterprise_ids, dtype=pl.Int64).implode()))
    return held.group_by("enterprise_id", maintain_order=True).agg(
        pl.col("kind").alias("qualifications")
    )


def evaluate_pools(run: Run, table: pl.DataFrame, result: ScoreResult, **_: Any) -> int:
    ids = table["enterprise_id"].to_list()
    frame = pool_inputs(table, result, held_qualifications(ids, period_year(run.period)))
    pools = list(Pool.objects.all())
    parts = [
        members_frame(frame, pool.rule).select(
            pl.lit(pool.pk, dtype=pl.Int64).alias("pool"),
            pl.lit(run.pk, dtype=pl.Int64).alias("run"),
            pl.col("enterprise_id").cast(pl.Int64).alias("enterprise"),
        )
        for pool in pools
    ]
    if not parts:
        return 0
    count = bulk.insert_frame(PoolMembership, pl.concat(parts))
    # the references are checked here, set-wise (see PoolMembership); pool by pool, so that
    # each check reads this run's rows through the (pool, run, enterprise) index instead of
    # scanning the memberships of every run ever stored
    broken = sum(
        bulk.unmatched_references(PoolMembership, field, pool=pool, run=run)
        for pool in pools
        for field in ("enterprise", "pool")
    )
    if broken:
        raise IntegrityError(f"{broken} pool memberships of run {run.pk} point at nothing")
    return count
