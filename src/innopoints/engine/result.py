"""A run's results: per enterprise, every figure of docs/METHOD.md §9, as columns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from innopoints.engine.agreement import AgreementReport
from innopoints.engine.columns import BoolArray, FloatArray, IntArray
from innopoints.engine.coverage import coverage as weighted_coverage
from innopoints.engine.derive import ORIGIN_MISSING, ORIGIN_NAMES
from innopoints.engine.normalise import IndicatorParameters
from innopoints.engine.params import FrozenParameters
from innopoints.engine.rank import NO_TIER
from innopoints.engine.scheme import Scheme


def _labels(codes: tuple[str, ...], index: npt.NDArray[np.int8]) -> pl.Series:
    """codes[index] as a string column; a negative index gives null."""
    table = pl.Series([*codes, None], dtype=pl.String)
    return table.gather(np.where(index < 0, len(codes), index))


@dataclass(frozen=True)
class IndicatorResult:
    """One weighted indicator's breakdown, a value per enterprise. L, U and the weight are
    read off the run's parameters by reference group and stage when asked for."""

    code: str
    raw: FloatArray
    value: FloatArray
    origin: npt.NDArray[np.int8]
    transformed: FloatArray
    normalised: FloatArray
    points: FloatArray
    params: IndicatorParameters
    group: npt.NDArray[np.int8]
    stage: npt.NDArray[np.int8]
    stage_weights: FloatArray
    effective_weight: FloatArray | None = None
    """Per row, the weight scored with where the scheme renormalises missing data
    (engine/missing.py); None: every row has its stage's weight."""

    @property
    def missing(self) -> BoolArray:
        return np.asarray(self.origin == ORIGIN_MISSING, dtype=np.bool_)

    @property
    def lower(self) -> FloatArray:
        return self.params.lowers()[self.group]

    @property
    def upper(self) -> FloatArray:
        return self.params.uppers()[self.group]

    @property
    def weight(self) -> FloatArray:
        """The weight each row was scored with (renormalised where the scheme says so)."""
        if self.effective_weight is not None:
            return self.effective_weight
        return self.stage_weights[self.stage]


