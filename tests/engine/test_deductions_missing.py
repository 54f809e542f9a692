"""Deduction indicators (积分扣减) and missing data as a method choice, by hand and by property.

Hand-computed figures use goalposts without a transform (x′ = value / full_mark) and mature
enterprises only, so every number below can be checked on paper."""

from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from innopoints.engine import load_scheme, score
from innopoints.engine.deductions import net_of_deductions
from innopoints.engine.run import score_against
from innopoints.engine.scheme import Scheme, SchemeError, scheme_from_mapping
from innopoints.engine.synth import synth_frame
from innopoints.engine.uncertainty import analyse, nominal_replication
from tests.engine.helpers import table

MATURE = {"established": "2010-01-01", "revenue": 1000}


def _scheme(**overrides: Any) -> Scheme:
    """tech_contract (full mark 1000 万元), invention_apps (10) and pct_apps (4), goalposts;
    one bonus (talents, 0.2 each ≤ 1), one veto and two deductions from local fields."""

    def weighted(code: str, full: float, weights: tuple[float, float, float]) -> dict[str, Any]:
        return {
            "code": code,
            "name": {"zh": code, "en": code},
            "category": "c",
            "kind": "weighted",
            "method": "goalpost",
            "goalpost": {"full_mark": full},
            "weights": dict(zip(("startup", "growth", "mature"), weights, strict=True)),
        }

    data: dict[str, Any] = {
        "id": "test-deductions",
        "version": "1",
        "name": {"zh": "测试", "en": "Test"},
        "source": {"document": "tests"},
        "fields": [
            {"code": "admin_penalties", "header": "行政处罚次数", "kind": "count"},
            {"code": "env_violation", "header": "环保违法记录", "kind": "bool"},
        ],
        "categories": [
            {"code": "c", "name": {"zh": "类", "en": "C"}},
            {"code": "b", "name": {"zh": "加分", "en": "Bonus"}, "bonus": True},
            {"code": "k", "name": {"zh": "约束指标", "en": "Constraints"}},
        ],
        "stage_rule": {
            "basis": "age",
            "stages": [
                {"code": "startup", "name": {"zh": "初创期", "en": "S"}, "max_age_years": 5},
                {"code": "growth", "name": {"zh": "成长期", "en": "G"}, "max_age_years": 10},
                {"code": "mature", "name": {"zh": "稳定期", "en": "M"}},
            ],
        },
        "tiers": {
            "basis": "rank_share",
            "levels": [
                {"code": "A", "name": {"zh": "A", "en": "A"}, "max_share": 0.5},
                {"code": "B", "name": {"zh": "B", "en": "B"}},
            ],
        },
        "indicators": [
            weighted("tech_contract", 1000, (0.5, 0.5, 0.5)),
            weighted("invention_apps", 10, (0.5, 0.5, 0.3)),
            weighted("pct_apps", 4, (0.0, 0.0, 0.2)),
            {
                "code": "talents",
                "name": {"zh": "人才", "en": "Talents"},
                "category": "b",
                "kind": "bonus",
                "points_per_item": 0.2,
                "cap": 1.0,
            },
            {
                "code": "veto_safety",
                "name": {"zh": "事故", "en": "A"},
                "category": "k",
                "kind": "veto",
            },
            {
                "code": "penalties",
                "name": {"zh": "行政处罚", "en": "Penalties"},
                "category": "k",
                "kind": "deduction",
                "inputs": ["admin_penalties"],
                "points_per_item": 3,
                "cap": 10,
            },
            {
                "code": "env_violation",
                "name": {"zh": "环保违法", "en": "Environmental offence"},
                "category": "k",
                "kind": "deduction",
                "points_per_item": 5,
            },
        ],
        "deduction_cap": 12,
    }
    data.update(overrides)
    return scheme_from_mapping(data)


