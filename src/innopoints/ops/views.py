from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext

from innopoints.accounts.decorators import government_required
from innopoints.core import recent_jobs


@government_required
def job_list(request: HttpRequest) -> HttpResponse:
    """后台任务: scoring runs, imports and matchings with status, times, duration, who, error."""
    kind = request.GET.get("kind")
    kinds = recent_jobs.kinds()
    rows = recent_jobs.recent(request.user, kind if kind in dict(kinds) else None)
    return render(
        request,
        "ops/jobs.html",
        {
            "title": gettext("后台任务"),
            "jobs": rows,
            "kind": kind,
            "kinds": kinds,
        },
    )
