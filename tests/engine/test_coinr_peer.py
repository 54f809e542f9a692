"""Peer suite: COINr 1.1.14's own outputs (../shared/reference/coinr) reproduced to 1e-9."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from innopoints.engine.coinr.aggregate import aggregate_tree, copeland, dominance, row_sum
from innopoints.engine.coinr.moments import kurt, skew
from innopoints.engine.coinr.nelder_mead import nelder_mead
from innopoints.engine.coinr.normalisers import normalise
from innopoints.engine.coinr.pipeline import (
    data_availability,
    denominate,
    effective_weights,
    impute_group_mean,
    rank_high_first,
    remove_elements,
    screen,
)
from innopoints.engine.coinr.stats import (
    correlation,
    correlation_flags,
    cronbach_alpha,
    denominator_correlations,
    pca,
    stats_table,
)
from innopoints.engine.coinr.treat import TreatOptions, treat
from innopoints.engine.coinr.tree import Tree
from innopoints.engine.coinr.weights import opt_weights
from innopoints.engine.run import score
from innopoints.engine.scheme import load_scheme
from tests.conftest import SHARED, codes

COINR = SHARED / "reference" / "coinr"
pytestmark = pytest.mark.skipif(
    not COINR.exists() and os.environ.get("CI") != "true",
    reason="../shared/reference/coinr is not beside this checkout",
)


def read(rel: str) -> pl.DataFrame:
    """A COINr CSV as strings, an empty field as null."""
    frame = pl.read_csv(COINR / rel, infer_schema_length=0)
    return frame.with_columns(
        [pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in frame.columns]
    )


def numbers(frame: pl.DataFrame, cols: list[str]) -> np.ndarray:
    return frame.select(cols).cast(pl.Float64).to_numpy()


def close(actual: np.ndarray, expected: np.ndarray) -> None:
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=1e-12, equal_nan=True)


@pytest.fixture(scope="module")
def asem() -> dict[str, object]:
    meta = read("data/ASEM_iMeta.csv")
    tree = Tree.from_frame(meta)
    idata = read("data/ASEM_iData.csv").sort("uCode")
    ind = tree.indicators
    raw = numbers(idata, ind)
    denoms = {c: d for c, d in zip(meta["iCode"], meta["Denominator"], strict=True) if d}
    den = denominate(raw, ind, denoms, idata)
    imputed = impute_group_mean(den, idata["EurAsia_group"].to_numpy().astype(str))
    keep, summary = screen(imputed, idata["uCode"].to_list(), dat_thresh=0.9)
    treated = treat(imputed[keep])
    normalised = normalise(treated.x, "minmax", tree.directions(ind))
    aggregated, names = aggregate_tree(normalised, ind, tree)
    return {
        "tree": tree, "ind": ind, "ids": idata["uCode"].to_list(), "idata": idata, "raw": raw,
        "Denominated": den, "Imputed": imputed, "Screened": imputed[keep], "summary": summary,
        "treatment": treated, "Treated": treated.x, "Normalised": normalised,
        "Aggregated": aggregated, "names": names,
    }  # fmt: skip


def matrix(rel: str, ids: list[str], cols: list[str]) -> np.ndarray:
    frame = read(rel)
    order = {u: i for i, u in enumerate(frame["uCode"].to_list())}
    return numbers(frame, cols)[[order[u] for u in ids]]


@pytest.mark.parametrize(
    "stage", ["Raw", "Denominated", "Imputed", "Screened", "Treated", "Normalised", "Aggregated"]
)
def test_example_pipeline(asem: dict, stage: str) -> None:
    cols = asem["names"] if stage == "Aggregated" else asem["ind"]
    mine = asem["raw"] if stage == "Raw" else asem[stage]
    expected = matrix(f"expected/example_coin_dset_{stage}.csv", asem["ids"], cols)
    assert read(f"expected/example_coin_dset_{stage}.csv").columns[1:] == cols
    close(mine, expected)


def _dets_check(result, dets: pl.DataFrame, ind: list[str]) -> None:
    assert dets["iCode"].to_list() == ind
    for stage in range(3):
        if f"check_SkewKurt{stage}.Pass" not in dets.columns:
            assert np.isnan(result.passed[stage]).all()
            continue
        expected_pass = dets[f"check_SkewKurt{stage}.Pass"].replace_strict(
            {"TRUE": 1.0, "FALSE": 0.0}, default=None, return_dtype=pl.Float64
        )
        close(result.passed[stage], expected_pass.to_numpy())
        close(result.skew[stage], numbers(dets, [f"check_SkewKurt{stage}.Skew"])[:, 0])
        close(result.kurt[stage], numbers(dets, [f"check_SkewKurt{stage}.Kurt"])[:, 0])
    close(result.nwin, numbers(dets, ["winsorise.nwin"])[:, 0])


def _points_check(result, points: pl.DataFrame, ind: list[str], combine: bool) -> None:
    """COINr's labels with its log quirk undone: values the log replaced are ``log_CT``."""

    def intended(label: str) -> str:
        label = label if combine else re.sub(r"^win(hi|lo)\+", "", label)
        return label.removeprefix("+")

    expected = np.vectorize(intended)(points.select(ind).fill_null("").to_numpy())
    mine = result.treated_points()
    assert (mine == expected).all(), (mine[mine != expected], expected[mine != expected])


