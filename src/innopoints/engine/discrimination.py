"""Does the score predict outcomes? Discrimination and stability measures used in credit
scoring: AUC (Mann–Whitney), the Kolmogorov–Smirnov statistic and the population stability
index. Plain numpy; a higher score is meant to be the better (less risky) enterprise."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def _average_ranks(values: FloatArray) -> FloatArray:
    """1-based ranks, ties sharing their average rank."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    ranks = np.empty(values.size, dtype=np.float64)
    boundaries = np.flatnonzero(np.diff(ordered)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [values.size]))
    average = (starts + ends + 1) / 2.0  # mean of the 1-based positions start+1 … end
    ranks[order] = np.repeat(average, ends - starts)
    return ranks


def auc(scores: npt.ArrayLike, bad: npt.ArrayLike) -> float | None:
    """P(a good enterprise scores above a bad one), ties counting one half; None without both
    kinds of outcome."""
    s = np.asarray(scores, dtype=np.float64)
    b = np.asarray(bad, dtype=bool)
    n_bad, n_good = int(b.sum()), int((~b).sum())
    if n_bad == 0 or n_good == 0:
        return None
    ranks = _average_ranks(s)
    good_rank_sum = float(ranks[~b].sum())
    return (good_rank_sum - n_good * (n_good + 1) / 2.0) / (n_good * n_bad)


def ks(scores: npt.ArrayLike, bad: npt.ArrayLike) -> float | None:
    """max over thresholds t of |F_bad(t) − F_good(t)| (empirical distribution functions)."""
    s = np.asarray(scores, dtype=np.float64)
    b = np.asarray(bad, dtype=bool)
    n_bad, n_good = int(b.sum()), int((~b).sum())
    if n_bad == 0 or n_good == 0:
        return None
    thresholds = np.unique(s)
    bad_cdf = np.searchsorted(np.sort(s[b]), thresholds, side="right") / n_bad
    good_cdf = np.searchsorted(np.sort(s[~b]), thresholds, side="right") / n_good
    return float(np.max(np.abs(bad_cdf - good_cdf)))


def psi(expected: npt.ArrayLike, actual: npt.ArrayLike, floor: float = 1e-4) -> float:
    """Population stability index between two distributions over the same bins (counts or
    shares): Σ (a − e) · ln(a / e), empty bins floored at ``floor`` so the sum stays finite.
    Customary reading: < 0.1 stable, 0.1–0.25 some shift, > 0.25 a major shift."""
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    if e.shape != a.shape or e.sum() <= 0 or a.sum() <= 0:
        raise ValueError("psi needs two non-empty distributions over the same bins")
    e = np.maximum(e / e.sum(), floor)
    a = np.maximum(a / a.sum(), floor)
    return float(np.sum((a - e) * np.log(a / e)))
