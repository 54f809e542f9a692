"""Data coverage on the platform: each result's share of the weighted score it could earn with
the values the run used (engine/coverage.py), per division of the run, and how pages show it.

A run stores each division's mean coverage in its report (``report["coverage"]["divisions"]``):
the prefectures of a province-wide run, the counties of a city's run. A division whose mean is
far below the others' (``engine.coverage.far_below``) is flagged on the run and statistics
pages: its enterprises' scores are low because data are missing, not necessarily because they
innovate less."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from django.utils import formats

from innopoints.engine.coverage import GAP, SPREAD, far_below
from innopoints.registry.models import Region


def division_digits(run: Any) -> int:
    """How many leading digits of a region code name a division of the run: the prefecture
    (4) for a province-wide run, the county (6) for a city's or a county's run."""
    if run.region is None or run.region.level == 1:
        return 4
    return 6


def division_coverage(run: Any, regions: pl.Series, coverage: np.ndarray) -> dict[str, Any]:
    """Per division: enterprises, mean coverage and whether it is far below the others."""
    digits = division_digits(run)
    frame = pl.DataFrame(
        {"region": regions.cast(pl.String).fill_null(""), "coverage": coverage}
    ).with_columns(pl.col("coverage").fill_nan(None))
    # sorted by division, then by value: every division's values are summed in one order
    # whatever order the run gathered its enterprises in (a run split over workers stores the
    # same report, bit for bit, as one run in one process)
    ordered = (
        frame.filter(pl.col("region").str.len_chars() == 6)
        .with_columns(
            (pl.col("region").str.slice(0, digits) + "0" * (6 - digits)).alias("division")
        )
        .sort(["division", "coverage"], nulls_last=True)
    )
    # the divisions are sorted: each starts where the code changes (np.unique over a million
    # Python strings took half a second, holding the GIL)
    division = ordered["division"]
    starts = np.flatnonzero(division.ne(division.shift(1)).fill_null(True).to_numpy())
    codes = np.asarray(division.gather(starts).to_list(), dtype=object)
    counts = np.diff(np.append(starts, division.len()))
    values = ordered["coverage"].to_numpy(allow_copy=True).astype(np.float64)
    usable = ~np.isnan(values)
    n_usable = np.add.reduceat(usable.astype(np.int64), starts) if codes.size else usable[:0]
    sums = np.add.reduceat(np.where(usable, values, 0.0), starts) if codes.size else values[:0]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(n_usable > 0, sums / np.maximum(n_usable, 1), np.nan).tolist()
    flags = far_below(means).tolist()
    rows = [
        {
            "code": str(code),
            "n": int(n),
            "mean": None if np.isnan(mean) else mean,
            "far_below": flag,
        }
        for code, n, mean, flag in zip(codes.tolist(), counts.tolist(), means, flags, strict=True)
    ]
    return {"digits": digits, "rule": {"gap": GAP, "spread": SPREAD}, "rows": rows}


@dataclass(frozen=True)
class DivisionCoverage:
    code: str
    name: str
    n: int
    mean: float | None
    others_median: float | None
    far_below: bool

    @property
    def gap_points(self) -> float | None:
        """How many percentage points the division lies below the others' median."""
        if self.mean is None or self.others_median is None:
            return None
        return round(100.0 * (self.others_median - self.mean), 1)


def divisions(run: Any, prefix: str | None = None) -> list[DivisionCoverage]:
    """The run's divisions with their mean coverage (none for runs stored before coverage was
    kept); ``prefix`` narrows them to one jurisdiction, each still compared with all the
    others of the run."""
    stored = ((run.report or {}).get("coverage") or {}).get("divisions") or {}
    rows: list[dict[str, Any]] = stored.get("rows") or []
    digits = int(stored.get("digits") or 4)
    names = dict(
        Region.objects.filter(code__in=[r["code"] for r in rows]).values_list("code", "name")
    )
    out = []
    for row in rows:
        head = row["code"][:digits]
        if prefix and not (head.startswith(prefix) or prefix.startswith(head)):
            continue
        others = [r["mean"] for r in rows if r is not row and r["mean"] is not None]
        out.append(
            DivisionCoverage(
                row["code"],
                names.get(row["code"], row["code"]),
                row["n"],
                row["mean"],
                statistics.median(others) if others else None,
                bool(row["far_below"]),
            )
        )
    return out


def percent(value: float | None) -> str:
    """A coverage (0–1) as people read it: "72.5 %", or "—" when there is none."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    return f"{formats.number_format(round(100.0 * value, 1), 1)} %"


def percent_number(value: float | None) -> float | None:
    """A coverage (0–1) as a percentage with one decimal for spreadsheets (72.5), or None."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return round(100.0 * value, 1)


def min_coverage(request: Any) -> float | None:
    """The list filter "minimum coverage": ``?min_coverage=50`` (percent) → 0.5; blank, 0 or
    not a number up to 100 → no filter."""
    raw = (request.GET.get("min_coverage") or "").strip().rstrip("%").strip()
    try:
        value = float(raw)
    except ValueError:
        return None
    if not 0.0 < value <= 100.0:  # 0 keeps everyone: no filter
        return None
    return value / 100.0
