"""Bonus caps, vetoes, ties in rank, missing values and tiers (docs/METHOD.md §4–§7)."""

import numpy as np
import polars as pl
import pytest

from innopoints.engine import load_scheme, score
from innopoints.engine.agreement import top_count
from innopoints.engine.rank import average_ranks, group_codes, min_rank_desc
from tests.engine.helpers import table

SICHUAN = load_scheme("sichuan-2025")
BASE_ROW = {"established": "2015-01-01", "revenue": 1000}


def test_sichuan_bonus_caps() -> None:
    rows = [
        {
            **BASE_ROW,
            "strategic_industry": "是",
            "qual_little_giant": "Y",
            "qual_single_champion": "1",
            "qual_innovation_demo": "true",
            "qual_gazelle": "是",
            "talents": 9,
            "standards": 5,
            "ip_items": 6,
        },
        {**BASE_ROW, "talents": 2, "standards": 1, "qual_gazelle": "否"},
        {**BASE_ROW},
    ]
    result = score(SICHUAN, table(rows), "2025")
    assert result.bonus[0] == pytest.approx(1 + 0.8 + 1 + 1 + 1)  # the 4.8 maximum
    assert result.bonus[1] == pytest.approx(0.6)
    assert result.bonus[2] == 0.0
    assert result.bonus_points["talents"][0] == pytest.approx(1.0)
    assert result.bonus_points["qualifications"][0] == pytest.approx(0.8)


def test_veto_zeroes_total_keeps_breakdown_and_drops_rank() -> None:
    rows = [
        {**BASE_ROW, "rd_expense": 500, "veto_blacklist": "是"},
        {**BASE_ROW, "rd_expense": 100, "veto_safety": "Y", "veto_blacklist": "Y"},
        {**BASE_ROW, "rd_expense": 10},
    ]
    result = score(SICHUAN, table(rows), "2025")
    assert list(result.vetoed) == [True, True, False]
    assert result.total[0] == 0.0 and result.base[0] > 0
    assert result.veto_reasons() == ["veto_blacklist", "veto_safety;veto_blacklist", ""]
    assert list(result.rank) == [0, 0, 1]
    assert list(result.tier_codes()) == [None, None, "D"]  # 1/1 = 1.0 > 0.6
    frame = result.summary_frame()
    assert frame["rank"].to_list() == [None, None, 1]
    assert frame["tier"].to_list() == [None, None, "D"]
    # vetoed enterprises are in the reference population: rd_expense's L uses all three
    assert result.parameters.indicators["rd_expense"].groups[0].n_reference == 3


def test_ties_share_the_best_rank() -> None:
    values = np.array([5.0, 7.0, 7.0, 1.0, 7.0, 0.0])
    keep = np.ones(6, dtype=bool)
    assert list(min_rank_desc(values, keep)) == [4, 1, 1, 5, 1, 6]
    keep[1] = False
    assert list(min_rank_desc(values, keep)) == [3, 0, 1, 4, 1, 5]
    groups = group_codes(pl.Series(["a", "b", "a", "b", "a", None]), 6)
    assert list(min_rank_desc(values, np.ones(6, bool), groups)) == [3, 1, 1, 2, 1, 0]


def test_average_ranks() -> None:
    assert list(average_ranks(np.array([3.0, 1.0, 3.0, 2.0, 3.0]))) == [4, 1, 4, 2, 4]
    assert list(average_ranks(np.array([]))) == []


def test_identical_enterprises_tie_in_a_run() -> None:
    same = {**BASE_ROW, "rd_expense": 50, "invention_apps": 2}
    rows = [same, {**BASE_ROW, "rd_expense": 80}, same, {**BASE_ROW, "rd_expense": 1}]
    result = score(SICHUAN, table(rows), "2025")
    assert result.total[0] == result.total[2]
    r = result.rank
    assert (r[0] == r[2] and sorted(r) == [1, 1, 3, 4]) or sorted(r) == [1, 2, 2, 4]


def test_missing_values_score_zero_and_are_flagged() -> None:
    rows = [{**BASE_ROW, "rd_expense": 100, "rd_expense_prev": 50}, {**BASE_ROW}]
    result = score(SICHUAN, table(rows), "2025")
    growth = result.indicators["rd_growth"]
    assert growth.value[0] == pytest.approx(100.0)
    assert np.isnan(growth.value[1]) and growth.missing[1] and growth.points[1] == 0.0
    assert result.report()["missing"]["rd_growth"] == 1
    # a single reference value: U = L, x' = 0 for everyone (docs/METHOD.md §4 step 3)
    assert growth.normalised[0] == 0.0


def test_tier_shares() -> None:
    rows = [{**BASE_ROW, "rd_expense": float(v)} for v in range(1, 21)]
    result = score(SICHUAN, table(rows), "2025")
    tiers = dict(zip(result.rank.tolist(), result.tier_codes(), strict=True))
    # n = 20: A r ≤ 0.1 (ranks 1–2), B ≤ 0.3 (3–6), C ≤ 0.6 (7–12), D the rest
    assert [tiers[r] for r in (1, 2, 3, 6, 7, 12, 13, 20)] == list("AABBCCDD")


def test_top_count_is_exact() -> None:
    assert top_count(0.1, 30) == 3
    assert top_count(0.1, 31) == 4
    assert top_count(0.1, 1) == 1
