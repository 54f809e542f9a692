"""Derived indicators (docs/METHOD.md §2): growth rates and ratios from base facts, as scheme data.

A derivation's value is missing when an input is missing or its denominator is ≤ 0. Where the
input table supplies the derived indicator's own column, that value is used for the rows whose
base facts are missing (docs/METHOD.md §10), and only there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from innopoints.engine.columns import BoolArray, FloatArray, NumericColumns
from innopoints.engine.scheme import Derivation, Indicator

ORIGIN_MISSING = 0
ORIGIN_INPUT = 1
ORIGIN_DERIVED = 2
ORIGIN_SUPPLIED = 3
ORIGIN_NAMES = ("missing", "input", "derived", "supplied")


@dataclass(frozen=True)
class IndicatorValue:
    raw: FloatArray
    """The indicator's own column as given in the input (NaN where blank or absent)."""
    value: FloatArray
    """The value scored: the input, the derivation, or the supplied column (NaN = missing)."""
    origin: np.ndarray
    """Per row, which of ORIGIN_* gave ``value`` (int8)."""

    @property
    def missing(self) -> BoolArray:
        """Where ``value`` is NaN, read off the origin (one byte a row, not eight)."""
        out: BoolArray = self.origin == ORIGIN_MISSING
        return out


def apply_derivation(
    derivation: Derivation, numeric: NumericColumns
) -> tuple[FloatArray, BoolArray]:
    """(value, base_facts_present): the derived value (NaN where undefined) and whether every
    base fact it needs is present."""
    inputs = [numeric(code) for code in derivation.inputs]
    present = np.logical_and.reduce([~np.isnan(x) for x in inputs])
    with np.errstate(divide="ignore", invalid="ignore"):
        if derivation.op == "growth":
            current, previous = inputs
            value = (current - previous) / previous * derivation.scale
            defined = previous > 0
        elif derivation.op == "ratio":
            numerator, denominator = inputs
            value = numerator / denominator * derivation.scale
            defined = denominator > 0
        else:  # ratio_to_mean
            numerator, first, second = inputs
            mean = (first + second) / 2
            value = numerator / mean * derivation.scale
            defined = mean > 0
    value = np.where(present & defined, value, np.nan)
    return value, present


def indicator_value(indicator: Indicator, numeric: NumericColumns) -> IndicatorValue:
    raw = numeric(indicator.code)
    if indicator.derivation is None:
        origin = np.where(np.isnan(raw), np.int8(ORIGIN_MISSING), np.int8(ORIGIN_INPUT))
        return IndicatorValue(raw, raw, origin)
    derived, present = apply_derivation(indicator.derivation, numeric)
    use_supplied = ~present & ~np.isnan(raw)
    value = np.where(use_supplied, raw, derived)
    found = np.where(np.isnan(derived), np.int8(ORIGIN_MISSING), np.int8(ORIGIN_DERIVED))
    origin = np.where(use_supplied, np.int8(ORIGIN_SUPPLIED), found)
    return IndicatorValue(raw, value, origin)
