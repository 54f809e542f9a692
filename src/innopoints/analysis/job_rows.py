"""一企一档 PDF batches in the list of background jobs."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innopoints.accounts import scope
from innopoints.analysis.models import DossierBatch
from innopoints.core.recent_jobs import Job, first_line, lists_jobs


@lists_jobs("dossiers", gettext_lazy("一企一档批量生成"), order=5)
def dossier_batches(user: Any, limit: int) -> list[Job]:
    listing = DossierBatch.objects.select_related("run", "region", "created_by")
    if not scope.is_admin(user):
        listing = listing.filter(created_by=user)
    return [
        Job(
            kind="dossiers",
            kind_label=_("一企一档批量生成"),
            label=_("%(done)d / %(n)d 份") % {"done": batch.files_done, "n": batch.n_enterprises},
            status=batch.status,
            status_label=str(batch.get_status_display()),  # type: ignore[attr-defined]
            started=batch.created_at,
            finished=batch.finished_at,
            seconds=batch.seconds,
            who=batch.created_by.get_username() if batch.created_by else _("系统"),
            error=first_line(batch.error),
            url="",
        )
        for batch in listing.order_by("-created_at")[:limit]
    ]
