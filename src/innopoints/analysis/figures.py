"""The charts of the analysis pages (site/charts.py options): an enterprise against its peers
(radar) and over its runs (trend), a run's statistics (spread of points, divisions on the map
of Sichuan, tiers by stage, completeness of the inputs), the cultivation pools' sizes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from innopoints.analysis.board_words import pool_name
from innopoints.analysis.models import Pool
from innopoints.analysis.portrait import Portrait
from innopoints.analysis.stats import Statistics
from innopoints.registry.english import localised
from innopoints.registry.models import Region
from innopoints.site import charts
from innopoints.site.names import field_name


def portrait_charts(view: Portrait) -> dict[str, Any]:
    """The enterprise's share of each first-level indicator's full marks against its stage's
    median and top decile; its total points over the runs of its scheme (two runs or more)."""
    if view.result is None:
        return {}
    out: dict[str, Any] = {}
    if view.axes:
        out["radar"] = charts.radar(
            [(a.name, 100) for a in view.axes],
            {
                gettext("本企业"): [a.mine for a in view.axes],
                gettext("同阶段中位数"): [a.median for a in view.axes],
                gettext("同阶段前10%"): [a.p90 for a in view.axes],
            },
        )
        out["radar"]["series"][0]["data"][0]["areaStyle"] = {"opacity": 0.25}
    if len(view.trend) > 1:
        out["trend"] = charts.line(
            [f"#{r.run_id} {r.run.period}" for r in view.trend],
            {gettext("总积分"): [round(r.total, 2) for r in view.trend]},
            unit=gettext("分"),
        )
        out["trend"]["xAxis"]["boundaryGap"] = True  # the first and last run's labels whole
    return out


def pools_chart(pools: list[tuple[Pool, int]]) -> dict[str, Any]:
    return charts.bar(
        [pool_name(p) for p, _ in pools],
        [n for _, n in pools],
        name=gettext("入库企业数"),
        unit=gettext("家"),
        horizontal=True,
    )


def statistics_totals(s: Statistics) -> dict[str, Any]:
    """The key figures above the statistics: enterprises, ranked, vetoed, their mean points."""
    n = sum(row["n"] for row in s.by_stage)
    vetoed = sum(row["vetoed"] or 0 for row in s.by_stage)
    weighted = [(row["mean"], row["n"] - (row["vetoed"] or 0)) for row in s.by_stage]
    ranked = sum(k for mean, k in weighted if mean is not None)
    mean = sum(mean * k for mean, k in weighted if mean is not None) / ranked if ranked else None
    return {"n": n, "vetoed": vetoed, "ranked": n - vetoed, "mean": mean}


def statistics_charts(s: Statistics, tiers: list[str]) -> dict[str, Any]:
    histogram = charts.bar(
        [label for label, _ in s.histogram],
        [count for _, count in s.histogram],
        name=gettext("参与排名的企业数"),
        unit=gettext("家"),
    )
    # divisions on the map by their Chinese names (site/static/site/geo/sichuan.json)
    chinese = dict(
        Region.objects.filter(level=2, code__startswith="51").values_list("name", "name")
    )
    shown = {localised(name): name for name in chinese}
    per_division = {
        shown[row["prefecture"]]: row["n"] for row in s.by_region if row["prefecture"] in shown
    }
    by_stage = charts.stacked_bar(
        [row["stage"] for row in s.by_stage],
        {
            **{
                gettext("%(tier)s 档") % {"tier": t}: [
                    row.get(f"tier_{t}", 0) for row in s.by_stage
                ]
                for t in tiers
            },
            gettext("清零"): [row["vetoed"] or 0 for row in s.by_stage],
        },
        unit=gettext("家"),
    )
    completeness = charts.bar(
        [field_name(code, s.run.scheme_version) for code, _ in reversed(s.completeness)],
        [share for _, share in reversed(s.completeness)],
        name=gettext("完整率"),
        unit="%",
        horizontal=True,
    )
    completeness["xAxis"]["max"] = 100
    return {
        "histogram": histogram,
        "map": charts.sichuan_map(
            per_division,
            name=gettext("参评企业数"),
            names={name: localised(name) for name in chinese},
        )
        if per_division
        else None,
        "regions": charts.bar(
            [row["prefecture"] for row in s.by_region],
            [row["n"] for row in s.by_region],
            name=gettext("参评企业数"),
            unit=gettext("家"),
            rotate=40,
        ),
        "by_stage": by_stage,
        "completeness": completeness,
    }
