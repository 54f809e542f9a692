"""Stage boundaries (docs/METHOD.md §3): calendar subtraction, exactly 5 and 10 years,
29 February."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from innopoints.engine import InputError, load_scheme, score
from innopoints.engine.stage import assign_age_stages, reference_date, years_before
from tests.engine.helpers import table

SICHUAN = load_scheme("sichuan-2025")


def stages_of(dates: list[str], period: str = "2025") -> list[str]:
    established = np.array(dates, dtype="datetime64[D]")
    ref = reference_date(period)
    index = assign_age_stages(SICHUAN.stage_rule, established, ref)
    return [SICHUAN.stage_rule.codes[i] for i in index]


def test_reference_dates() -> None:
    assert reference_date("2025") == dt.date(2025, 12, 31)
    assert reference_date("2025H1") == dt.date(2025, 6, 30)
    assert reference_date("2024Q1") == dt.date(2024, 3, 31)
    assert reference_date("2024-02-29") == dt.date(2024, 2, 29)
    assert reference_date("2025", "06-30") == dt.date(2025, 6, 30)
    with pytest.raises(ValueError, match="not a year"):
        reference_date("last year")


def test_exactly_five_and_ten_years() -> None:
    # ref 2025-12-31: startup if ≥ 2020-12-31, growth if ≥ 2015-12-31
    assert stages_of(["2020-12-31", "2020-12-30", "2015-12-31", "2015-12-30", "2025-12-31"]) == [
        "startup",
        "growth",
        "growth",
        "mature",
        "startup",
    ]


def test_29_february_reference() -> None:
    # ref 2024-02-29: five years before is 2019-02-28 (29 Feb → 28 Feb), ten is 2014-02-28
    assert years_before(dt.date(2024, 2, 29), 5) == dt.date(2019, 2, 28)
    assert years_before(dt.date(2024, 2, 29), 4) == dt.date(2020, 2, 29)
    got = stages_of(["2019-02-28", "2019-02-27", "2014-02-28", "2014-02-27"], "2024-02-29")
    assert got == ["startup", "growth", "growth", "mature"]


def test_established_on_29_february() -> None:
    # founded 2020-02-29, ref 2025-12-31 (cut-off 2020-12-31) → growth
    assert stages_of(["2020-02-29", "2016-02-29"]) == ["growth", "growth"]


def test_missing_or_future_date_is_an_error_naming_rows() -> None:
    rows = [
        {"established": "2020-01-01", "revenue": 1},
        {"revenue": 1},
        {"established": "2026-01-01", "revenue": 1},
    ]
    with pytest.raises(InputError) as caught:
        score(SICHUAN, table(rows), "2025")
    problems = caught.value.problems
    assert [p.row for p in problems] == [3, 4]
    assert "blank" in problems[0].reason
    assert "after the period's end 2025-12-31" in problems[1].reason


def test_a_repeated_credit_code_is_reported_before_the_stages() -> None:
    # the identity check runs beside the stages; its problems still come first
    rows = [
        {"established": "2026-01-01", "revenue": 1},
        {"established": "2020-01-01", "revenue": 1},
    ]
    given = table(rows)
    repeated = given.with_columns(pl.lit(given["credit_code"][0]).alias("credit_code"))
    with pytest.raises(InputError) as caught:
        score(SICHUAN, repeated, "2025")
    problems = caught.value.problems
    assert [(p.row, p.column, p.reason) for p in problems] == [
        (2, "credit_code", "duplicate credit code"),
        (3, "credit_code", "duplicate credit code"),
    ]


def test_credit_codes_whose_hashes_meet_are_compared_in_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # every code hashing alike (as two of a million could): the strings decide, not the hash
    rows = [{"established": "2020-01-01", "revenue": r} for r in (1, 2, 3)]
    monkeypatch.setattr(
        pl.Series, "hash", lambda self, seed=0: pl.Series([7] * self.len(), dtype=pl.UInt64)
    )
    result = score(SICHUAN, table(rows), "2025")
    assert result.n == 3
    given = table(rows)
    repeated = given.with_columns(pl.lit(given["credit_code"][1]).alias("credit_code"))
    with pytest.raises(InputError):
        score(SICHUAN, repeated, "2025")
