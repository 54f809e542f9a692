"""Saltelli design and sensitivity estimators against COINr's saved Ishigami run (peer suite),
and on small cases worked out by hand."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from innopoints.engine.rank import min_rank_desc
from innopoints.engine.sensitivity import design_from_samples, estimate, saltelli_design

COINR = Path(__file__).resolve().parents[3] / "shared" / "reference" / "coinr"
N, D = 1000, 3


def _peer(name: str) -> pl.DataFrame:
    path = COINR / name
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: CI clones main with shared/ beside it")
        pytest.skip("../shared/reference is not beside this checkout")
    return pl.read_csv(path, infer_schema_length=None)


@pytest.fixture(scope="module")
def design() -> np.ndarray:
    return _peer("expected/sa_design_ishigami_N1000_d3.csv").to_numpy().astype(np.float64)


def test_saved_design_has_coinr_layout(design: np.ndarray) -> None:
    x = design[:, :D]
    assert x.shape == (N * (D + 2), D)
    rebuilt = design_from_samples(x[:N], x[N : 2 * N])
    assert np.array_equal(rebuilt, x)


def test_saved_outputs_are_the_ishigami_function(design: np.ndarray) -> None:
    z = -np.pi + 2 * np.pi * design[:, :D]
    y = np.sin(z[:, 0]) + 7 * np.sin(z[:, 1]) ** 2 + 0.1 * z[:, 2] ** 4 * np.sin(z[:, 0])
    assert np.allclose(y, design[:, D], rtol=0, atol=1e-12)


def test_estimate_reproduces_coinr_sa_estimate(design: np.ndarray) -> None:
    expected = _peer("expected/sa_estimate_ishigami_N1000_d3.csv")
    got = estimate(design[:, D], N, D)
    assert got.first_order == pytest.approx(expected["Si"].to_numpy(), abs=1e-9, rel=0)
    assert got.total == pytest.approx(expected["STi"].to_numpy(), abs=1e-9, rel=0)
    assert got.variance == pytest.approx(expected["Variance"][0], abs=1e-9, rel=0)
    assert got.first_order_q5 is None


def test_bootstrap_bounds_bracket_the_estimates(design: np.ndarray) -> None:
    got = estimate(design[:, D], N, D, n_boot=500, rng=np.random.default_rng(3))
    assert got.first_order_q5 is not None and got.first_order_q95 is not None
    assert got.total_q5 is not None and got.total_q95 is not None
    assert np.all(got.first_order_q5 < got.first_order)
    assert np.all(got.first_order < got.first_order_q95)
    assert np.all(got.total_q5 < got.total)
    assert np.all(got.total < got.total_q95)
    again = estimate(design[:, D], N, D, n_boot=500, rng=np.random.default_rng(3))
    assert again.total_q95 is not None
    assert np.array_equal(again.total_q95, got.total_q95)


def test_estimators_by_hand() -> None:
    # N = 2, d = 2: y_A = (1, 3), y_B = (2, 6), y_AB1 = (2, 4), y_AB2 = (1, 5)
    y = np.array([1.0, 3.0, 2.0, 6.0, 2.0, 4.0, 1.0, 5.0])
    # V = var(1, 3, 2, 6) = mean 3, squares 4 + 0 + 1 + 9 = 14, / 3
    v = 14 / 3
    got = estimate(y, 2, 2)
    assert got.variance == pytest.approx(v, rel=1e-15)
    # S_1 = mean(2·(2 − 1), 6·(4 − 3)) / V = 4 / V; S_2 = mean(2·0, 6·2) / V = 6 / V
    assert got.first_order == pytest.approx([4 / v, 6 / v], rel=1e-15)
    # ST_1 = ((1 − 2)² + (3 − 4)²) / (2·2·V) = 2 / (4V); ST_2 = (0 + 4) / (4V)
    assert got.total == pytest.approx([2 / (4 * v), 4 / (4 * v)], rel=1e-15)


def test_additive_model_indices() -> None:
    # y = x1 + 2 x2 on uniform inputs: S = ST = (1/5, 4/5) analytically
    x = saltelli_design(20_000, 2, np.random.default_rng(11))
    got = estimate(x[:, 0] + 2 * x[:, 1], 20_000, 2)
    assert got.first_order == pytest.approx([0.2, 0.8], abs=0.03)
    assert got.total == pytest.approx([0.2, 0.8], abs=0.03)


def test_design_layout_by_hand() -> None:
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    b = np.array([[5.0, 6.0], [7.0, 8.0]])
    expected = [[1, 2], [3, 4], [5, 6], [7, 8], [5, 2], [7, 4], [1, 6], [3, 8]]
    assert design_from_samples(a, b).tolist() == expected


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ValueError, match="N\\(d \\+ 2\\) = 8"):
        estimate(np.zeros(7), 2, 2)
    with pytest.raises(ValueError, match="does not vary"):
        estimate(np.ones(8), 2, 2)
    with pytest.raises(ValueError, match="NaN"):
        estimate(np.array([1.0, np.nan, 2, 3, 4, 5, 6, 7]), 2, 2)
    with pytest.raises(ValueError, match="at least 2 uncertain inputs"):
        saltelli_design(10, 1, np.random.default_rng(0))


@pytest.mark.parametrize(
    "name", ["expected/vignette_UA_Nominal.csv", "expected/vignette_SA_Nominal.csv"]
)
def test_nominal_ranks_are_competition_ranks_of_scores(name: str) -> None:
    """COINr ranks the nominal index highest first, ties sharing the best rank: the engine's
    competition ranks give its Rank column from its Score column."""
    nominal = _peer(name)
    score = nominal["Score"].to_numpy().astype(np.float64)
    ranks = min_rank_desc(score, np.ones(score.shape[0], dtype=bool))
    assert ranks.tolist() == nominal["Rank"].to_list()


@pytest.mark.parametrize(
    "name",
    [
        "expected/vignette_UA_RankStats.csv",
        "expected/vignette_SA_RankStats.csv",
        "synthetic/asem_UA_N100_seed1_RankStats.csv",
    ],
)
def test_rank_stats_nominal_column_matches_nominal_file(name: str) -> None:
    """The only deterministic column of COINr's RankStats (the rest are random draws)."""
    stats = _peer(name)
    nominal = _peer("expected/vignette_UA_Nominal.csv")
    joined = stats.join(nominal, on="uCode")
    assert joined.height == nominal.height
    assert joined["Nominal"].to_list() == joined["Rank"].to_list()