def _half(**extra: Any) -> dict[str, Any]:
    """x′ = 0.5 everywhere: base = 100 × (0.5·0.5 + 0.3·0.5 + 0.2·0.5) = 50."""
    return {**MATURE, "tech_contract": 500, "invention_apps": 5, "pct_apps": 2, **extra}


# ---------------------------------------------------------------------------------------------
# Deductions by hand


def test_deductions_subtract_with_caps_and_floor() -> None:
    scheme = _scheme()
    rows = [
        _half(talents=2, admin_penalties=2, env_violation="是"),  # 50.4 − (6 + 5) = 39.4
        _half(admin_penalties=5, env_violation="是"),  # 15 → cap 10; 10 + 5 → cap 12: 38
        {**MATURE, "tech_contract": 10, "invention_apps": 0, "pct_apps": 0, "admin_penalties": 1},
        _half(admin_penalties=1, veto_safety="是"),  # vetoed: 0 whatever the deduction
        _half(),  # no deduction: 50
    ]
    result = score(scheme, table(rows, scheme), "2025")
    assert result.base[0] == pytest.approx(50.0)
    assert result.base[2] == pytest.approx(100 * 0.5 * 10 / 1000)  # 0.5
    assert list(result.deduction_points["penalties"]) == pytest.approx([6, 10, 3, 3, 0])
    assert list(result.deduction_points["env_violation"]) == pytest.approx([5, 5, 0, 0, 0])
    assert result.deduction is not None
    # row 3: 0.5 − 3 would be negative: the floor 0 holds, the deduction applied is 0.5
    assert list(result.deduction) == pytest.approx([11, 12, 0.5, 3, 0])
    assert list(result.total) == pytest.approx([39.4, 38.0, 0.0, 0.0, 50.0])
    assert list(result.vetoed) == [False, False, False, True, False]
    assert list(result.rank) == [2, 3, 4, 0, 1]  # a deduction is not a veto: still ranked
    frame = result.breakdown_frame()
    assert frame["deduction.penalties"].to_list() == pytest.approx([6, 10, 3, 3, 0])
    assert frame["deduction"].to_list() == pytest.approx([11, 12, 0.5, 3, 0])
    assert result.summary_frame()["deduction"].to_list() == pytest.approx([11, 12, 0.5, 3, 0])
    assert result.report()["n_deducted"] == 4


def test_deduction_floor_none_and_raised() -> None:
    rows = [
        {**MATURE, "tech_contract": 10, "invention_apps": 0, "pct_apps": 0, "admin_penalties": 1},
        _half(admin_penalties=2),
    ]
    unfloored = score(_scheme(deduction_floor=None), table(rows, _scheme()), "2025")
    assert list(unfloored.total) == pytest.approx([0.5 - 3, 44.0])
    floored = score(_scheme(deduction_floor=10), table(rows, _scheme()), "2025")
    # 0.5 is already below the floor 10: deductions never raise it; 50 − 6 = 44 ≥ 10
    assert list(floored.total) == pytest.approx([0.5, 44.0])
    held = score(_scheme(deduction_floor=46), table(rows, _scheme()), "2025")
    assert list(held.total) == pytest.approx([0.5, 46.0])


def test_net_of_deductions_by_hand() -> None:
    gross = np.array([10.0, 2.0, -1.0, 5.0])
    claimed = np.array([3.0, 5.0, 1.0, 0.0])
    assert list(net_of_deductions(gross, claimed, 0.0)) == [7.0, 0.0, -1.0, 5.0]
    assert list(net_of_deductions(gross, claimed, None)) == [7.0, -3.0, -2.0, 5.0]


def test_deductions_enter_the_agreement_totals_and_score_against() -> None:
    scheme = _scheme()
    rows = [_half(admin_penalties=k % 4) for k in range(12)]
    rows = [{**r, "tech_contract": 100 * k} for k, r in enumerate(rows)]
    result = score(scheme, table(rows, scheme), "2025")
    again = score_against(scheme, result.parameters, table(rows[:3], scheme))
    assert list(again.total) == pytest.approx(list(result.total[:3]))
    assert again.deduction is not None
    assert list(again.deduction) == pytest.approx([0, 3, 6])