TREAT_VARIANTS = {
    "default": TreatOptions(),
    "winmax1": TreatOptions(winmax=1),
    "winmax_unlimited": TreatOptions(winmax=None),
    "logCTplus": TreatOptions(f2="log_CT_plus"),
    "combine": TreatOptions(combine_treat=True),
    "qTreat_1.5_3": TreatOptions(winmax=1, skew_thresh=1.5, kurt_thresh=3),
}


@pytest.mark.parametrize("variant", list(TREAT_VARIANTS))
def test_treat_variants(asem: dict, variant: str) -> None:
    opts = TREAT_VARIANTS[variant]
    result = treat(asem["raw"], opts)
    close(result.x, matrix(f"expected/treat_raw_{variant}_x.csv", asem["ids"], asem["ind"]))
    _dets_check(result, read(f"expected/treat_raw_{variant}_Dets_Table.csv"), asem["ind"])
    points = read(f"expected/treat_raw_{variant}_Treated_Points.csv")
    _points_check(result, points, asem["ind"], opts.combine_treat)


def test_example_treatment_log(asem: dict) -> None:
    _dets_check(asem["treatment"], read("expected/example_coin_treat_Dets_Table.csv"), asem["ind"])
    points = read("expected/example_coin_treat_Treated_Points.csv")
    _points_check(asem["treatment"], points, asem["ind"], False)


def test_treat_vectors() -> None:
    frame = read("expected/treat_vectors.csv")
    for case in frame["case"].unique(maintain_order=True):
        rows = frame.filter(pl.col("case") == case)
        x = numbers(rows, ["x"])
        close(skew(x), numbers(rows, ["skew"])[:1, 0])
        close(kurt(x), numbers(rows, ["kurt"])[:1, 0])
        close(treat(x).x[:, 0], numbers(rows, ["treat_default_x"])[:, 0])
        close(treat(x, TreatOptions(winmax=1)).x[:, 0], numbers(rows, ["treat_winmax1_x"])[:, 0])


NORMALISATIONS = {
    "minmax_0_100": {"method": "minmax"},
    "minmax_1_100": {"method": "minmax", "l_u": (1.0, 100.0)},
    "zscore_0_1": {"method": "zscore"},
    "zscore_10_2": {"method": "zscore", "m_sd": (10.0, 2.0)},
    "prank": {"method": "prank"},
    "rank": {"method": "rank"},
    "borda": {"method": "borda"},
    "fracmax": {"method": "fracmax"},
    "dist2max": {"method": "dist2max"},
    "dist2ref_1": {"method": "dist2ref", "ref_row": 0},
    "dist2targ_iMeta": {"method": "dist2targ"},
}


@pytest.mark.parametrize("name", list(NORMALISATIONS))
def test_normalise_treated(asem: dict, name: str) -> None:
    kwargs = dict(NORMALISATIONS[name])
    if name.startswith("dist2targ"):
        kwargs["targets"] = asem["tree"].targets(asem["ind"])
    mine = normalise(asem["Treated"], directions=asem["tree"].directions(asem["ind"]), **kwargs)
    close(mine, matrix(f"expected/normalise_treated_{name}.csv", asem["ids"], asem["ind"]))


