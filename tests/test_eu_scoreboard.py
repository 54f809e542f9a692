"""Real firms (EU Industrial R&D Investment Scoreboard) through the reader and the engine."""

import os
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from benchmarks import eu_scoreboard

from innopoints.engine import InputError, read_table


@pytest.fixture(scope="module")
def data() -> pl.DataFrame:
    path = eu_scoreboard.source_path()
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: CI clones main with shared/ beside it")
        pytest.skip("../shared/reference is not beside this checkout")
    return eu_scoreboard.load()


@pytest.mark.parametrize("edition", [2014, 2016, 2017, 2018, 2020, 2022, 2023, 2025])
def test_real_distributions_score_cleanly(data: pl.DataFrame, edition: int, tmp_path: Path) -> None:
    prepared = eu_scoreboard.prepare(data, edition)
    result, _ = eu_scoreboard.score_edition(prepared, tmp_path)
    n = result.n
    assert n == prepared.frame.height > 2000
    for array in (result.total, result.base, result.bonus):
        assert np.isfinite(array).all()
    for ind in result.indicators.values():
        assert np.isfinite(ind.points).all() and np.isfinite(ind.normalised).all()
    # ranks: 1 + the number of strictly higher totals, for every firm
    higher = np.searchsorted(np.sort(result.total), result.total, side="right")
    assert np.array_equal(result.rank, n - higher + 1)
    # sensible: the score follows R&D spending, and the tiers split 10/20/30/40 %
    rd = np.nan_to_num(result.indicators["rd_expense"].value)
    assert np.corrcoef(np.argsort(np.argsort(result.total)), np.argsort(np.argsort(rd)))[0, 1] > 0.6
    counts = result.report()["tiers"]
    assert abs(counts["A"] / n - 0.1) < 0.01 and abs(counts["D"] / n - 0.4) < 0.01
    assert result.agreement is not None
    assert all(m.spearman is not None and 0.5 < m.spearman <= 1 for m in result.agreement.methods)
    # heavy tails are winsorised: R&D intensity of millions of percent does not dominate
    ratio = result.indicators["rd_ratio"]
    assert np.nanmax(ratio.value) > 1000 and ratio.upper[0] < np.nanmax(ratio.value)


def test_reader_names_the_real_faults(data: pl.DataFrame, tmp_path: Path) -> None:
    raw = eu_scoreboard.prepare(data, 2017, clean=False)
    path = tmp_path / "raw.csv"
    raw.frame.write_csv(path)
    with pytest.raises(InputError) as caught:
        read_table(path)
    problems = caught.value.problems
    assert problems and all("not a whole number" in p.reason for p in problems)
    assert all(p.column == "J “employees”" for p in problems)
    assert len(problems) == raw.fractional_employees_blanked
