"""Scoring runs and robustness analyses in the list of background jobs."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innopoints.accounts import scope
from innopoints.core.recent_jobs import Job, first_line, lists_jobs
from innopoints.scoring.models import LARGE_RUN_FIELDS, RobustnessAnalysis, Run


def _run_seconds(run: Run) -> float | None:
    total = (run.report or {}).get("timings_s", {}).get("total")
    if total is not None:
        return float(total)
    if run.started_at and run.finished_at:
        return (run.finished_at - run.started_at).total_seconds()
    return None


@lists_jobs("run", gettext_lazy("积分测算"), order=1)
def runs(user: Any, limit: int) -> list[Job]:
    listing = (
        Run.objects.filter(scope.run_filter(user))
        .select_related("started_by", "scheme_version", "region")
        .order_by("-created_at")[:limit]
    )
    return [
        Job(
            kind="run",
            kind_label=_("积分测算"),
            label=str(run),
            status=run.status,
            status_label=str(run.get_status_display()),  # type: ignore[attr-defined]
            started=run.started_at or run.created_at,
            finished=run.finished_at,
            seconds=_run_seconds(run),
            who=run.started_by.get_username() if run.started_by else _("系统"),
            error=first_line(run.error),
            url=reverse("scoring:run", args=[run.pk]),
        )
        for run in listing
    ]


@lists_jobs("robustness", gettext_lazy("稳健性分析"), order=4)
def robustness(user: Any, limit: int) -> list[Job]:
    listing = (
        RobustnessAnalysis.objects.filter(
            run__in=Run.objects.filter(scope.run_filter(user)).values("pk")
        )
        .select_related("run", "run__scheme_version", "run__region", "started_by")
        .defer("bands", *LARGE_RUN_FIELDS)
        .order_by("-created_at")[:limit]
    )
    return [
        Job(
            kind="robustness",
            kind_label=_("稳健性分析"),
            label=str(job.run),
            status=job.status,
            status_label=str(job.get_status_display()),  # type: ignore[attr-defined]
            started=job.created_at,
            finished=job.finished_at,
            seconds=(job.finished_at - job.created_at).total_seconds() if job.finished_at else None,
            who=job.started_by.get_username() if job.started_by else _("系统"),
            error=first_line(job.error),
            url=reverse("scoring:run", args=[job.run_id]),
        )
        for job in listing
    ]
