"""Sample skewness and excess kurtosis along one axis (default: per column), NaN skipped.

The same estimators as pandas ``.skew()``/``.kurt()``, e1071 ``type = 2`` and COINr's
``skew()``/``kurt()``: G1 = √(n(n−1))/(n−2) · m3/m2^1.5 and
G2 = ((n+1)(m2²·n·Σd⁴/(Σd²)² − 3) + 6)(n−1)/((n−2)(n−3)) written as in COINr so the figures
agree to the last bits. Fewer than 3 (skew) or 4 (kurtosis) values, or no spread, give NaN.

numpy sums a reduction over a contiguous axis pairwise and one over a strided axis in order,
so the last bits depend on the memory layout; treat.py keeps the layouts it was checked with.
"""

from __future__ import annotations

import numpy as np

from innopoints.engine.columns import BoolArray, FloatArray, canonical_nan


def _power_sums(
    x: FloatArray, axis: int, present: BoolArray | None
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(values present, Σd², Σd³, Σd⁴) with d the deviations from the mean along ``axis``.
    ``present`` (~isnan(x)) may be given when the caller already has it."""
    if present is None:
        x = canonical_nan(x)
        present = ~np.isnan(x)
    n = present.sum(axis=axis, keepdims=True).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        if present.all():  # nothing to mask: the same sums without the copies
            d = x - x.sum(axis=axis, keepdims=True) / n
        else:  # d = where(present, x − mean, 0) with mean over present values, one buffer
            d = np.zeros_like(x)
            np.copyto(d, x, where=present)
            mean = d.sum(axis=axis, keepdims=True) / n
            np.subtract(x, mean, out=d, where=present)
    d2 = d * d
    s2 = d2.sum(axis=axis)
    np.multiply(d2, d, out=d)
    s3 = d.sum(axis=axis)
    np.multiply(d2, d2, out=d2)
    s4 = d2.sum(axis=axis)
    return n.squeeze(axis=axis), s2, s3, s4


def skew_kurt(
    x: FloatArray, axis: int = 0, present: BoolArray | None = None
) -> tuple[FloatArray, FloatArray]:
    """Skewness and excess kurtosis along ``axis`` (default: of each column)."""
    n, s2, s3, s4 = _power_sums(x, axis, present)
    with np.errstate(invalid="ignore", divide="ignore"):
        g1 = np.sqrt(n) * s3 / s2**1.5
        g1 = g1 * np.sqrt(n * (n - 1)) / (n - 2)
        r = n * s4 / s2**2
        g2 = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    sk: FloatArray = np.where((n >= 3) & (s2 > 0), g1, np.nan)
    kt: FloatArray = np.where((n >= 4) & (s2 > 0), g2, np.nan)
    return sk, kt


def skew(x: FloatArray, axis: int = 0) -> FloatArray:
    """Sample skewness of each column of ``x`` (n × k; or along ``axis``), NaN skipped."""
    return skew_kurt(x, axis)[0]


def kurt(x: FloatArray, axis: int = 0) -> FloatArray:
    """Sample excess kurtosis of each column of ``x`` (n × k; or along ``axis``), NaN skipped."""
    return skew_kurt(x, axis)[1]