def test_normalise_goalposts(asem: dict) -> None:
    params = read("expected/normalise_raw_goalposts_params.csv").filter(
        pl.col("iCode").is_in(asem["ind"])
    )
    by = {r["iCode"]: r for r in params.iter_rows(named=True)}
    lower = [float(by[c]["goalpost_lower"]) for c in asem["ind"]]
    upper = [float(by[c]["goalpost_upper"]) for c in asem["ind"]]
    mine = normalise(
        asem["raw"], "goalposts", asem["tree"].directions(asem["ind"]), lower=lower, upper=upper
    )
    close(mine, matrix("expected/normalise_raw_goalposts.csv", asem["ids"], asem["ind"]))


AGGREGATIONS = {
    "amean": {"method": "amean"},
    "amean_datthresh0.8": {"method": "amean", "dat_thresh": 0.8},
    "gmean": {"method": "gmean"},
    "hmean": {"method": "hmean"},
    "genmean_p2": {"method": "genmean", "p": 2.0},
}


@pytest.mark.parametrize("name", list(AGGREGATIONS))
def test_aggregate_norm1to100(asem: dict, name: str) -> None:
    tree, ind = asem["tree"], asem["ind"]
    x = normalise(asem["Treated"], "minmax", tree.directions(ind), l_u=(1.0, 100.0))
    out, names = aggregate_tree(x, ind, tree, **AGGREGATIONS[name])
    rel = f"expected/aggregate_norm1to100_a_{name}.csv"
    assert read(rel).columns[1:] == names
    close(out, matrix(rel, asem["ids"], names))


def test_copeland_and_dominance(asem: dict) -> None:
    """COINr tests each contest as (floating sum of weights) > 0.5, so a contest drawn
    exactly (24.5 of 49 equal weights) falls either way with rounding; ours counts it as a
    draw. Every unit without an exactly drawn contest matches; the others differ by at most
    their number of drawn contests."""
    x = asem["Normalised"]
    expected = read("expected/aggregate_copeland_all_indicators.csv")
    order = {u: i for i, u in enumerate(expected["uCode"].to_list())}
    want = numbers(expected, ["copeland"])[[order[u] for u in asem["ids"]], 0]
    mine = copeland(x)
    wins = (x[:, None, :] > x[None]).sum(axis=2)
    losses = (x[:, None, :] < x[None]).sum(axis=2)
    drawn = (wins == losses).sum(axis=1) - 1  # less the unit against itself
    assert (mine[drawn == 0] == want[drawn == 0]).all() and (drawn == 0).sum() > 20
    assert (np.abs(mine - want) <= drawn).all()
    summary = read("expected/outrank_summary.csv")
    assert dominance(x) == (int(summary["nDominant"][0]), float(summary["fracDominant"][0]))


@pytest.mark.parametrize("dset", ["raw", "treated"])
def test_stats_table(asem: dict, dset: str) -> None:
    expected = read(f"expected/stats_{dset}.csv")
    mine = stats_table(asem["raw"] if dset == "raw" else asem["Treated"], asem["ind"])
    assert mine["iCode"].to_list() == expected["iCode"].to_list()
    for col in expected.columns[1:]:
        if col.startswith("Flag"):
            assert mine[col].to_list() == expected[col].to_list(), col
        else:
            close(mine[col].cast(pl.Float64).to_numpy(), numbers(expected, [col])[:, 0])


def test_screen_and_availability(asem: dict) -> None:
    expected = read("expected/example_coin_screen_DataSummary.csv")
    summary = asem["summary"]
    for col in expected.columns[1:]:
        if summary[col].dtype == pl.Boolean:
            assert (
                summary[col].cast(pl.Utf8).str.to_uppercase().to_list() == expected[col].to_list()
            )
        else:
            close(summary[col].cast(pl.Float64).to_numpy(), numbers(expected, [col])[:, 0])
    avail = data_availability(asem["raw"], asem["ids"])
    expected = read("expected/example_coin_data_avail_raw.csv")
    for col in expected.columns[1:]:
        close(avail[col].cast(pl.Float64).to_numpy(), numbers(expected, [col])[:, 0])


def _long(asem: dict, rel: str, method: str = "pearson") -> None:
    frame = read(rel)
    cols = dict(zip(asem["names"], asem["Aggregated"].T, strict=True))
    mine = [
        correlation(cols[a][:, None], cols[b][:, None], method)[0, 0]
        for a, b in zip(frame["Var1"], frame["Var2"], strict=True)
    ]
    close(np.array(mine), numbers(frame, ["Correlation"])[:, 0])


