"""Adds a run's pool memberships in the same transaction as its results."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.db import IntegrityError

from innopoints.analysis.models import Pool, PoolMembership
from innopoints.analysis.pools import members_frame, period_year, pool_inputs
from innopoints.core import partitions
from innopoints.engine.result import ScoreResult
from innopoints.registry.models import Qualification, held_in
from innopoints.scoring.models import Run


def held_qualifications(enterprise_ids: pl.Series | list[int], year: int) -> pl.DataFrame:
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
    held = held_qualifications(table["enterprise_id"], period_year(run.period))
    frame = pool_inputs(table, result, held)
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
    members = pl.concat(parts)
    partitions.insert_frame(PoolMembership, "run", run.pk, members)
    # The references, checked set-wise (see PoolMembership): every member is one of the run's
    # enterprises, whose results were checked against the enterprises just before this signal
    # (execution.store), and every pool one of those read above — so it is enough that those
    # pools are still there (an anti-join of the memberships took a second at 1M).
    if Pool.objects.filter(pk__in=[pool.pk for pool in pools]).count() != len(pools):
        raise IntegrityError(f"pool memberships of run {run.pk} point at a pool removed meanwhile")
    return members.height
