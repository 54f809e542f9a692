"""Transform and normalise weighted indicators (docs/METHOD.md §4, §8, §11), fit then apply.

``sort_reference`` orders each reference population R once (one argsort per indicator and
group); ``fit`` reads a run's parameters off that order; ``apply`` turns values into
x' ∈ [0, 1]. Because T is monotone, the order of the raw values is the order of t, so the
same sort serves the primary method, the ``minmax`` alternative and the ``rank`` alternative.
A self-assessment reuses a finished run's fitted parameters, so nothing is re-normalised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from innopoints.engine.columns import FloatArray, IntArray
from innopoints.engine.scheme import Band, Goalpost, Indicator

GroupIndex = npt.NDArray[np.int8]


def transform(kind: str, x: FloatArray) -> FloatArray:
    """t = T(x): ``none`` or ``log1p`` (sign(x)·ln(1+|x|)); NaN stays NaN. Both are
    monotone, which the sorting below relies on."""
    if kind == "none":
        return x
    if kind == "log1p":
        if not (x < 0).any():  # the usual case: amounts and counts; one pass, one array
            return np.log1p(x)
        out: FloatArray = np.sign(x) * np.log1p(np.abs(x))
        return out
    raise ValueError(f"unknown transform {kind!r}")


@dataclass(frozen=True)
class SortedReference:
    """One reference group's present values in ascending order, with their row positions."""

    positions: IntArray
    values: FloatArray


def sort_reference(value: FloatArray, group: GroupIndex, n_groups: int) -> list[SortedReference]:
    """Each reference group's present values in ascending order."""
    present = ~np.isnan(value)
    references = []
    for g in range(n_groups):
        rows = np.flatnonzero(present if n_groups == 1 else present & (group == g))
        values = value[rows]
        order = _argsort_zero_inflated(values)
        references.append(SortedReference(rows[order], values[order]))
    return references


def _argsort_zero_inflated(values: FloatArray) -> IntArray:
    """argsort, with the zeros (most of many count columns) placed without sorting them.
    NaN must be absent: numpy's fast sorts fall back to a slow path when they meet one."""
    zero = values == 0
    n_zero = int(np.count_nonzero(zero))
    if n_zero < values.shape[0] // 8:
        return np.argsort(values)
    nonzero = np.flatnonzero(~zero)
    nonzero = nonzero[np.argsort(values[nonzero])]
    n_negative = int(np.searchsorted(values[nonzero], 0.0))
    return np.concatenate([nonzero[:n_negative], np.flatnonzero(zero), nonzero[n_negative:]])


def quantile_sorted(ascending: FloatArray, p: float, kind: str = "none") -> float:
    """Hyndman–Fan type 7 quantile of T(values), read off values sorted ascending. Same
    arithmetic as ``numpy.quantile(..., method='linear')``, so the figures are identical."""
    n = ascending.shape[0]
    virtual = (n - 1) * p
    lower = int(np.floor(virtual))
    upper = min(lower + 1, n - 1)
    gamma = virtual - lower
    ends = transform(kind, ascending[[lower, upper]])
    a, b = float(ends[0]), float(ends[1])
    diff = b - a
    return float(b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma)


def count_below(reference: SortedReference) -> IntArray:
    """For each value of R (in sorted order), #{v in R : v < it}: the start of its tie run."""
    values = reference.values
    n = values.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    run_start = np.empty(n, dtype=bool)
    run_start[0] = True
    np.not_equal(values[1:], values[:-1], out=run_start[1:])
    starts = np.flatnonzero(run_start)
    lengths = np.diff(starts, append=n)
    return np.repeat(starts, lengths)


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

    def lowers(self) -> FloatArray:
        return np.array([g.lower for g in self.groups], dtype=np.float64)

    def uppers(self) -> FloatArray:
        return np.array([g.upper for g in self.groups], dtype=np.float64)


def fit(
    indicator: Indicator,
    method: str,
    transform_kind: str,
    references: list[SortedReference],
) -> IndicatorParameters:
    """Fit ``method`` on the sorted reference groups of an indicator's values."""
    groups = tuple(_fit_group(indicator, method, transform_kind, ref.values) for ref in references)
    return IndicatorParameters(
        code=indicator.code,
        method=method,
        transform=transform_kind,
        direction=indicator.direction,
        winsor=indicator.winsor,
        groups=groups,
        goalpost=indicator.goalpost if method == "goalpost" else None,
        bands=indicator.bands if method == "bands" else None,
    )


