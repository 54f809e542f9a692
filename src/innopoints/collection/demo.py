"""Demo data through the real path: a synthetic province split into the files each government
source would send, imported with the same import code users run (findings included)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from innopoints.collection.importing import ImportOutcome, import_file
from innopoints.collection.models import Authorisation, DataSource
from innopoints.engine.synth import synth_frame, to_file_frame
from innopoints.registry.models import Enterprise

# What each source's file carries (besides the credit code), in import order: the
# registration authority first, so that every other file finds its enterprises.
SOURCE_FILES: dict[str, tuple[str, ...]] = {
    "samr": (
        "name",
        "established",
        "region",
        "industry",
        "invention_apps",
        "pct_apps",
        "standards",
        "ip_items",
    ),
    "tax": (
        "name",
        "rd_expense",
        "rd_expense_prev",
        "revenue",
        "revenue_prev",
        "rd_deduction_tax",
        "net_profit",
        "equity_begin",
        "equity_end",
    ),
    "sti": (
        "name",
        "employees",
        "st_staff",
        "postgrad_staff",
        "invention_apps",
        "pct_apps",
        "tech_contract",
        "hitech_revenue",
        "platforms",
        "awards",
        "projects",
        "vc_amount",
        "strategic_industry",
        "qual_gazelle",
        "talents",
        "veto_blacklist",
    ),
    "hrss": ("graduates", "employees"),
    "miit": ("qual_little_giant", "qual_single_champion", "qual_innovation_demo"),
    "emergency": ("veto_safety",),
    "court": ("veto_blacklist",),
}
AUTHORISING_SHARE = 0.88


@dataclass(frozen=True)
class DemoFiles:
    directory: Path
    files: dict[str, Path]


def _with_faults(frame: pl.DataFrame, rng: np.random.Generator) -> dict[str, pl.DataFrame]:
    """Per-source copies with the faults real sources have: a few S&T staff counts above the
    head count, a few head counts that differ between sources, a few patent counts that the
    market regulator counts differently."""
    n = frame.height
    sti = frame.with_columns(
        pl.when(pl.Series(rng.random(n) < 0.004))
        .then(pl.col("employees") + 5)
        .otherwise(pl.col("st_staff"))
        .alias("st_staff")
    )
    differ = pl.Series(rng.random(n) < 0.02)
    hrss = frame.with_columns(
        pl.when(differ)
        .then((pl.col("employees") * 1.15).round(0).cast(pl.Int64))
        .otherwise(pl.col("employees"))
        .alias("employees")
    )
    samr = frame.with_columns(
        pl.when(pl.Series(rng.random(n) < 0.01))
        .then(pl.col("invention_apps") + 3)
        .otherwise(pl.col("invention_apps"))
        .alias("invention_apps")
    )
    return {
        "samr": samr,
        "tax": frame,
        "sti": sti,
        "hrss": hrss,
        "miit": frame,
        "emergency": frame,
        "court": frame,
    }


def write_files(
    directory: Path, n: int, seed: int = 2025, period_end: dt.date = dt.date(2025, 12, 31)
) -> DemoFiles:
    directory.mkdir(parents=True, exist_ok=True)
    frame = synth_frame(n, seed, period_end)
    variants = _with_faults(frame, np.random.default_rng(seed + 1))
    files = {}
    for code, columns in SOURCE_FILES.items():
        selected = variants[code].select("credit_code", *columns)
        path = directory / f"{code}_{period_end.year}.csv"
        to_file_frame(selected).write_csv(path)
        files[code] = path
    return DemoFiles(directory, files)


def authorise(share: float = AUTHORISING_SHARE, seed: int = 2025) -> int:
    """Most enterprises authorise the tax bureau to share their figures (附件1 经企业授权)."""
    tax = DataSource.objects.get(code="tax")
    ids = np.array(Enterprise.objects.order_by("id").values_list("id", flat=True))
    chosen = ids[np.random.default_rng(seed).random(ids.shape[0]) < share]
    existing = set(Authorisation.objects.filter(source=tax).values_list("enterprise_id", flat=True))
    grants = [
        Authorisation(enterprise_id=int(e), source=tax, valid_from=dt.date(2025, 1, 1), scope=[])
        for e in chosen
        if int(e) not in existing
    ]
    Authorisation.objects.bulk_create(grants, batch_size=5000)
    return len(grants)


def import_all(
    files: DemoFiles, period: str, user: object = None, report: Callable[[str], None] | None = None
) -> list[ImportOutcome]:
    outcomes = []
    for code, path in files.files.items():
        source = DataSource.objects.get(code=code)
        outcome = import_file(source, period, path.name, path.read_bytes(), user=user)
        outcomes.append(outcome)
        if report is not None:
            report(
                f"{source.name}: {outcome.n_rows} 行, {outcome.n_values} 个数值, "
                f"新企业 {outcome.n_new_enterprises}, 核验问题 {outcome.n_findings}, "
                f"{outcome.seconds:.1f} 秒"
            )
        if code == "samr":
            authorise()
    return outcomes
