"""Transform and normalise weighted indicators (METHOD.md §4, §8, §11), fit then apply.

``fit`` computes a run's parameters from the reference population R (every enterprise with a
value, per reference group); ``apply`` turns values into x' ∈ [0, 1] with those parameters. A
self-assessment reuses a finished run's fitted parameters, so nothing is re-normalised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from innopoints.engine.columns import FloatArray
from innopoints.engine.scheme import Band, Goalpost, Indicator

GroupIndex = npt.NDArray[np.int8]


def transform(kind: str, x: FloatArray) -> FloatArray:
    """t = T(x): ``none`` or ``log1p`` (sign(x)·ln(1+|x|)); NaN stays NaN."""
    if kind == "none":
        return x
    if kind == "log1p":
        return np.sign(x) * np.log1p(np.abs(x))
    raise ValueError(f"unknown transform {kind!r}")


@dataclass(frozen=True)
class GroupParameters:
    """One reference group's fitted parameters for one indicator."""

    n_reference: int
    lower: float
    upper: float
    reference: FloatArray | None = None
    """Sorted t over R, kept for the ``rank`` method so a new value can be placed."""


@dataclass(frozen=True)
class IndicatorParameters:
    code: str
    method: str
    transform: str
    direction: str
    winsor: tuple[float, float]
    groups: tuple[GroupParameters, ...]
    goalpost: Goalpost | None = None
    bands: tuple[Band, ...] | None = None


def fit(
    indicator: Indicator,
    method: str,
    transform_kind: str,
    t: FloatArray,
    group: GroupIndex,
    n_groups: int,
) -> IndicatorParameters:
    """Fit ``method`` on transformed values t (NaN = missing) within each reference group."""
    groups: list[GroupParameters] = []
    for g in range(n_groups):
        values = t if n_groups == 1 else t[group == g]
        values = values[~np.isnan(values)]
        groups.append(_fit_group(indicator, method, transform_kind, values))
    return IndicatorParameters(
        code=indicator.code,
        method=method,
        transform=transform_kind,
        direction=indicator.direction,
        winsor=indicator.winsor,
        groups=tuple(groups),
        goalpost=indicator.goalpost if method == "goalpost" else None,
        bands=indicator.bands if method == "bands" else None,
    )


def _fit_group(
    indicator: Indicator, method: str, transform_kind: str, values: FloatArray
) -> GroupParameters:
    n = int(values.shape[0])
    if method in {"wminmax", "minmax"}:
        if n == 0:
            return GroupParameters(0, np.nan, np.nan)
        low, high = np.quantile(values, indicator.winsor)  # Hyndman–Fan type 7
        return GroupParameters(n, float(low), float(high))
    if method == "rank":
        return GroupParameters(n, np.nan, np.nan, np.sort(values))
    if method == "goalpost":
        assert indicator.goalpost is not None
        ends = transform(
            transform_kind, np.array([indicator.goalpost.low, indicator.goalpost.full_mark])
        )
        return GroupParameters(n, float(ends[0]), float(ends[1]))
    if method == "bands":
        return GroupParameters(n, np.nan, np.nan)
    raise ValueError(f"unknown method {method!r}")


def _per_row(values: npt.NDArray[np.float64], group: GroupIndex) -> FloatArray | float:
    return float(values[0]) if values.shape[0] == 1 else values[group]


def apply(
    params: IndicatorParameters, t: FloatArray, value: FloatArray, group: GroupIndex
) -> FloatArray:
    """x' in [0, 1] for each row; 0 where the value is missing (METHOD.md §4 step 4)."""
    missing = np.isnan(t)
    if params.method in {"wminmax", "minmax", "goalpost"}:
        lows = np.array([g.lower for g in params.groups])
        highs = np.array([g.upper for g in params.groups])
        low, high = _per_row(lows, group), _per_row(highs, group)
        span = np.subtract(high, low)
        with np.errstate(invalid="ignore", divide="ignore"):
            scaled = (np.clip(t, low, high) - low) / span
        x = np.where(span > 0, scaled, 0.0)
    elif params.method == "rank":
        x = _rank_fraction(params, t, group)
    elif params.method == "bands":
        x = _band_fraction(params.bands or (), value)
    else:
        raise ValueError(f"unknown method {params.method!r}")
    if params.direction == "negative":
        x = 1.0 - x
    return np.where(missing, 0.0, x)


def _rank_fraction(params: IndicatorParameters, t: FloatArray, group: GroupIndex) -> FloatArray:
    """x' = #{v in R : v < t} / (|R| − 1), 0 when |R| < 2 (METHOD.md §8)."""
    x = np.zeros(t.shape[0])
    for g, gp in enumerate(params.groups):
        assert gp.reference is not None
        if gp.reference.shape[0] < 2:
            continue
        rows = slice(None) if len(params.groups) == 1 else group == g
        below = np.searchsorted(gp.reference, t[rows], side="left")
        x[rows] = below / (gp.reference.shape[0] - 1)
    return x


def _band_fraction(bands: tuple[Band, ...], value: FloatArray) -> FloatArray:
    """The fraction of the band [lower, upper) that holds the raw value; 0 outside every band."""
    x = np.zeros(value.shape[0])
    for band in bands:
        lower = -np.inf if band.lower is None else band.lower
        upper = np.inf if band.upper is None else band.upper
        x[(value >= lower) & (value < upper)] = band.fraction
    return x