def test_correlations(asem: dict) -> None:
    _long(asem, "expected/corr_normalised_ind_ind_pearson.csv")
    _long(asem, "expected/corr_aggregated_ind_vs_index.csv")
    _long(asem, "expected/corr_aggregated_ind_vs_parent_pillar.csv")
    _long(asem, "expected/corr_aggregated_pillar_vs_index_spearman.csv", "spearman")


@pytest.mark.parametrize(("kind", "threshold"), [("high", 0.75), ("low", -0.4)])
def test_correlation_flags(asem: dict, kind: str, threshold: float) -> None:
    groups = [(g, [c.code for c in ch]) for g, ch in asem["tree"].groups(1)]
    mine = correlation_flags(asem["Normalised"], asem["ind"], groups, threshold, kind)
    expected = read(f"expected/corr_flags_{kind}_{threshold}.csv")
    key = ["Group", "Ind1", "Ind2"]
    joined = mine.join(expected, on=key, how="full", coalesce=True)
    assert joined.height == mine.height == expected.height
    close(joined["Corr"].to_numpy(), joined["Corr_right"].cast(pl.Float64).to_numpy())


def test_denominator_correlations(asem: dict) -> None:
    names = ["Area", "Energy", "GDP", "Population"]
    mine = denominator_correlations(
        asem["raw"], asem["ind"], numbers(asem["idata"], names), names, 0.6
    )
    expected = read("expected/corr_denominators_raw.csv")
    assert mine["Ind"].to_list() == expected["Ind"].to_list()
    assert mine["Denom"].to_list() == expected["Denom"].to_list()
    close(mine["Corr"].to_numpy(), numbers(expected, ["Corr"])[:, 0])


def test_cronbach_alpha(asem: dict) -> None:
    cols = dict(zip(asem["names"], asem["Aggregated"].T, strict=True))
    tree = asem["tree"]
    for row in read("expected/cronbach_alpha.csv").iter_rows(named=True):
        if row["Group"] == "ALL_INDICATORS":
            members = asem["ind"]
        elif row["Group"] == "ALL_PILLARS":
            members = [n.code for n in tree.level(2)]
        else:
            members = [c.code for g, ch in tree.groups(1) if g == row["Group"] for c in ch]
        assert len(members) == int(row["n"])
        alpha = cronbach_alpha(np.column_stack([cols[m] for m in members]))
        close(np.array([alpha]), np.array([float(row["alpha"])]))


def test_pca(asem: dict) -> None:
    """Same components as COINr up to each eigenvector's sign, which LAPACK leaves arbitrary;
    ours points each component so its loadings sum positive (docs/coinr.md)."""
    cols = dict(zip(asem["names"], asem["Aggregated"].T, strict=True))
    loadings = read("expected/pca_pillars_loadings.csv")
    result = pca(np.column_stack([cols[c] for c in loadings["iCode"]]))
    variance = read("expected/pca_pillars_variance.csv")
    close(result.sdev, numbers(variance, ["sdev"])[:, 0])
    close(result.variance_explained, numbers(variance, ["var_explained"])[:, 0])
    close(np.abs(result.loadings[:, :2]), np.abs(numbers(loadings, ["PC1_loading", "PC2_loading"])))
    assert (result.loadings.sum(axis=0) > 0).all()
    weights = read("expected/pca_weights_indicators_by_pillar.csv").filter(pl.col("Level") == "1")
    want = dict(zip(weights["iCode"], numbers(weights, ["Weight"])[:, 0], strict=True))
    for _, children in asem["tree"].groups(1):
        members = [c.code for c in children]
        pc1 = pca(asem["Normalised"][:, [asem["ind"].index(m) for m in members]]).loadings[:, 0]
        coinr = np.array([want[m] for m in members])
        sign = 1.0 if np.allclose(pc1, coinr, rtol=1e-7) else -1.0
        close(pc1, sign * coinr)


