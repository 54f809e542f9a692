from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext

from innopoints.accounts.decorators import government_required
from innopoints.core import recent_jobs
from innopoints.ops.listings import JobTable
from innopoints.site.listing import Listing


@government_required
def job_list(request: HttpRequest) -> HttpResponse:
    """后台任务: scoring runs, imports and matchings with status, times, duration, who, error."""
    kind = request.GET.get("kind")
    kinds = recent_jobs.kinds()
    rows = recent_jobs.recent(request.user, kind if kind in dict(kinds) else None)
    listing = Listing.build(request, JobTable, rows, export_name="jobs")
    if listing.export is not None:
        return listing.export
    return render(
        request,
        "ops/jobs.html",
        {
            "title": gettext("后台任务"),
            "listing": listing,
            "jobs": rows,
            "kind": kind,
            "kinds": kinds,
        },
    )