def _fit_group(
    indicator: Indicator, method: str, transform_kind: str, ascending: FloatArray
) -> GroupParameters:
    n = int(ascending.shape[0])
    if method in {"wminmax", "minmax"}:
        if n == 0:
            return GroupParameters(0, np.nan, np.nan)
        p_low, p_high = indicator.winsor
        return GroupParameters(
            n,
            quantile_sorted(ascending, p_low, transform_kind),
            quantile_sorted(ascending, p_high, transform_kind),
        )
    if method == "rank":
        return GroupParameters(n, np.nan, np.nan, transform(transform_kind, ascending))
    if method == "goalpost":
        assert indicator.goalpost is not None
        ends = transform(
            transform_kind, np.array([indicator.goalpost.low, indicator.goalpost.full_mark])
        )
        return GroupParameters(n, float(ends[0]), float(ends[1]))
    if method == "bands":
        return GroupParameters(n, np.nan, np.nan)
    raise ValueError(f"unknown method {method!r}")


def apply(
    params: IndicatorParameters,
    t: FloatArray,
    value: FloatArray,
    group: GroupIndex,
    references: list[SortedReference] | None = None,
) -> FloatArray:
    """x' in [0, 1] for each row; 0 where the value is missing (docs/METHOD.md §4 step 4).

    ``references`` (the run's own sorted groups) lets the ``rank`` method count ranks from the
    sort it already has; without them a new value is placed in the frozen reference."""
    missing = np.isnan(t)
    if params.method in {"wminmax", "minmax", "goalpost"}:
        x = _minmax(params, t, group)
    elif params.method == "rank":
        if references is not None:
            x = _rank_fraction_in_run(references, t.shape[0])
        else:
            x = _rank_fraction_frozen(params, t, group)
    elif params.method == "bands":
        x = _band_fraction(params.bands or (), value)
    else:
        raise ValueError(f"unknown method {params.method!r}")
    if params.direction == "negative":
        x = 1.0 - x
    x[missing] = 0.0
    return x


def _minmax(params: IndicatorParameters, t: FloatArray, group: GroupIndex) -> FloatArray:
    if len(params.groups) == 1:
        low, high = params.groups[0].lower, params.groups[0].upper
        if not high > low:  # U = L, or no reference at all: 0 for everyone (§4 step 3)
            return np.zeros(t.shape[0])
        scaled: FloatArray = np.clip(t, low, high)
        scaled -= low
        scaled /= high - low
        return scaled
    lows, highs = params.lowers()[group], params.uppers()[group]
    span = highs - lows
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = (np.clip(t, lows, highs) - lows) / span
    out: FloatArray = np.where(span > 0, scaled, 0.0)
    return out


def _rank_fraction_in_run(references: list[SortedReference], n_rows: int) -> FloatArray:
    """x' = #{v in R : v < t} / (|R| − 1), 0 when |R| < 2 (docs/METHOD.md §8)."""
    x = np.zeros(n_rows)
    for ref in references:
        size = ref.positions.shape[0]
        if size >= 2:
            x[ref.positions] = count_below(ref) / (size - 1)
    return x


def _rank_fraction_frozen(
    params: IndicatorParameters, t: FloatArray, group: GroupIndex
) -> FloatArray:
    x = np.zeros(t.shape[0])
    for g, gp in enumerate(params.groups):
        assert gp.reference is not None
        size = gp.reference.shape[0]
        if size < 2:
            continue
        rows = np.flatnonzero(group == g) if len(params.groups) > 1 else np.arange(t.shape[0])
        x[rows] = np.searchsorted(gp.reference, t[rows], side="left") / (size - 1)
    return x


def _band_fraction(bands: tuple[Band, ...], value: FloatArray) -> FloatArray:
    """The fraction of the band [lower, upper) that holds the raw value; 0 outside every band."""
    x = np.zeros(value.shape[0])
    for band in bands:
        lower = -np.inf if band.lower is None else band.lower
        upper = np.inf if band.upper is None else band.upper
        x[(value >= lower) & (value < upper)] = band.fraction
    return x
