"""The result of an uncertainty and sensitivity analysis: tables and the JSON report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from innopoints.engine.columns import FloatArray, IntArray
from innopoints.engine.sensitivity import SensitivityIndices

FORMAT = "innopoints.robustness/1"


@dataclass(frozen=True)
class Factor:
    name: str
    levels: tuple[str, ...]
    """Labels of the levels; for ``weights`` one label naming the perturbed sets."""


@dataclass(frozen=True)
class Robustness:
    """The analysis of one run: per enterprise rank statistics, per factor the indices."""

    scheme_key: str
    period: str
    seed: int
    replications: int
    """Independent replications behind the rank statistics (A and B rows of the design)."""
    runs: int
    """Every replication scored (N(d + 2) with the sensitivity design)."""
    factors: tuple[Factor, ...]
    varying: tuple[str, ...]
    notes: tuple[str, ...]
    tier_codes: tuple[str, ...]
    credit_code: pl.Series
    nominal_rank: IntArray
    """The engine's ranks (0 = vetoed, no rank)."""
    nominal_tier: npt.NDArray[np.int8]
    mean_rank: FloatArray
    median_rank: FloatArray
    q5_rank: FloatArray
    q95_rank: FloatArray
    tier_kept: FloatArray
    """Share of the independent replications that give the enterprise its nominal tier."""
    choices: npt.NDArray[np.int64]
    """runs × factors: the level of every factor in each replication (weights: the set)."""
    weight_sets: FloatArray
    """sets × weighted indicators × stages: the perturbed weights the replications draw."""
    outputs: dict[str, FloatArray]
    """Per output, its value in every replication (design order)."""
    sensitivity: dict[str, SensitivityIndices] | None
    timings: dict[str, float]

    @property
    def ranked(self) -> npt.NDArray[np.bool_]:
        return np.asarray(self.nominal_rank > 0)

    def frame(self) -> pl.DataFrame:
        """One row per input row, in input order; blanks for the vetoed (no rank)."""
        ranked = self.ranked
        codes = np.array([*self.tier_codes, None], dtype=object)
        tier = codes[np.where(self.nominal_tier < 0, len(codes) - 1, self.nominal_tier)]

        def blank(values: FloatArray) -> pl.Series:
            return pl.Series(np.where(ranked, values, np.nan)).fill_nan(None)

        return pl.DataFrame(
            {
                "credit_code": self.credit_code.cast(pl.String),
                "rank": pl.Series(np.where(ranked, self.nominal_rank, 0)).replace(0, None),
                "tier": pl.Series(tier.tolist(), dtype=pl.String),
                "median_rank": blank(self.median_rank),
                "mean_rank": blank(self.mean_rank),
                "rank_q5": blank(self.q5_rank),
                "rank_q95": blank(self.q95_rank),
                "rank_band": blank(self.q95_rank - self.q5_rank),
                "tier_kept": blank(self.tier_kept),
            }
        )

    def by_level(self) -> dict[str, list[dict[str, Any]]]:
        """For each varying discrete factor: the mean of each output over the independent
        replications that used each level (what choosing that level does on average)."""
        out: dict[str, list[dict[str, Any]]] = {}
        independent = self.choices[: self.replications]
        for k, factor in enumerate(self.factors):
            if factor.name not in self.varying or len(factor.levels) < 2:
                continue
            rows = []
            for level, label in enumerate(factor.levels):
                used = independent[:, k] == level
                row: dict[str, Any] = {"level": label, "replications": int(used.sum())}
                for name, values in self.outputs.items():
                    chosen = values[: self.replications][used]
                    row[name] = float(chosen.mean()) if chosen.size else None
                rows.append(row)
            out[factor.name] = rows
        return out

    def sensitivity_rows(self) -> dict[str, list[dict[str, Any]]] | None:
        if self.sensitivity is None:
            return None
        return {
            output: [
                {
                    "factor": name,
                    "first_order": float(idx.first_order[k]),
                    "total": float(idx.total[k]),
                    "first_order_q5": _opt(idx.first_order_q5, k),
                    "first_order_q95": _opt(idx.first_order_q95, k),
                    "total_q5": _opt(idx.total_q5, k),
                    "total_q95": _opt(idx.total_q95, k),
                }
                for k, name in enumerate(self.varying)
            ]
            for output, idx in self.sensitivity.items()
        }

    def report(self) -> dict[str, Any]:
        ranked = self.ranked
        band = (self.q95_rank - self.q5_rank)[ranked]
        kept = self.tier_kept[ranked]
        return {
            "format": FORMAT,
            "scheme": self.scheme_key,
            "period": self.period,
            "seed": self.seed,
            "replications": self.replications,
            "runs": self.runs,
            "n_ranked": int(ranked.sum()),
            "factors": {f.name: list(f.levels) for f in self.factors},
            "varying": list(self.varying),
            "notes": list(self.notes),
            "outputs": {
                name: {
                    "mean": float(values[: self.replications].mean()),
                    "variance": _variance(values[: self.replications]),
                    "variance_all_runs": _variance(values),
                }
                for name, values in self.outputs.items()
            },
            "rank_band": {
                "median": float(np.median(band)) if band.size else None,
                "p90": float(np.quantile(band, 0.9)) if band.size else None,
                "max": float(band.max()) if band.size else None,
            },
            "tier_kept": {
                "mean": float(kept.mean()) if kept.size else None,
                "below_half": int((kept < 0.5).sum()),
            },
            "by_level": self.by_level(),
            "sensitivity": self.sensitivity_rows(),
            "timings_s": self.timings,
        }


def _opt(values: FloatArray | None, k: int) -> float | None:
    return None if values is None else float(values[k])


def _variance(values: FloatArray) -> float | None:
    return float(np.var(values, ddof=1)) if values.shape[0] > 1 else None
