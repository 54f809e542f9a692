"""Real firms through the engine: the EU Industrial R&D Investment Scoreboard (JRC).

Builds one input file per edition from ../shared/reference/eu-scoreboard (mapping R&D, R&D
growth, R&D intensity, net sales, sales growth and employees; every other field blank), reads
it with the engine's own reader and scores it with the Sichuan scheme.

  uv run python -m benchmarks.eu_scoreboard [EDITION ...]   prints the summary in docs/

Mapping and cleaning, all of it stated here and nothing else changed:
- rd_eur_m → rd_expense, net_sales_eur_m → revenue, converted from € m to 万元 at 780 万元 per
  € m (7.8 CNY per EUR; min-max points barely depend on the unit, log1p slightly);
- rd_growth_1y_pct → rd_growth, rd_intensity_pct → rd_ratio, net_sales_growth_1y_pct →
  revenue_growth: supplied as derived columns (the Scoreboard gives no prior-year figures);
- employees → employees; the Scoreboard has no founding dates, so every firm is given
  2000-01-01 and scored as 稳定期 (mature); credit codes are generated (firms have none);
- a firm listed twice in one edition (the 2025 edition's EU 800 repeats World 2000 firms) is
  kept once, matched by normalised name; fractional employee counts (5 cells in the source)
  are blanked, because the reader rightly refuses a count that is not whole.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from innopoints.engine import ScoreResult, credit_code, load_scheme, read_table, score
from innopoints.engine.agreement import spearman

WAN_PER_MEUR = 780.0
SOURCE = Path(__file__).resolve().parents[2] / "shared/reference/eu-scoreboard"
SOURCE_FILE = "scoreboard_long_2013_2024.csv"


def source_path(shared: Path | None = None) -> Path:
    base = shared / "reference/eu-scoreboard" if shared else SOURCE
    return base / SOURCE_FILE


def load(shared: Path | None = None) -> pl.DataFrame:
    return pl.read_csv(source_path(shared), infer_schema_length=None)


@dataclass(frozen=True)
class Prepared:
    edition: int
    fiscal_year: int
    frame: pl.DataFrame
    """In the file's form: code headers, text cells."""
    duplicates_dropped: int
    fractional_employees_blanked: int


def prepare(data: pl.DataFrame, edition: int, clean: bool = True) -> Prepared:
    rows = data.filter(pl.col("edition") == edition).with_columns(
        pl.col("company").str.to_uppercase().str.replace_all(r"[^A-Z0-9]", "").alias("_key")
    )
    before = rows.height
    rows = rows.sort("universe", descending=True).unique("_key", keep="first", maintain_order=True)
    dropped = before - rows.height
    rows = rows.sort(["world_rank", "eu_rank", "_key"], nulls_last=True)
    fractional = rows["employees"].is_not_null() & (rows["employees"] != rows["employees"].floor())
    blanked = int(fractional.sum())
    employees = rows["employees"]
    if clean:
        employees = pl.select(pl.when(fractional).then(None).otherwise(employees)).to_series()
    rng = np.random.default_rng(edition)
    codes = credit_code.generate(rng, np.array(["110000"] * rows.height))
    frame = pl.DataFrame(
        {
            "credit_code": codes,
            "name": rows["company"],
            "established": ["2000-01-01"] * rows.height,
            "industry": rows["industry_icb3"],
            "rd_expense": rows["rd_eur_m"] * WAN_PER_MEUR,
            "rd_growth": rows["rd_growth_1y_pct"],
            "rd_ratio": rows["rd_intensity_pct"],
            "revenue": rows["net_sales_eur_m"] * WAN_PER_MEUR,
            "revenue_growth": rows["net_sales_growth_1y_pct"],
            "employees": employees,
        }
    )
    fiscal_year = int(statistics.mode(rows["fiscal_year"].to_list()))
    return Prepared(edition, fiscal_year, frame, dropped, blanked)


def score_edition(prepared: Prepared, directory: Path) -> tuple[ScoreResult, float]:
    path = directory / f"eu_scoreboard_{prepared.edition}.csv"
    prepared.frame.write_csv(path)
    start = time.perf_counter()
    table = read_table(path)
    result = score(load_scheme("sichuan-2025"), table, str(prepared.fiscal_year), source=path.name)
    return result, time.perf_counter() - start


def summarise(prepared: Prepared, result: ScoreResult, seconds: float) -> str:
    names = prepared.frame["name"].to_list()
    order = np.argsort(-result.total, kind="stable")
    top = ", ".join(f"{names[i]} ({result.total[i]:.1f})" for i in order[:5])
    agreement = result.agreement
    assert agreement is not None
    rho = ", ".join(f"{m.method} ρ={m.spearman:.3f}" for m in agreement.methods)
    rd = result.indicators["rd_expense"].value
    rho_rd = spearman(result.total, np.nan_to_num(rd))
    tiers = result.report()["tiers"]
    return (
        f"| {prepared.edition} | FY{prepared.fiscal_year} | {result.n} | "
        f"{prepared.duplicates_dropped} | {float(np.median(result.total)):.1f} | "
        f"{float(result.total.max()):.1f} | {rho} | {rho_rd:.3f} | "
        f"{tiers} | {seconds:.2f}s | {top} |"
    )


def main(argv: list[str]) -> None:
    data = load()
    editions = [int(e) for e in argv] or sorted(set(data["edition"].to_list()))
    print(
        "| edition | year | firms | duplicates dropped | median total | top total | "
        "agreement | ρ(total, R&D) | tiers | read+score | top 5 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for edition in editions:
            prepared = prepare(data, edition)
            result, seconds = score_edition(prepared, Path(tmp))
            print(summarise(prepared, result, seconds))


if __name__ == "__main__":
    main(sys.argv[1:])
