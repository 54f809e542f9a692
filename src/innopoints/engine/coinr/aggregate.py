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
from innopoints.engine.columns import BoolArray, FloatArray, canonical_nan

Aggregator = Callable[[FloatArray, FloatArray | None], FloatArray]
Columns = Sequence[FloatArray]


def row_sum(terms: Columns) -> FloatArray:
    """Σ of equal-length vectors in exactly the order numpy sums each row of the matrix they
    would form (``np.column_stack(terms).sum(axis=1)``): pairwise, with 8 accumulators for
    8–128 terms, halving above. Lets the means work column by column (one contiguous pass per
    indicator) yet give the same last bits as the row-wise matrix form."""
    m = len(terms)
    if m < 8:
        total = np.zeros_like(terms[0]) if m else np.zeros(0)
        for t in terms:
            total = total + t
        return total
    if m > 128:
        half = m // 2
        half -= half % 8
        return row_sum(terms[:half]) + row_sum(terms[half:])
    acc = [t.copy() for t in terms[:8]]
    i = 8
    while i <= m - 8:
        for j in range(8):
            acc[j] += terms[i + j]
        i += 8
    total = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
    for t in terms[i:]:
        total = total + t
    return total


def _weights_of(cols: Columns, w: FloatArray | None) -> tuple[FloatArray, list[BoolArray]]:
    w = np.ones(len(cols)) if w is None else np.asarray(w, dtype=np.float64)
    if w.shape != (len(cols),) or np.isnan(w).any():
        raise ValueError("weights must be one number per column, without NaN")
    return w, [~np.isnan(c) for c in cols]


def _weighted(
    cols: Columns,
    w: FloatArray | None,
    term: Callable[[FloatArray, float], FloatArray],
    guard: bool = True,
) -> tuple[FloatArray, FloatArray]:
    """(Σ term(x_j, w_j) over present values, Σ w_j over present values) per row, a missing
    value's term 0; with ``guard`` a weight ≤ 0 takes x as 1 (so log x and 1/x stay finite)."""
    w, present = _weights_of(cols, w)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        terms = [
            np.where(p, term(c if wj > 0 or not guard else np.ones_like(c), float(wj)), 0.0)
            for c, wj, p in zip(cols, w, present, strict=True)
        ]
    weights = [np.where(p, wj, 0.0) for wj, p in zip(w, present, strict=True)]
    return row_sum(terms), row_sum(weights)


def _columns(x: FloatArray) -> list[FloatArray]:
    x = canonical_nan(x)
    return [x[:, j] for j in range(x.shape[1])]


def _canonical(cols: Columns) -> list[FloatArray]:
    return [canonical_nan(c) for c in cols]


def amean(x: FloatArray, w: FloatArray | None = None) -> FloatArray:
    """Weighted arithmetic mean of each row."""
    return amean_columns(_columns(x), w, x)


def amean_columns(
    cols: Columns, w: FloatArray | None = None, block: FloatArray | None = None
) -> FloatArray:
    """``amean`` of the matrix whose columns are ``cols`` (``block``: that matrix, if built)."""
    if any(np.isnan(c).any() for c in cols):
        cols, block = _canonical(cols), None
    if w is not None and not any(np.isnan(c).any() for c in cols):  # complete: one product
        wa = np.asarray(w, dtype=np.float64)
        if wa.shape == (len(cols),) and wa.sum() > 0:
            x = np.column_stack(cols) if block is None else block
            out_: FloatArray = x @ (wa / wa.sum())
            return out_
    num, den = _weighted(cols, w, lambda c, wj: wj * c, guard=False)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = num / den
    return np.where(den > 0, out, np.nan)


def gmean(x: FloatArray, w: FloatArray | None = None) -> FloatArray:
    """Weighted geometric mean of each row; values must be positive."""
    return gmean_columns(_columns(x), w)


def gmean_columns(cols: Columns, w: FloatArray | None = None) -> FloatArray:
    cols = _canonical(cols)
    if any((c <= 0).any() for c in cols):
        raise ValueError(
            "geometric mean needs positive values: normalise onto a positive range "
            "(e.g. minmax 1–100) or use another aggregation"
        )
    num, den = _weighted(cols, w, lambda c, wj: wj * np.log(c))
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = np.exp(num / den)
    return np.where(den > 0, out, np.nan)


