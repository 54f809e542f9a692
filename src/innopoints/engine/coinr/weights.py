"""COINr's weight optimisation (``get_opt_weights()``): weights for one level of the index
tree chosen so that its elements' correlations with the index agree with target
"importances" (``balance``, e.g. equal influence), or so that they are as large as possible
(``infomax``).

For a trial weight vector w (scaled to sum 1) the level is re-aggregated up to the index,
each element of the level is correlated with the index (r_i), and the objective is
``log(Σ(t_i − r_i/Σr)² / m)`` for targets t (scaled to sum 1), or ``−Σ r_i`` for infomax.
It is minimised by Nelder–Mead exactly as R's ``optim`` does it (nelder_mead.py), started
from the targets (balance) or the tree's weights (infomax), with COINr's defaults
``toler`` = 0.1 (R's ``reltol``) and ``maxiter`` = 500.

COINr's table of "Obtained" correlations is whatever the optimiser evaluated LAST, which is
generally a trial point near, not at, the optimum it returns; ``coinr_obtained`` keeps that
figure for the peer suite and ``obtained`` gives the correlations at the returned weights.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from innopoints.engine.coinr.aggregate import aggregate_tree
from innopoints.engine.coinr.nelder_mead import nelder_mead
from innopoints.engine.coinr.stats import correlation
from innopoints.engine.coinr.tree import Node, Tree
from innopoints.engine.columns import FloatArray, canonical_nan

OPTIMISATIONS = ("balance", "infomax")


@dataclass(frozen=True)
class OptWeights:
    """``codes`` of the level's elements; ``weights`` optimised (sum 1); ``desired`` the
    targets (NaN for infomax); ``obtained`` the normalised correlations with the index at
    ``weights`` (raw correlations for infomax); ``coinr_obtained`` the same at the
    optimiser's last trial point (COINr's ``CorrResultsNorm$Obtained``); ``objective`` at
    the optimum; ``evaluations``; ``converged`` (R's convergence code 0)."""

    codes: list[str]
    weights: FloatArray
    desired: FloatArray
    obtained: FloatArray
    coinr_obtained: FloatArray
    objective: float
    evaluations: int
    converged: bool


def _subtree(tree: Tree, level: int) -> Tree:
    """The tree above ``level``, with ``level``'s elements as its indicators."""
    return Tree(
        tuple(
            Node(n.code, n.level - level + 1, n.parent, n.weight, n.direction, n.target)
            for n in tree.nodes
            if n.level >= level
        )
    )


def opt_weights(
    aggregated: FloatArray,
    names: Sequence[str],
    tree: Tree,
    level: int,
    *,
    itarg: Sequence[float] | str | None = "equal",
    optype: str = "balance",
    cortype: str = "pearson",
    method: str = "amean",
    toler: float = 0.1,
    maxiter: int = 500,
) -> OptWeights:
    """Optimise the weights of ``level``'s elements (columns of ``aggregated``, named
    ``names``, e.g. the output of ``aggregate_tree``); ``itarg`` is ``"equal"`` or one
    relative importance per element (ignored for infomax)."""
    if optype not in OPTIMISATIONS:
        raise ValueError(f"optype must be one of {OPTIMISATIONS}, got {optype!r}")
    if not 1 <= level < tree.levels:
        raise ValueError(f"level must be between 1 and {tree.levels - 1}, got {level}")
    nodes = tree.level(level)
    codes = [n.code for n in nodes]
    top = tree.level(tree.levels)[0].code
    missing = [c for c in codes if c not in names]
    if missing:
        raise ValueError(f"the aggregated data lack the level-{level} columns {missing}")
    m = len(codes)
    if optype == "infomax":
        targets = np.full(m, np.nan)
        start = np.array([n.weight for n in nodes])
    else:
        if itarg is None:
            raise ValueError("optype 'balance' needs itarg ('equal' or one value per element)")
        if isinstance(itarg, str):
            if itarg != "equal":
                raise ValueError(f"itarg must be 'equal' or numbers, got {itarg!r}")
            raw = np.ones(m)
        else:
            raw = np.asarray(itarg, dtype=np.float64)
        if raw.shape != (m,) or not np.isfinite(raw).all() or raw.sum() <= 0:
            raise ValueError(f"itarg needs {m} finite importances (one per level-{level} element)")
        targets = raw / raw.sum()
        start = targets
    position = {c: i for i, c in enumerate(names)}
    x = canonical_nan(np.column_stack([aggregated[:, position[c]] for c in codes]))
    sub = _subtree(tree, level)
    last: list[FloatArray] = []

    def correlations(w: FloatArray) -> FloatArray:
        w = w / w.sum()
        out, sub_names = aggregate_tree(
            x, codes, sub, method, weights=dict(zip(codes, w.tolist(), strict=True))
        )
        index = out[:, [sub_names.index(top)]]
        r: FloatArray = correlation(x, index, cortype)[:, 0]
        return r / r.sum() if optype == "balance" else r

    def objective(w: FloatArray) -> float:
        r = correlations(w)
        last.append(r)
        if optype == "balance":
            return math.log(float(((targets - r) ** 2).sum()) / m)
        return -float(r.sum())

    result = nelder_mead(objective, start, reltol=toler, maxit=maxiter)
    weights = result.par / result.par.sum()
    return OptWeights(
        codes=codes,
        weights=weights,
        desired=targets,
        obtained=correlations(result.par),
        coinr_obtained=last[-1],
        objective=result.value,
        evaluations=result.evaluations,
        converged=result.fail == 0,
    )