def test_deduction_checks_name_the_field_and_the_reason() -> None:
    bad = _scheme().model_dump(mode="json")
    bad["indicators"][5] = {**bad["indicators"][5], "points_per_item": -3, "cap": -1}
    bad["indicators"][6] = {**bad["indicators"][6], "points_per_item": None, "weights": {"x": 1}}
    bad["deduction_cap"] = -2
    bad["indicators"].append(
        {
            "code": "d3",
            "name": {"zh": "d", "en": "d"},
            "category": "k",
            "kind": "deduction",
            "inputs": ["revenue"],
            "points_per_item": 1,
        }
    )
    with pytest.raises(SchemeError) as caught:
        scheme_from_mapping(bad)
    problems = caught.value.problems
    assert (
        "indicator penalties: points_per_item must not be negative"
        " (a deduction states the points it subtracts)"
    ) in problems
    assert "indicator penalties: negative cap -1.0" in problems
    assert "indicator env_violation: a deduction indicator needs points_per_item" in problems
    assert "indicator env_violation: weights and derivation are for weighted indicators" in problems
    assert "indicator d3: input 'revenue' must be a bool or a count" in problems
    assert "deduction_cap must be a number ≥ 0, not -2.0" in problems


def test_default_options_keep_the_fingerprint() -> None:
    sichuan = load_scheme("sichuan-2025")
    data = sichuan.model_dump(mode="json")
    data.pop("lineage")
    explicit = scheme_from_mapping(
        {**data, "missing": {"method": "zero"}, "deduction_floor": 0, "deduction_cap": None}
    )
    assert explicit.fingerprint == sichuan.fingerprint
    changed = scheme_from_mapping(
        {**data, "missing": {"method": "renormalise", "min_coverage": 0.5}}
    )
    assert changed.fingerprint != sichuan.fingerprint
    assert "missing" not in explicit.content() and "deduction_floor" not in explicit.content()
    assert changed.content()["missing"] == {"method": "renormalise", "min_coverage": 0.5}


# ---------------------------------------------------------------------------------------------
# Missing data by hand


def _renormalising(threshold: float = 0.6) -> Scheme:
    return _scheme(missing={"method": "renormalise", "min_coverage": threshold})


MISSING_ROWS = [
    _half(),  # all present: 50 either way
    {**MATURE, "tech_contract": 500, "pct_apps": 2},  # apps missing: coverage 0.7
    {**MATURE, "invention_apps": 5, "pct_apps": 2},  # tech missing: coverage 0.5 < 0.6
    {**MATURE, "tech_contract": 1000, "invention_apps": 10},  # pct missing: coverage 0.8
    {**MATURE, "tech_contract": 1000, "invention_apps": 10, "pct_apps": 4},  # 100
]


