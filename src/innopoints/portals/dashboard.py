"""政府端首页: the figures its dashboard leads with, each within the user's jurisdiction.

- the official run's scored enterprises against the target of the user's division (the targets
  app's data; Sichuan's seeded from seed 004 一、总体目标: 积分评价 of 3 万家 科技型企业 by 2027),
  its tier and stage mix and its enterprises per division
  (prefectures for a province user, counties for a city user);
- the financing funnel: enterprises pushed an offering → applied for financing → approved → lent;
- the delivery of the government data sources for a period: enterprises of the jurisdiction
  each source delivered values for, when, and the source's open verification findings.

Counts are plain numbers (cacheable); names are given where they are drawn (``charts``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Avg, Count, Max, Q
from django.db.models.functions import Coalesce, Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innopoints.accounts import scope
from innopoints.applications.financing_figures import GRANTED
from innopoints.applications.models import Financing, Push
from innopoints.collection import freshness
from innopoints.collection.models import DataSource, FactValue, Finding
from innopoints.registry.english import localised
from innopoints.registry.models import Region
from innopoints.scoring.models import Result, Run
from innopoints.site import charts, names
from innopoints.targets import progress as target_progress

APPROVED = ["approved", *GRANTED]


@dataclass(frozen=True)
class RunMix:
    """One finished run's results within a division: counted once (a run's results never
    change), then read from the cache."""

    n: int
    mean: float | None
    vetoed: int
    tiers: list[tuple[str, int]]  # tier code → enterprises (vetoed ones have no tier)
    stages: list[tuple[str, int]]  # stage code → enterprises
    areas: list[tuple[str, int, float | None]]  # division code → enterprises, mean (not vetoed)


def area_digits(user: Any) -> int:
    """The divisions a user's map or bar shows: prefectures (4 digits of the division code)
    for the province and the platform, counties (6) for a city's user."""
    prefix = scope.region_prefix(user) or ""
    return 4 if len(prefix) <= 2 else 6


def run_mix(run: Run, prefix: str | None, digits: int = 4) -> RunMix:
    finished = run.finished_at.isoformat() if run.finished_at else ""
    key = f"gov-run-mix:{run.pk}:{finished}:{prefix}:{digits}"
    cached: RunMix | None = cache.get(key)
    if cached is not None:
        return cached
    results = Result.objects.filter(run=run)
    if prefix:
        results = results.filter(region_code__startswith=prefix)
    results = results.order_by()
    summary = results.aggregate(
        n=Count("pk"),
        mean=Avg("total", filter=Q(vetoed=False)),
        vetoed=Count("pk", filter=Q(vetoed=True)),
    )
    tiers = list(
        results.exclude(tier="").values_list("tier").annotate(n=Count("pk")).order_by("tier")
    )
    stages = list(results.values_list("stage").annotate(n=Count("pk")).order_by("stage"))
    areas = [
        (str(code), int(n), float(mean) if mean is not None else None)
        for code, n, mean in results.exclude(region_code="")
        .annotate(area=Substr("region_code", 1, digits))
        .values_list("area")
        .annotate(n=Count("pk"), mean=Avg("total", filter=Q(vetoed=False)))
        .order_by("area")
    ]
    mix = RunMix(
        n=int(summary["n"]),
        mean=float(summary["mean"]) if summary["mean"] is not None else None,
        vetoed=int(summary["vetoed"]),
        tiers=[(str(t), int(n)) for t, n in tiers],
        stages=[(str(s), int(n)) for s, n in stages],
        areas=areas,
    )
    cache.set(key, mix, timeout=None)
    return mix


def scored_target(user: Any, scored: int, enterprises: int) -> tuple[int, int | None]:
    """What the scored enterprises are measured against: the target of the user's division
    (the province's for the platform; targets app, seeded from seed 004 — 3 万家 by 2027),
    else the enterprises of the user's own division. The second value: the target's year
    (None when there is no target)."""
    target = target_progress.target_of_user(user)
    if target is not None and target.enterprises_scored:
        return target.enterprises_scored, target.year
    return max(enterprises, scored), None


def financing_funnel(user: Any) -> list[tuple[str, int]]:
    """Enterprises of the jurisdiction at each step, each counted once: pushed at least one
    offering; with a financing record (applied); approved (approved or granted); lent
    (disbursed, repaid, overdue or defaulted). Applications need not follow a push."""
    prefix = scope.region_prefix(user)
    key = f"gov-funnel:{prefix!r}"
    cached: list[tuple[str, int]] | None = cache.get(key)
    if cached is not None:
        return cached
    mine = scope.enterprise_filter(user)
    records = Financing.objects.filter(mine).order_by()

    def enterprises(query: Any) -> int:
        return int(query.values("enterprise").distinct().count())

    funnel = [
        ("pushed", enterprises(Push.objects.filter(mine).order_by())),
        ("applied", enterprises(records)),
        ("approved", enterprises(records.filter(status__in=APPROVED))),
        ("lent", enterprises(records.filter(status__in=GRANTED))),
    ]
    cache.set(key, funnel, timeout=60)
    return funnel


