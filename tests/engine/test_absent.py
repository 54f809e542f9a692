"""A run whose weighted indicators have no value anywhere is refused; a partly covered run
carries a warning (engine/absent.py)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from innopoints.engine import InputError, score
from tests.engine.helpers import table, two_indicator_scheme

EST = dt.date(2016, 3, 1)


def test_no_weighted_value_anywhere_is_refused_naming_the_columns() -> None:
    scheme = two_indicator_scheme()
    rows = [{"established": EST, "talents": 2}, {"established": EST, "tech_contract": None}]
    with pytest.raises(InputError) as caught:
        score(scheme, table(rows, scheme), "2025", source="in.csv")
    problems = caught.value.problems
    assert [p.describe() for p in problems] == [
        "none of the 2 weighted indicators of test-two@1 has a value in any row: every "
        "enterprise would score 0 and share rank 1. Is this input meant for this scheme?",
        "column “企业技术合同成交额” (tech_contract): absent or blank in every row: "
        "weighted indicator A (tech_contract)",
        "column “科技人员占职工总数的比重” (st_ratio): absent or blank in every row: "
        "weighted indicator B (st_ratio)",
    ]
    assert str(caught.value).startswith("in.csv: 3 problem(s); nothing was written.")


def test_one_absent_indicator_is_a_warning_and_scores_zero() -> None:
    scheme = two_indicator_scheme()
    rows = [
        {"established": EST, "st_ratio": 10.0},
        {"established": EST, "st_ratio": 30.0},
        {"established": EST, "st_ratio": None},
    ]
    result = score(scheme, table(rows, scheme), "2025", agreement=False)
    assert result.warnings == (
        "1 of 2 weighted indicators have no value in any row and score 0 for every "
        "enterprise: A (tech_contract) from “企业技术合同成交额” (tech_contract)",
    )
    assert result.report()["warnings"] == list(result.warnings)
    assert np.array_equal(result.indicators["tech_contract"].points, np.zeros(3))
    assert result.rank.tolist() == [2, 1, 2]  # the lowest value and a blank both score 0


def test_a_covered_input_has_no_warning() -> None:
    scheme = two_indicator_scheme()
    rows = [
        {"established": EST, "st_ratio": 10.0, "tech_contract": None},
        {"established": EST, "st_ratio": None, "tech_contract": 5.0},
    ]
    result = score(scheme, table(rows, scheme), "2025", agreement=False)
    assert result.warnings == ()
    assert result.report()["warnings"] == []
