"""监测评价: the figures by which a province watches its cities (a city its counties) for a
year, their ranking and their trend over years.

For a division and a year: the enterprises registered in it; those scored in the year's
official run (``analysis.publication``) and so the coverage (scored ÷ registered); the
authorised-data share (the mean of the scored enterprises' data coverage: the share of the
stage's weight their available, authorised values could earn); mean and median total score;
the financing granted that year (loans and direct financing disbursed in the year, 万元); the
timeliness of data delivery for the year's data (``deliveries``); and its target."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from innopoints.analysis.publication import official_runs
from innopoints.applications.financing_figures import GRANTED
from innopoints.applications.models import Financing
from innopoints.registry.models import Enterprise, Region
from innopoints.scoring.models import Result, Run
from innopoints.targets import deliveries
from innopoints.targets.models import Target

METRICS = {
    "coverage": _("积分评价覆盖率"),
    "authorised": _("授权数据占比"),
    "mean_score": _("平均积分"),
    "median_score": _("积分中位数"),
    "financing": _("当年融资"),
    "timeliness": _("报送及时率"),
}
UNITS = {
    "coverage": "%",
    "authorised": "%",
    "mean_score": _("分"),
    "median_score": _("分"),
    "financing": _("万元"),
    "timeliness": "%",
}


@dataclass(frozen=True)
class Figures:
    division: Region
    year: int
    registered: int
    scored: int | None  # None: no official run for the year
    authorised: float | None  # %
    mean_score: float | None
    median_score: float | None
    loans: Decimal  # 万元
    direct: Decimal  # 万元
    timeliness: float | None  # %
    target: Target | None

    @property
    def coverage(self) -> float | None:
        if self.scored is None or not self.registered:
            return None
        return 100 * self.scored / self.registered

    @property
    def financing(self) -> Decimal:
        return self.loans + self.direct

    @property
    def target_share(self) -> float | None:
        """Enterprises scored as a share (%) of the year's target."""
        if self.scored is None or self.target is None or not self.target.enterprises_scored:
            return None
        return 100 * self.scored / self.target.enterprises_scored

    def metric(self, name: str) -> float | Decimal | None:
        value: float | Decimal | None = getattr(self, name)
        return value


def _matching(prefixes: dict[str, str]) -> Callable[[str], list[str]]:
    """code → the divisions (by code) whose prefix it starts with."""

    def divisions_of(code: str) -> list[str]:
        return [d for d, p in prefixes.items() if code.startswith(p)]

    return divisions_of


def _prefix_q(field: str, prefixes: dict[str, str]) -> Q:
    match = Q()
    for prefix in set(prefixes.values()):
        match |= Q(**{f"{field}__startswith": prefix})
    return match


def registered(divisions: Sequence[Region]) -> dict[str, int]:
    prefixes = {d.code: d.code_prefix() for d in divisions}
    of = _matching(prefixes)
    counts: dict[str, int] = dict.fromkeys(prefixes, 0)
    rows = (
        Enterprise.objects.filter(_prefix_q("region__code", prefixes))
        .order_by()
        .values("region_id")
        .annotate(n=Count("id"))
    )
    for row in rows:
        for d in of(row["region_id"] or ""):
            counts[d] += row["n"]
    return counts


ScoreRow = tuple[int, float | None, float | None, float | None]


def scores(run: Run, divisions: Sequence[Region]) -> dict[str, ScoreRow]:
    """code → (scored, mean coverage %, mean total, median total) in the run (cached per run:
    a run's results never change once it is done)."""
    prefixes = {d.code: d.code_prefix() for d in divisions}
    finished = run.finished_at.isoformat() if run.finished_at else ""
    key = f"supervision-scores:{run.pk}:{finished}:{','.join(sorted(prefixes))}"
    found = cache.get(key)
    if found is not None:
        return dict(found)
    of = _matching(prefixes)
    totals: dict[str, list[float]] = defaultdict(list)
    coverages: dict[str, list[float]] = defaultdict(list)
    rows = (
        Result.objects.filter(run=run)
        .filter(_prefix_q("region_code", prefixes))
        .order_by()
        .values_list("region_code", "total", "coverage")
    )
    for code, total, coverage in rows.iterator(chunk_size=20000):
        for d in of(code):
            totals[d].append(total)
            if coverage is not None:
                coverages[d].append(coverage)
    out: dict[str, ScoreRow] = {}
    for d in prefixes:
        t, c = totals.get(d, []), coverages.get(d, [])
        out[d] = (
            len(t),
            100 * statistics.fmean(c) if c else None,
            statistics.fmean(t) if t else None,
            statistics.median(t) if t else None,
        )
    cache.set(key, out, timeout=None)
    return out


