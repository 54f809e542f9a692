"""The rest of COINr's example pipeline: denominate, impute by group mean, screen units,
effective weights, ranks, and structural sensitivity (removing elements)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

from innopoints.engine.coinr.aggregate import aggregate_tree
from innopoints.engine.coinr.tree import Tree
from innopoints.engine.columns import BoolArray, FloatArray, canonical_nan


def denominate(
    x: FloatArray, codes: Sequence[str], denominators: dict[str, str], table: pl.DataFrame
) -> FloatArray:
    """Divide each indicator that has a denominator (``{indicator: denominator column}``)
    by that column of ``table`` (same rows as ``x``)."""
    x = canonical_nan(x)
    out = x.copy()
    for j, code in enumerate(codes):
        name = denominators.get(code)
        if name:
            if name not in table.columns:
                raise ValueError(f"{code}: denominator {name!r} is not a column of the table")
            out[:, j] = x[:, j] / canonical_nan(table[name].cast(pl.Float64).to_numpy())
    return out


def impute_group_mean(x: FloatArray, group: npt.NDArray[np.str_]) -> FloatArray:
    """Fill each missing value with the mean of its indicator over the unit's group."""
    x = canonical_nan(x)
    out = x.copy()
    labels, index = np.unique(group, return_inverse=True)
    present = ~np.isnan(x)
    sums = np.zeros((labels.size, x.shape[1]))
    counts = np.zeros((labels.size, x.shape[1]))
    np.add.at(sums, index, np.where(present, x, 0.0))
    np.add.at(counts, index, present)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    fill = means[index]
    out[~present] = fill[~present]
    return out


def data_availability(x: FloatArray, ids: Sequence[str]) -> pl.DataFrame:
    """Per unit: values missing, zeros, and the shares available and non-zero (of those
    present), as COINr's ``get_data_avail()``."""
    k = x.shape[1]
    missing = np.isnan(x).sum(axis=1)
    zero = (x == 0).sum(axis=1)
    return pl.DataFrame(
        {
            "uCode": list(ids),
            "N_missing": missing,
            "N_zero": zero,
            "N_miss_or_zero": missing + zero,
            "Dat_Avail": 1 - missing / k,
            "Non_Zero": 1 - zero / (k - missing),
        }
    )


def screen(
    x: FloatArray, ids: Sequence[str], dat_thresh: float = 0.9, nonzero_thresh: float = 0.5
) -> tuple[BoolArray, pl.DataFrame]:
    """COINr's ``Screen(unit_screen = "byNA")``: keep units with data availability at least
    ``dat_thresh``. Returns the rows kept and the summary table."""
    summary = data_availability(x, ids).with_columns(
        LowData=pl.col("Dat_Avail") < dat_thresh,
        LowNonZero=pl.col("Non_Zero") < nonzero_thresh,
    )
    summary = summary.with_columns(
        LowDatOrZeroFlag=pl.col("LowData") | pl.col("LowNonZero"),
        Included=~pl.col("LowData"),
    )
    keep: BoolArray = summary["Included"].to_numpy()
    return keep, summary


def effective_weights(tree: Tree) -> dict[str, float]:
    """Each node's share of the index: its weight over its siblings' total, times its
    parent's effective weight."""
    out: dict[str, float] = {n.code: 1.0 for n in tree.level(tree.levels)}
    for level in range(tree.levels - 1, 0, -1):
        for parent, children in tree.groups(level):
            total = sum(c.weight for c in children)
            for c in children:
                out[c.code] = c.weight / total * out[parent]
    return out


def rank_high_first(x: FloatArray) -> FloatArray:
    """Rank 1 for the highest value of each column, ties sharing the best rank, NaN kept."""
    out = np.full(x.shape, np.nan)
    for j in range(x.shape[1]):
        col = x[:, j]
        present = ~np.isnan(col)
        ordered = np.sort(-col[present])
        out[present, j] = np.searchsorted(ordered, -col[present], side="left") + 1.0
    return out


def remove_elements(
    x: FloatArray, codes: Sequence[str], tree: Tree, level: int, method: str = "amean"
) -> tuple[list[str], FloatArray, FloatArray]:
    """Structural sensitivity: drop each element of ``level`` in turn (weight 0), re-aggregate,
    and measure the mean absolute change of the index ranks. Returns the elements removed,
    the index scores (n × elements) and the mean absolute rank differences."""
    top = tree.level(tree.levels)[0].code
    full, names = aggregate_tree(x, codes, tree, method)
    nominal = rank_high_first(full[:, [names.index(top)]])[:, 0]
    removed = [n.code for n in tree.level(level)]
    scores = np.empty((x.shape[0], len(removed)))
    for i, code in enumerate(removed):  # one re-aggregation per element removed
        out, names = aggregate_tree(x, codes, tree, method, weights={code: 0.0})
        scores[:, i] = out[:, names.index(top)]
    ranks = rank_high_first(scores)
    diff: FloatArray = np.abs(ranks - nominal[:, None]).mean(axis=0)
    return removed, scores, diff
