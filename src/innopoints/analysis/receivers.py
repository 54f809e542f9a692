"""Adds a run's pool memberships in the same transaction as its results."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.db.models import Q

from innopoints.analysis.models import Pool, PoolMembership
from innopoints.analysis.pools import members, period_year, pool_inputs
from innopoints.collection import bulk
from innopoints.engine.result import ScoreResult
from innopoints.registry.models import Qualification
from innopoints.scoring.models import Run


def held_qualifications(enterprise_ids: list[int], year: int) -> dict[int, list[str]]:
    held: dict[int, list[str]] = {}
    query = Qualification.objects.filter(valid_from__lte=year).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=year)
    )
    for enterprise_id, kind in query.values_list("enterprise_id", "kind"):
        held.setdefault(enterprise_id, []).append(kind)
    return {e: held[e] for e in enterprise_ids if e in held}


def evaluate_pools(run: Run, table: pl.DataFrame, result: ScoreResult, **_: Any) -> int:
    ids = table["enterprise_id"].to_list()
    frame = pool_inputs(table, result, held_qualifications(ids, period_year(run.period)))
    rows = []
    for pool in Pool.objects.all():
        rows += [(pool.pk, run.pk, enterprise) for enterprise in members(frame, pool.rule)]
    return bulk.insert_rows(PoolMembership, ["pool", "run", "enterprise"], rows)