def test_weights_ranks_and_structure(asem: dict) -> None:
    eff = effective_weights(asem["tree"])
    frame = read("expected/example_coin_effective_weights.csv")
    close(np.array([eff[c] for c in frame["iCode"]]), numbers(frame, ["EffWeight"])[:, 0])
    ranks = rank_high_first(asem["Aggregated"])
    frame = read("expected/example_coin_results_full_ranks.csv")
    cols = frame.columns[1:]
    mine = ranks[:, [asem["names"].index(c) for c in cols]]
    close(mine, matrix("expected/example_coin_results_full_ranks.csv", asem["ids"], cols))
    frame = read("expected/example_coin_results_full.csv")
    cols = frame.columns[2:]
    full = matrix("expected/example_coin_results_full.csv", asem["ids"], cols)
    close(asem["Aggregated"][:, [asem["names"].index(c) for c in cols]], full)


@pytest.mark.parametrize("level", [1, 2, 3])
def test_remove_elements(asem: dict, level: int) -> None:
    removed, scores, diff = remove_elements(asem["Normalised"], asem["ind"], asem["tree"], level)
    frame = read(f"expected/remove_elements_level{level}_MeanAbsDiff.csv")[1:]  # less Nominal
    want = dict(zip(frame["iCode"], numbers(frame, ["MeanAbsRankDiff"])[:, 0], strict=True))
    close(diff, np.array([want[c] for c in removed]))
    if level == 2:
        close(scores, matrix("expected/remove_elements_level2_scores.csv", asem["ids"], removed))


# --- the synthetic enterprise set ---------------------------------------------------------


@pytest.fixture(scope="module")
def synth() -> tuple[Tree, list[str], list[str], np.ndarray]:
    tree = Tree.from_frame(read("synthetic/synth_iMeta.csv"))
    data = read("synthetic/synth1000_iData.csv")
    return tree, tree.indicators, data["uCode"].to_list(), numbers(data, tree.indicators)


def test_synthetic_pipeline(synth: tuple) -> None:
    tree, ind, ids, x = synth
    result = treat(x)
    close(result.x, matrix("synthetic/synth1000_Treated.csv", ids, ind))
    _dets_check(result, read("synthetic/synth1000_treat_Dets_Table.csv"), ind)
    _points_check(result, read("synthetic/synth1000_treat_Treated_Points.csv"), ind, False)
    normalised = normalise(result.x, "minmax", tree.directions(ind))
    close(normalised, matrix("synthetic/synth1000_Normalised_minmax.csv", ids, ind))
    out, names = aggregate_tree(normalised, ind, tree)
    cols = read("synthetic/synth1000_Aggregated_amean.csv").columns[1:]
    expected = matrix("synthetic/synth1000_Aggregated_amean.csv", ids, cols)
    close(out[:, [names.index(c) for c in cols]], expected)


@pytest.mark.parametrize(
    ("column", "method", "kwargs", "aggregation"),
    [
        ("minmax_amean", "minmax", {}, "amean"),
        ("zscore_amean", "zscore", {}, "amean"),
        ("prank_amean", "prank", {}, "amean"),
        ("minmax1_100_amean", "minmax", {"l_u": (1.0, 100.0)}, "amean"),
        ("minmax1_100_gmean", "minmax", {"l_u": (1.0, 100.0)}, "gmean"),
    ],
)
def test_synthetic_index_by_method(synth: tuple, column, method, kwargs, aggregation) -> None:
    tree, ind, ids, x = synth
    normalised = normalise(treat(x).x, method, tree.directions(ind), **kwargs)
    out, names = aggregate_tree(normalised, ind, tree, aggregation)
    close(
        out[:, names.index("Index")],
        matrix("synthetic/synth1000_index_by_method.csv", ids, [column])[:, 0],
    )


def test_example_scheme_scores_the_synthetic_set(synth: tuple) -> None:
    """example-coinr-geometric on the 1,000 × 25 set: one stage and flattened weights, so the
    base is 100 × the weighted geometric mean of the treated values min-maxed onto
    [0.01, 1] — worked out here directly from the peer-checked functions."""
    tree, ind, _, x = synth
    scheme = load_scheme("example-coinr-geometric")
    table = pl.DataFrame({f"s_{c.lower()}": x[:, j] for j, c in enumerate(ind)}).with_columns(
        credit_code=pl.Series(codes(x.shape[0])), established=pl.lit(dt.date(2015, 1, 1))
    )
    result = score(scheme, table, "2025")
    weights = np.array([i.weights["all"] for i in scheme.weighted])  # type: ignore[index]
    y = normalise(treat(x).x, "minmax", tree.directions(ind), l_u=(0.01, 1.0))
    present = ~np.isnan(y)
    logs = np.where(present, np.log(np.where(present, y, 1.0)), 0.0)
    expected = 100 * np.exp((logs * weights).sum(axis=1) / (present * weights).sum(axis=1))
    close(result.base, expected)
    points = np.column_stack([result.indicators[f"s_{c.lower()}"].points for c in ind])
    close(points.sum(axis=1), result.base)
    assert np.isfinite(result.total).all() and (result.rank >= 1).all()


