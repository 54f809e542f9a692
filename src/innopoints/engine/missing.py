"""Missing data as a method choice (scheme ``missing:``; docs/schemes.md "Missing data").

``zero`` (the Sichuan default, docs/METHOD.md §4 step 4): a missing value earns 0 and nothing
here runs. ``renormalise`` (COINr-style: aggregate over the indicators an enterprise has):
with c the enterprise's coverage (engine/coverage.py, Σ w_i[s]·present_i / Σ w_i[s]),

    renormalised = c ≥ min_coverage and some weighted indicator with weight > 0 is missing
    w'_i = w_i[s] / c for a present indicator, 0 for a missing one (renormalised rows)
    points_i = scale · w'_i · x'_i = (scale · w_i[s] · x'_i) / c

so the weights of the indicators it has sum to the stage's total again. Rows below the
threshold, and rows with every value present, keep their points bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from innopoints.engine.columns import BoolArray, FloatArray
from innopoints.engine.coverage import coverage
from innopoints.engine.scheme import Scheme


@dataclass(frozen=True)
class Renormalisation:
    coverage: FloatArray
    renormalised: BoolArray
    """Rows scored over the indicators they have."""

    @property
    def divisor(self) -> FloatArray:
        """c on renormalised rows, 1 elsewhere."""
        return np.where(self.renormalised, self.coverage, 1.0)

    def points(self, points: FloatArray) -> FloatArray:
        return np.where(self.renormalised, points / self.divisor, points)

    def weights(self, weight: FloatArray, missing: BoolArray) -> FloatArray:
        """The weight each row is scored with: w / c for a present value of a renormalised
        row, 0 for its missing ones, w elsewhere."""
        renormalised = np.where(missing, 0.0, weight / self.divisor)
        return np.where(self.renormalised, renormalised, weight)


def renormalisation(
    scheme: Scheme,
    missing: Sequence[BoolArray],
    stage_weights: Sequence[FloatArray],
    stage: npt.NDArray[np.int8],
) -> Renormalisation | None:
    """None for ``missing.method: zero``; otherwise which rows are renormalised, and by what."""
    if scheme.missing.method != "renormalise":
        return None
    threshold = scheme.missing.min_coverage
    assert threshold is not None  # the loader refuses renormalise without it
    covered = coverage(missing, stage_weights, stage)
    lacking = np.zeros(stage.shape[0], dtype=bool)
    for mask, weights in zip(missing, stage_weights, strict=True):
        lacking |= mask & (np.asarray(weights)[stage] > 0)
    with np.errstate(invalid="ignore"):
        renormalised = lacking & (covered >= threshold)
    return Renormalisation(covered, renormalised)


def row_weights(
    scheme: Scheme, stage: str, missing: set[str], coverage_value: float | None
) -> dict[str, float] | None:
    """The weights one enterprise was scored with when its weights were renormalised (the
    same rule and arithmetic as ``renormalisation``: w / c for a present value, 0 for a
    missing one); None when they were not. For explaining one stored result."""
    threshold = scheme.missing.min_coverage
    if scheme.missing.method != "renormalise" or threshold is None or coverage_value is None:
        return None
    stated = {i.code: float((i.weights or {}).get(stage, 0.0)) for i in scheme.weighted}
    lacking = any(stated[code] > 0 for code in missing if code in stated)
    if not (lacking and coverage_value >= threshold):
        return None
    divisor = np.float64(coverage_value)
    return {
        code: 0.0 if code in missing else float(np.float64(weight) / divisor)
        for code, weight in stated.items()
    }