FUNNEL_STEPS = {
    "pushed": gettext_lazy("已推送"),
    "applied": gettext_lazy("已申请"),
    "approved": gettext_lazy("已获批"),
    "lent": gettext_lazy("已放款"),
}


@dataclass(frozen=True)
class Delivery:
    source: DataSource
    enterprises: int  # enterprises of the jurisdiction with values from the source
    last: dt.datetime | None  # the newest value recorded
    open_findings: int


def _delivery_counts(period: str, prefix: str | None) -> dict[int, tuple[int, Any, int]]:
    where = Q() if not prefix else Q(enterprise__region__code__startswith=prefix)
    facts = (
        FactValue.objects.filter(where, period=period)
        .order_by()
        .values_list("source")
        .annotate(n=Count("enterprise", distinct=True), last=Max("recorded_at"))
    )
    # a finding's source: its batch's, else the one it is assigned to (a dispute of a missing
    # value, a source's delivery problem)
    findings = dict(
        Finding.objects.filter(where, period=period, status="open")
        .annotate(of_source=Coalesce("batch__source", "responsible_source"))
        .filter(of_source__isnull=False)
        .order_by()
        .values_list("of_source")
        .annotate(n=Count("pk"))
    )
    counts = {
        int(source): (int(n), last, int(findings.get(source, 0))) for source, n, last in facts
    }
    for source, n in findings.items():
        counts.setdefault(int(source), (0, None, int(n)))
    return counts


def delivery(user: Any, period: str) -> tuple[list[Delivery], dt.datetime | None]:
    """Every government data source (not the manual corrections) for ``period``, and when the
    counts were computed if they are an earlier state's (being recomputed in the background)."""
    prefix = scope.region_prefix(user)
    if prefix is None:
        return [], None
    counts, computed_at = freshness.cached_or_earlier(
        "gov-delivery", (period, prefix or "-"), lambda: _delivery_counts(period, prefix)
    )
    rows = [
        Delivery(source, *counts.get(source.pk, (0, None, 0)))
        for source in DataSource.objects.filter(manual=False).order_by("name")
    ]
    return rows, computed_at


# ---------------------------------------------------------------- the charts (site/charts.py)


def tier_names(run: Run) -> dict[str, str]:
    """The run's tiers by their names in the scheme (A → A档 / Tier A)."""
    levels = run.scheme_version.scheme().tiers.levels
    return {t.code: (t.name.en if names.english() and t.name.en else t.name.zh) for t in levels}


def area_names(codes: Sequence[str]) -> dict[str, str]:
    """Division code prefixes (5101, 510104) → their Chinese names in the registry."""
    full = [c.ljust(6, "0") for c in codes]
    found = dict(Region.objects.filter(code__in=full).values_list("code", "name"))
    return {c: found.get(c.ljust(6, "0"), c) for c in codes}


def target_chart(scored: int, target: int, year: int | None) -> dict[str, Any]:
    share = round(100.0 * scored / target, 1) if target else 0.0
    name = _("%(year)s 年目标完成") % {"year": year} if year else _("辖区企业参评")
    return charts.gauge(share, maximum=100, name=name, unit="%")


def tier_chart(mix: RunMix, run: Run) -> dict[str, Any]:
    labels = tier_names(run)
    items = [(labels.get(code, code), n) for code, n in mix.tiers]
    if mix.vetoed:
        items.append((_("清零（不分档）"), mix.vetoed))
    return charts.pie(items, name=_("档次分布"))


def stage_chart(mix: RunMix, run: Run) -> dict[str, Any]:
    items = [(names.stage_name(code, run.scheme_version), n) for code, n in mix.stages]
    return charts.pie(items, name=_("成长阶段分布"))


def area_chart(mix: RunMix, digits: int) -> dict[str, Any]:
    """Prefectures: Sichuan's map; counties of a city: bars (the map draws prefectures)."""
    chinese = area_names([code for code, _n, _mean in mix.areas])
    if digits == 4:
        values = {chinese[code]: n for code, n, _mean in mix.areas}
        english = {zh: localised(zh) for zh in values} if names.english() else None
        return charts.sichuan_map(values, name=_("参评企业（家）"), names=english)
    # fewest first: a horizontal bar chart draws its first category at the bottom
    ordered = sorted(mix.areas, key=lambda area: (area[1], area[0]))
    option = charts.bar(
        [localised(chinese[code]) for code, _n, _mean in ordered],
        [n for _code, n, _mean in ordered],
        name=_("参评企业"),
        unit=_("家"),
        horizontal=True,
    )
    option["yAxis"]["axisLabel"] = {"interval": 0}  # every county named
    option["series"][0]["barMaxWidth"] = 18
    return option


def funnel_chart(funnel: list[tuple[str, int]]) -> dict[str, Any]:
    option = charts.funnel([(str(FUNNEL_STEPS[key]), n) for key, n in funnel], name=_("融资对接"))
    # the later steps are often a sliver of the first: names beside the funnel, not inside
    option["series"][0].update(
        left="4%", width="58%", label={"position": "right", "formatter": "{b}: {c}"}
    )
    return option
