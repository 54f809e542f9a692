from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
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


ACTIVE = frozenset({"waiting", "queued", "running"})
WATCH_WINDOW = dt.timedelta(minutes=30)


@government_required
def job_watch(request: HttpRequest) -> JsonResponse:
    """The signed-in user's own jobs that are under way or ended in the last half hour: the
    frame (site/static/site/site.js) shows a toast when one of them ends."""
    since = timezone.now() - WATCH_WINDOW
    mine = [
        job
        for job in recent_jobs.recent(request.user, limit=20)
        if job.who == request.user.get_username()
        and (job.status in ACTIVE or (job.finished is not None and job.finished >= since))
    ]
    return JsonResponse(
        {
            "jobs": [
                {
                    "key": f"{job.kind}:{job.url or job.label}",
                    "kind": job.kind_label,
                    "label": job.label,
                    "status": job.status,
                    "status_label": job.status_label,
                    "active": job.status in ACTIVE,
                    "url": job.url,
                }
                for job in mine
            ]
        }
    )
