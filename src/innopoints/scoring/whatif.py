"""What-if of a draft scheme: the latest finished run's stored inputs — the very values it used
(``used_values``), for the very enterprises it scored — scored again with the draft, and set
against the run's stored results: rank changes, tier movements by stage, field and division,
the enterprises that cross a tier line, and the draft's agreement (吻合度)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from django.core.cache import cache
from django.db.models import Q
from django.utils.translation import gettext

from innopoints.accounts import scope
from innopoints.core.background import run_in_process
from innopoints.engine import score
from innopoints.engine.agreement import spearman
from innopoints.engine.booleans import stored_bool_casts
from innopoints.engine.fields import base_catalogue
from innopoints.engine.scheme import Scheme
from innopoints.scoring.execution import enterprise_frame
from innopoints.scoring.models import Result, Run, SchemeVersion
from innopoints.scoring.scheme_view import localised
from innopoints.scoring.used_values import used_values
from innopoints.site.names import region_name

LIST_LIMIT = 200


def latest_run(user: Any, scheme_id: str | None = None) -> Run | None:
    """The latest finished run the user may manage, of ``scheme_id`` when there is one."""
    runs = Run.objects.filter(scope.run_filter(user), status="done").select_related(
        "scheme_version", "region"
    )
    runs = runs.filter(Q(region__isnull=True) | Q(region__code__in=_governed(user)))
    ordered = runs.order_by("-finished_at", "-pk")
    if scheme_id is not None:
        same = ordered.filter(scheme_version__scheme_id=scheme_id).first()
        if same is not None:
            return same
    return ordered.first()


def _governed(user: Any) -> Any:
    return scope.governed_regions(user).values("code")


def stored_table(run: Run) -> pl.DataFrame:
    """The run's engine input rebuilt from what it stored: its enterprises (those it scored)
    with the values it used."""
    scored = list(Result.objects.filter(run=run).order_by().values_list("enterprise_id", flat=True))
    frame = enterprise_frame(run).filter(pl.col("enterprise_id").is_in(scored))
    values = used_values(run, None, None)
    table = frame.join(values, on="enterprise_id", how="left")
    table = table.with_columns(stored_bool_casts(table.columns, base_catalogue()))
    return table.sort("enterprise_id")


@dataclass
class WhatIf:
    run: Run
    n: int
    n_rank_changed: int
    mean_abs_rank_change: float
    n_tier_up: int
    n_tier_down: int
    tier_matrix: list[dict[str, Any]]
    by_group: dict[str, list[dict[str, Any]]]
    crossing: list[dict[str, Any]]
    risers: list[dict[str, Any]]
    fallers: list[dict[str, Any]]
    agreement_before: dict[str, Any]
    agreement_after: dict[str, Any]
    spearman_with_run: float | None
    warnings: list[str] = field(default_factory=list)
    renormalised: dict[str, Any] | None = None
    """The missing-data option's effect: the enterprises scored over the indicators they have
    (None when the draft scores a missing value 0)."""
    deducted: dict[str, Any] | None = None
    """The deductions' effect: the enterprises that lost points (None: the draft has none)."""


def _before(run: Run) -> pl.DataFrame:
    rows = list(
        Result.objects.filter(run=run)
        .order_by()
        .values_list(
            "enterprise_id", "enterprise__name", "rank", "tier", "stage", "industry", "region_code"
        )
    )
    return pl.DataFrame(
        rows,
        orient="row",
        schema={
            "enterprise_id": pl.Int64,
            "name": pl.String,
            "rank": pl.Int64,
            "tier": pl.String,
            "stage": pl.String,
            "industry": pl.String,
            "region_code": pl.String,
        },
    )


INLINE_LIMIT = 20_000
"""Runs of up to this many enterprises are re-scored while the page waits (a second or two);
larger ones in the background, the page refreshing until the result is there."""


def _key(run: Run, draft: Scheme) -> str:
    return f"scheme-whatif:{run.pk}:{draft.fingerprint}"


def what_if(run: Run, draft: Scheme) -> WhatIf:
    """Score the run's stored inputs with ``draft`` (cached per run and draft content)."""
    found = cache.get(_key(run, draft))
    if isinstance(found, WhatIf):
        return found
    computed = _what_if(run, draft)
    cache.set(_key(run, draft), computed, 3600)
    return computed


def what_if_or_start(run: Run, version: SchemeVersion) -> WhatIf | str | None:
    """The what-if when it is ready (computed now for a small run); else None once it has
    been started in the background, or the error text of a background attempt that failed."""
    draft = version.scheme()
    found = cache.get(_key(run, draft))
    if isinstance(found, WhatIf | str) and found != PENDING:
        return found
    if run.n_enterprises <= INLINE_LIMIT:
        return what_if(run, draft)
    if found != PENDING:
        cache.set(_key(run, draft), PENDING, 3600)
        run_in_process(_in_background, run.pk, version.pk, name=f"what-if-{run.pk}-{version.pk}")
    return None


PENDING = "pending"


def _in_background(run_id: int, version_id: int) -> None:
    run = Run.objects.select_related("scheme_version").get(pk=run_id)
    draft = SchemeVersion.objects.get(pk=version_id).scheme()
    try:
        cache.set(_key(run, draft), _what_if(run, draft), 3600)
    except Exception as exc:  # the page shows why instead of waiting for ever
        cache.set(_key(run, draft), f"{type(exc).__name__}: {exc}", 3600)


