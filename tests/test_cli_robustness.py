"""`innopoints robustness` as a user runs it."""

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result

from innopoints.cli import main


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("in") / "province.csv"
    assert invoke("synth", "--n", "400", "--seed", "3", "--out", str(path)).exit_code == 0
    return path


def test_writes_bands_and_report(province: Path, tmp_path: Path) -> None:
    out, report = tmp_path / "bands.csv", tmp_path / "robustness.json"
    args = ["robustness", str(province), "--period", "2025", "--replications", "40"]
    result = invoke(*args, "--seed", "4", "--out", str(out), "--report", str(report))
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(out)
    assert frame.columns == [
        "credit_code",
        "rank",
        "tier",
        "median_rank",
        "mean_rank",
        "rank_q5",
        "rank_q95",
        "rank_band",
        "tier_kept",
    ]
    assert frame.height == 400
    ranked = frame.filter(pl.col("rank").is_not_null())
    assert (ranked["rank_q5"] <= ranked["median_rank"]).all()
    assert (ranked["median_rank"] <= ranked["rank_q95"]).all()
    assert ranked["tier_kept"].is_between(0, 1).all()
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["replications"] == 40 and data["runs"] == 20 * 7
    assert data["input"] == str(province)
    assert [r["factor"] for r in data["sensitivity"]["mean_abs_rank_shift"]] == data["varying"]
    again = tmp_path / "again.csv"
    invoke(*args, "--seed", "4", "--out", str(again), "--quiet")
    assert again.read_bytes() == out.read_bytes()


def test_without_sensitivity(province: Path, tmp_path: Path) -> None:
    out, report = tmp_path / "bands.xlsx", tmp_path / "r.json"
    result = invoke(
        "robustness",
        str(province),
        "--period",
        "2025",
        "--replications",
        "10",
        "--no-sensitivity",
        "--normalisations",
        "scheme,rank",
        "--out",
        str(out),
        "--report",
        str(report),
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["runs"] == 10 and data["sensitivity"] is None
    assert data["factors"]["normalisation"] == ["scheme", "rank"]
    assert out.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--normalisations", "rank,scheme"], "the first must be scheme"),
        (["--normalisations", "scheme,zigzag"], "unknown normalisation 'zigzag'"),
        (["--scheme", "no-such-scheme"], "no built-in scheme"),
    ],
)
def test_bad_options_write_nothing(
    province: Path, tmp_path: Path, extra: list[str], message: str
) -> None:
    out = tmp_path / "bands.csv"
    result = CliRunner().invoke(
        main, ["robustness", str(province), "--period", "2025", "--out", str(out), *extra]
    )
    assert result.exit_code == 2
    assert message in result.output.replace("\n", " ")
    assert not out.exists()


def test_bad_input_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("统一社会信用代码,研发费用\n91510100MA61234567,1\n", encoding="utf-8")
    out = tmp_path / "bands.csv"
    result = CliRunner().invoke(
        main, ["robustness", str(bad), "--period", "2025", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "nothing was written" in result.output.replace("\n", " ")
    assert not out.exists()


@pytest.fixture(scope="module")
def coinr_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.engine.test_uncertainty import coinr_table  # noqa: PLC0415

    path = tmp_path_factory.mktemp("coinr") / "coinr.csv"
    coinr_table(300, seed=2).fill_nan(None).write_csv(path)
    return path


def test_coinr_scheme_varies_its_weights_only(coinr_file: Path, tmp_path: Path) -> None:
    out, report = tmp_path / "bands.csv", tmp_path / "r.json"
    result = invoke(
        "robustness",
        str(coinr_file),
        "--scheme",
        "example-coinr-geometric",
        "--period",
        "2025",
        "--replications",
        "8",
        "--weight-noise",
        "0.0001",
        "--out",
        str(out),
        "--report",
        str(report),
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["varying"] == ["weights"]
    assert data["factors"]["normalisation"] == ["scheme"]
    bands = pl.read_csv(out)
    # ±0.01 % weights through the scheme's geometric mean: the ranks hardly move
    assert (bands["rank_band"] <= 1).all()


def test_coinr_scheme_refuses_engine_normalisations(coinr_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "bands.csv"
    result = CliRunner().invoke(
        main,
        [
            "robustness",
            str(coinr_file),
            "--scheme",
            "example-coinr-geometric",
            "--period",
            "2025",
            "--normalisations",
            "scheme,rank",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "coinr: block" in text and "normalisation (rank)" in text
    assert "only the weights vary" in text
    assert not out.exists()
