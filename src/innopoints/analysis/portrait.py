"""画像: an enterprise against its peers — category scores as shares of their full marks next
to the peer median and top decile of its stage, strengths and weaknesses in words, and the
trend over runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext, pgettext

from innopoints.analysis.models import PoolMembership
from innopoints.registry.models import Enterprise
from innopoints.scoring.models import LARGE_RUN_FIELDS, Result, Run, prefetch_breakdowns
from innopoints.scoring.schemes import localised

STRONG, WEAK = 1.2, 0.8


@dataclass(frozen=True)
class Axis:
    code: str
    name: str
    mine: float
    median: float
    p90: float
    """Shares (0–100) of the category's full mark for the enterprise's stage."""


@dataclass(frozen=True)
class Portrait:
    enterprise: Enterprise
    result: Result | None
    axes: list[Axis] = field(default_factory=list)
    strengths: list[str] = field(default_factory=list)
    weaknesses: list[str] = field(default_factory=list)
    trend: list[Result] = field(default_factory=list)
    pools: list[str] = field(default_factory=list)


def latest_result(enterprise: Enterprise) -> Result | None:
    return (
        Result.objects.filter(enterprise=enterprise, run__status="done")
        .select_related("run__scheme_version")
        .defer(*LARGE_RUN_FIELDS)
        .order_by("-run__created_at")
        .first()
    )


def _share(points: float, full: float) -> float:
    return 0.0 if full <= 0 else round(100.0 * points / full, 1)


def portrait(enterprise: Enterprise, result: Result | None = None) -> Portrait:
    result = result or latest_result(enterprise)
    if result is None:
        return Portrait(enterprise, None)
    scheme = result.run.scheme_version.scheme()
    trend = list(
        Result.objects.filter(
            enterprise=enterprise, run__status="done", run__scheme_version__scheme_id=scheme.id
        )
        .select_related("run")
        .defer(*LARGE_RUN_FIELDS, "run__parameters", "run__report")
        .order_by("run__created_at")
    )
    pools = list(
        PoolMembership.objects.filter(run=result.run, enterprise=enterprise).values_list(
            "pool__name", flat=True
        )
    )
    return _assemble(enterprise, result, scheme, trend, pools)


def portraits(enterprises: list[Enterprise]) -> dict[int, Portrait]:
    """``portrait`` of many enterprises with a fixed number of queries (a PDF batch's chunk):
    each enterprise's results of finished runs, those runs once each, and the pools."""
    results: dict[int, list[Result]] = {}
    for row in Result.objects.filter(enterprise__in=enterprises, run__status="done").order_by(
        "enterprise_id", "run__created_at", "run_id"
    ):
        results.setdefault(row.enterprise_id, []).append(row)
    runs = {
        run.pk: run
        for run in Run.objects.filter(
            pk__in={r.run_id for rows in results.values() for r in rows}
        ).select_related("scheme_version")
    }
    schemes = {pk: run.scheme_version.scheme() for pk, run in runs.items()}
    latest = {}
    for enterprise_id, rows in results.items():
        for row in rows:
            row.run = runs[row.run_id]
        latest[enterprise_id] = rows[-1]
    prefetch_breakdowns(list(latest.values()))
    pools: dict[tuple[int, int], list[str]] = {}
    for run_id, enterprise_id, name in (
        PoolMembership.objects.filter(
            run_id__in={r.run_id for r in latest.values()}, enterprise__in=enterprises
        )
        .order_by("pool_id")
        .values_list("run_id", "enterprise_id", "pool__name")
    ):
        pools.setdefault((run_id, enterprise_id), []).append(name)
    views = {}
    for enterprise in enterprises:
        result = latest.get(enterprise.pk)
        if result is None:
            views[enterprise.pk] = Portrait(enterprise, None)
            continue
        scheme = schemes[result.run_id]
        trend = [
            r
            for r in results[enterprise.pk]
            if r.run.scheme_version.scheme_id == result.run.scheme_version.scheme_id
        ]
        views[enterprise.pk] = _assemble(
            enterprise, result, scheme, trend, pools.get((result.run_id, enterprise.pk), [])
        )
    return views


def _assemble(
    enterprise: Enterprise, result: Result, scheme: Any, trend: list[Result], pools: list[str]
) -> Portrait:
    names = {c.code: localised(c.name) for c in scheme.categories}
    stats = result.run.report.get("category_stats", {}).get(result.stage, {})
    points = result.category_points(scheme.weighted)
    axes = []
    for code, figures in stats.items():
        mine = points.get(code, 0.0)
        axes.append(
            Axis(
                code,
                names.get(code, code),
                _share(mine, figures["full"]),
                _share(figures["median"], figures["full"]),
                _share(figures["p90"], figures["full"]),
            )
        )
    strengths, weaknesses = _words(result, scheme, axes)
    return Portrait(enterprise, result, axes, strengths, weaknesses, trend, pools)


def _words(result: Result, scheme: object, axes: list[Axis]) -> tuple[list[str], list[str]]:
    strengths, weaknesses = [], []
    for axis in axes:
        if axis.mine >= axis.p90 and axis.mine > 0:
            strengths.append(
                gettext("%(category)s得分率 %(share)s%%，处于同阶段企业前 10%% 水平")
                % {"category": axis.name, "share": f"{axis.mine:g}"}
            )
        elif axis.median > 0 and axis.mine >= STRONG * axis.median:
            strengths.append(
                gettext("%(category)s得分率 %(share)s%%，明显高于同阶段中位数 %(median)s%%")
                % {"category": axis.name, "share": f"{axis.mine:g}", "median": f"{axis.median:g}"}
            )
        elif axis.mine < WEAK * axis.median:
            weaknesses.append(
                gettext("%(category)s得分率 %(share)s%%，低于同阶段中位数 %(median)s%%")
                % {"category": axis.name, "share": f"{axis.mine:g}", "median": f"{axis.median:g}"}
            )
    indicators = [(code, values) for code, values in result.breakdown_values["ind"].items()]
    names = {i.code: localised(i.name) for i in scheme.weighted}  # type: ignore[attr-defined]
    present = [(code, v[4]) for code, v in indicators if v[2] != 0]
    for code, x in sorted(present, key=lambda item: -item[1])[:3]:
        if x >= 0.8:
            strengths.append(
                gettext("%(indicator)s接近参评企业上限（标准化值 %(x).2f）")
                % {"indicator": names[code], "x": x}
            )
    missing = [names[code] for code, v in indicators if v[2] == 0]
    if missing:
        listed = pgettext("list separator", "、").join(missing[:6])
        weaknesses.append(
            gettext("缺少数据、按零分计：%(indicators)s等") % {"indicators": listed}
            if len(missing) > 6
            else gettext("缺少数据、按零分计：%(indicators)s") % {"indicators": listed}
        )
    return strengths, weaknesses