INDEX_VARIANTS = {
    "minmax_amean": ("minmax", {}, "amean"),
    "zscore_amean": ("zscore", {}, "amean"),
    "prank_amean": ("prank", {}, "amean"),
    "minmax1_100_amean": ("minmax", {"l_u": (1.0, 100.0)}, "amean"),
    "minmax1_100_gmean": ("minmax", {"l_u": (1.0, 100.0)}, "gmean"),
}


@pytest.mark.parametrize("method", ["spearman", "kendall"])
def test_synthetic_index_by_method_rank_correlations(synth: tuple, method: str) -> None:
    """The five index variants' Spearman/Kendall matrix (R's cor(); Kendall is tau-b)."""
    tree, ind, _, x = synth
    treated = treat(x).x
    columns = []
    for norm, kwargs, aggregation in INDEX_VARIANTS.values():
        out, names = aggregate_tree(
            normalise(treated, norm, tree.directions(ind), **kwargs), ind, tree, aggregation
        )
        columns.append(out[:, names.index("Index")])
    expected = read(f"synthetic/synth1000_index_by_method_{method}.csv")
    assert expected["method"].to_list() == list(INDEX_VARIANTS)
    mine = correlation(np.column_stack(columns), method=method)
    close(mine, numbers(expected, list(INDEX_VARIANTS)))


def test_kendall_by_hand() -> None:
    """tau-b on 4 rows: a = 1 2 3 4, b = 1 3 2 2 → pairs (12)+ (13)+ (14)+ (23)− (24)− and
    (34) 0 for b's tie: Σ = 3 − 2 = 1 over √(6 pairs · 5 untied) → 1/√30; the fifth row
    (NaN in a) is dropped pairwise."""
    a = np.array([[1.0], [2.0], [3.0], [4.0], [np.nan]])
    b = np.array([[1.0], [3.0], [2.0], [2.0], [5.0]])
    close(correlation(a, b, "kendall"), np.array([[1 / np.sqrt(30)]]))
    close(correlation(a[:4], b[:4], "kendall"), np.array([[1 / np.sqrt(30)]]))


def test_lineage(asem: dict) -> None:
    expected = read("expected/example_coin_lineage.csv")
    mine = asem["tree"].lineage(["Indicator", "Pillar", "Sub-index", "Index"])
    assert mine.columns == expected.columns
    assert mine.rows() == expected.rows()


def test_opt_weights_equal_influence(asem: dict) -> None:
    """get_opt_weights(coin, itarg = "equal", dset = "Aggregated", Level = 3): R's
    Nelder–Mead path reproduced, so the optimised weights and COINr's 'Obtained' (the
    optimiser's last trial point) match to 1e-9; at the returned weights the normalised
    correlations are those of the two sub-indices with their weighted mean."""
    result = opt_weights(asem["Aggregated"], asem["names"], asem["tree"], 3, itarg="equal")
    expected = read("expected/opt_weights_level3_equal_influence.csv")
    assert result.codes == ["Conn", "Sust"] and result.converged
    close(result.desired, numbers(expected, ["Desired"])[:, 0])
    close(result.weights, numbers(expected, ["OptWeight"])[:, 0])
    close(result.coinr_obtained, numbers(expected, ["Obtained"])[:, 0])
    cols = dict(zip(asem["names"], asem["Aggregated"].T, strict=True))
    subs = np.column_stack([cols["Conn"], cols["Sust"]])
    index = subs @ result.weights
    r = np.array([np.corrcoef(subs[:, j], index)[0, 1] for j in range(2)])
    close(result.obtained, r / r.sum())
    assert abs(result.obtained[0] - 0.5) < abs(result.coinr_obtained[0] - 0.5)


