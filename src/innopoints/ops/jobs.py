"""Background jobs as one list for the job status page and the statistics page: scoring runs,
imports (committed batches, and imports waiting, running or failed on a worker), matchings,
robustness analyses and 一企一档 PDF batches, each with its status, start, end, duration,
who started it and its error. Every job keeps its own timing in its own table
(``Run.report["timings_s"]`` and ``started_at``/``finished_at``, ``ImportBatch.seconds``,
``RunMatching.seconds``, ...); this module only reads them, with what the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from innopoints.accounts import scope
from innopoints.applications.models import RunMatching
from innopoints.collection.models import ImportBatch
from innopoints.jobs.models import DossierBatch, ImportJob
from innopoints.scoring.models import LARGE_RUN_FIELDS, RobustnessAnalysis, Run

KINDS = ("run", "import", "matching", "robustness", "dossiers")


@dataclass(frozen=True)
class Job:
    kind: str
    kind_label: str
    label: str
    status: str
    status_label: str
    started: dt.datetime | None
    finished: dt.datetime | None
    seconds: float | None
    who: str
    error: str
    url: str

    @property
    def when(self) -> dt.datetime:
        return self.started or self.finished or dt.datetime.min.replace(tzinfo=dt.UTC)


def _first_line(text: str) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def _run_seconds(run: Run) -> float | None:
    total = (run.report or {}).get("timings_s", {}).get("total")
    if total is not None:
        return float(total)
    if run.started_at and run.finished_at:
        return (run.finished_at - run.started_at).total_seconds()
    return None


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
            error=_first_line(run.error),
            url=reverse("scoring:run", args=[run.pk]),
        )
        for run in listing
    ]


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
                error=_first_line(str(problems[0])) if problems else "",
                url="",
            )
        )
    return rows


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
            error=_first_line(job.error),
            url=reverse("scoring:run", args=[job.run_id]),
        )
        for job in listing
    ]


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
            error=_first_line(batch.error),
            url="",
        )
        for batch in listing.order_by("-created_at")[:limit]
    ]


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
            error=_first_line(job.error),
            url=reverse("scoring:run", args=[job.run_id]),
        )
        for job in listing
    ]


def recent(user: Any, kind: str | None = None, limit: int = 100) -> list[Job]:
    """The latest jobs of every kind (or one), newest first."""
    sources = {
        "run": [runs],
        "import": [imports, unfinished_imports],
        "matching": [matchings],
        "robustness": [robustness],
        "dossiers": [dossier_batches],
    }
    chosen = sources[kind] if kind in sources else [f for fs in sources.values() for f in fs]
    rows = [job for source in chosen for job in source(user, limit)]
    return sorted(rows, key=lambda job: job.when, reverse=True)[:limit]