def test_renormalise_above_threshold_zero_below() -> None:
    zero = score(_scheme(), table(MISSING_ROWS, _scheme()), "2025")
    assert list(zero.base) == pytest.approx([50, 35, 25, 80, 100])
    assert zero.renormalised is None
    scheme = _renormalising()
    result = score(scheme, table(MISSING_ROWS, scheme), "2025")
    assert list(result.coverage) == pytest.approx([1, 0.7, 0.5, 0.8, 1])
    assert result.renormalised is not None
    assert list(result.renormalised) == [False, True, False, True, False]
    # row 1: (25 + 10) / 0.7 = 50; row 3: (50 + 30) / 0.8 = 100
    assert list(result.base) == pytest.approx([50, 50, 25, 100, 100])
    tech = result.indicators["tech_contract"]
    assert tech.points[1] == pytest.approx(25 / 0.7)
    # the weights scored with: 0.5/0.7, 0 for the missing one, 0.2/0.7; they sum to 1
    assert tech.weight[1] == pytest.approx(5 / 7)
    assert result.indicators["invention_apps"].weight[1] == 0.0
    assert result.indicators["pct_apps"].weight[1] == pytest.approx(2 / 7)
    assert tech.weight[3] == pytest.approx(0.625)
    assert result.indicators["invention_apps"].weight[3] == pytest.approx(0.375)
    assert result.indicators["pct_apps"].weight[3] == 0.0
    # rows not renormalised keep the stage's weights and points bit for bit
    for code, ind in result.indicators.items():
        for row in (0, 2, 4):
            assert ind.points[row] == zero.indicators[code].points[row]
            assert ind.weight[row] == zero.indicators[code].weight[row]
    frame = result.breakdown_frame()
    assert frame["renormalised"].to_list() == [False, True, False, True, False]
    assert frame["tech_contract.w"][1] == pytest.approx(5 / 7)
    assert result.report()["missing_data"] == {
        "method": "renormalise",
        "min_coverage": 0.6,
        "n_renormalised": 2,
    }


def test_threshold_is_inclusive_and_a_zero_weight_does_not_count() -> None:
    at = score(_renormalising(0.5), table(MISSING_ROWS, _scheme()), "2025")
    assert at.renormalised is not None and bool(at.renormalised[2])
    assert at.base[2] == pytest.approx((15 + 10) / 0.5)
    # a start-up misses pct_apps, which weighs 0 in its stage: coverage 1, nothing changes
    young = [{**MISSING_ROWS[3], "established": "2024-01-01"}, _half()]
    result = score(_renormalising(), table(young, _scheme()), "2025")
    assert result.coverage[0] == 1.0 and not result.renormalised[0]  # type: ignore[index]
    assert result.base[0] == pytest.approx(100.0)


def test_missing_option_checks() -> None:
    for missing, expected in (
        ({"method": "renormalise"}, "missing.min_coverage: renormalise needs the coverage"),
        (
            {"method": "renormalise", "min_coverage": 0},
            "missing.min_coverage must be within (0, 1], not 0.0",
        ),
        (
            {"method": "renormalise", "min_coverage": 1.5},
            "missing.min_coverage must be within (0, 1], not 1.5",
        ),
        (
            {"method": "zero", "min_coverage": 0.5},
            "missing.min_coverage is only read with missing.method: renormalise",
        ),
    ):
        with pytest.raises(SchemeError) as caught:
            _scheme(missing=missing)
        assert any(p.startswith(expected) for p in caught.value.problems), caught.value.problems
    with pytest.raises(SchemeError) as caught:
        _scheme(missing={"method": "drop"})
    assert caught.value.problems[0].startswith(
        "missing.method: Input should be 'zero' or 'renormalise'"
    )


def test_renormalise_against_frozen_parameters() -> None:
    scheme = _renormalising()
    result = score(scheme, table(MISSING_ROWS, scheme), "2025")
    again = score_against(scheme, result.parameters, table(MISSING_ROWS[:2], scheme))
    assert list(again.base) == pytest.approx([50, 50])
    assert again.renormalised is not None and list(again.renormalised) == [False, True]


# ---------------------------------------------------------------------------------------------
# Properties

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SICHUAN = load_scheme("sichuan-2025")


def _sichuan_renormalising(threshold: float) -> Scheme:
    return scheme_from_mapping(
        {
            "id": "test-renormalise",
            "version": "1",
            "name": {"zh": "测试", "en": "Test"},
            "source": {"document": "tests"},
            "extends": "sichuan-2025",
            "missing": {"method": "renormalise", "min_coverage": threshold},
        }
    )


