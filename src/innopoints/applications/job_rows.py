"""Matchings of published runs in the list of background jobs."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innopoints.accounts import scope
from innopoints.applications.models import RunMatching
from innopoints.core.recent_jobs import Job, first_line, lists_jobs
from innopoints.scoring.models import LARGE_RUN_FIELDS, Run


@lists_jobs("matching", gettext_lazy("政策匹配"), order=3)
def matchings(user: Any, limit: int) -> list[Job]:
    listing = (
        RunMatching.objects.filter(run__in=Run.objects.filter(scope.run_filter(user)).values("pk"))
        .select_related("run", "run__scheme_version", "run__region")
        .defer(*LARGE_RUN_FIELDS)
        .order_by("-created_at")[:limit]
    )
    return [
        Job(
            kind="matching",
            kind_label=_("政策匹配"),
            label=str(job.run),
            status=job.status,
            status_label=str(job.get_status_display()),  # type: ignore[attr-defined]
            started=job.created_at,
            finished=job.finished_at,
            seconds=job.seconds if job.status == "done" else None,
            who=_("系统"),
            error=first_line(job.error),
            url=reverse("scoring:run", args=[job.run_id]),
        )
        for job in listing
    ]
