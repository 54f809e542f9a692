"""Which scheme and which run are the official ones, asked in one place.

- The official scheme is ``settings.INNOPOINTS_OFFICIAL_SCHEME`` (default ``sichuan-2025``), in
  its newest version that is not marked as an example.
- The official run for a government user's view is the newest finished run of the official
  scheme (any of its versions) over the province — a run scoped to every enterprise or to a
  level-1 division — that has a published 积分榜 and that the user may read. A city user reads
  it narrowed to their division (``scope.narrowing_prefix``); a city's own run, or a run of an
  example scheme, never replaces it.

The 政府端 home, the financing page (tiers and tier stability) and the run form's default
scheme read these; nothing else picks "the latest run"."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from innopoints.accounts import scope
from innopoints.scoring.models import Run, SchemeVersion

DEFAULT_OFFICIAL_SCHEME = "sichuan-2025"


def official_scheme_id() -> str:
    return str(getattr(settings, "INNOPOINTS_OFFICIAL_SCHEME", DEFAULT_OFFICIAL_SCHEME))


def official_scheme_version() -> SchemeVersion | None:
    """The current version of the official scheme (the newest one that is not an example)."""
    return (
        SchemeVersion.objects.filter(scheme_id=official_scheme_id(), example=False)
        .order_by("-created_at", "-pk")
        .first()
    )


PROVINCE_SCOPE = Q(region__isnull=True) | Q(region__level=1)


def official_runs(user: Any = None) -> QuerySet[Run]:
    """Finished, published runs of the official scheme over the province, newest first; with a
    user, only those the user may read."""
    runs = Run.objects.filter(
        PROVINCE_SCOPE,
        status="done",
        scheme_version__scheme_id=official_scheme_id(),
        scheme_version__example=False,
        pk__in=Run.objects.filter(leaderboards__status="published").values("pk"),
    )
    if user is not None:
        runs = runs.filter(scope.run_filter(user))
    return runs.order_by("-created_at", "-pk")


def official_run(user: Any = None) -> Run | None:
    """The official run for this user's view (see the module's description), or None."""
    runs = official_runs(user).select_related("region", "scheme_version")
    return runs.defer("input_fact_ids", "ranked_totals").first()