def financing(divisions: Sequence[Region], year: int) -> dict[str, tuple[Decimal, Decimal]]:
    """code → (loans, direct financing) granted and disbursed in the year, 万元."""
    prefixes = {d.code: d.code_prefix() for d in divisions}
    of = _matching(prefixes)
    out = {d: (Decimal(0), Decimal(0)) for d in prefixes}
    rows = (
        Financing.objects.filter(status__in=GRANTED, disbursed_on__year=year)
        .filter(_prefix_q("enterprise__region__code", prefixes))
        .order_by()
        .values("enterprise__region_id", "kind")
        .annotate(total=Sum("amount"))
    )
    for row in rows:
        amount = Decimal(row["total"] or 0)
        for d in of(row["enterprise__region_id"] or ""):
            loans, direct = out[d]
            if row["kind"] == Financing.Kind.LOAN:
                out[d] = (loans + amount, direct)
            elif row["kind"] == Financing.Kind.INVESTMENT:
                out[d] = (loans, direct + amount)
    return out


def run_of_year(user: Any, year: int) -> Run | None:
    """The year's official run the user may read (the newest)."""
    runs = official_runs(user).filter(period=str(year))
    return runs.defer("input_fact_ids", "ranked_totals").first()


def run_years(user: Any) -> list[int]:
    """Years with an official run the user may read, oldest first."""
    periods = official_runs(user).values_list("period", flat=True).distinct()
    return sorted({int(p) for p in periods if p.isdigit() and len(p) == 4})


def figures(
    user: Any, divisions: Sequence[Region], year: int, today: dt.date | None = None
) -> list[Figures]:
    run = run_of_year(user, year)
    counts = registered(divisions)
    scored = scores(run, divisions) if run is not None else {}
    money = financing(divisions, year)
    board = deliveries.board(divisions, str(year), today)
    targets = {t.division_id: t for t in Target.objects.filter(year=year, division__in=divisions)}
    out = []
    for d in divisions:
        n, authorised, mean, median = scored.get(d.code, (None, None, None, None))
        loans, direct = money[d.code]
        out.append(
            Figures(
                division=d,
                year=year,
                registered=counts[d.code],
                scored=n,
                authorised=authorised,
                mean_score=mean,
                median_score=median,
                loans=loans,
                direct=direct,
                timeliness=board.timeliness(d),
                target=targets.get(d.code),
            )
        )
    return out


def ranked(rows: Sequence[Figures], metric: str) -> list[tuple[int | None, Figures]]:
    """Highest first; equal values share a rank and the next rank skips (1, 2, 2, 4);
    divisions without the figure come last, unranked, in code order."""
    have = sorted(
        (r for r in rows if r.metric(metric) is not None),
        key=lambda r: (-float(r.metric(metric) or 0), r.division.code),
    )
    out: list[tuple[int | None, Figures]] = []
    previous: float | None = None
    rank = 0
    for position, row in enumerate(have, 1):
        value = float(row.metric(metric) or 0)
        if previous is None or value != previous:
            rank = position
            previous = value
        out.append((rank, row))
    missing = sorted((r for r in rows if r.metric(metric) is None), key=lambda r: r.division.code)
    return out + [(None, r) for r in missing]


def trend(
    user: Any,
    divisions: Sequence[Region],
    years: Sequence[int],
    metric: str,
    today: dt.date | None = None,
) -> dict[str, list[float | None]]:
    """Division code → the metric in each year."""
    series: dict[str, list[float | None]] = {d.code: [] for d in divisions}
    for year in years:
        for row in figures(user, divisions, year, today):
            value = row.metric(metric)
            series[row.division.code].append(None if value is None else float(value))
    return series
