"""自评 (docs/METHOD.md §11): an enterprise's own figures scored against the frozen parameters
of the latest published run (``analysis.publication.published_result``) — an estimate, never a
result. Nothing here is stored as a value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from innopoints.engine.booleans import as_bool
from innopoints.engine.run import score_against
from innopoints.engine.scheme import Scheme
from innopoints.registry.models import Enterprise
from innopoints.scoring.models import Result
from innopoints.scoring.used_values import used_facts


def input_fields(scheme: Scheme) -> list[str]:
    """The raw fields the scheme reads, in the order of its indicators."""
    seen: list[str] = []
    for indicator in scheme.indicators:
        codes = list(indicator.input_fields)
        if indicator.derivation is not None:
            codes = list(indicator.derivation.inputs)
        for code in codes:
            if code in scheme.catalogue and code not in seen:
                seen.append(code)
    return seen


def baseline(result: Result) -> dict[str, Any]:
    """The values the run used for this enterprise, by field (the form starts from them)."""
    facts = used_facts(result.run, result)
    return {code: found[0].value for code, found in facts.items() if found}


@dataclass(frozen=True)
class Estimate:
    total: float
    base: float
    bonus: float
    vetoed: bool
    rank: int | None
    tier: str
    percentile: float
    points: dict[str, float]
    coverage: float | None = None
    """The data coverage of the figures entered (engine/coverage.py)."""


def estimate(result: Result, enterprise: Enterprise, figures: dict[str, Any]) -> Estimate:
    run = result.run
    scheme = run.scheme_version.scheme()
    catalogue = scheme.catalogue
    row: dict[str, Any] = {
        "credit_code": enterprise.credit_code,
        "established": enterprise.established,
        "region": enterprise.region_id,
        "industry": result.industry or None,
    }
    schema: dict[str, Any] = {
        "credit_code": pl.String,
        "established": pl.Date,
        "region": pl.String,
        "industry": pl.String,
    }
    for code, value in figures.items():
        if code not in catalogue or code in schema:
            continue
        if catalogue[code].kind == "bool":
            schema[code], row[code] = pl.Boolean, as_bool(value)
        else:
            schema[code], row[code] = pl.Float64, None if value is None else float(value)
    table = pl.DataFrame([row], schema=schema, orient="row")
    scored = score_against(scheme, run.frozen_parameters(), table, source="自评")
    summary = scored.summary_frame().row(0, named=True)
    points = {i.code: float(summary.get(f"pts_{i.code}") or 0.0) for i in scheme.weighted}
    rank = int(summary["rank"]) if summary.get("rank") else None
    return Estimate(
        total=float(summary["total"]),
        base=float(summary["base"]),
        bonus=float(summary["bonus"]),
        vetoed=bool(summary["vetoed"]),
        rank=rank,
        tier=str(summary.get("tier") or ""),
        percentile=float(scored.percentile()[0]),
        points=points,
        coverage=None if np.isnan(scored.coverage[0]) else float(scored.coverage[0]),
    )
