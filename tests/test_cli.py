"""The command line as a user runs it (docs/METHOD.md §10)."""

import csv
import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from innopoints.cli import main
from innopoints.engine import load_scheme

SICHUAN = load_scheme("sichuan-2025")
COLUMNS = ["credit_code", "stage", "base", "bonus", "total", "vetoed", "rank", "tier"] + [
    f"pts_{i.code}" for i in SICHUAN.weighted
]


def invoke(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("in") / "province.csv"
    result = invoke("synth", "--n", "500", "--seed", "3", "--out", str(path))
    assert result.exit_code == 0  # type: ignore[attr-defined]
    return path


def test_score_writes_the_contract(province: Path, tmp_path: Path) -> None:
    out, report = tmp_path / "scores.csv", tmp_path / "report.json"
    result = invoke(
        "score",
        str(province),
        "--scheme",
        "sichuan-2025",
        "--period",
        "2025",
        "--out",
        str(out),
        "--report",
        str(report),
    )
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == COLUMNS
    with province.open(encoding="utf-8") as handle:
        inputs = [r["统一社会信用代码"] for r in csv.DictReader(handle)]
    assert [r["credit_code"] for r in rows] == inputs  # input order
    vetoed = [r for r in rows if r["vetoed"] == "true"]
    assert vetoed and all(
        r["rank"] == "" and r["tier"] == "" and float(r["total"]) == 0 for r in vetoed
    )
    assert {r["vetoed"] for r in rows} == {"true", "false"}
    assert {r["stage"] for r in rows} == {"startup", "growth", "mature"}
    ranked = [r for r in rows if r["vetoed"] == "false"]
    assert sorted(int(r["rank"]) for r in ranked)[0] == 1
    # full precision: the CSV text round-trips to the very float
    assert any(len(r["total"]) > 12 for r in ranked)
    data = json.loads(report.read_text(encoding="utf-8"))
    assert set(data["agreement"]) == {"minmax", "rank"}
    assert set(data["agreement"]["rank"]) == {"spearman", "top10_overlap"}
    assert isinstance(data["low_agreement"], bool)
    assert data["n_scored"] + data["n_vetoed"] == 500 == data["n_rows"]
    assert data["parameters"]["rd_expense"]["groups"]["all"]["L"] is not None


def test_bad_input_names_every_problem_and_writes_nothing(province: Path, tmp_path: Path) -> None:
    lines = province.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    rd = header.index("研发费用")
    broken = lines[1].split(",")
    broken[rd] = "1,234".replace(",", "，")
    second = lines[2].split(",")
    second[0] = second[0][:-1] + ("0" if second[0][-1] != "0" else "1")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "\n".join([lines[0], ",".join(broken), ",".join(second), *lines[3:]]) + "\n",
        encoding="utf-8",
    )
    out, report = tmp_path / "scores.csv", tmp_path / "report.json"
    result = CliRunner().invoke(
        main, ["score", str(bad), "--period", "2025", "--out", str(out), "--report", str(report)]
    )
    assert result.exit_code == 2
    text = result.output
    assert (
        "bad.csv: row 2, column F “研发费用” (rd_expense): “1，234” has a thousands separator"
        in text
    )
    assert "bad.csv: row 3, column A “统一社会信用代码” (credit_code): credit code" in text
    assert "2 problem(s) found; nothing was written" in text
    assert not out.exists() and not report.exists()
    assert not list(tmp_path.glob(".scores.csv*"))


def test_xlsx_output_and_breakdown(province: Path, tmp_path: Path) -> None:
    out, breakdown = tmp_path / "scores.xlsx", tmp_path / "breakdown.csv"
    result = invoke(
        "score",
        str(province),
        "--period",
        "2025",
        "--out",
        str(out),
        "--breakdown",
        str(breakdown),
        "--quiet",
    )
    assert result.exit_code == 0  # type: ignore[attr-defined]
    sheet = openpyxl.load_workbook(out, read_only=True).active
    assert sheet is not None
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    assert list(header) == COLUMNS
    with breakdown.open(encoding="utf-8") as handle:
        columns = next(csv.reader(handle))
    for part in ("raw", "value", "origin", "t", "L", "U", "x", "w", "pts", "missing"):
        assert f"rd_expense.{part}" in columns
    assert "veto_reasons" in columns and "rank_region" in columns


