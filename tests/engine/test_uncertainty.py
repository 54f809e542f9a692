"""Uncertainty and sensitivity analysis: the Monte Carlo path against the engine itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl
import pytest

from innopoints.engine import load_scheme, score
from innopoints.engine.scheme import Scheme, builtin_ids
from innopoints.engine.synth import synth_frame
from innopoints.engine.uncertainty import (
    WINSOR_ALTERNATIVES,
    Factors,
    analyse,
    block_tiers,
    competition_ranks,
    nominal_replication,
    weight_sets,
)
from innopoints.engine.uncertainty_result import Robustness
from tests.conftest import codes


@pytest.fixture(scope="module")
def province() -> pl.DataFrame:
    return synth_frame(1500, seed=7)


def coinr_table(n: int, seed: int) -> pl.DataFrame:
    """Skewed values (some winsorised, some log-treated) with 5 % blanks for every weighted
    indicator of example-coinr-geometric."""
    scheme = load_scheme("example-coinr-geometric")
    rng = np.random.default_rng(seed)
    columns = {}
    for i, indicator in enumerate(scheme.weighted):
        values = rng.lognormal(0.0, 1.0 + i % 3, n)
        values[rng.random(n) < 0.05] = np.nan
        columns[indicator.code] = values
    return pl.DataFrame(columns).with_columns(
        credit_code=pl.Series(codes(n)), established=pl.lit(dt.date(2015, 1, 1))
    )


@pytest.fixture(scope="module")
def coinr_set() -> pl.DataFrame:
    return coinr_table(600, seed=3)


@pytest.mark.parametrize("scheme_id", builtin_ids())
def test_nominal_replication_is_the_engine_run(
    province: pl.DataFrame, coinr_set: pl.DataFrame, scheme_id: str
) -> None:
    scheme = load_scheme(scheme_id)
    table = coinr_set if scheme.coinr is not None else province
    engine = score(scheme, table, "2025", agreement=False)
    assert (engine.rank > 0).sum() > 0.9 * table.height
    assert np.array_equal(nominal_replication(scheme, table, "2025"), engine.rank)


def test_coinr_scheme_replications_are_engine_runs_with_their_weights(
    coinr_set: pl.DataFrame,
) -> None:
    # each replication of a coinr: scheme is the engine's run of that scheme with the weight
    # set it drew: its treatment, min-max [0.01, 1] and geometric mean, not the weighted sum
    scheme = load_scheme("example-coinr-geometric")
    result = analyse(scheme, coinr_set, "2025", replications=8, seed=5, sensitivity=False)
    assert result.varying == ("weights",)
    engine_nominal = score(scheme, coinr_set, "2025", agreement=False)
    ranks = [
        score(_variant(scheme, result, run), coinr_set, "2025", agreement=False).rank
        for run in range(8)
    ]
    matrix = np.array(ranks, dtype=np.float64)
    assert np.array_equal(result.median_rank, np.median(matrix, axis=0))
    shifts = np.abs(matrix - engine_nominal.rank).mean(axis=1)
    assert np.allclose(result.outputs["mean_abs_rank_shift"], shifts, rtol=1e-15)


def test_coinr_scheme_tiny_weight_noise_moves_nothing(coinr_set: pl.DataFrame) -> None:
    # ±0.01 % on the weights of a geometric mean changes totals in the 6th digit: at most a
    # near-tie swaps (it was a mean shift of ~196 ranks of 1,000 when the weighted sum re-scored)
    scheme = load_scheme("example-coinr-geometric")
    factors = Factors.for_scheme(scheme, weight_noise=0.0001)
    result = analyse(
        scheme, coinr_set, "2025", replications=10, seed=1, factors=factors, sensitivity=False
    )
    assert result.outputs["mean_abs_rank_shift"].max() < 0.1
    assert result.tier_kept[result.nominal_rank > 0].min() >= 0.9


def test_coinr_scheme_refuses_the_engine_alternatives(coinr_set: pl.DataFrame) -> None:
    scheme = load_scheme("example-coinr-geometric")
    with pytest.raises(ValueError, match=r"normalisation \(rank\).*only the weights vary"):
        analyse(
            scheme,
            coinr_set,
            "2025",
            factors=Factors.for_scheme(scheme, normalisations=("scheme", "rank")),
        )
    with pytest.raises(ValueError, match=r"coinr: block .*gmean.*transform \(none\)"):
        analyse(scheme, coinr_set, "2025", factors=Factors())
    defaults = Factors.for_scheme(scheme)
    assert defaults.normalisations == ("scheme",) and defaults.winsor == (None,)
    assert Factors.for_scheme(load_scheme("sichuan-2025")) == Factors()


def test_nominal_replication_keeps_ties(province: pl.DataFrame) -> None:
    # the same enterprise four times (fresh credit codes): four equal totals, one shared rank
    copies = pl.concat([province.head(1)] * 4)
    codes = synth_frame(4, seed=99).get_column("credit_code")
    table = pl.concat([province.slice(1), copies.with_columns(credit_code=codes)])
    scheme = load_scheme("sichuan-2025")
    engine = score(scheme, table, "2025", agreement=False)
    ranks = nominal_replication(scheme, table, "2025")
    assert np.array_equal(ranks, engine.rank)
    assert len(set(ranks[-4:].tolist())) == 1


def test_competition_ranks_by_hand() -> None:
    totals = np.array([[3.0, 1.0, 3.0, 2.0], [0.5, 0.5, 0.5, 0.5], [1.0, 2.0, 3.0, 4.0]])
    assert competition_ranks(totals).tolist() == [[1, 4, 1, 3], [1, 1, 1, 1], [4, 3, 2, 1]]


def test_block_tiers_follow_the_share_rule() -> None:
    rule = load_scheme("sichuan-2025").tiers  # A ≤ 0.1, B ≤ 0.3, C ≤ 0.6, D
    ranks = np.array([[1, 2, 3, 4, 6, 7, 10]], dtype=np.int32)
    tiers = block_tiers(rule, np.zeros(ranks.shape), ranks, 10)
    assert tiers.tolist() == [[0, 1, 1, 2, 2, 3, 3]]


def test_weight_sets_are_perturbed_then_rescaled() -> None:
    scheme = load_scheme("sichuan-2025")
    nominal = np.array(scheme.weight_matrix())
    sets = weight_sets(scheme, 200, 0.25, np.random.default_rng(1))
    assert sets.shape == (200, *nominal.shape)
    assert np.allclose(sets.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    ratio = sets / nominal[None]
    spread = ratio.max(axis=1) / ratio.min(axis=1)  # per set and stage
    assert np.all(spread <= 1.25 / 0.75 + 1e-12)
    assert spread.max() > 1.4  # the noise is really ±25 %
    # one draw per indicator: the same factor in every stage before rescaling
    relative = ratio / ratio[:, :1, :]
    assert np.allclose(relative, relative[:, :, :1], rtol=1e-12)
    unchanged = weight_sets(scheme, 3, 0.0, np.random.default_rng(1))
    assert np.array_equal(unchanged, np.broadcast_to(nominal, unchanged.shape))


def _variant(scheme: Scheme, result: Robustness, run: int) -> Scheme:
    """The scheme a replication stands for, built by hand from its recorded choices."""
    levels = dict(zip([f.name for f in result.factors], result.choices[run], strict=True))
    labels = {f.name: f.levels for f in result.factors}
    normalisation = labels["normalisation"][levels["normalisation"]]
    bounds = WINSOR_ALTERNATIVES[levels["winsor"]]
    transform_on = levels["transform"] == 0
    group = labels["reference_group"][levels["reference_group"]]
    weights = result.weight_sets[levels["weights"]]
    stages = scheme.stage_rule.codes
    data: dict[str, Any] = scheme.model_dump()
    position = 0
    for indicator in data["indicators"]:
        if indicator["kind"] != "weighted":
            continue
        indicator["weights"] = {s: float(weights[position, k]) for k, s in enumerate(stages)}
        position += 1
        if normalisation == "minmax":
            indicator["method"], indicator["transform"] = "wminmax", "none"
        elif normalisation == "rank":
            indicator["method"] = "rank"
        elif normalisation == "wminmax":
            indicator["method"] = "wminmax"
        if not transform_on:
            indicator["transform"] = "none"
        if bounds is not None:
            indicator["winsor"] = bounds
    data["reference_group"] = group
    return Scheme.model_validate(data)


def test_statistics_are_those_of_engine_runs_of_each_choice(province: pl.DataFrame) -> None:
    scheme = load_scheme("sichuan-2025")
    result = analyse(scheme, province, "2025", replications=12, seed=3, sensitivity=False)
    assert result.runs == result.replications == 12
    assert len({tuple(c) for c in result.choices[:, 1:].tolist()}) > 3  # choices really vary
    engine_nominal = score(scheme, province, "2025", agreement=False)
    ranked = engine_nominal.rank > 0
    ranks, kept = [], np.zeros(int(ranked.sum()))
    for run in range(12):
        variant = score(_variant(scheme, result, run), province, "2025", agreement=False)
        ranks.append(variant.rank[ranked])
        kept += variant.tier[ranked] == engine_nominal.tier[ranked]
    matrix = np.array(ranks, dtype=np.float64)
    assert np.array_equal(result.median_rank[ranked], np.median(matrix, axis=0))
    assert np.array_equal(result.q5_rank[ranked], np.quantile(matrix, 0.05, axis=0))
    assert np.array_equal(result.q95_rank[ranked], np.quantile(matrix, 0.95, axis=0))
    assert np.allclose(result.mean_rank[ranked], matrix.mean(axis=0), rtol=1e-15)
    assert np.array_equal(result.tier_kept[ranked], kept / 12)
    shifts = np.abs(matrix - engine_nominal.rank[ranked]).mean(axis=1)
    assert np.allclose(result.outputs["mean_abs_rank_shift"], shifts, rtol=1e-15)
    frame = result.frame()
    assert frame.height == province.height
    vetoed = ~ranked
    assert frame.filter(pl.Series(vetoed))["median_rank"].null_count() == int(vetoed.sum())


def test_same_seed_same_result(province: pl.DataFrame) -> None:
    scheme = load_scheme("sichuan-2025")
    first = analyse(scheme, province, "2025", replications=20, seed=11)
    second = analyse(scheme, province, "2025", replications=20, seed=11)
    other = analyse(scheme, province, "2025", replications=20, seed=12)
    assert first.frame().equals(second.frame())
    strip = {"timings_s"}
    a = {k: v for k, v in first.report().items() if k not in strip}
    b = {k: v for k, v in second.report().items() if k not in strip}
    assert a == b
    assert not first.frame().equals(other.frame())


def test_sensitivity_design_and_report(province: pl.DataFrame) -> None:
    scheme = load_scheme("sichuan-2025")
    result = analyse(scheme, province, "2025", replications=40, seed=2)
    assert result.varying == (
        "weights",
        "normalisation",
        "winsor",
        "transform",
        "reference_group",
    )
    assert result.runs == 20 * (5 + 2) and result.replications == 40
    report = result.report()
    rows = report["sensitivity"]["mean_abs_rank_shift"]
    assert [r["factor"] for r in rows] == list(result.varying)
    assert all(r["total_q5"] <= r["total"] <= r["total_q95"] for r in rows)
    # wminmax is the Sichuan scheme's own method and no indicator has goalposts
    assert report["factors"]["normalisation"] == ["scheme", "minmax", "rank"]
    assert any("wminmax" in note for note in report["notes"])
    levels = report["by_level"]["normalisation"]
    assert sum(level["replications"] for level in levels) == 40


def test_indices_single_out_the_factor_that_matters(province: pl.DataFrame) -> None:
    # weights barely move (±0.1 %) while the transform switches: the transform owns the variance
    factors = Factors(
        weight_noise=0.001,
        normalisations=("scheme",),
        winsor=(None,),
        transforms=(True, False),
        reference_groups=("whole",),
    )
    scheme = load_scheme("sichuan-2025")
    result = analyse(scheme, province, "2025", replications=200, seed=4, factors=factors)
    assert result.varying == ("weights", "transform")
    assert result.sensitivity is not None
    indices = result.sensitivity["mean_abs_rank_shift"]
    assert indices.total[0] < 0.05
    assert indices.total[1] > 0.9


def test_one_varying_factor_gives_no_indices(province: pl.DataFrame) -> None:
    factors = Factors(
        weight_noise=0.0, normalisations=("scheme", "rank"), winsor=(None,), transforms=(True,)
    )
    scheme = load_scheme("example-most-style-100-30")  # one stage: reference group fixed
    result = analyse(scheme, province, "2025", replications=10, seed=1, factors=factors)
    assert result.varying == ("normalisation",)
    assert result.sensitivity is None
    assert any("sensitivity indices skipped" in n for n in result.notes)
    assert any("one stage only" in n for n in result.notes)


def test_bad_settings_are_named(province: pl.DataFrame) -> None:
    scheme = load_scheme("sichuan-2025")
    with pytest.raises(ValueError, match="at least 4 replications"):
        analyse(scheme, province, "2025", replications=2)
    with pytest.raises(ValueError, match=r"weight noise must be in \[0, 1\)"):
        analyse(scheme, province, "2025", factors=Factors(weight_noise=1.5))
    with pytest.raises(ValueError, match="0 ≤ low < high ≤ 1"):
        analyse(scheme, province, "2025", factors=Factors(winsor=(None, (0.9, 0.1))))
    with pytest.raises(ValueError, match="unknown reference group 'region'"):
        analyse(scheme, province, "2025", factors=Factors(reference_groups=("whole", "region")))
    nothing = Factors(
        weight_noise=0.0,
        normalisations=("scheme",),
        winsor=(None,),
        transforms=(True,),
        reference_groups=("whole",),
    )
    with pytest.raises(ValueError, match="nothing varies"):
        analyse(scheme, province, "2025", factors=nothing)


def test_coinr_normalisations_as_alternatives(province: pl.DataFrame) -> None:
    # COINr's prank is (min rank − 1)/(n − 1): the engine's rank method, so the same ranks
    factors = Factors(
        weight_noise=0.0,
        normalisations=("scheme", "rank", "coinr:prank", "coinr:zscore", "coinr:fracmax"),
        winsor=(None,),
        transforms=(True,),
        reference_groups=("whole", "stage"),
    )
    scheme = load_scheme("sichuan-2025")
    result = analyse(
        scheme, province, "2025", replications=60, seed=8, factors=factors, sensitivity=False
    )
    levels = result.choices[:, 1]
    groups = result.choices[:, 4]
    shift = result.outputs["mean_abs_rank_shift"]
    for group in (0, 1):
        rank = shift[(levels == 1) & (groups == group)]
        prank = shift[(levels == 2) & (groups == group)]
        assert rank.size and prank.size
        assert np.all(rank == rank[0]) and np.all(prank == rank[0])
    assert np.all(shift[(levels == 0) & (groups == 0)] == 0.0)  # the nominal choice
    assert np.all(np.isfinite(shift)) and shift[levels >= 3].min() > 0
