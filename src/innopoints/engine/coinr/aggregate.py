"""COINr's aggregations: weighted arithmetic, geometric, harmonic and generalised means,
Copeland scores, and the level-by-level aggregation of an index tree.

NaN values are skipped with their weights (weights re-scaled over what is present). COINr's
``a_genmean`` returns NA for any row with a missing value (it sums without ``na.rm``); here it
skips them like the other means — COINr's documented intent ("NA are skipped by default").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from innopoints.engine.coinr.tree import Tree
from innopoints.engine.columns import FloatArray

Aggregator = Callable[[FloatArray, FloatArray | None], FloatArray]


def _weights(x: FloatArray, w: FloatArray | None) -> tuple[FloatArray, FloatArray]:
    """(weights with 0 where x is missing, x with 0 where missing)."""
    w = np.ones(x.shape[1]) if w is None else np.asarray(w, dtype=np.float64)
    if w.shape != (x.shape[1],) or np.isnan(w).any():
        raise ValueError("weights must be one number per column, without NaN")
    present = ~np.isnan(x)
    return np.where(present, w, 0.0), np.where(present, x, 0.0)


def amean(x: FloatArray, w: FloatArray | None = None) -> FloatArray:
    """Weighted arithmetic mean of each row."""
    if w is not None and not np.isnan(x).any():  # complete data: one matrix product
        w = np.asarray(w, dtype=np.float64)
        if w.shape == (x.shape[1],) and w.sum() > 0:
            out_: FloatArray = x @ (w / w.sum())
            return out_
    wm, xm = _weights(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = (wm * xm).sum(axis=1) / wm.sum(axis=1)
    return np.where(wm.sum(axis=1) > 0, out, np.nan)


def gmean(x: FloatArray, w: FloatArray | None = None) -> FloatArray:
    """Weighted geometric mean of each row; values must be positive."""
    if (x <= 0).any():
        raise ValueError(
            "geometric mean needs positive values: normalise onto a positive range "
            "(e.g. minmax 1–100) or use another aggregation"
        )
    wm, xm = _weights(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = np.exp(
            (wm * np.log(np.where(wm > 0, xm, 1.0))).sum(axis=1) / wm.sum(axis=1)
        )
    return np.where(wm.sum(axis=1) > 0, out, np.nan)


def hmean(x: FloatArray, w: FloatArray | None = None) -> FloatArray:
    """Weighted harmonic mean of each row; values must be non-zero."""
    if (x == 0).any():
        raise ValueError("harmonic mean needs non-zero values: normalise onto a positive range")
    wm, xm = _weights(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = wm.sum(axis=1) / (wm / np.where(wm > 0, xm, 1.0)).sum(axis=1)
    return np.where(wm.sum(axis=1) > 0, out, np.nan)


def genmean(x: FloatArray, w: FloatArray | None = None, p: float = 2.0) -> FloatArray:
    """Weighted generalised (power) mean of each row, (Σw·x^p / Σw)^(1/p)."""
    if p == 0:
        raise ValueError("generalised mean with p = 0 is the geometric mean: use gmean")
    if p < 0 and (x <= 0).any():
        raise ValueError("generalised mean with negative p needs positive values")
    wm, xm = _weights(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = ((wm * np.where(wm > 0, xm, 1.0) ** p).sum(axis=1) / wm.sum(axis=1)) ** (
            1 / p
        )
    return np.where(wm.sum(axis=1) > 0, out, np.nan)


def outranking(x: FloatArray, w: FloatArray | None = None, chunk: int = 256) -> FloatArray:
    """COINr's outranking matrix: entry (i, j) is the share of weight on which unit i beats
    unit j, ties counting half; 0 on the diagonal. Built ``chunk`` rows at a time."""
    win, tie = _contests(x, w, chunk)
    orm: FloatArray = win + tie / 2
    np.fill_diagonal(orm, 0.0)
    return orm


def _contests(x: FloatArray, w: FloatArray | None, chunk: int) -> tuple[FloatArray, FloatArray]:
    """(weight share on which i beats j, weight share on which they tie), n × n."""
    n, k = x.shape
    w = np.ones(k) if w is None else np.asarray(w, dtype=np.float64)
    w = w / w.sum()
    win = np.empty((n, n))
    tie = np.empty((n, n))
    for start in range(0, n, chunk):  # blocks of units, each against every unit at once
        a = x[start : start + chunk, None, :]
        win[start : start + chunk] = (a > x[None]) @ w
        tie[start : start + chunk] = (a == x[None]) @ w
    return win, tie


def dominance(x: FloatArray, w: FloatArray | None = None) -> tuple[int, float]:
    """(number, share) of unit pairs where one unit beats the other on every indicator."""
    orm = outranking(x, w)
    n = x.shape[0]
    count = int((orm == 1.0).sum())
    return count, count / ((n * n - n) / 2)


def copeland(x: FloatArray, w: FloatArray | None = None, chunk: int = 256) -> FloatArray:
    """Copeland score of each unit: wins minus losses in the weighted pairwise contests
    (a contest is won with more than half the weight). O(n²·k): fine for thousands of
    units, not for a province of enterprises.

    The half-way test is exact here (weight won vs weight lost); COINr compares a
    floating-point sum with 0.5, so an exactly even contest can count as a win or a loss
    depending on rounding (see docs/coinr.md)."""
    n, k = x.shape
    w = np.ones(k) if w is None else np.asarray(w, dtype=np.float64)
    score = np.empty(n)
    for start in range(0, n, chunk):
        a = x[start : start + chunk, None, :]
        margin = (a > x[None]) @ w - (a < x[None]) @ w
        score[start : start + chunk] = np.sign(margin).sum(axis=1)
    return score


AGGREGATORS: dict[str, Aggregator] = {
    "amean": amean,
    "gmean": gmean,
    "hmean": hmean,
    "copeland": copeland,
}
AGGREGATION_METHODS = (*AGGREGATORS, "genmean")


def aggregate_rows(
    x: FloatArray,
    method: str,
    w: FloatArray | None = None,
    *,
    p: float = 2.0,
    dat_thresh: float | None = None,
) -> FloatArray:
    """One group: aggregate the columns of ``x`` into one value per row. Rows with a share
    of values present below ``dat_thresh`` get NaN (not applied to Copeland, as in COINr)."""
    if method == "genmean":
        out = genmean(x, w, p)
    elif method in AGGREGATORS:
        out = AGGREGATORS[method](x, w)
    else:
        raise ValueError(f"unknown aggregation {method!r}; known: {', '.join(AGGREGATION_METHODS)}")
    if dat_thresh is not None and method != "copeland":
        if not 0 <= dat_thresh <= 1:
            raise ValueError("dat_thresh must be between 0 and 1")
        share = (~np.isnan(x)).sum(axis=1) / x.shape[1]
        out = np.where(share < dat_thresh, np.nan, out)
    return out


def aggregate_tree(
    x: FloatArray,
    codes: Sequence[str],
    tree: Tree,
    method: str | Sequence[str] = "amean",
    *,
    p: float = 2.0,
    dat_thresh: float | None = None,
    weights: dict[str, float] | None = None,
) -> tuple[FloatArray, list[str]]:
    """Aggregate indicator columns ``x`` (named ``codes``) up the tree, level by level, with
    the tree's weights (or ``weights`` by code). ``method`` is one name, or one per level
    above the indicators. Returns every column (indicators then each level's aggregates, in
    iMeta order) and their codes."""
    levels = tree.levels
    methods = [method] * (levels - 1) if isinstance(method, str) else list(method)
    if len(methods) != levels - 1:
        raise ValueError(f"give one aggregation method, or one per level ({levels - 1})")
    names = list(codes)
    missing = set(tree.indicators) - set(names)
    if missing:
        raise ValueError(f"data lack the indicators {sorted(missing)}")
    columns = [np.asarray(x[:, j], dtype=np.float64) for j in range(x.shape[1])]
    position = {c: i for i, c in enumerate(names)}
    by_weight = weights or {}
    for level in range(2, levels + 1):
        for parent, children in tree.groups(level - 1):
            block = np.column_stack([columns[position[c.code]] for c in children])
            w = np.array([by_weight.get(c.code, c.weight) for c in children])
            position[parent] = len(columns)
            columns.append(aggregate_rows(block, methods[level - 2], w, p=p, dat_thresh=dat_thresh))
            names.append(parent)
    return np.column_stack(columns), names
