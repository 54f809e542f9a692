"""Transform and normalise weighted indicators (docs/METHOD.md §4, §8, §11), fit then apply.

``sort_reference`` orders each reference population R once (one argsort per indicator and
group) when a method reads the order (``rank``); ``select_reference`` only gathers R, and the
winsor bounds are then selected (``np.partition``, O(n)) rather than sorted, the same order
statistics so the same figures. ``fit`` reads a run's parameters off either; ``apply`` turns
values into x' ∈ [0, 1]. Because T is monotone, the order of the raw values is the order of t,
so one sort (or one selection) serves the primary method and both agreement alternatives.
A self-assessment reuses a finished run's fitted parameters, so nothing is re-normalised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from innopoints.engine.columns import BoolArray, FloatArray, IntArray
from innopoints.engine.ordering import ascending_rows
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
    """One reference group's present values: in ascending order with their row positions
    (``sort_reference``), or as found with ``positions`` None (``select_reference``)."""

    positions: IntArray | None
    values: FloatArray
    _selected: dict[int, float] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ascending(self) -> bool:
        return self.positions is not None

    def order_statistics(self, ks: list[int]) -> FloatArray:
        """The k-th smallest values (0-based), read off the sort or selected (once each)."""
        if self.ascending:
            return self.values[ks]
        new = sorted({k for k in ks if k not in self._selected})
        if new:
            self._selected.update(zip(new, select(self.values, new).tolist(), strict=True))
        return np.array([self._selected[k] for k in ks], dtype=np.float64)


def sort_reference(
    value: FloatArray, group: GroupIndex, n_groups: int, present: BoolArray | None = None
) -> list[SortedReference]:
    """Each reference group's present values (``present``: ~isnan(value), when at hand) in
    ascending order."""
    present = ~np.isnan(value) if present is None else present
    references = []
    for g in range(n_groups):
        chosen = present if n_groups == 1 else present & (group == g)
        references.append(SortedReference(*_ascending_zero_inflated(value, chosen)))
    return references


def select_reference(
    value: FloatArray, group: GroupIndex, n_groups: int, present: BoolArray | None = None
) -> list[SortedReference]:
    """Each reference group's present values, unsorted: enough for every method but ``rank``."""
    present = ~np.isnan(value) if present is None else present
    if n_groups == 1:
        return [SortedReference(None, value[present])]
    return [SortedReference(None, value[present & (group == g)]) for g in range(n_groups)]


def select(values: FloatArray, ks: list[int]) -> FloatArray:
    """``np.sort(values)[ks]`` by selection: O(n) per distinct k, no full sort. NaN must be
    absent. The zeros (most of many count columns, where selection slows down on ties) are
    counted, not selected, and taken in row order, as ``_ascending_zero_inflated`` places them."""
    out = np.empty(len(ks), dtype=np.float64)
    zero = values == 0
    n_zero = int(np.count_nonzero(zero))
    if n_zero < values.shape[0] // 8:
        _select_into(values, ks, 0, out, range(len(ks)))
        return out
    negative = values[values < 0]
    n_negative = negative.shape[0]
    zeros: IntArray | None = None
    low, high = [], []
    for j, k in enumerate(ks):
        if k < n_negative:
            low.append(j)
        elif k >= n_negative + n_zero:
            high.append(j)
        else:
            zeros = np.flatnonzero(zero) if zeros is None else zeros
            out[j] = values[zeros[k - n_negative]]
    _select_into(negative, ks, 0, out, low)
    if high:
        _select_into(values[values > 0], ks, n_negative + n_zero, out, high)
    return out


def _select_into(
    values: FloatArray, ks: list[int], offset: int, out: FloatArray, slots: Sequence[int]
) -> None:
    """out[j] = the (ks[j] − offset)-th smallest of ``values`` for j in slots. In ascending k,
    each partition leaves the larger values to its right, so the next k searches only them."""
    rest, base = values, offset  # rest holds the order statistics base, base + 1, ...
    found: dict[int, float] = {}
    for j in sorted(slots, key=lambda j: ks[j]):
        k = ks[j]
        if k not in found:
            local = k - base
            if local == 0:  # the next after one selected: a minimum (rest stays as it is)
                found[k] = float(rest.min())
            else:
                rest = np.partition(rest, local)
                found[k] = float(rest[local])
                rest, base = rest[local + 1 :], k + 1
        out[j] = found[k]


