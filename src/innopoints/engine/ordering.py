"""The ascending order of a column of numbers, by whichever sort is fast on this CPU.

Every sort of floats in a run goes through here: the reference groups of the indicators (the
``rank`` method and the agreement report's ``rank`` alternative), the totals of the ranking and
each alternative's totals. numpy (2.x) sorts with x86-simd-sort where the CPU has AVX-512
(numpy's X86_V4 level: ``np.argsort`` of a million float64 in 14 ms) or AVX2 (X86_V3: 37–46
ms). With AVX2 only, a column without NaN is sorted as packed int64 keys instead
(``by_packed_keys``: 25–40 ms with the sorted values, against 57–75 ms for ``np.argsort`` and
the gather of the sorted values); with AVX-512 on Intel packing was no faster than numpy's own
argsort (docs/scale.md). AMD's Zen 4 has AVX-512 but runs x86-simd-sort slowly: packed keys
there, sorted by polars; Zen 5 sorts int64 fast (4 ms per million): packed keys sorted by numpy
(``sort_for_avx512``). Without SIMD numpy falls back to a plain introsort (about 120 ms), and
polars' sort takes half that, a third on columns with many ties, and leaves the GIL while it
sorts. The choice is made once per process from the CPU's features, so a host always sorts the
same way.

Which of several equal values comes first is not specified here, and no caller depends on it:
each reads the order only through the values (counts of smaller values, average and competition
ranks, order statistics, a threshold), which are the same for any order of ties.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from innopoints.engine.columns import BoolArray, FloatArray, IntArray

ARGSORT, PACKED, PACKED_POLARS, POLARS = "argsort", "packed", "packed-polars", "polars"
"""numpy's argsort; packed int64 keys sorted by numpy or by polars; polars' argsort."""


def _sort_for_this_cpu() -> str:
    try:
        from numpy._core._multiarray_umath import (  # type: ignore[import-not-found]  # noqa: PLC0415
            __cpu_features__,
        )
    except ImportError:  # a numpy that keeps its CPU features elsewhere: the portable sort
        return POLARS
    # X86_V4 / X86_V3 are numpy 2.4's names for the AVX-512 and AVX2 levels it dispatches
    # x86-simd-sort on; AVX512_SKX is the name older numpy releases report
    if __cpu_features__.get("X86_V4", False) or __cpu_features__.get("AVX512_SKX", False):
        return sort_for_avx512(_amd_family())
    if __cpu_features__.get("X86_V3", False):
        return PACKED
    return POLARS


ZEN4_FAMILY = 25
"""AMD family 19h: Zen 3 (no AVX-512) and Zen 4. Zen 4 runs AVX-512's compress-store to memory,
which x86-simd-sort's partition step issues for every vector, as slow microcode: numpy's argsort
of a million float64 takes 78–81 ms there and its int64 sort 51–56 ms, polars' argsort 44–46 ms
and polars' sort of int64 (Rust's unstable quicksort, no SIMD) 15 ms: packed keys sorted by polars
(2026-12-07, AMD EPYC family 25 model 17)."""
ZEN5_FAMILY = 26
"""AMD family 1Ah: Zen 5 fixed the instruction. numpy's int64 sort of a million keys takes 4.4 ms
there, its argsort of float64 14.6 ms and polars' int64 sort 11.4 ms: packed keys sorted by numpy,
the engine at 1M 0.56–0.60 s against 0.62–0.64 s with the argsort (2026-12-07, AMD EPYC family
26 model 2)."""


def sort_for_avx512(amd_family: int | None) -> str:
    """The sort for a CPU with AVX-512, by its AMD family (None: not AMD, or not known)."""
    if amd_family == ZEN4_FAMILY:
        return PACKED_POLARS
    if amd_family is not None and amd_family >= ZEN5_FAMILY:
        return PACKED
    return ARGSORT


def _amd_family(cpuinfo: str | None = None) -> int | None:
    """The CPU family of the first processor of /proc/cpuinfo (or of ``cpuinfo``) if its vendor
    is AMD, else None. Read only on a CPU with AVX-512."""
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
                cpuinfo = handle.read(8192)
        except OSError:  # not Linux: the CPU's vendor is not read, numpy's sort is kept
            return None
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        if not line.strip():
            break
        name, _, value = line.partition(":")
        fields.setdefault(name.strip(), value.strip())
    family = fields.get("cpu family", "")
    if fields.get("vendor_id") != "AuthenticAMD" or not family.isdigit():
        return None
    return int(family)


SORT = _sort_for_this_cpu()


def by_numpy(values: FloatArray) -> IntArray:
    return np.argsort(values).astype(np.int64, copy=False)


def by_polars(values: FloatArray) -> IntArray:
    if values.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    # one thread per sort: the engine already sorts several columns side by side
    frame = pl.DataFrame({"v": pl.Series(values, nan_to_null=False)})
    order = frame.select(pl.arg_sort_by("v", multithreaded=False)).to_series().to_numpy()
    return order.astype(np.int64, copy=False)


INDEX_BITS_MAX = 32
"""Beyond 2**32 values the packed keys keep too few bits of each value to be worth it."""
MAX_SHARE_MENDED = 1 / 16
"""More values than this in runs to sort again after the packed sort (runs of values equal in
their leading bits but not in full: a column all alike to 1e-9): the full argsort instead."""
SIGN_FLIP = np.int64(0x7FFF_FFFF_FFFF_FFFF)


def by_packed_keys(
    values: FloatArray, chosen: BoolArray | None = None
) -> tuple[IntArray, FloatArray]:
    """(order, values[order]) from one sort of int64 keys: the value's bits, made to compare as
    the floats do, with their lowest bits replaced by the row position. numpy sorts int64 with
    x86-simd-sort about three times as fast as it argsorts float64 (13 against 40 ms for a
    million values with AVX2; polars' unstable sort of them on Zen 4: 15 ms against 46 ms for its
    argsort of the floats), and the row comes back with the key. Two values alike in every
    bit the key keeps (a relative difference below 2**-32 at a million rows) can come out in
    the wrong order: those runs of equal keys are found by one comparison of neighbours and
    sorted again in full, so the order is exact. ``chosen``: only those rows are sorted, and
    the order gives their positions in ``values`` (no gather of the rows before the sort nor
    of their positions after it). NaN must be absent from the rows sorted."""
    n = values.shape[0]
    index_bits = max(1, (n - 1).bit_length())
    if n == 0 or index_bits > INDEX_BITS_MAX:
        return _by_argsort(values, chosen)
    position = np.int64((1 << index_bits) - 1)
    bits = np.ascontiguousarray(values, dtype=np.float64).view(np.int64)
    key = bits >> 63  # all ones for a negative value: its other bits are flipped
    key &= SIGN_FLIP
    key ^= bits
    key &= ~position
    key |= np.arange(n, dtype=np.int64)
    if chosen is not None:
        key = key[chosen]
    if SORT == PACKED_POLARS:
        key = pl.Series(key).sort(multithreaded=False).to_numpy()
    else:
        key.sort()
    order = key & position
    ordered = values[order]
    out_of_order = np.flatnonzero(ordered[1:] < ordered[:-1])
    if out_of_order.shape[0] and not _mend(key >> index_bits, out_of_order, order, ordered):
        return _by_argsort(values, chosen)
    return order, ordered


def _by_argsort(values: FloatArray, chosen: BoolArray | None) -> tuple[IntArray, FloatArray]:
    by_values = by_polars if SORT == PACKED_POLARS else by_numpy
    if chosen is None:
        order = by_values(values)
        return order, values[order]
    rows = np.flatnonzero(chosen)
    picked = values[rows]
    order = by_values(picked)
    return rows[order], picked[order]


def _mend(leading: IntArray, out_of_order: IntArray, order: IntArray, ordered: FloatArray) -> bool:
    """Sort again, by value, every run of equal leading bits that holds a pair out of order: all
    of them in one ``np.lexsort`` of (run, value) over just their positions (a derived growth
    rate has about one value in a hundred alike to 2**-32 with another: some 10,000 runs per
    million). False, and nothing changed, when the runs hold more than ``MAX_SHARE_MENDED`` of
    the values: the full argsort is then cheaper."""
    runs = np.unique(leading[out_of_order])
    starts = np.searchsorted(leading, runs, side="left")
    lengths = np.searchsorted(leading, runs, side="right") - starts
    covered = int(lengths.sum())
    if covered > leading.shape[0] * MAX_SHARE_MENDED:
        return False
    run = np.repeat(np.arange(runs.shape[0]), lengths)
    # each run's positions: start, start + 1, …, laid end to end
    positions = np.arange(covered) + np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    alike = ordered[positions]
    by_value = np.lexsort((alike, run))
    order[positions] = order[positions][by_value]
    ordered[positions] = alike[by_value]
    return True


def ascending_with_values(values: FloatArray) -> tuple[IntArray, FloatArray]:
    """(order, values[order]): row positions of ``values`` in ascending order and the values in
    that order; NaN, if any, last (as ``np.argsort``)."""
    if SORT in (PACKED, PACKED_POLARS) and not np.isnan(values).any():
        return by_packed_keys(values)
    order = by_polars(values) if SORT == POLARS else by_numpy(values)
    return order, values[order]


def ascending_rows(values: FloatArray, chosen: BoolArray) -> tuple[IntArray, FloatArray]:
    """(positions, values there): the rows where ``chosen``, in ascending order of their values,
    as positions in ``values``, and their values in that order. NaN must be absent from them."""
    if SORT in (PACKED, PACKED_POLARS):
        return by_packed_keys(values, chosen)
    rows = np.flatnonzero(chosen)
    order, ordered = ascending_with_values(values[rows])
    return rows[order], ordered
