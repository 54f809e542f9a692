"""The matching frame of a run (see ``matching.py`` for its columns), read from the database
set-wise: results, pool memberships, qualifications held in the period, active authorisations
to institutions, and the input facts the offerings name — the values the run itself used."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl
from django.db.models import Count
from django.utils import timezone

from innopoints.analysis.models import PoolMembership
from innopoints.analysis.pools import period_year
from innopoints.collection.models import Authorisation
from innopoints.registry.models import Qualification, held_in
from innopoints.scoring.models import Result, Run
from innopoints.scoring.used_values import used_values

RESULT_COLUMNS = {
    "enterprise_id": pl.Int64,
    "total": pl.Float64,
    "tier": pl.String,
    "stage": pl.String,
    "vetoed": pl.Boolean,
    "rank": pl.Int64,
    "rank_stage": pl.Int64,
    "industry": pl.String,
    "region_code": pl.String,
}


def _lists(rows: Iterable[tuple[int, object]], name: str, inner: pl.DataType) -> pl.DataFrame:
    frame = pl.DataFrame(list(rows), orient="row", schema={"enterprise_id": pl.Int64, name: inner})
    return frame.group_by("enterprise_id").agg(pl.col(name).unique().sort())


def run_frame(
    run: Run,
    fields: Iterable[str] = (),
    enterprise_ids: list[int] | None = None,
    day: dt.date | None = None,
) -> pl.DataFrame:
    """One row per enterprise of the run (or of ``enterprise_ids`` only: the rank shares are
    still those of the whole run)."""
    day = day or timezone.localdate()
    results = Result.objects.filter(run=run)
    if enterprise_ids is not None:
        results = results.filter(enterprise_id__in=enterprise_ids)
    frame = pl.DataFrame(
        list(results.order_by().values_list(*RESULT_COLUMNS)),
        orient="row",
        schema=RESULT_COLUMNS,
    ).with_columns(pl.col("tier").replace("", None), pl.col("industry").replace("", None))
    per_stage = dict(
        Result.objects.filter(run=run, rank_stage__isnull=False)
        .order_by()
        .values_list("stage")
        .annotate(n=Count("pk"))
    )
    n_ranked = max(run.n_ranked, 1)
    frame = frame.with_columns(
        (pl.col("rank") / n_ranked * 100).alias("rank_share"),
        (
            pl.col("rank_stage")
            / pl.col("stage").replace_strict(per_stage, default=None, return_dtype=pl.Float64)
            * 100
        ).alias("rank_share_stage"),
    )
    ids = frame["enterprise_id"].to_list() if enterprise_ids is not None else None
    year = period_year(run.period)
    held = Qualification.objects.filter(held_in(year))
    pools = PoolMembership.objects.filter(run=run)
    grants = Authorisation.objects.active_on(day).filter(institution__isnull=False).order_by()
    if ids is not None:
        held, pools, grants = (
            held.filter(enterprise_id__in=ids),
            pools.filter(enterprise_id__in=ids),
            grants.filter(enterprise_id__in=ids),
        )
    parts = [
        _lists(held.order_by().values_list("enterprise_id", "kind"), "qualifications", pl.String),
        _lists(pools.order_by().values_list("enterprise_id", "pool__code"), "pools", pl.String),
        _lists(grants.values_list("enterprise_id", "institution_id"), "authorised", pl.Int64),
    ]
    for part in parts:
        frame = frame.join(part, on="enterprise_id", how="left")
    facts = run_facts(run, sorted(set(fields)), ids)
    if facts is not None:
        frame = frame.join(facts, on="enterprise_id", how="left")
    return frame


def run_facts(run: Run, fields: list[str], ids: list[int] | None) -> pl.DataFrame | None:
    """The values of ``fields`` the run used, wide (one column a field)."""
    if not fields:
        return None
    return used_values(run, fields, ids)