def _what_if(run: Run, draft: Scheme) -> WhatIf:
    table = stored_table(run)
    result = score(draft, table, run.period, source=f"what-if of run {run.pk}")
    after = pl.DataFrame(
        {
            "enterprise_id": table["enterprise_id"],
            "rank_after": pl.Series(np.where(result.rank > 0, result.rank, -1)).replace(-1, None),
            "tier_after": pl.Series(result.tier_codes().tolist(), dtype=pl.String).fill_null(""),
            "total_after": result.total,
            "renormalised": _flags(result.renormalised, table.height),
            "deduction": result.deduction
            if result.deduction is not None
            else np.zeros(table.height, dtype=np.float64),
        }
    )
    both = _before(run).join(after, on="enterprise_id", how="inner")
    old_scheme = run.scheme_version.scheme()
    order = {t.code: k for k, t in enumerate(draft.tiers.levels)}
    order.update({t.code: k for k, t in enumerate(old_scheme.tiers.levels) if t.code not in order})
    worst = len(order)
    both = both.with_columns(
        pl.col("tier").replace_strict(order, default=worst).alias("_t0"),
        pl.col("tier_after").replace_strict(order, default=worst).alias("_t1"),
        (pl.col("rank") - pl.col("rank_after")).alias("rank_change"),
    )
    moved = both.filter(pl.col("_t0") != pl.col("_t1"))
    names = _tier_names(old_scheme, draft)
    matrix = (
        both.group_by("tier", "tier_after")
        .len()
        .sort("tier", "tier_after")
        .with_columns(
            pl.col("tier").replace_strict(names, default=None),
            pl.col("tier_after").replace_strict(names, default=None),
        )
        .to_dicts()
    )
    by_group = {
        "stage": _grouped(both, "stage", lambda c: _stage_name(old_scheme, draft, c)),
        "industry": _grouped(both, "industry", lambda c: c or "—"),
        "division": _grouped(
            both.with_columns((pl.col("region_code").str.slice(0, 4) + "00").alias("division")),
            "division",
            region_name,
        ),
    }
    crossing = [
        {
            **row,
            "tier": names.get(row["tier"], row["tier"]),
            "tier_after": names.get(row["tier_after"], row["tier_after"]),
            "up": row["_t1"] < row["_t0"],
        }
        for row in moved.sort("_t1", "rank_after", nulls_last=True).head(LIST_LIMIT).to_dicts()
    ]
    ranked = both.filter(pl.col("rank_change").is_not_null())
    agreement = result.agreement.to_dict() if result.agreement else {}
    spearman = _spearman(ranked) if ranked.height >= 2 else None
    return WhatIf(
        run=run,
        n=both.height,
        n_rank_changed=ranked.filter(pl.col("rank_change") != 0).height,
        mean_abs_rank_change=float(ranked["rank_change"].abs().mean() or 0.0),
        n_tier_up=moved.filter(pl.col("_t1") < pl.col("_t0")).height,
        n_tier_down=moved.filter(pl.col("_t1") > pl.col("_t0")).height,
        tier_matrix=matrix,
        by_group=by_group,
        crossing=crossing,
        risers=ranked.sort("rank_change", descending=True).head(10).to_dicts(),
        fallers=ranked.sort("rank_change").head(10).to_dicts(),
        agreement_before=(run.report or {}).get("agreement") or {},
        agreement_after=agreement,
        spearman_with_run=spearman,
        warnings=list(result.warnings),
        renormalised=None
        if result.renormalised is None
        else _effect(both.filter(pl.col("renormalised"))),
        deducted=None
        if result.deduction is None
        else {
            **_effect(both.filter(pl.col("deduction") > 0)),
            "mean_points": float(both.filter(pl.col("deduction") > 0)["deduction"].mean() or 0.0),
        },
    )


def _flags(values: Any, n: int) -> Any:
    return np.zeros(n, dtype=bool) if values is None else values


def _effect(rows: pl.DataFrame) -> dict[str, Any]:
    """How a group of enterprises moved: how many, tier ups and downs, mean rank change (a
    positive change = a better rank)."""
    ranked = rows.filter(pl.col("rank_change").is_not_null())
    return {
        "n": rows.height,
        "up": rows.filter(pl.col("_t1") < pl.col("_t0")).height,
        "down": rows.filter(pl.col("_t1") > pl.col("_t0")).height,
        "mean_rank_change": float(ranked["rank_change"].mean() or 0.0) if ranked.height else None,
    }


def _spearman(ranked: pl.DataFrame) -> float | None:
    return spearman(
        ranked["rank"].cast(pl.Float64).to_numpy(), ranked["rank_after"].cast(pl.Float64).to_numpy()
    )


def _tier_names(*schemes: Scheme) -> dict[str, str]:
    names = {"": gettext("清零")}
    for scheme in schemes:
        for tier in scheme.tiers.levels:
            names.setdefault(tier.code, localised(tier.name))
    return names


def _stage_name(a: Scheme, b: Scheme, code: str) -> str:
    for scheme in (b, a):
        for stage in scheme.stage_rule.stages:
            if stage.code == code:
                return localised(stage.name)
    return code


def _grouped(both: pl.DataFrame, column: str, name: Any) -> list[dict[str, Any]]:
    grouped = (
        both.group_by(column)
        .agg(
            pl.len().alias("n"),
            (pl.col("_t1") < pl.col("_t0")).sum().alias("up"),
            (pl.col("_t1") > pl.col("_t0")).sum().alias("down"),
            (pl.col("rank_change") != 0).sum().alias("rank_changed"),
        )
        .sort(column)
    )
    return [{**row, "name": name(row[column])} for row in grouped.to_dicts()]
