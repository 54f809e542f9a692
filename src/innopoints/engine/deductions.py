"""Deduction indicators (积分扣减, seed 002: 约束指标 are "各类积分扣减指标和一票否决的强规则指标").

A deduction subtracts points; it is not a veto. Per indicator, like a bonus:
``items`` = the sum of its input fields (a yes counts 1, a count its value) and

    points_d = min(items × points_per_item, cap)           (no cap: items × points_per_item)
    deduction = min(Σ_d points_d, deduction_cap)           (no scheme cap: the sum)
    total = max(base + bonus − deduction, min(base + bonus, deduction_floor))

so deductions never take a total below ``deduction_floor`` (default 0; none = no floor) and
never raise one that is already below it. The deduction actually applied is
``base + bonus − total``. A vetoed enterprise's total is 0 regardless (清零). Seed 002 names
the category but prints neither the events nor the points: a scheme states them as data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from innopoints.engine.columns import FloatArray, count_or_flag
from innopoints.engine.scheme import Scheme


@dataclass(frozen=True)
class Deductions:
    points: dict[str, FloatArray]
    """Per deduction indicator, the points it subtracts (after its own cap)."""
    claimed: FloatArray
    """Σ of ``points`` after the scheme's ``deduction_cap``, before the floor."""


def deduction_points(scheme: Scheme, table: pl.DataFrame) -> Deductions:
    points: dict[str, FloatArray] = {}
    for ind in scheme.deductions:
        items = np.zeros(table.height)
        for code in ind.input_fields:
            items = items + count_or_flag(table, code)[0]
        assert ind.points_per_item is not None
        lost = items * ind.points_per_item
        points[ind.code] = lost if ind.cap is None else np.minimum(lost, ind.cap)
    claimed = np.zeros(table.height)
    for lost in points.values():
        claimed = claimed + lost
    if scheme.deduction_cap is not None:
        claimed = np.minimum(claimed, scheme.deduction_cap)
    return Deductions(points, claimed)


def net_of_deductions(gross: FloatArray, claimed: FloatArray, floor: float | None) -> FloatArray:
    """base + bonus − deduction, held at ``floor`` (but never raised to it)."""
    net = gross - claimed
    if floor is None:
        return net
    return np.maximum(net, np.minimum(gross, floor))


def applied_deduction(
    scheme: Scheme, base: float, bonus: float, points: dict[str, float | None]
) -> float:
    """For one stored result: the points its deductions took, with the scheme's cap and floor
    (the arithmetic of ``deduction_points`` and ``net_of_deductions``, in the same order)."""
    claimed = np.zeros(1)
    for ind in scheme.deductions:
        claimed = claimed + (points.get(ind.code) or 0.0)
    if scheme.deduction_cap is not None:
        claimed = np.minimum(claimed, scheme.deduction_cap)
    gross = np.array([base]) + np.array([bonus])
    return float((gross - net_of_deductions(gross, claimed, scheme.deduction_floor))[0])