def hmean(x: FloatArray, w: FloatArray | None = None) -> FloatArray:
    """Weighted harmonic mean of each row; values must be non-zero."""
    return hmean_columns(_columns(x), w)


def hmean_columns(cols: Columns, w: FloatArray | None = None) -> FloatArray:
    cols = _canonical(cols)
    if any((c == 0).any() for c in cols):
        raise ValueError("harmonic mean needs non-zero values: normalise onto a positive range")
    num, den = _weighted(cols, w, lambda c, wj: wj / c)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = den / num
    return np.where(den > 0, out, np.nan)


def genmean(x: FloatArray, w: FloatArray | None = None, p: float = 2.0) -> FloatArray:
    """Weighted generalised (power) mean of each row, (Σw·x^p / Σw)^(1/p)."""
    return genmean_columns(_columns(x), w, p)


def genmean_columns(cols: Columns, w: FloatArray | None = None, p: float = 2.0) -> FloatArray:
    cols = _canonical(cols)
    if p == 0:
        raise ValueError("generalised mean with p = 0 is the geometric mean: use gmean")
    if p < 0 and any((c <= 0).any() for c in cols):
        raise ValueError("generalised mean with negative p needs positive values")
    num, den = _weighted(cols, w, lambda c, wj: wj * c**p)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = (num / den) ** (1 / p)
    return np.where(den > 0, out, np.nan)


def outranking(x: FloatArray, w: FloatArray | None = None, chunk: int = 256) -> FloatArray:
    """COINr's outranking matrix: entry (i, j) is the share of weight on which unit i beats
    unit j, ties counting half; 0 on the diagonal. Built ``chunk`` rows at a time."""
    win, tie = _contests(x, w, chunk)
    orm: FloatArray = win + tie / 2
    np.fill_diagonal(orm, 0.0)
    return orm


def _contests(x: FloatArray, w: FloatArray | None, chunk: int) -> tuple[FloatArray, FloatArray]:
    """(weight share on which i beats j, weight share on which they tie), n × n."""
    x = canonical_nan(x)
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
    x = canonical_nan(x)
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
    return aggregate_columns(_columns(x), method, w, p=p, dat_thresh=dat_thresh, block=x)


def aggregate_columns(
    cols: Columns,
    method: str,
    w: FloatArray | None = None,
    *,
    p: float = 2.0,
    dat_thresh: float | None = None,
    block: FloatArray | None = None,
) -> FloatArray:
    """``aggregate_rows`` of the matrix whose columns are ``cols`` (``block``: that matrix
    if the caller has it), worked column by column where the method allows."""
    if method == "amean":
        out = amean_columns(cols, w, block)
    elif method == "gmean":
        out = gmean_columns(cols, w)
    elif method == "hmean":
        out = hmean_columns(cols, w)
    elif method == "genmean":
        out = genmean_columns(cols, w, p)
    elif method == "copeland":
        out = copeland(np.column_stack(cols) if block is None else block, w)
    else:
        raise ValueError(f"unknown aggregation {method!r}; known: {', '.join(AGGREGATION_METHODS)}")
    if dat_thresh is not None and method != "copeland":
        cols = _canonical(cols)
        if not 0 <= dat_thresh <= 1:
            raise ValueError("dat_thresh must be between 0 and 1")
        present = row_sum([(~np.isnan(c)).astype(np.float64) for c in cols])
        out = np.where(present / len(cols) < dat_thresh, np.nan, out)
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
    x = canonical_nan(x)
    columns = [x[:, j] for j in range(x.shape[1])]
    position = {c: i for i, c in enumerate(names)}
    by_weight = weights or {}
    for level in range(2, levels + 1):
        for parent, children in tree.groups(level - 1):
            cols = [columns[position[c.code]] for c in children]
            w = np.array([by_weight.get(c.code, c.weight) for c in children])
            position[parent] = len(columns)
            columns.append(
                aggregate_columns(cols, methods[level - 2], w, p=p, dat_thresh=dat_thresh)
            )
            names.append(parent)
    out = np.empty((x.shape[0], len(columns)))
    out[:, : x.shape[1]] = x
    if len(columns) > x.shape[1]:
        out[:, x.shape[1] :] = np.stack(columns[x.shape[1] :], axis=1)
    return out, names