@SETTINGS
@given(st.integers(2, 80), st.integers(0, 2**31), st.floats(0.05, 1.0))
def test_renormalised_weights_sum_to_the_stage_total(n: int, seed: int, threshold: float) -> None:
    scheme = _sichuan_renormalising(threshold)
    result = score(scheme, synth_frame(n, seed=seed), "2025", agreement=False)
    assert result.renormalised is not None
    weights = np.column_stack([ind.weight for ind in result.indicators.values()])
    sums = weights.sum(axis=1)
    rows = result.renormalised
    assert np.allclose(sums[rows], 1.0, atol=1e-12)
    assert (result.coverage[rows] >= threshold).all() and (result.coverage[rows] < 1).all()
    assert (result.base <= scheme.scale + 1e-9).all()
    zero = score(SICHUAN, synth_frame(n, seed=seed), "2025", agreement=False)
    # the rows left alone, every row under full coverage among them, are bit-identical
    for code, ind in result.indicators.items():
        assert np.array_equal(ind.points[~rows], zero.indicators[code].points[~rows])
    assert np.array_equal(result.base[~rows], zero.base[~rows])
    assert (result.base[rows] >= zero.base[rows] - 1e-9).all()


@SETTINGS
@given(st.integers(2, 60), st.integers(0, 2**31))
def test_full_coverage_changes_nothing(n: int, seed: int) -> None:
    frame = synth_frame(n, seed=seed)
    numeric = [c for c, t in frame.schema.items() if t.is_numeric() and c != "credit_code"]
    full = frame.with_columns([pl.col(c).fill_null(1.0) for c in numeric])
    # ratios need positive denominators to be present
    full = full.with_columns(
        [pl.col(c).clip(1.0) for c in ("employees", "revenue", "revenue_prev", "rd_expense_prev")]
        + [pl.col("equity_begin").abs() + 1.0, pl.col("equity_end").abs() + 1.0]
    )
    zero = score(SICHUAN, full, "2025")
    other = score(_sichuan_renormalising(0.3), full, "2025")
    assert other.renormalised is not None and not other.renormalised.any()
    assert np.array_equal(zero.total, other.total)
    assert np.array_equal(zero.rank, other.rank) and np.array_equal(zero.tier, other.tier)
    assert zero.agreement is not None and other.agreement is not None
    assert zero.agreement.to_dict() == other.agreement.to_dict()


@SETTINGS
@given(
    st.lists(st.floats(-50, 150), min_size=1, max_size=30),
    st.lists(st.floats(0, 40), min_size=30, max_size=30),
    st.one_of(st.none(), st.floats(-10, 60)),
)
def test_net_of_deductions_properties(
    gross: list[float], lost: list[float], floor: float | None
) -> None:
    g = np.array(gross)
    claimed = np.array(lost[: len(gross)])
    net = net_of_deductions(g, claimed, floor)
    assert (net <= g).all()
    if floor is None:
        assert np.array_equal(net, g - claimed)
    else:
        assert (net >= np.minimum(g, floor)).all()


def _with_constraints(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return synth_frame(n, seed=seed).with_columns(
        admin_penalties=pl.Series(rng.integers(0, 5, n).astype(np.float64)),
        env_violation=pl.Series(rng.random(n) < 0.1),
    )


def test_example_scheme_and_its_robustness_replication() -> None:
    scheme = load_scheme("example-deductions-renormalise")
    assert scheme.example and len(scheme.deductions) == 2
    frame = _with_constraints(800, seed=5)
    engine = score(scheme, frame, "2025", agreement=False)
    assert engine.renormalised is not None and engine.renormalised.any()
    assert engine.deduction is not None and (engine.deduction > 0).any()
    assert (engine.deduction <= 10 + 1e-12).all()  # the scheme's deduction_cap
    # the Monte Carlo path nets the same deductions and renormalises the same rows
    assert np.array_equal(nominal_replication(scheme, frame, "2025"), engine.rank)
    robustness = analyse(scheme, frame, "2025", replications=8, seed=3, sensitivity=False)
    assert robustness.replications == 8
