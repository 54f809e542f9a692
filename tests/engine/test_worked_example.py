"""A worked example computed by hand (docs/METHOD.md §3–§7), not by calling the engine."""

import math

import pytest

from innopoints.engine import score
from tests.engine.helpers import table, two_indicator_scheme


def type7(sorted_values: list[float], p: float) -> float:
    """Hyndman–Fan type 7, written out: h = (n − 1)p, interpolate between neighbours."""
    h = (len(sorted_values) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def test_worked_example() -> None:
    scheme = two_indicator_scheme()
    rows = [
        # startup: established on or after 2020-12-31
        {"established": "2022-06-01", "tech_contract": 100, "st_ratio": 10, "talents": 7},
        # growth
        {"established": "2018-03-15", "tech_contract": 0, "st_ratio": 25},
        # mature, vetoed
        {"established": "2010-01-01", "tech_contract": 1000, "veto_safety": "是"},
        # startup (exactly 5 years less a day before the end: 2021-01-01 ≥ 2020-12-31)
        {"established": "2021-01-01", "tech_contract": 10, "st_ratio": 5, "talents": 3},
        # growth: exactly ten years before 2025-12-31
        {"established": "2015-12-31", "st_ratio": 40},
    ]
    result = score(scheme, table(rows, scheme), "2025")

    # tech_contract: t = ln(1 + x) over the four enterprises that have it
    t = [0.0, math.log(11), math.log(101), math.log(1001)]
    low_a, high_a = t[0] + 0.03 * (t[1] - t[0]), t[2] + 0.97 * (t[3] - t[2])
    assert low_a == pytest.approx(type7(t, 0.01), rel=1e-15)
    assert high_a == pytest.approx(type7(t, 0.99), rel=1e-15)
    x_a = [
        (math.log(101) - low_a) / (high_a - low_a),  # E1
        0.0,  # E2: 0 < L, clipped to L
        1.0,  # E3: above U, clipped to U
        (math.log(11) - low_a) / (high_a - low_a),  # E4
        0.0,  # E5: missing
    ]
    # st_ratio: plain values 5, 10, 25, 40
    b = [5.0, 10.0, 25.0, 40.0]
    low_b, high_b = 5 + 0.03 * 5, 25 + 0.97 * 15
    x_b = [(10 - low_b) / (high_b - low_b), (25 - low_b) / (high_b - low_b), 0.0, 0.0, 1.0]
    assert (low_b, high_b) == pytest.approx((type7(b, 0.01), type7(b, 0.99)))

    weights = {"startup": (0.6, 0.4), "growth": (0.5, 0.5), "mature": (0.4, 0.6)}
    stages = ["startup", "growth", "mature", "startup", "growth"]
    points_a = [100 * weights[s][0] * x for s, x in zip(stages, x_a, strict=True)]
    points_b = [100 * weights[s][1] * x for s, x in zip(stages, x_b, strict=True)]
    base = [a + b for a, b in zip(points_a, points_b, strict=True)]
    bonus = [1.0, 0.0, 0.0, 0.6, 0.0]  # 7 talents capped at 1 point; 3 × 0.2
    total = [b + c for b, c in zip(base, bonus, strict=True)]
    total[2] = 0.0  # veto: 清零

    assert list(result.stage_codes()) == stages
    ind_a, ind_b = result.indicators["tech_contract"], result.indicators["st_ratio"]
    assert list(ind_a.lower) == pytest.approx([low_a] * 5, rel=1e-14)
    assert list(ind_a.upper) == pytest.approx([high_a] * 5, rel=1e-14)
    assert list(ind_a.normalised) == pytest.approx(x_a, rel=1e-12, abs=1e-15)
    assert list(ind_b.normalised) == pytest.approx(x_b, rel=1e-12, abs=1e-15)
    assert list(ind_a.points) == pytest.approx(points_a, rel=1e-12, abs=1e-15)
    assert list(ind_b.points) == pytest.approx(points_b, rel=1e-12, abs=1e-15)
    assert list(result.base) == pytest.approx(base, rel=1e-12)
    assert list(result.bonus) == pytest.approx(bonus, rel=1e-12)
    assert list(result.total) == pytest.approx(total, rel=1e-12)
    assert list(ind_a.missing) == [False, False, False, False, True]
    assert list(ind_b.missing) == [False, False, True, False, False]

    # ranks by hand among the four non-vetoed: order the hand totals
    ranked = sorted((i for i in range(5) if i != 2), key=lambda i: -total[i])
    expected_rank = [0] * 5
    for position, i in enumerate(ranked, start=1):
        expected_rank[i] = position
    assert list(result.rank) == expected_rank
    # tiers with n = 4: r = 0.25 → B, 0.5 → C, 0.75 and 1 → D; vetoed → none
    tier_of = {1: "B", 2: "C", 3: "D", 4: "D", 0: None}
    assert list(result.tier_codes()) == [tier_of[r] for r in expected_rank]
    assert list(result.vetoed) == [False, False, True, False, False]
    assert result.veto_reasons()[2] == "veto_safety"
    # a vetoed enterprise keeps its base and bonus in the breakdown
    assert result.base[2] == pytest.approx(base[2])
