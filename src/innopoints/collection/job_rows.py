"""Imports in the list of background jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innopoints.accounts import scope
from innopoints.collection.models import ImportBatch, ImportJob
from innopoints.core.recent_jobs import Job, first_line, lists_jobs


@lists_jobs("import", gettext_lazy("数据导入"), order=2)
def imports(user: Any, limit: int) -> list[Job]:
    """Imports that committed (a refused or failed file leaves no batch: its user saw why on
    the import page). Platform administrators see every import, others their own."""
    listing = ImportBatch.objects.select_related("source", "imported_by").defer("content")
    if not scope.is_admin(user):
        listing = listing.filter(imported_by=user)
    rows = []
    for batch in listing.order_by("-imported_at")[:limit]:
        finished = batch.imported_at
        rows.append(
            Job(
                kind="import",
                kind_label=_("数据导入"),
                label=f"{batch.source} · {batch.period} · {batch.file_name}",
                status="done",
                status_label=_("已完成"),
                started=finished - dt.timedelta(seconds=batch.seconds) if finished else None,
                finished=finished,
                seconds=batch.seconds,
                who=batch.imported_by.get_username() if batch.imported_by else _("系统"),
                error="",
                url="",
            )
        )
    return rows


@lists_jobs("import", gettext_lazy("数据导入"), order=2)
def unfinished_imports(user: Any, limit: int) -> list[Job]:
    """Imports handed to a worker that have not committed (a committed one is its batch)."""
    listing = ImportJob.objects.exclude(status="done").select_related("source", "user")
    if not scope.is_admin(user):
        listing = listing.filter(user=user)
    rows = []
    for job in listing.order_by("-created_at")[:limit]:
        state = job.state or {}
        problems = state.get("problems") or []
        rows.append(
            Job(
                kind="import",
                kind_label=_("数据导入"),
                label=f"{job.source} · {job.period} · {job.file_name}",
                status=job.status,
                status_label=str(job.get_status_display()),  # type: ignore[attr-defined]
                started=job.created_at,
                finished=job.finished_at,
                seconds=None,
                who=job.user.get_username() if job.user else _("系统"),
                error=first_line(str(problems[0])) if problems else "",
                # where its uploader follows it (the government portal's progress page)
                url=reverse("portals:gov_import_progress", args=[job.token]),
            )
        )
    return rows
