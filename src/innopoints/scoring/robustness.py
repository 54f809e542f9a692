"""Robustness of a finished run: re-read exactly the values the run used, let the engine
re-score them under perturbed method choices (engine/uncertainty.py), store the report and
each enterprise's rank band. The nominal replication must give the run's stored ranks, or
the analysis fails rather than describe other inputs."""

from __future__ import annotations

import traceback
from typing import Any

import numpy as np
import polars as pl
from django.utils import timezone
from django.utils.translation import gettext_noop

from innopoints.engine.booleans import stored_bool_casts
from innopoints.engine.fields import base_catalogue
from innopoints.engine.uncertainty import analyse
from innopoints.registry.models import Enterprise
from innopoints.scoring.models import BAND_COLUMNS, Result, RobustnessAnalysis, Run
from innopoints.scoring.used_values import used_values

PROGRESS_STEP = 0.05
"""The stored progress moves in steps of 5 %: one UPDATE per step, not per block."""


def _update(analysis: RobustnessAnalysis, **fields: Any) -> None:
    RobustnessAnalysis.objects.filter(pk=analysis.pk).update(**fields)
    for key, value in fields.items():
        setattr(analysis, key, value)


def run_table(run: Run) -> pl.DataFrame:
    """The run's input table, rebuilt from the values it used (``Run.input_fact_ids``) for the
    enterprises it scored, with the region and industry it stored, ordered like the run."""
    scored = pl.DataFrame(
        list(
            Result.objects.filter(run=run)
            .order_by()
            .values_list("enterprise_id", "region_code", "industry")
        ),
        orient="row",
        schema={"enterprise_id": pl.Int64, "region": pl.String, "industry": pl.String},
    ).with_columns(pl.col("region", "industry").replace("", None))
    registry = pl.DataFrame(
        list(
            Enterprise.objects.filter(results__run=run)
            .order_by()
            .values_list("id", "credit_code", "established")
        ),
        orient="row",
        schema={"enterprise_id": pl.Int64, "credit_code": pl.String, "established": pl.Date},
    )
    table = registry.join(scored, on="enterprise_id", how="inner")
    wide = used_values(run, None, scored["enterprise_id"].to_list())
    if wide.height:
        table = table.join(wide, on="enterprise_id", how="left")
    casts = stored_bool_casts(table.columns, base_catalogue())
    return table.with_columns(casts).sort("enterprise_id")


def _stored_ranks(run: Run, enterprise_ids: np.ndarray) -> np.ndarray:
    rows = dict(Result.objects.filter(run=run).values_list("enterprise_id", "rank"))
    return np.array([rows.get(int(e)) or 0 for e in enterprise_ids], dtype=np.int64)


def execute(analysis: RobustnessAnalysis) -> RobustnessAnalysis:
    """Carry the analysis out; failures are stored on it (status ``failed``), never raised."""
    run = analysis.run
    _update(analysis, status="running", stage=gettext_noop("汇集数据"), progress=0.02, error="")
    try:
        table = run_table(run)
        scheme = run.scheme_version.scheme()
        last = [0.0]

        def progress(step: str, share: float) -> None:
            if share - last[0] >= PROGRESS_STEP or share >= 1.0:
                last[0] = share
                _update(analysis, stage=gettext_noop("重复测算"), progress=0.05 + 0.9 * share)

        result = analyse(
            scheme,
            table,
            run.period,
            replications=analysis.replications,
            seed=analysis.seed,
            source=f"run {run.pk}",
            progress=progress,
        )
        enterprise_ids = table["enterprise_id"].to_numpy()
        if not np.array_equal(result.nominal_rank, _stored_ranks(run, enterprise_ids)):
            raise ValueError(
                "the run's values no longer give its stored ranks (the registry changed since "
                "the run): start a new run, then analyse that"
            )
        ranked = result.nominal_rank > 0
        matrix = np.column_stack(
            [
                enterprise_ids.astype(np.float64),
                result.nominal_rank.astype(np.float64),
                result.median_rank,
                result.q5_rank,
                result.q95_rank,
                result.tier_kept,
            ]
        )[ranked]
        assert matrix.shape[1] == len(BAND_COLUMNS)
        _update(
            analysis,
            status="done",
            stage=gettext_noop("完成"),
            progress=1.0,
            report=result.report(),
            bands=RobustnessAnalysis.pack_bands(matrix),
            finished_at=timezone.now(),
        )
    except Exception as exc:
        _update(
            analysis,
            status="failed",
            stage=gettext_noop("失败"),
            error=f"{exc}\n\n{traceback.format_exc()}",
            finished_at=timezone.now(),
        )
    return analysis


def widest(analysis: RobustnessAnalysis, count: int = 20) -> dict[str, list[dict[str, Any]]]:
    """The enterprises whose rank is least certain: widest 5–95 % bands, and lowest share of
    replications keeping their tier, each with its name."""
    matrix = analysis.band_matrix()
    if matrix.shape[0] == 0:
        return {"bands": [], "tiers": []}
    band = matrix[:, 4] - matrix[:, 3]
    by_band = np.lexsort((matrix[:, 1], -band))[:count]
    by_tier = np.lexsort((matrix[:, 1], matrix[:, 5]))[:count]
    chosen = {int(matrix[i, 0]) for i in np.concatenate([by_band, by_tier])}
    names = dict(Enterprise.objects.filter(pk__in=chosen).values_list("pk", "name"))
    tiers = dict(
        Result.objects.filter(run=analysis.run_id, enterprise_id__in=chosen).values_list(
            "enterprise_id", "tier"
        )
    )

    def row(i: int) -> dict[str, Any]:
        enterprise = int(matrix[i, 0])
        return {
            "enterprise_id": enterprise,
            "name": names.get(enterprise, ""),
            "tier": tiers.get(enterprise, ""),
            **dict(zip(BAND_COLUMNS[1:], matrix[i, 1:].tolist(), strict=True)),
            "band": float(band[i]),
        }

    return {"bands": [row(i) for i in by_band], "tiers": [row(i) for i in by_tier]}