def test_opt_weights_infomax_and_bad_input(asem: dict) -> None:
    """infomax maximises Σ r: with two sub-indices the optimum raises the sum of their
    correlations with the index above equal weights'."""
    tree, names, agg = asem["tree"], asem["names"], asem["Aggregated"]
    result = opt_weights(agg, names, tree, 3, optype="infomax")
    equal = opt_weights(agg, names, tree, 3, optype="infomax", maxiter=0)
    assert np.isnan(result.desired).all()
    assert result.obtained.sum() >= equal.obtained.sum()
    with pytest.raises(ValueError, match="itarg needs 2"):
        opt_weights(agg, names, tree, 3, itarg=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="level must be between 1 and 3"):
        opt_weights(agg, names, tree, 4)


def test_nelder_mead_follows_r() -> None:
    """R's documented optim() example: Rosenbrock from (−1.2, 1) → par 1.000260 1.000506,
    value 8.825241e-08, 195 function evaluations."""
    result = nelder_mead(
        lambda p: float(100 * (p[1] - p[0] ** 2) ** 2 + (1 - p[0]) ** 2), np.array([-1.2, 1.0])
    )
    np.testing.assert_allclose(result.par, [1.000260, 1.000506], atol=5e-7)
    assert abs(result.value - 8.825241e-08) < 5e-14 and result.evaluations == 195
    assert result.fail == 0
    with pytest.raises(ValueError, match="cannot be evaluated"):
        nelder_mead(lambda p: float("nan"), np.array([1.0]))


# --- every file of the peer suite is accounted for ------------------------------------------

ROBUSTNESS_SUITE = re.compile(r"^(vignette_(UA|SA)_.*|sa_.*|asem_(UA|SA)_.*)\.csv$")
INPUTS = {"synth1000_iData.csv", "synth_iMeta.csv", "timings_coinr.csv", "timings_python_port.csv"}


def _reproduced_here() -> set[str]:
    stages = ["Raw", "Denominated", "Imputed", "Screened", "Treated", "Normalised", "Aggregated"]
    files = {f"example_coin_dset_{s}.csv" for s in stages}
    for v in TREAT_VARIANTS:
        files |= {f"treat_raw_{v}_{part}.csv" for part in ("x", "Dets_Table", "Treated_Points")}
    files |= {f"normalise_treated_{n}.csv" for n in NORMALISATIONS}
    files |= {f"aggregate_norm1to100_a_{a}.csv" for a in AGGREGATIONS}
    files |= {f"remove_elements_level{n}_MeanAbsDiff.csv" for n in (1, 2, 3)}
    files |= {f"synth1000_index_by_method_{m}.csv" for m in ("spearman", "kendall")}
    files |= {f"stats_{d}.csv" for d in ("raw", "treated")}
    files |= {"corr_flags_high_0.75.csv", "corr_flags_low_-0.4.csv"}
    text = Path(__file__).read_text("utf-8")  # the literal names read above
    files |= set(re.findall(r'"(?:expected|synthetic)/([^"{}]+\.csv)"', text))
    return files


def test_every_peer_output_is_reproduced() -> None:
    """Each output in expected/ and synthetic/ is reproduced by a test in this module, or is
    an input (data, COINr's timings), or belongs to the uncertainty/sensitivity peer tests
    (vignette_UA/SA_*, sa_*, asem_UA/SA_*: test_sensitivity_peer.py)."""
    present = {p.name for d in ("expected", "synthetic") for p in (COINR / d).glob("*.csv")}
    robustness = {f for f in present if ROBUSTNESS_SUITE.match(f)}
    assert len(present) > 80 and robustness
    assert sorted(present - robustness - INPUTS - _reproduced_here()) == []


def test_row_sum_is_numpys_row_order() -> None:
    """The column-wise means rely on row_sum adding in numpy's row order (so the aggregates
    keep their last bits): hand case 0.1 + 0.2 + 0.3 = 0.6000000000000001 in order, and
    bit-equality with ndarray.sum(axis=1) for 1–40, 64, 130 and 300 terms (if a numpy
    release changes its summation this fails: the figures then move in the last bits)."""
    assert row_sum([np.array([0.1]), np.array([0.2]), np.array([0.3])])[0] == 0.1 + 0.2 + 0.3
    rng = np.random.default_rng(5)
    for m in [*range(1, 41), 64, 130, 300]:
        x = rng.standard_normal((257, m)) * 10.0 ** rng.integers(-8, 8, (257, m))
        assert np.array_equal(row_sum([x[:, j] for j in range(m)]), x.sum(axis=1)), m
