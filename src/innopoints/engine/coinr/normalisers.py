"""COINr's normalisations (``n_*`` functions), every indicator column at once.

As in COINr's ``Normalise()``, each column is first multiplied by its direction (−1 for
"lower is better"), then normalised. Ranks use ``ties = "min"`` and keep NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from innopoints.engine.columns import FloatArray, canonical_nan

NORMALISERS = (
    "minmax",
    "zscore",
    "scaled",
    "prank",
    "rank",
    "borda",
    "fracmax",
    "dist2max",
    "dist2ref",
    "dist2targ",
    "goalposts",
)


def min_rank(x: FloatArray) -> FloatArray:
    """Rank of each value within its column, ties given the lowest rank, NaN kept."""
    out = np.full(x.shape, np.nan)
    for j in range(x.shape[1]):  # one sort per indicator
        col = x[:, j]
        present = ~np.isnan(col)
        ordered = np.sort(col[present])
        out[present, j] = np.searchsorted(ordered, col[present], side="left") + 1.0
    return out


def _per_column(
    value: float | Sequence[float] | FloatArray | None, k: int, name: str
) -> FloatArray:
    if value is None:
        raise ValueError(f"{name} is required for this normalisation")
    arr = np.broadcast_to(np.asarray(value, dtype=np.float64), (k,)).copy()
    return arr


def normalise(
    x: FloatArray,
    method: str = "minmax",
    directions: FloatArray | None = None,
    *,
    l_u: tuple[float, float] = (0.0, 100.0),
    m_sd: tuple[float, float] = (0.0, 1.0),
    npara: tuple[float, float] = (0.0, 100.0),
    ref_row: int = 0,
    cap_max: bool = False,
    targets: float | Sequence[float] | FloatArray | None = None,
    lower: float | Sequence[float] | FloatArray | None = None,
    upper: float | Sequence[float] | FloatArray | None = None,
    scale: float = 100.0,
    trunc: bool = True,
) -> FloatArray:
    """Normalise each column of ``x`` (n × k, NaN missing).

    ``minmax`` onto ``l_u``; ``zscore`` to mean/sd ``m_sd``; ``scaled`` (x−l)/(u−l)·100 with
    ``npara``; ``prank`` (rank−1)/(n−1); ``rank``; ``borda`` rank−1; ``fracmax`` x/max;
    ``dist2max`` 1−(max−x)/(max−min); ``dist2ref`` 1−(x_ref−x)/(x_ref−min) with the reference
    unit at row ``ref_row`` (0-based); ``dist2targ`` (x−min)/(target−min) with targets in
    the indicators' own units (for direction −1: (max−x)/(max−target)); ``goalposts``
    (x−lower)/(upper−lower) (direction −1: (upper−x)/(upper−lower)), truncated to [0, 1]
    when ``trunc``, times ``scale``. ``cap_max`` caps dist2ref/dist2targ at 1.
    """
    x = canonical_nan(x)
    if x.ndim != 2:
        raise ValueError(f"normalise expects a 2-D (units × indicators) array, got {x.ndim}-D")
    k = x.shape[1]
    d = np.ones(k) if directions is None else np.asarray(directions, dtype=np.float64)
    if d.shape != (k,) or not np.isin(d, (-1.0, 1.0)).all():
        raise ValueError("directions must hold one 1 or -1 per indicator")
    xd = x * d
    with np.errstate(invalid="ignore", divide="ignore"):
        if method in ("minmax", "dist2max"):
            mn, mx = np.nanmin(xd, axis=0), np.nanmax(xd, axis=0)
            if method == "dist2max":
                out: FloatArray = 1 - (mx - xd) / (mx - mn)
                return out
            lo, hi = l_u  # (xd − mn) / (mx − mn) · (hi − lo) + lo, in place
            np.subtract(xd, mn, out=xd)
            np.divide(xd, mx - mn, out=xd)
            np.multiply(xd, hi - lo, out=xd)
            np.add(xd, lo, out=xd)
            return xd
        if method == "zscore":
            mean, sd = m_sd
            if sd <= 0:
                raise ValueError("zscore: the target standard deviation must be positive")
            out = (xd - np.nanmean(xd, axis=0)) / np.nanstd(xd, axis=0, ddof=1) * sd + mean
            return out
        if method == "scaled":
            out = (xd - npara[0]) / (npara[1] - npara[0]) * 100
            return out
        if method in ("rank", "borda", "prank"):
            r = min_rank(xd)
            if method == "rank":
                return r
            if method == "borda":
                out = r - 1
                return out
            out = (r - 1) / ((~np.isnan(xd)).sum(axis=0) - 1)
            return out
        if method == "fracmax":
            out = xd / np.nanmax(xd, axis=0)
            return out
        if method == "dist2ref":
            if not 0 <= ref_row < x.shape[0]:
                raise ValueError(f"dist2ref: ref_row {ref_row} is not a row of the data")
            ref = xd[ref_row]
            out = 1 - (ref - xd) / (ref - np.nanmin(xd, axis=0))
            return np.where(cap_max & (out > 1), 1.0, out)
        if method == "dist2targ":
            targ = _per_column(targets, k, "targets") * d
            if np.isnan(targ).any():
                raise ValueError("dist2targ: every indicator needs a target")
            out = (xd - np.nanmin(xd, axis=0)) / (targ - np.nanmin(xd, axis=0))
            return np.where(cap_max & (out > 1), 1.0, out)
        if method == "goalposts":
            lo_p = _per_column(lower, k, "lower")
            hi_p = _per_column(upper, k, "upper")
            # COINr flips both the values and the posts for direction −1, then measures
            # from the (flipped) upper post: (upper − x)/(upper − lower)
            first = np.where(d < 0, -hi_p, lo_p)
            second = np.where(d < 0, -lo_p, hi_p)
            out = (xd - first) / (second - first)
            if trunc:
                out = np.clip(out, 0.0, 1.0)
            out = out * scale
            return out
    raise ValueError(f"unknown COINr normalisation {method!r}; known: {', '.join(NORMALISERS)}")
