"""The ascending order of a column of numbers, by whichever sort is fast on this CPU.

Every sort of floats in a run goes through here: the reference groups of the indicators (the
``rank`` method and the agreement report's ``rank`` alternative), the totals of the ranking and
each alternative's totals. numpy (2.x) sorts float64 with x86-simd-sort where the CPU has AVX2
(numpy's X86_V3 level) or AVX-512: 14 ms for a million values with AVX-512, 38–46 ms with AVX2.
Without either numpy falls back to a plain introsort (about 120 ms), and polars' sort takes half
that, a third on columns with many ties, and leaves the GIL while it sorts. The choice is made
once per process from the CPU's features, so a host always sorts the same way.

Which of several equal values comes first is not specified here, and no caller depends on it:
each reads the order only through the values (counts of smaller values, average and competition
ranks, order statistics, a threshold), which are the same for any order of ties.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from innopoints.engine.columns import FloatArray, IntArray

SIMD_SORT_LEVELS = ("X86_V3", "X86_V4", "AVX512_SKX")


def _numpy_sorts_with_simd() -> bool:
    try:
        from numpy._core._multiarray_umath import (  # type: ignore[import-not-found]  # noqa: PLC0415
            __cpu_features__,
        )
    except ImportError:  # a numpy that keeps its CPU features elsewhere: the portable sort
        return False
    # X86_V3 / X86_V4 are numpy 2.4's names for the AVX2 and AVX-512 levels it dispatches
    # x86-simd-sort on; AVX512_SKX is the name older numpy releases report
    return any(__cpu_features__.get(level, False) for level in SIMD_SORT_LEVELS)


NUMPY_SORTS_WITH_SIMD = _numpy_sorts_with_simd()


def by_numpy(values: FloatArray) -> IntArray:
    return np.argsort(values).astype(np.int64, copy=False)


def by_polars(values: FloatArray) -> IntArray:
    if values.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    # one thread per sort: the engine already sorts several columns side by side
    frame = pl.DataFrame({"v": pl.Series(values, nan_to_null=False)})
    order = frame.select(pl.arg_sort_by("v", multithreaded=False)).to_series().to_numpy()
    return order.astype(np.int64, copy=False)


def ascending_order(values: FloatArray) -> IntArray:
    """Row positions of ``values`` in ascending order; NaN, if any, last (as ``np.argsort``)."""
    return by_numpy(values) if NUMPY_SORTS_WITH_SIMD else by_polars(values)
