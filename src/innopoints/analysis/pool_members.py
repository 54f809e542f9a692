"""A cultivation pool's members in one run, with their scores: every member (the page shows
them 50 at a time, the export all of them), best first, narrowed to a user's jurisdiction."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.db.models import Count, F, QuerySet
from django.utils.translation import gettext

from innopoints.analysis.models import Pool, PoolMembership
from innopoints.scoring.models import Result, Run


def members(run: Run, pool: Pool, region_prefix: str | None = None) -> QuerySet[Result]:
    """The members' results in the run, by rank (vetoed members, unranked, last)."""
    enterprise_ids = PoolMembership.objects.filter(pool=pool, run=run).values("enterprise_id")
    query = Result.objects.filter(run=run, enterprise_id__in=enterprise_ids)
    if region_prefix:
        query = query.filter(region_code__startswith=region_prefix)
    return query.select_related("enterprise").order_by(
        F("rank").asc(nulls_last=True), "-total", "enterprise_id"
    )


def counts(run: Run, region_prefix: str | None = None) -> list[tuple[Pool, int]]:
    """Every pool with its number of members in the run (one query)."""
    query = PoolMembership.objects.filter(run=run)
    if region_prefix:
        query = query.filter(enterprise__region__code__startswith=region_prefix)
    numbers = dict(
        query.order_by().values_list("pool_id").annotate(n=Count("id")).values_list("pool_id", "n")
    )
    return [(pool, numbers.get(pool.pk, 0)) for pool in Pool.objects.order_by("code")]


def header() -> list[str]:
    return [
        gettext("名次"),
        gettext("统一社会信用代码"),
        gettext("企业名称"),
        gettext("成长阶段"),
        gettext("所属领域"),
        gettext("总积分"),
        gettext("档次"),
    ]


def rows(
    results: QuerySet[Result], stage_name: Callable[[str], str] = str
) -> Iterator[list[object]]:
    """One row per member, in the page's order, read in chunks."""
    for r in results.iterator(chunk_size=2000):
        yield [
            r.rank,
            r.enterprise.credit_code,
            r.enterprise.name,
            stage_name(r.stage),
            r.industry,
            round(r.total, 2),
            r.tier or gettext("清零"),
        ]
