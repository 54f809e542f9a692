"""Column-wise sample skewness and excess kurtosis, NaN skipped.

The same estimators as pandas ``.skew()``/``.kurt()``, e1071 ``type = 2`` and COINr's
``skew()``/``kurt()``: G1 = √(n(n−1))/(n−2) · m3/m2^1.5 and
G2 = ((n+1)(m2²·n·Σd⁴/(Σd²)² − 3) + 6)(n−1)/((n−2)(n−3)) written as in COINr so the figures
agree to the last bits. Fewer than 3 (skew) or 4 (kurtosis) values, or no spread, give NaN.
"""

from __future__ import annotations

import numpy as np

from innopoints.engine.columns import FloatArray


def _centred(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(deviations from the column means with NaN as 0, number of values per column)."""
    present = ~np.isnan(x)
    n = present.sum(axis=0).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, x, 0.0).sum(axis=0) / n
    d = np.where(present, x - mean, 0.0)
    return d, n


def skew(x: FloatArray) -> FloatArray:
    """Sample skewness of each column of ``x`` (n × k), NaN skipped."""
    d, n = _centred(x)
    s2 = (d * d).sum(axis=0)
    s3 = (d * d * d).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.sqrt(n) * s3 / s2**1.5
        y = y * np.sqrt(n * (n - 1)) / (n - 2)
    out: FloatArray = np.where((n >= 3) & (s2 > 0), y, np.nan)
    return out


def kurt(x: FloatArray) -> FloatArray:
    """Sample excess kurtosis of each column of ``x`` (n × k), NaN skipped."""
    d, n = _centred(x)
    d2 = d * d
    s2 = d2.sum(axis=0)
    s4 = (d2 * d2).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = n * s4 / s2**2
        y = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    out: FloatArray = np.where((n >= 4) & (s2 > 0), y, np.nan)
    return out


def skew_kurt(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Both statistics from one centring pass (the same figures as ``skew`` and ``kurt``)."""
    d, n = _centred(x)
    d2 = d * d
    s2 = d2.sum(axis=0)
    s3 = (d2 * d).sum(axis=0)
    s4 = (d2 * d2).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        g1 = np.sqrt(n) * s3 / s2**1.5
        g1 = g1 * np.sqrt(n * (n - 1)) / (n - 2)
        r = n * s4 / s2**2
        g2 = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    sk: FloatArray = np.where((n >= 3) & (s2 > 0), g1, np.nan)
    kt: FloatArray = np.where((n >= 4) & (s2 > 0), g2, np.nan)
    return sk, kt
