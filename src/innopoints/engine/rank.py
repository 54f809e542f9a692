"""Ranks and tiers (METHOD.md §7): descending totals, ties share the best rank (1, 2, 2, 4)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from innopoints.engine.columns import BoolArray, FloatArray, IntArray
from innopoints.engine.scheme import TierRule

NO_TIER = -1


def min_rank_desc(
    values: FloatArray, include: BoolArray, group: npt.NDArray[np.generic] | None = None
) -> IntArray:
    """Competition ranks of ``values`` (highest = 1) among the included rows, within each group
    when given (rows whose group is missing get no rank); 0 = no rank."""
    frame = pl.DataFrame({"v": values, "keep": include})
    expr = pl.when(pl.col("keep")).then(pl.col("v")).otherwise(None).rank("min", descending=True)
    if group is not None:
        frame = frame.with_columns(pl.Series("g", group))
        expr = pl.when(pl.col("g").is_not_null()).then(expr.over("g")).otherwise(None)
    ranks = frame.select(expr.fill_null(0).cast(pl.Int64)).to_series()
    return ranks.to_numpy().astype(np.int64, copy=False)


def average_ranks(values: FloatArray) -> FloatArray:
    """Ranks with ties given their average rank (as Spearman's ρ needs), ascending."""
    return pl.Series(values).rank("average").cast(pl.Float64).to_numpy()


def tier_by_share(rule: TierRule, rank: IntArray, n_ranked: int) -> npt.NDArray[np.int8]:
    """Tier index for r = rank / n: the first tier with r ≤ max_share; NO_TIER without a rank."""
    shares = np.array([t.max_share for t in rule.levels[:-1]], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = rank / n_ranked if n_ranked else np.zeros(rank.shape[0])
    tier = np.searchsorted(shares, r, side="left").astype(np.int8)
    tier[rank == 0] = NO_TIER
    return tier


def tier_by_score(rule: TierRule, total: FloatArray, ranked: BoolArray) -> npt.NDArray[np.int8]:
    """Tier index: the first tier whose min_score the total reaches; NO_TIER if not ranked."""
    thresholds = np.array([t.min_score for t in rule.levels[:-1]], dtype=np.float64)
    tier: npt.NDArray[np.int8] = (total[:, None] < thresholds[None, :]).sum(axis=1).astype(np.int8)
    tier[~ranked] = NO_TIER
    return tier


def tiers(rule: TierRule, total: FloatArray, rank: IntArray, n_ranked: int) -> npt.NDArray[np.int8]:
    if rule.basis == "rank_share":
        return tier_by_share(rule, rank, n_ranked)
    return tier_by_score(rule, total, rank > 0)
