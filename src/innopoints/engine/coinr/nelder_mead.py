"""Nelder–Mead minimisation as R's ``optim(method = "Nelder-Mead")`` performs it.

COINr's ``get_opt_weights()`` calls R's ``optim``, whose Nelder–Mead is J. C. Nash's
"Compact Numerical Methods for Computers" (2nd ed., 1990) Algorithm 19: a right-angled
initial simplex (each coordinate stepped by 10 % of the largest |parameter|, or 0.1),
reflection 1, contraction 0.5, expansion 2, stopping when the spread of the simplex'
function values is within ``reltol · (|f(start)| + reltol)`` (note: of the value at the
START, not a moving one) or after ``maxit`` evaluations. Its stopping rule is loose, so the
point it returns depends on the exact path; matching COINr's optimised weights needs this
path, not merely any minimiser (scipy's Nelder–Mead builds its simplex and stops
differently). Re-written here from the published algorithm, with R's choices (the order in
which vertices are scanned for the lowest and highest value, ties keeping the earlier one,
non-finite values replaced by 1e35, the shrink failing when the simplex stops shrinking).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from innopoints.engine.columns import FloatArray

BIG = 1.0e35  # stands in for a non-finite function value


@dataclass(frozen=True)
class NelderMeadResult:
    """``par`` and ``value`` of the best vertex; ``evaluations``; ``fail``: 0 converged,
    1 the evaluation limit was reached, 10 the simplex stopped shrinking (R's codes)."""

    par: FloatArray
    value: float
    evaluations: int
    fail: int


def _finite(value: float) -> float:
    return value if math.isfinite(value) else BIG


def nelder_mead(
    fn: Callable[[FloatArray], float],
    start: FloatArray,
    *,
    reltol: float = 1.490116119384765625e-8,
    abstol: float = -math.inf,
    maxit: int = 500,
    alpha: float = 1.0,
    beta: float = 0.5,
    gamma: float = 2.0,
) -> NelderMeadResult:
    """Minimise ``fn`` from ``start`` with R's defaults (``reltol`` = √ε, ``maxit`` 500)."""
    x0 = np.array(start, dtype=np.float64)
    if x0.ndim != 1 or x0.size == 0:
        raise ValueError("start must be a non-empty vector of parameters")
    n = x0.size
    if maxit <= 0:
        return NelderMeadResult(x0, float(fn(x0.copy())), 0, 0)
    f0 = float(fn(x0.copy()))
    if not math.isfinite(f0):
        raise ValueError("the function cannot be evaluated at the starting parameters")
    evaluations = 1
    convtol = reltol * (abs(f0) + reltol)
    # vertices as rows; vertex 0 is the start, vertex j steps coordinate j − 1
    simplex = np.tile(x0, (n + 1, 1))
    values = np.full(n + 1, np.nan)
    values[0] = f0
    step = max(0.1 * float(np.abs(x0).max()), 0.0) or 0.1
    size = 0.0
    for j in range(1, n + 1):
        trystep = step
        while simplex[j, j - 1] == x0[j - 1]:  # a step too small to change the value
            simplex[j, j - 1] = x0[j - 1] + trystep
            trystep *= 10
        size += trystep
    oldsize = size
    low = 0
    evaluate_all = True
    fail = 0
    while True:
        if evaluate_all:
            for j in range(n + 1):
                if j != low:
                    values[j] = _finite(float(fn(simplex[j].copy())))
                    evaluations += 1
            evaluate_all = False
        v_low = v_high = values[low]
        high = low
        for j in range(n + 1):  # scan in order; ties keep the vertex found first
            if j != low:
                if values[j] < v_low:
                    low, v_low = j, values[j]
                if values[j] > v_high:
                    high, v_high = j, values[j]
        if v_high <= v_low + convtol or v_low <= abstol:
            break
        centroid = -simplex[high]
        for j in range(n + 1):  # R's summation order, for the same last bits
            centroid = centroid + simplex[j]
        centroid = centroid / n
        reflected = (1.0 + alpha) * centroid - alpha * simplex[high]
        v_reflected = _finite(float(fn(reflected.copy())))
        evaluations += 1
        if v_reflected < v_low:
            expanded = gamma * reflected + (1 - gamma) * centroid
            v_expanded = _finite(float(fn(expanded.copy())))
            evaluations += 1
            if v_expanded < v_reflected:
                simplex[high], values[high] = expanded, v_expanded
            else:
                simplex[high], values[high] = reflected, v_reflected
        else:
            if v_reflected < v_high:
                simplex[high], values[high] = reflected, v_reflected
            contracted = (1 - beta) * simplex[high] + beta * centroid
            v_contracted = _finite(float(fn(contracted.copy())))
            evaluations += 1
            if v_contracted < values[high]:
                simplex[high], values[high] = contracted, v_contracted
            elif v_reflected >= v_high:  # shrink every vertex towards the lowest
                evaluate_all = True
                others = np.arange(n + 1) != low
                simplex[others] = beta * (simplex[others] - simplex[low]) + simplex[low]
                size = float(np.abs(simplex[others] - simplex[low]).sum())
                if size < oldsize:
                    oldsize = size
                else:
                    fail = 10
                    break
        if evaluations > maxit:
            break
    if evaluations > maxit:
        fail = 1
    return NelderMeadResult(simplex[low].copy(), float(values[low]), evaluations, fail)