@dataclass(frozen=True)
class ScoreResult:
    scheme: Scheme
    period: str
    reference_date: dt.date
    credit_code: pl.Series
    row: IntArray
    stage: npt.NDArray[np.int8]
    base: FloatArray
    bonus: FloatArray
    total: FloatArray
    vetoed: BoolArray
    bonus_points: dict[str, FloatArray]
    veto_flags: dict[str, BoolArray]
    rank: IntArray
    """Overall rank among non-vetoed enterprises; 0 = no rank (vetoed)."""
    rank_stage: IntArray
    rank_industry: IntArray
    rank_region: IntArray
    tier: npt.NDArray[np.int8]
    indicators: dict[str, IndicatorResult]
    parameters: FrozenParameters
    agreement: AgreementReport | None
    estimate: bool = False
    """True when scored against a finished run's frozen parameters (自评), not a run."""
    timings: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    """What the run should be read with (engine/absent.py: weighted indicators absent)."""
    deduction: FloatArray | None = None
    """Points the deductions took (base + bonus − total before 清零); None: no deductions."""
    deduction_points: dict[str, FloatArray] = field(default_factory=dict)
    """Per deduction indicator, the points it subtracts (after its own cap)."""
    renormalised: BoolArray | None = None
    """Rows scored over the indicators they have (engine/missing.py); None: missing → 0."""

    @property
    def n(self) -> int:
        return int(self.total.shape[0])

    @property
    def n_vetoed(self) -> int:
        return int(self.vetoed.sum())

    @property
    def n_ranked(self) -> int:
        return int((self.rank > 0).sum())

    @cached_property
    def coverage(self) -> FloatArray:
        """Per enterprise, the share (0–1) of its stage's weight carried by weighted
        indicators with a usable value (engine/coverage.py); NaN where the stage has none."""
        indicators = list(self.indicators.values())
        return weighted_coverage(
            [ind.missing for ind in indicators],
            [ind.stage_weights for ind in indicators],
            self.stage,
        )

    def stage_codes(self) -> npt.NDArray[np.object_]:
        codes = np.array(self.scheme.stage_rule.codes, dtype=object)
        return codes[self.stage]

    def tier_codes(self) -> npt.NDArray[np.object_]:
        codes = np.array([t.code for t in self.scheme.tiers.levels] + [None], dtype=object)
        return codes[np.where(self.tier == NO_TIER, len(codes) - 1, self.tier)]

    def veto_reasons(self) -> list[str]:
        """Per enterprise, the codes of the vetoes that apply, joined by ';' ('' if none)."""
        if not self.veto_flags:
            return [""] * self.n
        flags = pl.DataFrame(self.veto_flags)
        joined = flags.select(
            pl.concat_str(
                [pl.when(pl.col(c)).then(pl.lit(c)) for c in self.veto_flags],
                separator=";",
                ignore_nulls=True,
            ).fill_null("")
        )
        return joined.to_series().to_list()

    def percentile(self) -> FloatArray:
        """Share (0–100) of the run's ranked enterprises whose total is below this one."""
        ranked = np.sort(self.parameters.ranked_totals)
        below = np.searchsorted(ranked, self.total, side="left")
        n = max(ranked.shape[0], 1)
        return np.where(self.vetoed, np.nan, below / n * 100.0)

    # -----------------------------------------------------------------------------------------
    # Tables

    def summary_frame(self) -> pl.DataFrame:
        """The columns of docs/METHOD.md §10: credit_code, stage, base, bonus, total, vetoed, rank,
        tier, then pts_<code> for every weighted indicator."""
        ranked = self.rank > 0
        columns: dict[str, Any] = {
            "credit_code": self.credit_code.cast(pl.String).alias("credit_code"),
            "stage": _labels(self.scheme.stage_rule.codes, self.stage),
            "base": self.base,
            "bonus": self.bonus,
            "total": self.total,
            "vetoed": self.vetoed,
            "rank": pl.Series(np.where(ranked, self.rank, 0)).cast(pl.Int64),
            "tier": _labels(tuple(t.code for t in self.scheme.tiers.levels), self.tier),
        }
        frame = pl.DataFrame(columns).with_columns(
            pl.when(pl.col("rank") > 0).then(pl.col("rank")).otherwise(None).alias("rank")
        )
        points: dict[str, Any] = {}
        if self.deduction is not None:  # only schemes with deductions gain the column
            points["deduction"] = self.deduction
        points |= {f"pts_{code}": ind.points for code, ind in self.indicators.items()}
        return pl.concat([frame, pl.DataFrame(points)], how="horizontal")

    def breakdown_frame(self) -> pl.DataFrame:
        """Everything of docs/METHOD.md §9 per enterprise, one wide row each: for every weighted
        indicator raw, value, origin, t, L, U, x, w, pts and missing; bonus items; vetoes."""
        summary = self.summary_frame()
        summary = summary.drop(
            [c for c in summary.columns if c.startswith("pts_") or c == "deduction"]
        )
        extra: dict[str, Any] = {
            "row": self.row,
            "rank_stage": self.rank_stage,
            "rank_industry": self.rank_industry,
            "rank_region": self.rank_region,
            "percentile": self.percentile(),
            "coverage": self.coverage,
            "veto_reasons": self.veto_reasons(),
        }
        if self.renormalised is not None:
            extra["renormalised"] = self.renormalised
        for code, ind in self.indicators.items():
            extra |= {
                f"{code}.raw": ind.raw,
                f"{code}.value": ind.value,
                f"{code}.origin": _labels(ORIGIN_NAMES, ind.origin),
                f"{code}.t": ind.transformed,
                f"{code}.L": ind.lower,
                f"{code}.U": ind.upper,
                f"{code}.x": ind.normalised,
                f"{code}.w": ind.weight,
                f"{code}.pts": ind.points,
                f"{code}.missing": ind.missing,
            }
        extra |= {f"bonus.{code}": pts for code, pts in self.bonus_points.items()}
        extra |= {f"veto.{code}": flag for code, flag in self.veto_flags.items()}
        if self.deduction is not None:
            extra["deduction"] = self.deduction
            extra |= {f"deduction.{code}": pts for code, pts in self.deduction_points.items()}
        return pl.concat([summary, pl.DataFrame(extra)], how="horizontal")

    def report(self) -> dict[str, Any]:
        """The run report (REPORT.json of docs/METHOD.md §10, plus parameters and provenance)."""
        agreement = self.agreement
        return {
            "scheme": self.scheme.key,
            "scheme_fingerprint": self.scheme.fingerprint,
            "engine_version": self.parameters.engine_version,
            "period": self.period,
            "reference_date": self.reference_date.isoformat(),
            "estimate": self.estimate,
            "warnings": list(self.warnings),
            "n_rows": self.n,
            "n_scored": self.n_ranked,
            "n_ranked": self.n_ranked,
            "n_vetoed": self.n_vetoed,
            "agreement": agreement.to_dict() if agreement else None,
            "low_agreement": agreement.low_agreement if agreement else False,
            "agreement_threshold": agreement.min_spearman if agreement else None,
            "stages": {
                code: int((self.stage == i).sum())
                for i, code in enumerate(self.scheme.stage_rule.codes)
            },
            "tiers": {
                t.code: int((self.tier == i).sum()) for i, t in enumerate(self.scheme.tiers.levels)
            },
            "parameters": {
                code: {
                    "method": p.method,
                    "transform": p.transform,
                    "groups": {
                        group: {
                            "n_reference": g.n_reference,
                            "L": None if np.isnan(g.lower) else g.lower,
                            "U": None if np.isnan(g.upper) else g.upper,
                        }
                        for group, g in zip(self.parameters.group_codes, p.groups, strict=True)
                    },
                }
                for code, p in self.parameters.indicators.items()
            },
            "missing": {code: int(ind.missing.sum()) for code, ind in self.indicators.items()},
            "coverage": _coverage_summary(self.coverage),
            "timings_s": self.timings,
        } | self._option_report()

    def _option_report(self) -> dict[str, Any]:
        """Report keys of the deduction and missing-data options, only where a scheme uses
        them (a default scheme's report is unchanged)."""
        extra: dict[str, Any] = {}
        if self.deduction is not None:
            extra["n_deducted"] = int((self.deduction > 0).sum())
        if self.renormalised is not None:
            extra["missing_data"] = {
                "method": self.scheme.missing.method,
                "min_coverage": self.scheme.missing.min_coverage,
                "n_renormalised": int(self.renormalised.sum()),
            }
        return extra


def _coverage_summary(values: FloatArray) -> dict[str, Any]:
    """The run's data coverage in the report: mean, lowest, and how many enterprises could
    earn less than half of their stage's weighted score (engine/coverage.py)."""
    known = values[~np.isnan(values)]
    if known.size == 0:
        return {"mean": None, "min": None, "below_half": 0}
    return {
        "mean": float(known.mean()),
        "min": float(known.min()),
        "below_half": int((known < 0.5).sum()),
    }
