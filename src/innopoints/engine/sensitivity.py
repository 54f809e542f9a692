"""Variance-based sensitivity indices from a Saltelli Monte Carlo design (as COINr does it).

The design (COINr ``SA_sample``) stacks N(d + 2) rows: the N rows of a uniform sample A, the
N rows of an independent sample B, then for each input i the N rows of A with column i taken
from B (the matrices A_B^(i)). Running a model on every row gives y; :func:`estimate` reads
the indices off it exactly as COINr's ``SA_estimate`` does:

- variance V = var(y_A ∪ y_B) with the n − 1 denominator;
- first order S_i = mean(y_B · (y_ABi − y_A)) / V (Saltelli et al. 2010, Table 2 (b));
- total order ST_i = Σ (y_A − y_ABi)² / (2 N V) (Jansen 1999);
- optional bootstrap: the N summands of each estimator resampled with replacement, V held
  fixed, and the 5 % and 95 % quantiles (type 7) of the resampled indices reported.

Bootstrap draws come from numpy's generator, so the confidence bounds are not R's numbers
(R's ``sample`` draws differently); the indices themselves are deterministic given y.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from innopoints.engine.columns import FloatArray


def design_from_samples(a: FloatArray, b: FloatArray) -> FloatArray:
    """The N(d + 2) × d design built from two N × d samples A and B (COINr's layout)."""
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"A and B must be N × d matrices of one shape, not {a.shape}, {b.shape}")
    n, d = a.shape
    blocks = np.repeat(a[None, :, :], d, axis=0)
    columns = np.arange(d)
    blocks[columns, :, columns] = b.T
    out: FloatArray = np.concatenate([a, b, blocks.reshape(n * d, d)])
    return out


def saltelli_design(n: int, d: int, rng: np.random.Generator) -> FloatArray:
    """A uniform [0, 1) design of N(d + 2) rows for d inputs (A, B, then A_B^(1..d))."""
    if n < 2:
        raise ValueError(f"the design needs N ≥ 2 sample points, not {n}")
    if d < 2:
        raise ValueError(
            f"sensitivity indices need at least 2 uncertain inputs, not {d}: "
            "with one input, run an uncertainty analysis instead"
        )
    base = rng.random((n, 2 * d))
    return design_from_samples(base[:, :d], base[:, d:])


@dataclass(frozen=True)
class SensitivityIndices:
    variance: float
    first_order: FloatArray
    total: FloatArray
    first_order_q5: FloatArray | None = None
    first_order_q95: FloatArray | None = None
    total_q5: FloatArray | None = None
    total_q95: FloatArray | None = None


def _split(y: FloatArray, n: int, d: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 1 or y.shape[0] != n * (d + 2):
        raise ValueError(
            f"expected N(d + 2) = {n * (d + 2)} model outputs for N = {n}, d = {d}, "
            f"got {y.shape[0] if y.ndim == 1 else y.shape}"
        )
    if np.isnan(y).any():
        raise ValueError("model outputs contain NaN: every replication must give a value")
    y_a, y_b = y[:n], y[n : 2 * n]
    y_ab = y[2 * n :].reshape(d, n).T  # column i: the outputs of A_B^(i)
    return y_a, y_b, y_ab


def estimate(
    y: FloatArray,
    n: int,
    d: int,
    *,
    n_boot: int | None = None,
    rng: np.random.Generator | None = None,
) -> SensitivityIndices:
    """First-order and total indices of each input from the outputs of a Saltelli design."""
    y_a, y_b, y_ab = _split(y, n, d)
    variance = float(np.var(np.concatenate([y_a, y_b]), ddof=1))
    if not variance > 0:
        raise ValueError("the output does not vary over samples A and B: no indices exist")
    first_terms = y_b[:, None] * (y_ab - y_a[:, None])  # N × d
    total_diffs = y_a[:, None] - y_ab
    first = first_terms.mean(axis=0) / variance
    total = (total_diffs**2).sum(axis=0) / (2 * n * variance)
    if n_boot is None:
        return SensitivityIndices(variance, first, total)
    if n_boot < 2:
        raise ValueError(f"the bootstrap needs at least 2 draws, not {n_boot}")
    generator = rng if rng is not None else np.random.default_rng(0)
    boot_first = np.empty((n_boot, d))
    boot_total = np.empty((n_boot, d))
    chunk = max(1, 4_000_000 // max(1, n * d))
    for start in range(0, n_boot, chunk):
        stop = min(n_boot, start + chunk)
        draws = generator.integers(0, n, size=(stop - start, n, d))
        columns = np.arange(d)[None, None, :]
        boot_first[start:stop] = first_terms[draws, columns].mean(axis=1) / variance
        boot_total[start:stop] = (total_diffs[draws, columns] ** 2).sum(axis=1) / (2 * n * variance)
    q5_first, q95_first = np.quantile(boot_first, [0.05, 0.95], axis=0)
    q5_total, q95_total = np.quantile(boot_total, [0.05, 0.95], axis=0)
    return SensitivityIndices(variance, first, total, q5_first, q95_first, q5_total, q95_total)
