"""Which runs are published, and to whom, asked in one place. A run is published once one of
its 积分榜 is: its results are then public to the enterprises it scored and to institutions
(runs of an example scheme never count).

- ``published_runs``: the finished, published runs (with an enterprise: those whose scope
  holds it); ``published_result``: an enterprise's result in the newest of them.
- ``official_runs``/``official_run``: the published runs of the official scheme
  (``scoring.official``) over the province — a run scoped to every enterprise or to a level-1
  division — that a government user may read; a city user reads it narrowed to their division
  (``scope.narrowing_prefix``); a city's own run, or a run of an example scheme, never
  replaces it. The 政府端 home and the financing page (tiers and tier stability) read these;
  nothing else picks "the latest run"."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from innopoints.accounts import scope
from innopoints.registry.models import Enterprise
from innopoints.scoring.models import LARGE_RUN_FIELDS, Result, Run
from innopoints.scoring.official import official_scheme_id

PUBLISHED = "published"
"""The 积分榜 status that publishes its run."""

PROVINCE_SCOPE = Q(region__isnull=True) | Q(region__level=1)


def _with_published_board() -> QuerySet[Run]:
    return Run.objects.filter(leaderboards__status=PUBLISHED)


def published_runs(enterprise: Enterprise | None = None) -> QuerySet[Run]:
    """Finished runs of a scheme that is not an example with at least one published 积分榜,
    newest first. With an enterprise: runs whose scope holds it."""
    runs = Run.objects.filter(
        status="done",
        scheme_version__example=False,
        pk__in=_with_published_board().values("pk"),
    )
    if enterprise is not None:
        region = enterprise.region_id or ""
        runs = runs.filter(Q(region__isnull=True) | Q(pk__in=_runs_covering(region)))
    return runs.order_by("-created_at")


def _runs_covering(region_code: str) -> list[int]:
    return [
        run.pk
        for run in Run.objects.filter(status="done", region__isnull=False).select_related("region")
        if region_code.startswith(run.region.code_prefix())  # type: ignore[union-attr]
    ]


def published_result(enterprise: Enterprise) -> Result | None:
    """The enterprise's result in the newest published run whose scope holds it."""
    return (
        Result.objects.filter(enterprise=enterprise, run__in=published_runs(enterprise))
        .select_related("run__scheme_version")
        .defer(*LARGE_RUN_FIELDS)
        .order_by("-run__created_at")
        .first()
    )


def official_runs(user: Any = None) -> QuerySet[Run]:
    """Finished, published runs of the official scheme over the province, newest first; with a
    user, only those the user may read."""
    runs = Run.objects.filter(
        PROVINCE_SCOPE,
        status="done",
        scheme_version__scheme_id=official_scheme_id(),
        scheme_version__example=False,
        pk__in=_with_published_board().values("pk"),
    )
    if user is not None:
        runs = runs.filter(scope.run_filter(user))
    return runs.order_by("-created_at", "-pk")


def official_run(user: Any = None) -> Run | None:
    """The official run for this user's view (see the module's description), or None."""
    runs = official_runs(user).select_related("region", "scheme_version")
    return runs.defer("input_fact_ids", "ranked_totals").first()
