"""Ranks and tiers (docs/METHOD.md §7): descending totals, ties share the best rank (1, 2, 2, 4).

One argsort of the totals serves every ranking: ranks within stage, industry and region
re-order that sort by group with a stable radix sort of small integer group codes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from innopoints.engine.columns import BoolArray, FloatArray, IntArray
from innopoints.engine.ordering import ascending_with_values
from innopoints.engine.scheme import TierRule

NO_TIER = -1
NO_GROUP = -1


def group_codes(column: pl.Series | None, n: int) -> npt.NDArray[np.int32]:
    """Small integer codes for a text column (e.g. industry, region); NO_GROUP for blanks."""
    if column is None:
        return np.full(n, NO_GROUP, dtype=np.int32)
    text = column.cast(pl.String)
    categories = text.unique().drop_nulls().sort()
    dense = text.cast(pl.Enum(categories)).to_physical().cast(pl.Int32)
    return dense.fill_null(NO_GROUP).to_numpy().astype(np.int32, copy=False)


class Ranking:
    """The descending order of one column of totals, reused for every grouping."""

    def __init__(self, values: FloatArray, include: BoolArray) -> None:
        self.n = values.shape[0]
        self.rows = np.flatnonzero(include)
        self.values = values[self.rows]
        order, descending = ascending_with_values(-self.values)
        self.order = order
        self.sorted_values = -descending

    def ranks(self, group: npt.NDArray[np.integer] | None = None) -> IntArray:
        """Competition ranks (highest = 1) within each group; 0 = no rank."""
        out = np.zeros(self.n, dtype=np.int64)
        if self.rows.shape[0] == 0:
            return out
        order, values = self.order, self.sorted_values
        if group is None:
            new_group = np.zeros(order.shape[0], dtype=bool)
            new_group[0] = True
        else:
            codes = group[self.rows][order]
            narrow = codes.astype(np.int16) if codes.max(initial=0) < 2**15 else codes
            regroup = np.argsort(narrow, kind="stable")  # keeps descending totals within groups
            order, values, codes = order[regroup], values[regroup], codes[regroup]
            new_group = np.empty(order.shape[0], dtype=bool)
            new_group[0] = True
            np.not_equal(codes[1:], codes[:-1], out=new_group[1:])
        new_value = new_group.copy()
        new_value[1:] |= values[1:] != values[:-1]
        position = np.arange(order.shape[0])
        group_start = np.maximum.accumulate(np.where(new_group, position, 0))
        run_start = np.maximum.accumulate(np.where(new_value, position, 0))
        ranks = run_start - group_start + 1
        target = self.rows[order]
        if group is not None:
            keep = codes != NO_GROUP
            target, ranks = target[keep], ranks[keep]
        out[target] = ranks
        return out


def min_rank_desc(
    values: FloatArray, include: BoolArray, group: npt.NDArray[np.integer] | None = None
) -> IntArray:
    """Competition ranks of ``values`` (highest = 1) among the included rows, within each group
    when given (rows with NO_GROUP get no rank); 0 = no rank."""
    return Ranking(values, include).ranks(group)


def average_ranks(
    values: FloatArray, order: IntArray | None = None, ordered: FloatArray | None = None
) -> FloatArray:
    """Ascending ranks with ties given their average rank (as Spearman's ρ needs). ``order``:
    an ascending order of ``values`` already at hand (any order of ties gives the same ranks),
    ``ordered`` the values in that order when at hand too."""
    n = values.shape[0]
    if order is None:
        order, ordered = ascending_with_values(values)
    elif ordered is None:
        ordered = values[order]
    position = np.arange(n)
    starts = np.empty(n, dtype=bool)
    ends = np.empty(n, dtype=bool)
    if n:
        starts[0] = ends[-1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
        ends[:-1] = starts[1:]
    first = np.maximum.accumulate(np.where(starts, position, 0))
    last = np.minimum.accumulate(np.where(ends, position, n - 1)[::-1])[::-1]
    out = np.empty(n, dtype=np.float64)
    out[order] = (first + last) / 2.0 + 1.0
    return out


def tier_by_share(rule: TierRule, rank: IntArray, n_ranked: int) -> npt.NDArray[np.int8]:
    """Tier index for r = rank / n: the first tier with r ≤ max_share; NO_TIER without a rank."""
    shares = np.array([t.max_share for t in rule.levels[:-1]], dtype=np.float64)
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