def test_assess_against_saved_parameters(province: Path, tmp_path: Path) -> None:
    params, out = tmp_path / "params.json", tmp_path / "scores.csv"
    invoke(
        "score",
        str(province),
        "--period",
        "2025",
        "--out",
        str(out),
        "--params",
        str(params),
        "--quiet",
    )
    one = tmp_path / "me.csv"
    lines = province.read_text(encoding="utf-8").splitlines()
    one.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    estimate = tmp_path / "estimate.csv"
    result = invoke("assess", str(one), "--params", str(params), "--out", str(estimate))
    assert result.exit_code == 0  # type: ignore[attr-defined]
    with estimate.open(encoding="utf-8") as handle:
        mine = next(csv.DictReader(handle))
    with out.open(encoding="utf-8") as handle:
        run_row = next(csv.DictReader(handle))
    assert mine["total"] == run_row["total"] and mine["rank"] == run_row["rank"]
    assert 0 <= float(mine["percentile"]) <= 100


def test_scheme_commands(tmp_path: Path) -> None:
    shown = invoke("scheme", "show", "sichuan-2025")
    assert "研发费用" in shown.output and "0.08" in shown.output  # type: ignore[attr-defined]
    assert "EXAMPLE" in invoke("scheme", "show", "example-city-1000").output  # type: ignore[attr-defined]
    bad = tmp_path / "bad.yaml"
    source = Path(__file__).resolve().parents[1] / "src/innopoints/schemes/sichuan-2025.yaml"
    bad.write_text(
        source.read_text(encoding="utf-8").replace(
            "weights: {startup: 0.08, growth: 0.08, mature: 0.08}",
            "weights: {startup: 0.08, growth: 0.08, mature: -0.08}",
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["scheme", "check", str(bad)])
    assert result.exit_code == 2
    assert "weight -0.08 for stage 'mature' is negative" in result.output
    assert "stage 'mature': weights sum to 0.84, not 1" in result.output


def test_synth_is_reproducible(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    invoke("synth", "--n", "50", "--seed", "9", "--out", str(a))
    invoke("synth", "--n", "50", "--seed", "9", "--out", str(b), "--headers", "zh")
    assert a.read_bytes() == b.read_bytes()


def test_installed_entry_point(tmp_path: Path) -> None:
    exe = shutil.which("innopoints")
    if exe is None:
        pytest.fail("the innopoints command is not installed in this environment")
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    subprocess.run([exe, "synth", "--n", "20", "--out", str(source)], check=True)
    subprocess.run(
        [exe, "score", str(source), "--period", "2025", "--out", str(out), "--quiet"], check=True
    )
    assert out.read_text(encoding="utf-8").startswith("credit_code,stage,base")


def test_score_refuses_a_file_without_the_schemes_indicators(
    province: Path, tmp_path: Path
) -> None:
    # a Sichuan file scored with the COINr example scheme: none of its 25 indicators is there
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(
        main,
        [
            "score",
            str(province),
            "--scheme",
            "example-coinr-geometric",
            "--period",
            "2025",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2
    text = result.output
    assert "none of the 25 weighted indicators of example-coinr-geometric" in text
    assert "column “synth_Revenue” (s_revenue): absent or blank in every row" in text
    assert "weighted indicator DebtToEquity (s_debttoequity)" in text
    assert "26 problem(s) found; nothing was written" in text
    assert not out.exists()


def test_a_partly_covered_file_is_scored_with_a_warning(province: Path, tmp_path: Path) -> None:
    rows = list(csv.reader(province.open(encoding="utf-8")))
    dropped = {rows[0].index(h) for h in ("获得风险投资金额", "吸纳应届毕业生人数")}
    partial = tmp_path / "partial.csv"
    with partial.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [[v for j, v in enumerate(r) if j not in dropped] for r in rows]
        )
    out, report = tmp_path / "scores.csv", tmp_path / "report.json"
    result = invoke(
        "score", str(partial), "--period", "2025", "--out", str(out), "--report", str(report)
    )
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    warning = (
        "2 of 18 weighted indicators have no value in any row and score 0 for every "
        "enterprise: 吸纳应届毕业生人数 (graduates) from “吸纳应届毕业生人数” (graduates); "
        "获得风险投资金额 (vc_amount) from “获得风险投资金额” (vc_amount)"
    )
    assert json.loads(report.read_text(encoding="utf-8"))["warnings"] == [warning]
    assert "warning: 2 of 18 weighted indicators" in " ".join(result.output.split())  # type: ignore[attr-defined]


def test_the_command_line_starts_without_the_engine_or_django() -> None:
    """``innopoints --help`` stays light: numpy, polars, rich and Django load only in the
    commands that use them (start-up is measured in benchmarks, not here)."""
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    heavy = "('numpy', 'polars', 'django', 'rich.console')"
    probe = f"import sys, innopoints.cli; print(sorted(m for m in {heavy} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


def test_the_robustness_help_names_the_engines_normalisations() -> None:
    from innopoints.cli import NORMALISATIONS_HELP  # noqa: PLC0415
    from innopoints.engine.uncertainty import NORMALISATIONS  # noqa: PLC0415

    assert ",".join(NORMALISATIONS) == NORMALISATIONS_HELP
