"""Normalisation methods and scheme options of docs/METHOD.md §8 and §11, by hand."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from innopoints.engine import load_scheme, score
from innopoints.engine.derive import ORIGIN_DERIVED, ORIGIN_MISSING, ORIGIN_SUPPLIED
from innopoints.engine.normalise import quantile_sorted, transform
from innopoints.engine.scheme import scheme_from_mapping
from tests.engine.helpers import table, two_indicator_scheme

SICHUAN = load_scheme("sichuan-2025")


def one_indicator(**indicator: object) -> object:
    base = {
        "code": "tech_contract",
        "name": {"zh": "A", "en": "A"},
        "category": "c",
        "kind": "weighted",
        "weights": {"startup": 1.0, "growth": 1.0, "mature": 1.0},
    }
    scheme = two_indicator_scheme()
    data = scheme.model_dump(mode="json", exclude={"lineage"})
    data["indicators"] = [base | indicator, *data["indicators"][2:]]
    return scheme_from_mapping(data)


def run(scheme: object, values: list[float | None], **extra: object) -> object:
    rows = [{"established": "2015-01-01", "tech_contract": v, **extra} for v in values]
    return score(scheme, table(rows, scheme), "2025")  # type: ignore[arg-type]


def test_goalpost() -> None:
    scheme = one_indicator(method="goalpost", goalpost={"full_mark": 50})
    result = run(scheme, [0, 25, 50, 80, None])
    assert list(result.indicators["tech_contract"].normalised) == [0, 0.5, 1, 1, 0]
    assert list(result.base) == [0, 50, 100, 100, 0]


def test_goalpost_with_log_transform_and_low() -> None:
    scheme = one_indicator(
        method="goalpost", transform="log1p", goalpost={"full_mark": 99, "low": 9}
    )
    result = run(scheme, [9, 99, 0])
    x = result.indicators["tech_contract"].normalised
    assert x[0] == 0 and x[1] == pytest.approx(1) and x[2] == 0
    mid = run(scheme, [math.expm1(math.log(10) + 1)]).indicators["tech_contract"].normalised[0]
    assert mid == pytest.approx(1 / (math.log(100) - math.log(10)))


def test_bands() -> None:
    bands = [
        {"upper": 0, "fraction": 0},
        {"lower": 0, "upper": 10, "fraction": 0.4},
        {"lower": 10, "upper": 30, "fraction": 0.7},
        {"lower": 30, "fraction": 1},
    ]
    scheme = one_indicator(method="bands", bands=bands)
    result = run(scheme, [0, 9.99, 10, 29.9, 30, 1e9, None])
    assert list(result.indicators["tech_contract"].normalised) == [0.4, 0.4, 0.7, 0.7, 1, 1, 0]


def test_bands_with_gaps_score_zero_outside() -> None:
    scheme = one_indicator(method="bands", bands=[{"lower": 5, "upper": 10, "fraction": 1}])
    result = run(scheme, [1, 5, 10])
    assert list(result.indicators["tech_contract"].normalised) == [0, 1, 0]


def test_rank_method() -> None:
    scheme = one_indicator(method="rank")
    result = run(scheme, [3, 1, 3, 7, None])
    # R = {1, 3, 3, 7}: #{v < t} / (|R| − 1)
    assert list(result.indicators["tech_contract"].normalised) == [1 / 3, 0, 1 / 3, 1, 0]


def test_minmax_method_ignores_the_transform() -> None:
    scheme = one_indicator(method="minmax", transform="log1p", winsor=[0, 1])
    result = run(scheme, [0, 50, 100])
    assert list(result.indicators["tech_contract"].normalised) == [0, 0.5, 1]


def test_lower_is_better() -> None:
    scheme = one_indicator(direction="negative", winsor=[0, 1])
    result = run(scheme, [0, 25, 100, None])
    assert list(result.indicators["tech_contract"].normalised) == [1, 0.75, 0, 0]


def test_lower_is_better_by_rank_and_by_bands_leaves_missing_at_zero() -> None:
    # R = {1, 3, 3, 7}: 1 − #{v < t} / 3; the missing value scores 0, not 1 − 0
    by_rank = run(one_indicator(method="rank", direction="negative"), [3, 1, 3, 7, None])
    assert list(by_rank.indicators["tech_contract"].normalised) == [1 - 1 / 3, 1, 1 - 1 / 3, 0, 0]
    bands = [{"upper": 10, "fraction": 0.25}, {"lower": 10, "fraction": 1}]
    by_bands = run(one_indicator(method="bands", bands=bands, direction="negative"), [5, 20, None])
    assert list(by_bands.indicators["tech_contract"].normalised) == [0.75, 0, 0]


def test_constant_values_give_zero() -> None:
    result = run(one_indicator(), [5, 5, 5])
    assert list(result.indicators["tech_contract"].normalised) == [0, 0, 0]


def test_reference_group_by_stage() -> None:
    scheme = one_indicator(winsor=[0, 1])
    data = scheme.model_dump(mode="json", exclude={"lineage"})  # type: ignore[attr-defined]
    data["reference_group"] = "stage"
    by_stage = scheme_from_mapping(data)
    rows = [
        {"established": "2023-01-01", "tech_contract": 10},
        {"established": "2023-01-01", "tech_contract": 20},
        {"established": "2010-01-01", "tech_contract": 100},
        {"established": "2010-01-01", "tech_contract": 200},
    ]
    result = score(by_stage, table(rows, by_stage), "2025")
    assert list(result.indicators["tech_contract"].normalised) == [0, 1, 0, 1]
    assert result.parameters.group_codes == ("startup", "growth", "mature")
    assert result.parameters.indicators["tech_contract"].groups[1].n_reference == 0


def test_revenue_stages_and_missing_stage() -> None:
    scheme = load_scheme("example-revenue-stages")
    rows = [{"revenue": r} for r in (0, 499.99, 500, 9999, 10000, 50000, None)]
    result = score(scheme, table(rows, scheme), "2025")
    assert list(result.stage_codes()) == ["r1", "r1", "r2", "r3", "r4", "r5", "r1"]


def test_thousand_point_scale_and_bonus_cap() -> None:
    city = load_scheme("example-city-1000")
    rows = [
        {
            "established": "2015-01-01",
            "rd_expense": 10,
            "university_projects": 1,
            "incubator_graduate": "是",
            "strategic_industry": "是",
        },
        {"established": "2015-01-01", "rd_expense": 1000, "university_projects": 5},
    ]
    result = score(city, table(rows, city), "2025")
    assert result.bonus[0] == pytest.approx(15)
    assert 0 <= result.base.max() <= 1000
    points = result.indicators["rd_expense"].points
    assert points[1] == pytest.approx(1000 * 0.08)  # the top value earns the full weight
    most = load_scheme("example-most-style-100-30")
    rows = [
        {"established": "2015-01-01", "platforms": 9, "awards": 9, "standards": 9},
        {"established": "2015-01-01", "platforms": 1, "rd_expense": 5},
    ]
    result = score(most, table(rows, most), "2025")
    assert list(result.bonus) == [30, 5]  # 10 + 10 + 10 within the 30 cap; 5


def test_score_threshold_tiers() -> None:
    most = load_scheme("example-most-style-100-30")
    rows = [{"established": "2015-01-01", "rd_expense": 100, "platforms": p} for p in (2, 0)]
    result = score(most, table(rows, most), "2025")
    totals = result.total
    expected = ["A" if t >= 80 else "B" if t > 65 else "C" if t >= 50 else "D" for t in totals]
    assert list(result.tier_codes()) == expected


def test_derived_indicators_and_supplied_columns() -> None:
    rows = [
        {"established": "2015-01-01", "rd_expense": 120, "rd_expense_prev": 100, "rd_growth": 99},
        {"established": "2015-01-01", "rd_expense": 120, "rd_growth": 35},
        {"established": "2015-01-01", "rd_expense": 120, "rd_expense_prev": 0},
        {"established": "2015-01-01", "net_profit": 10, "equity_begin": 40, "equity_end": 60},
        {"established": "2015-01-01", "net_profit": 10, "equity_begin": -40, "equity_end": 20},
        {
            "established": "2015-01-01",
            "st_staff": 5,
            "employees": 20,
            "revenue": 0,
            "rd_expense": 3,
        },
    ]
    result = score(SICHUAN, table(rows), "2025")
    growth = result.indicators["rd_growth"]
    assert growth.value[0] == pytest.approx(20) and growth.raw[0] == 99  # base facts win
    assert growth.value[1] == 35 and growth.origin[1] == ORIGIN_SUPPLIED
    assert np.isnan(growth.value[2]) and growth.origin[2] == ORIGIN_MISSING  # prev ≤ 0
    assert growth.origin[0] == ORIGIN_DERIVED
    roe = result.indicators["roe"].value
    assert roe[3] == pytest.approx(20.0)  # 10 / ((40 + 60) / 2) × 100
    assert np.isnan(roe[4])  # average equity ≤ 0
    assert result.indicators["st_ratio"].value[5] == pytest.approx(25.0)
    assert np.isnan(result.indicators["rd_ratio"].value[5])  # revenue ≤ 0


@given(
    st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=1, max_size=60),
    st.floats(0, 1),
    st.sampled_from(["none", "log1p"]),
)
def test_quantile_matches_numpy_bit_for_bit(values: list[float], p: float, kind: str) -> None:
    ascending = np.sort(np.array(values))
    expected = np.quantile(transform(kind, np.array(values)), p)
    assert quantile_sorted(ascending, p, kind) == expected
