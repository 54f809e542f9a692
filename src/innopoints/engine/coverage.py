"""Data coverage: how much of the scheme's weighted score an enterprise could earn at all.

A missing value scores 0 (docs/METHOD.md §4), so a low total can mean little innovation or little
data. Coverage tells the two apart: per enterprise, the share of its stage's weight carried by
weighted indicators that have a usable value (docs/method-notes.md, "Data coverage"):

    coverage = Σ_i w_i[s] · [value_i present] / Σ_i w_i[s]

over the scheme's weighted indicators i, with s the enterprise's stage. "Present" is the mask
the engine scores with: a value is missing when it is blank, not gathered (in the platform:
not authorised) or a derivation of it is undefined. A stage whose weights are all 0 has no
coverage (NaN).

Divisions far below the rest: a division is flagged when its mean coverage is at least
``GAP`` (15 percentage points) below the median of the other divisions' means, and that gap is
at least ``SPREAD`` times the others' median absolute deviation (so a division is not flagged
where the others themselves differ as much); at least two other divisions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from innopoints.engine.columns import BoolArray, FloatArray

GAP = 0.15
"""A division is flagged when its mean coverage ≤ the median of the others' − GAP ..."""
SPREAD = 3.0
"""... and that gap ≥ SPREAD × the others' median absolute deviation."""
MIN_OTHERS = 2
"""Fewer other divisions than this: no comparison, nothing flagged."""


def coverage(
    missing: Sequence[BoolArray],
    stage_weights: Sequence[FloatArray],
    stage: npt.NDArray[np.int8],
) -> FloatArray:
    """Per enterprise, the stage-weighted share of weighted indicators with a usable value.

    ``missing[i]`` is indicator i's missing mask (n), ``stage_weights[i][s]`` its weight in
    stage s, ``stage`` each enterprise's stage index. Whole columns at a time, a stage's rows
    together (their weights are constants): no loop over enterprises."""
    weights = np.column_stack([np.asarray(w, dtype=np.float64) for w in stage_weights])
    covered = np.zeros(stage.shape[0])
    for s in range(weights.shape[0]):
        rows = np.flatnonzero(stage == s)
        if rows.size == 0:
            continue
        share = np.zeros(rows.size)
        for i, mask in enumerate(missing):
            if weights[s, i] != 0.0:
                share += weights[s, i] * ~mask[rows]
        covered[rows] = share
    possible = weights.sum(axis=1)[stage]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(possible > 0, covered / np.where(possible > 0, possible, 1.0), np.nan)


def far_below(means: Sequence[float]) -> BoolArray:
    """For each division's mean coverage, whether it lies at least ``GAP`` below the median of
    the other divisions' means and at least ``SPREAD`` times their median absolute deviation
    below it (leave-one-out, so the division does not pull its own yardstick down). NaN means
    are never flagged and do not count as others."""
    values = np.asarray(means, dtype=np.float64)
    flags = np.zeros(values.shape[0], dtype=bool)
    known = np.flatnonzero(~np.isnan(values))
    if known.shape[0] < MIN_OTHERS + 1:
        return flags
    for k in known:
        others = values[known[known != k]]
        median = float(np.median(others))
        spread = float(np.median(np.abs(others - median)))
        gap = median - float(values[k])
        flags[k] = bool(gap >= GAP - 1e-12 and gap >= SPREAD * spread - 1e-12)
    return flags