def _ascending_zero_inflated(value: FloatArray, chosen: BoolArray) -> tuple[IntArray, FloatArray]:
    """(positions, values there): the chosen rows in ascending order (engine/ordering.py), with
    the zeros (most of many count columns) placed without sorting them, in row order. NaN must
    be absent from the chosen rows."""
    zero = chosen & (value == 0)
    n_zero = int(np.count_nonzero(zero))
    if n_zero < int(np.count_nonzero(chosen)) // 8:
        return ascending_rows(value, chosen)
    positions, ordered = ascending_rows(value, chosen & ~zero)
    n_negative = int(np.searchsorted(ordered, 0.0))
    zeros = np.flatnonzero(zero)
    # the zeros as they are: -0.0 stays -0.0
    return (
        np.concatenate([positions[:n_negative], zeros, positions[n_negative:]]),
        np.concatenate([ordered[:n_negative], value[zeros], ordered[n_negative:]]),
    )


def quantile_positions(n: int, p: float) -> tuple[int, int]:
    """The two order statistics (0-based) type 7 interpolates between for n values."""
    lower = int(np.floor((n - 1) * p))
    return lower, min(lower + 1, n - 1)


def quantile_sorted(ascending: FloatArray, p: float, kind: str = "none") -> float:
    """Hyndman–Fan type 7 quantile of T(values), read off values sorted ascending. Same
    arithmetic as ``numpy.quantile(..., method='linear')``, so the figures are identical."""
    n = ascending.shape[0]
    return quantile_between(ascending[list(quantile_positions(n, p))], n, p, kind)


def quantile_between(pair: FloatArray, n: int, p: float, kind: str) -> float:
    """The type 7 quantile of T(values) from the two order statistics of the n values that
    ``quantile_positions`` names (sorted or selected: the same two numbers)."""
    virtual = (n - 1) * p
    gamma = virtual - int(np.floor(virtual))
    ends = transform(kind, pair)
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
    groups = tuple(_fit_group(indicator, method, transform_kind, ref) for ref in references)
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


def winsor_bounds(
    reference: SortedReference, winsor: tuple[float, float], kind: str
) -> tuple[float, float]:
    """(L, U): the type 7 quantiles of T over R at the winsor shares, from one sort or one
    selection of the four order statistics they need."""
    n = int(reference.values.shape[0])
    (p_low, p_high) = winsor
    ks = [*quantile_positions(n, p_low), *quantile_positions(n, p_high)]
    picked = reference.order_statistics(ks)
    return (
        quantile_between(picked[:2], n, p_low, kind),
        quantile_between(picked[2:], n, p_high, kind),
    )


def _fit_group(
    indicator: Indicator, method: str, transform_kind: str, reference: SortedReference
) -> GroupParameters:
    n = int(reference.values.shape[0])
    if method in {"wminmax", "minmax"}:
        if n == 0:
            return GroupParameters(0, np.nan, np.nan)
        low, high = winsor_bounds(reference, indicator.winsor, transform_kind)
        return GroupParameters(n, low, high)
    if method == "rank":
        if not reference.ascending:
            raise ValueError("the rank method needs sort_reference, not select_reference")
        return GroupParameters(n, np.nan, np.nan, transform(transform_kind, reference.values))
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
    missing: BoolArray | None = None,
) -> FloatArray:
    """x' in [0, 1] for each row; 0 where the value is missing (docs/METHOD.md §4 step 4).

    ``references`` (the run's own sorted groups) lets the ``rank`` method count ranks from the
    sort it already has; without them a new value is placed in the frozen reference.
    ``missing``: isnan(t), when at hand."""
    missing = np.isnan(t) if missing is None else missing
    # the rank fraction counted from the run's sort and the bands leave a missing value at 0
    zero_where_missing = False
    if params.method in {"wminmax", "minmax", "goalpost"}:
        x = _minmax(params, t, group)
    elif params.method == "rank":
        if references is not None:
            x = _rank_fraction_in_run(references, t.shape[0])
            zero_where_missing = True
        else:
            x = _rank_fraction_frozen(params, t, group)
    elif params.method == "bands":
        x = _band_fraction(params.bands or (), value)
        zero_where_missing = True
    else:
        raise ValueError(f"unknown method {params.method!r}")
    if params.direction == "negative":
        np.subtract(1.0, x, out=x)
        zero_where_missing = False
    if not zero_where_missing:
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
        size = ref.values.shape[0]
        if size >= 2:
            assert ref.positions is not None, "the rank method needs sort_reference"
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
