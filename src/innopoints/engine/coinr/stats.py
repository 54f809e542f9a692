"""COINr's statistics: per-indicator summary table, correlations, Cronbach's alpha, PCA."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from innopoints.engine.coinr.moments import kurt, skew
from innopoints.engine.columns import FloatArray, canonical_nan


def stats_table(
    x: FloatArray,
    codes: list[str],
    *,
    t_skew: float = 2.0,
    t_kurt: float = 3.5,
    t_avail: float = 0.65,
    t_zero: float = 0.5,
    t_unq: float = 0.5,
) -> pl.DataFrame:
    """COINr's ``get_stats()`` (unrounded): one row per indicator with min, max, mean,
    median, sd, skew, kurtosis, counts and shares of values present, non-zero, unique and
    most repeated, and the flags (LOW availability/non-zero/unique, OUT for skew and kurtosis
    beyond the thresholds). As in COINr, the non-zero and unique flags divide by all units."""
    x = canonical_nan(x)
    n = x.shape[0]
    present = ~np.isnan(x)
    n_avail = present.sum(axis=0)
    nonzero = (present & (x != 0)).sum(axis=0)
    unique = np.empty(x.shape[1])
    same = np.empty(x.shape[1])
    for j in range(x.shape[1]):  # one np.unique per indicator
        _, counts = np.unique(x[present[:, j], j], return_counts=True)
        unique[j] = counts.size
        same[j] = counts.max() if counts.size else 0
    sk, kt = skew(x), kurt(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pl.DataFrame(
            {
                "iCode": codes,
                "Min": np.nanmin(x, axis=0),
                "Max": np.nanmax(x, axis=0),
                "Mean": np.nanmean(x, axis=0),
                "Median": np.nanmedian(x, axis=0),
                "Std": np.nanstd(x, axis=0, ddof=1),
                "Skew": sk,
                "Kurt": kt,
                "N.Avail": n_avail,
                "N.NonZero": nonzero,
                "N.Unique": unique.astype(np.int64),
                "N.Same": same.astype(np.int64),
                "Frc.Avail": n_avail / n,
                "Frc.NonZero": nonzero / n_avail,
                "Frc.Unique": unique / n_avail,
                "Frc.Same": same / n_avail,
                "Flag.Avail": np.where(n_avail / n >= t_avail, "ok", "LOW"),
                "Flag.NonZero": np.where(nonzero / n >= t_zero, "ok", "LOW"),
                "Flag.Unique": np.where(unique / n >= t_unq, "ok", "LOW"),
                "Flag.SkewKurt": np.where((np.abs(sk) > t_skew) & (kt > t_kurt), "OUT", "ok"),
            }
        )


def average_rank(x: FloatArray) -> FloatArray:
    """Rank of each value within its column, ties given their mean rank, NaN kept."""
    x = canonical_nan(x)
    out = np.full(x.shape, np.nan)
    for j in range(x.shape[1]):
        col = x[:, j]
        present = ~np.isnan(col)
        ordered = np.sort(col[present])
        lo = np.searchsorted(ordered, col[present], side="left")
        hi = np.searchsorted(ordered, col[present], side="right")
        out[present, j] = (lo + hi + 1) / 2.0
    return out


CORRELATIONS = ("pearson", "spearman", "kendall")


def correlation(a: FloatArray, b: FloatArray | None = None, method: str = "pearson") -> FloatArray:
    """Correlation of each column of ``a`` with each column of ``b`` (default ``a``), as R's
    ``cor(use = "pairwise.complete.obs")``: each pair on the rows where both are present.
    ``method``: pearson, spearman (Pearson of average ranks) or kendall (tau-b, as R)."""
    if method not in CORRELATIONS:
        raise ValueError(f"unknown correlation method {method!r}: {', '.join(CORRELATIONS)}")
    a = canonical_nan(a)
    b = a if b is None else canonical_nan(b)
    if a.shape[0] != b.shape[0]:
        raise ValueError("correlated tables must have the same rows")
    complete = not np.isnan(a).any() and not np.isnan(b).any()
    if complete:
        return _complete(a, b, method)
    out = np.empty((a.shape[1], b.shape[1]))
    for i in range(a.shape[1]):  # pairwise-complete rows differ by pair
        for j in range(b.shape[1]):
            rows = ~np.isnan(a[:, i]) & ~np.isnan(b[:, j])
            out[i, j] = _complete(a[rows, i : i + 1], b[rows, j : j + 1], method)[0, 0]
    return out


def _complete(a: FloatArray, b: FloatArray, method: str) -> FloatArray:
    if method == "kendall":
        return _kendall_complete(a, b)
    if method == "spearman":
        a, b = average_rank(a), average_rank(b)
    return _pearson_complete(a, b)


def _pearson_complete(a: FloatArray, b: FloatArray) -> FloatArray:
    da = a - a.mean(axis=0)
    db = b - b.mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = (da.T @ db) / np.sqrt(
            np.outer((da * da).sum(axis=0), (db * db).sum(axis=0))
        )
    return out


def _kendall_complete(a: FloatArray, b: FloatArray, block: int = 4_000_000) -> FloatArray:
    """Kendall's tau-b of complete columns as R's ``cor(method = "kendall")``: Σ sign
    products over all pairs of rows / (√Σ sign(a)² · √Σ sign(b)²). O(n²) work, done
    ``block`` pair-entries at a time so memory stays bounded."""
    n = a.shape[0]
    num = np.zeros((a.shape[1], b.shape[1]))
    sa = np.zeros(a.shape[1])
    sb = np.zeros(b.shape[1])
    rows = max(1, block // max(1, n * max(a.shape[1], b.shape[1])))
    for start in range(0, n, rows):
        ga = np.sign(a[start : start + rows, None, :] - a[None]).reshape(-1, a.shape[1])
        gb = np.sign(b[start : start + rows, None, :] - b[None]).reshape(-1, b.shape[1])
        num += ga.T @ gb
        sa += (ga * ga).sum(axis=0)
        sb += (gb * gb).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = num / np.outer(np.sqrt(sa), np.sqrt(sb))
    return out


def cronbach_alpha(x: FloatArray) -> float:
    """Cronbach's alpha of the columns of ``x`` (complete rows only, as COINr):
    k/(k−1) · (1 − Σ var(column) / var(row sum))."""
    x = canonical_nan(x)
    rows = ~np.isnan(x).any(axis=1)
    x = x[rows]
    k = x.shape[1]
    if k < 2:
        raise ValueError("Cronbach's alpha needs at least two columns")
    item = x.var(axis=0, ddof=1).sum()
    total = x.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - item / total))


@dataclass(frozen=True)
class PCA:
    """Principal components of standardised columns: ``sdev`` per component, ``loadings``
    (k columns × components; each component's sign chosen so its loadings sum to a
    positive number, since the sign of an eigenvector is arbitrary) and variance shares."""

    sdev: FloatArray
    loadings: FloatArray

    @property
    def variance_explained(self) -> FloatArray:
        v: FloatArray = self.sdev**2 / (self.sdev**2).sum()
        return v


def pca(x: FloatArray) -> PCA:
    """PCA of the columns of ``x`` (complete rows), centred and scaled like R's
    ``prcomp(scale. = TRUE)``; via the SVD."""
    x = canonical_nan(x)
    x = x[~np.isnan(x).any(axis=1)]
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    _, s, vt = np.linalg.svd(z, full_matrices=False)
    loadings = vt.T
    signs = np.where(loadings.sum(axis=0) < 0, -1.0, 1.0)
    return PCA(s / np.sqrt(x.shape[0] - 1), loadings * signs)


def correlation_flags(
    x: FloatArray,
    codes: list[str],
    groups: list[tuple[str, list[str]]],
    threshold: float,
    kind: str = "high",
) -> pl.DataFrame:
    """COINr's ``get_corr_flags()``: pairs of indicators in the same group whose Pearson
    correlation is above (``high``) or below (``low``) ``threshold``."""
    if kind not in ("high", "low"):
        raise ValueError("kind must be 'high' or 'low'")
    position = {c: i for i, c in enumerate(codes)}
    rows: list[tuple[str, str, str, float]] = []
    for group, members in groups:
        c = correlation(x[:, [position[m] for m in members]])
        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                r = float(c[i, j])
                if (r > threshold) if kind == "high" else (r < threshold):
                    first, second = sorted((members[i], members[j]))
                    rows.append((group, first, second, r))
    return pl.DataFrame(rows, schema=["Group", "Ind1", "Ind2", "Corr"], orient="row")


def denominator_correlations(
    x: FloatArray, codes: list[str], denominators: FloatArray, names: list[str], threshold: float
) -> pl.DataFrame:
    """Indicator–denominator pairs with |Pearson r| above ``threshold`` (COINr's
    ``get_denom_corr()``), pairwise-complete."""
    c = correlation(x, denominators)
    i, j = np.nonzero(np.abs(c) > threshold)
    return pl.DataFrame(
        {"Ind": [codes[a] for a in i], "Denom": [names[b] for b in j], "Corr": c[i, j]}
    ).sort("Ind", "Denom")
