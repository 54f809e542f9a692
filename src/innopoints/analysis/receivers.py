"""Adds a run's pool memberships in the same transaction as its results."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.db import IntegrityError

from innopoints.analysis.models import Pool, PoolMembership
from innopoints.analysis.pools import members, period_year, pool_inputs
from innopoints.core import bulk
from innopoints.engine.result import ScoreResult
from innopoints.registry.models import Qualification, held_in
from innopoints.scoring.models import Run


def held_qualifications(enterprise_ids: list[int], year: int) -> dict[int, list[str]]:
    held: dict[int, list[str]] = {}
    query = Qualification.objects.filter(held_in(year))
    for enterprise_id, kind in query.values_list("enterprise_id", "kind"):
        held.setdefault(enterprise_id, []).append(kind)
    return {e: held[e] for e in enterprise_ids if e in held}


def evaluate_pools(run: Run, table: pl.DataFrame, result: ScoreResult, **_: Any) -> int:
    ids = table["enterprise_id"].to_list()
    frame = pool_inputs(table, result, held_qualifications(ids, period_year(run.period)))
    parts = [
        pl.DataFrame(
            {"pool": pool.pk, "run": run.pk, "enterprise": members(frame, pool.rule)},
            schema={"pool": pl.Int64, "run": pl.Int64, "enterprise": pl.Int64},
        )
        for pool in Pool.objects.all()
    ]
    if not parts:
        return 0
    count = bulk.insert_frame(PoolMembership, pl.concat(parts))
    # the references are checked here, set-wise (see PoolMembership)
    broken = bulk.unmatched_references(PoolMembership, "enterprise", run=run)
    broken += bulk.unmatched_references(PoolMembership, "pool", run=run)
    if broken:
        raise IntegrityError(f"{broken} pool memberships of run {run.pk} point at nothing")
    return count
