"""Statistics of a run: distribution of totals, tiers and stages by region (prefecture),
industry and stage; completeness of the inputs; as tables, charts and Excel."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from django.utils.translation import gettext

from innopoints.analysis.completeness import completeness as input_completeness
from innopoints.core.exports import Workbook
from innopoints.registry.english import localised, localised_industry
from innopoints.registry.models import Region
from innopoints.scoring.coverage import DivisionCoverage, divisions, percent_number
from innopoints.scoring.figures import band_edges, band_labels
from innopoints.scoring.models import Result, Run
from innopoints.site.names import field_name, stage_name


@dataclass(frozen=True)
class Statistics:
    run: Run
    histogram: list[tuple[str, int]]
    by_region: list[dict[str, Any]]
    by_industry: list[dict[str, Any]]
    by_stage: list[dict[str, Any]]
    completeness: list[tuple[str, float]]
    coverage: list[DivisionCoverage] = field(default_factory=list)
    """Mean data coverage per division, flagged where far below the others (scoring/coverage)."""


def _frame(run: Run) -> pl.DataFrame:
    rows = list(
        Result.objects.filter(run=run).values_list(
            "stage", "industry", "region_code", "total", "tier", "vetoed"
        )
    )
    return pl.DataFrame(
        rows,
        orient="row",
        schema={
            "stage": pl.String,
            "industry": pl.String,
            "region_code": pl.String,
            "total": pl.Float64,
            "tier": pl.String,
            "vetoed": pl.Boolean,
        },
    )


def _table(frame: pl.DataFrame, by: str, tiers: list[str]) -> list[dict[str, Any]]:
    grouped = (
        frame.group_by(by)
        .agg(
            pl.len().alias("n"),
            pl.col("total").filter(~pl.col("vetoed")).mean().alias("mean"),
            pl.col("total").filter(~pl.col("vetoed")).median().alias("median"),
            pl.col("vetoed").sum().alias("vetoed"),
            *[(pl.col("tier") == t).sum().alias(f"tier_{t}") for t in tiers],
        )
        .sort(by)
    )
    return grouped.to_dicts()


def build(run: Run, region_prefix: str | None = None) -> Statistics:
    """Figures over a run's results; ``region_prefix`` restricts them to one jurisdiction."""
    frame = _frame(run)
    if region_prefix:
        frame = frame.filter(pl.col("region_code").str.starts_with(region_prefix))
    scheme = run.scheme_version.scheme()
    tiers = [t.code for t in scheme.tiers.levels]
    order = {code: k for k, code in enumerate(scheme.stage_rule.codes)}
    names = dict(Region.objects.filter(level=2).values_list("code", "name"))
    frame = frame.with_columns(
        pl.col("region_code")
        .str.slice(0, 4)
        .add("00")
        .replace_strict(names, default=gettext("其他"))
        .alias("prefecture")
    )
    scored = frame.filter(~pl.col("vetoed"))["total"].to_numpy()
    edges = band_edges(scheme.scale, scored)
    counts, _ = np.histogram(scored, bins=edges)
    histogram = list(zip(band_labels(edges), (int(c) for c in counts), strict=True))
    completeness = input_completeness(run, region_prefix)
    prefectures = _table(frame, "prefecture", tiers)
    industries = _table(frame, "industry", tiers)
    return Statistics(
        run,
        histogram,
        [{**row, "prefecture": localised(row["prefecture"])} for row in prefectures],
        [{**row, "industry": localised_industry(row["industry"])} for row in industries],
        [
            {**row, "stage": stage_name(row["stage"], run.scheme_version)}
            for row in sorted(  # in the scheme's order of stages
                _table(frame, "stage", tiers),
                key=lambda row: order.get(row["stage"], len(order)),
            )
        ],
        completeness,
        divisions(run, region_prefix),
    )


def _column(key: str) -> str:
    """A statistics table's column in words (tier_A → A 档)."""
    if key.startswith("tier_"):
        return gettext("%(tier)s 档") % {"tier": key[5:]}
    words = {
        "prefecture": gettext("地区"),
        "industry": gettext("领域"),
        "stage": gettext("成长阶段"),
        "n": gettext("企业数"),
        "mean": gettext("平均积分"),
        "median": gettext("中位数"),
        "vetoed": gettext("清零"),
    }
    return words.get(key, key)


def to_xlsx(stats: Statistics) -> bytes:
    workbook = Workbook()
    for title, rows in (
        (gettext("按地区"), stats.by_region),
        (gettext("按领域"), stats.by_industry),
        (gettext("按阶段"), stats.by_stage),
    ):
        sheet = workbook.create_sheet(title)
        if rows:
            sheet.append([_column(key) for key in rows[0]])
            for row in rows:
                sheet.append(list(row.values()))
    sheet = workbook.create_sheet(gettext("总积分分布"))
    sheet.append([gettext("区间"), gettext("企业数")])
    for label, count in stats.histogram:
        sheet.append([label, count])
    sheet = workbook.create_sheet(gettext("数据完整率"))
    sheet.append([gettext("指标"), gettext("完整率（%）")])
    for code, share in stats.completeness:
        sheet.append([field_name(code, stats.run.scheme_version), share])
    sheet = workbook.create_sheet(gettext("数据覆盖率"))
    sheet.append(
        [
            gettext("地区"),
            gettext("参评企业"),
            gettext("平均数据覆盖率（%）"),
            gettext("其他地区中位数（%）"),
            gettext("远低于其他地区"),
        ]
    )
    for d in stats.coverage:
        sheet.append(
            [
                d.name,
                d.n,
                percent_number(d.mean),
                percent_number(d.others_median),
                gettext("是") if d.far_below else gettext("否"),
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
