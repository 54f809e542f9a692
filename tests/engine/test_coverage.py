"""Data coverage (engine/coverage.py, docs/method-notes.md "Data coverage"), hand-computed."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from innopoints.engine import load_scheme, score
from innopoints.engine.coverage import coverage, far_below
from tests.engine.helpers import table, two_indicator_scheme


def test_coverage_is_the_stage_weight_share_of_present_values() -> None:
    # indicator 1 weighs 0.6/0.5/0.4 by stage, indicator 2 0.4/0.5/0.6
    scheme = two_indicator_scheme()
    rows = [
        # startup, only tech_contract: 0.6 / (0.6 + 0.4) = 0.6
        {"established": dt.date(2023, 3, 1), "tech_contract": 5},
        # growth, only st_ratio: 0.5 / 1.0 = 0.5
        {"established": dt.date(2018, 1, 1), "st_ratio": 30},
        # mature, only tech_contract: 0.4 / 1.0 = 0.4
        {"established": dt.date(2010, 1, 1), "tech_contract": 1},
        # mature, only st_ratio: 0.6
        {"established": dt.date(2010, 1, 1), "st_ratio": 50},
        # startup, both: 1.0; growth, neither: 0.0
        {"established": dt.date(2023, 3, 1), "tech_contract": 2, "st_ratio": 50},
        {"established": dt.date(2018, 1, 1)},
    ]
    result = score(scheme, table(rows, scheme), "2025", agreement=False)
    assert result.coverage.tolist() == pytest.approx([0.6, 0.5, 0.4, 0.6, 1.0, 0.0])
    assert result.breakdown_frame()["coverage"].to_list() == pytest.approx(
        [0.6, 0.5, 0.4, 0.6, 1.0, 0.0]
    )
    # the report: mean (0.6+0.5+0.4+0.6+1+0)/6 = 3.1/6, lowest 0, two below one half (0.4 and 0)
    summary = result.report()["coverage"]
    assert summary["mean"] == pytest.approx(3.1 / 6)
    assert summary["min"] == 0.0 and summary["below_half"] == 2


def test_an_undefined_derivation_is_no_usable_value() -> None:
    # sichuan-2025, mature: rd_expense (0.08) and revenue (0.05) present; rd_ratio = R&D /
    # revenue is undefined at revenue 0, rd_growth lacks last year: 0.13 of the stage's 1.00
    result = score(
        load_scheme("sichuan-2025"),
        table([{"established": dt.date(2010, 1, 1), "rd_expense": 10, "revenue": 0}]),
        "2025",
        agreement=False,
    )
    assert result.coverage[0] == pytest.approx(0.13)
    assert result.indicators["rd_ratio"].missing[0]


def test_a_stage_without_weights_has_no_coverage() -> None:
    missing = [np.array([False, True, False]), np.array([True, True, False])]
    # stage 0 weighs 0.25 and 0.75; stage 1 weighs nothing
    weights = [np.array([0.25, 0.0]), np.array([0.75, 0.0])]
    got = coverage(missing, weights, np.array([0, 0, 1], dtype=np.int8))
    assert got[0] == pytest.approx(0.25) and got[1] == 0.0 and np.isnan(got[2])


def test_divisions_far_below_the_median_of_the_others() -> None:
    # 0.1: the others' median 0.85, their deviations 0.05, 0.05, 0 (median 0.05); the gap
    # 0.75 is ≥ 0.15 and ≥ 3 × 0.05: flagged. 0.8: gap to median(0.9, 0.85, 0.1) = 0.05: not
    assert far_below([0.9, 0.8, 0.85, 0.1]).tolist() == [False, False, False, True]
    # at least 15 points: 0.75 against 0.9 (no spread) is, 0.76 is not
    assert far_below([0.75, 0.9, 0.9, 0.9]).tolist() == [True, False, False, False]
    assert far_below([0.76, 0.9, 0.9, 0.9]).tolist() == [False, False, False, False]
    # others spread out: median(0.55, 0.95, 0.75, 0.85) = 0.8, deviations 0.25, 0.15, 0.05,
    # 0.05 (median 0.10): a gap must be ≥ 0.30. 0.52 (gap 0.28) is not, 0.45 (0.35) is; 0.55
    # against median(0.45, 0.95, 0.75, 0.85) = 0.8 (gap 0.25, needs 0.30) is not
    assert far_below([0.52, 0.55, 0.95, 0.75, 0.85]).tolist() == [False] * 5
    assert far_below([0.45, 0.55, 0.95, 0.75, 0.85]).tolist() == [True] + [False] * 4
    # fewer than two others: nothing to compare with; NaN neither flagged nor counted
    assert far_below([0.1, 0.9]).tolist() == [False, False]
    assert far_below([0.1, float("nan"), 0.9]).tolist() == [False, False, False]
    assert far_below([0.1, float("nan"), 0.9, 0.8]).tolist() == [True, False, False, False]
