from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from innopoints.accounts import scope
from innopoints.accounts.decorators import government_required, require
from innopoints.analysis import board_words, boards, dossier, figures, pool_members, stats
from innopoints.analysis.forms import BoardForm
from innopoints.analysis.models import Leaderboard, Pool
from innopoints.analysis.portrait import portrait
from innopoints.analysis.tables import (
    BoardFilter,
    BoardTable,
    EntryFilter,
    EntryTable,
    MemberTable,
    entry_rows,
)
from innopoints.core import exports, recent_jobs
from innopoints.core.exports import Workbook
from innopoints.core.routers import reports
from innopoints.registry.models import Enterprise
from innopoints.scoring.coverage import percent_number
from innopoints.scoring.models import Run
from innopoints.scoring.tables import LIST_DEFERRED, ResultFilter
from innopoints.site import names
from innopoints.site.listing import Listing

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _context(request: HttpRequest, title: str, **extra: object) -> dict[str, object]:
    return {"title": title, **extra}


@government_required
def portrait_page(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = get_object_or_404(Enterprise, pk=enterprise_id)
    require(request, "registry.view_enterprise_file", enterprise)
    view = portrait(enterprise)
    return render(
        request,
        "analysis/portrait.html",
        _context(
            request,
            gettext("企业画像：%(name)s") % {"name": enterprise.name},
            p=view,
            charts=figures.portrait_charts(view),
        ),
    )


@government_required
def dossier_page(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = get_object_or_404(Enterprise, pk=enterprise_id)
    require(request, "registry.view_enterprise_file", enterprise)
    return render(
        request,
        "analysis/dossier.html",
        _context(
            request,
            gettext("一企一档：%(name)s") % {"name": enterprise.name},
            d=dossier.build(enterprise),
        ),
    )


@government_required
def dossier_pdf(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = get_object_or_404(Enterprise, pk=enterprise_id)
    require(request, "registry.view_enterprise_file", enterprise)
    content = dossier.pdf(dossier.build(enterprise))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="dossier-{enterprise.credit_code}.pdf"'
    return response


@government_required
def board_list(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(Run.objects.select_related("scheme_version"), pk=run_id, status="done")
    require(request, "scoring.view_run", run)
    form = BoardForm(request.POST or None, run=run)
    if request.method == "POST" and form.is_valid():
        require(request, "scoring.manage_run", run)
        board = form.save(commit=False)
        board.run = run
        board.save()
        return HttpResponseRedirect(reverse("analysis:board", args=[board.pk]))
    listing = Listing.build(
        request,
        BoardTable,
        Leaderboard.objects.filter(run=run).select_related("run__scheme_version"),
        filters=BoardFilter,
        export_name=f"boards-run{run.pk}",
    )
    if listing.export is not None:
        return listing.export
    return render(
        request,
        "analysis/boards.html",
        _context(
            request,
            gettext("积分榜 · 测算 #%(pk)s") % {"pk": run.pk},
            run=run,
            form=form,
            listing=listing,
        ),
    )


@government_required
def board_detail(request: HttpRequest, pk: int) -> HttpResponse:
    board = get_object_or_404(
        Leaderboard.objects.select_related("run__scheme_version", "published_by"), pk=pk
    )
    require(request, "analysis.view_board", board)
    rows = entry_rows(boards.entries(board, scope.narrowing_prefix(request.user, board.run.region)))
    listing = Listing.build(
        request,
        EntryTable,
        rows,
        filters=EntryFilter.for_run(board.run),
        export_name=f"board-{board.pk}",
        board=board,
    )
    if listing.export is not None:
        return listing.export
    return render(
        request,
        "analysis/board.html",
        _context(request, board.title, board=board, listing=listing),
    )


@government_required
@require_POST
def board_publish(request: HttpRequest, pk: int) -> HttpResponse:
    board = get_object_or_404(Leaderboard, pk=pk, status="draft")
    require(request, "analysis.manage_board", board)
    board.status, board.published_at, board.published_by = "published", timezone.now(), request.user
    board._history_user = request.user  # type: ignore[attr-defined]
    board.save()
    messages.success(request, gettext("榜单“%(title)s”已发布") % {"title": board.title})
    # the run's first list starts matching its enterprises to policies and products, in the
    # background: the list's page shows how far it is
    return HttpResponseRedirect(reverse("analysis:board", args=[board.pk]))


@government_required
def board_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    board = get_object_or_404(Leaderboard.objects.select_related("run__scheme_version"), pk=pk)
    require(request, "analysis.view_board", board)
    workbook = Workbook()  # written as rows come, then streamed
    sheet = workbook.create_sheet(gettext("榜单"))
    sheet.append([*pool_members.header(), gettext("数据覆盖率（%）")])
    narrowed = scope.narrowing_prefix(request.user, board.run.region)
    rows = entry_rows(boards.entries(board, narrowed))
    chosen = EntryFilter.for_run(board.run)(request.GET or None, queryset=rows, request=request)
    if chosen.is_bound:  # the page's filters: the rows the page lists
        rows = chosen.qs if chosen.is_valid() else rows.none()
    for row in rows:
        sheet.append(
            [
                row["position"],
                row.get("credit_code"),
                row.get("name"),
                names.stage_name(row.get("stage"), board.run.scheme_version),
                row.get("industry"),
                row["score"],
                row["grade"],
                percent_number(row["cover"]),
            ]
        )
    return workbook.response(f"board-{board.pk}.xlsx")


@government_required
def pools_page(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(Run, pk=run_id, status="done")
    require(request, "scoring.view_run", run)
    narrowed = scope.narrowing_prefix(request.user, run.region)
    pools = pool_members.counts(run, narrowed)
    return render(
        request,
        "analysis/pools.html",
        _context(
            request,
            gettext("培育库 · 测算 #%(pk)s") % {"pk": run.pk},
            run=run,
            pools=pools,
            chart=figures.pools_chart(pools) if any(n for _, n in pools) else None,
        ),
    )


@government_required
def pool_page(request: HttpRequest, run_id: int, code: str) -> HttpResponse:
    """Every member of one pool with its score, 50 a page."""
    run = get_object_or_404(Run.objects.select_related("scheme_version"), pk=run_id, status="done")
    require(request, "scoring.view_run", run)
    pool = get_object_or_404(Pool, code=code)
    results = pool_members.members(run, pool, scope.narrowing_prefix(request.user, run.region))
    listing = Listing.build(
        request,
        MemberTable,
        results.defer(*LIST_DEFERRED),
        filters=ResultFilter.for_run(run),
        export_name=f"pool-{pool.code}-run{run.pk}",
        run=run,
    )
    if listing.export is not None:
        return listing.export
    return render(
        request,
        "analysis/pool.html",
        _context(
            request,
            gettext("%(pool)s · 测算 #%(pk)s")
            % {"pool": board_words.pool_name(pool), "pk": run.pk},
            run=run,
            pool=pool,
            listing=listing,
            page=listing.table.page,
        ),
    )


@government_required
def pool_xlsx(request: HttpRequest, run_id: int, code: str) -> HttpResponse:
    """Every member of one pool with its score, as the page lists them."""
    run = get_object_or_404(Run.objects.select_related("scheme_version"), pk=run_id, status="done")
    require(request, "scoring.view_run", run)
    pool = get_object_or_404(Pool, code=code)
    results = pool_members.members(run, pool, scope.narrowing_prefix(request.user, run.region))
    chosen = ResultFilter.for_run(run)(request.GET or None, queryset=results, request=request)
    if chosen.is_bound:  # the page's filters: the members the page lists
        results = chosen.qs if chosen.is_valid() else results.none()
    return exports.table_response(
        f"pool-{pool.code}-run{run.pk}.xlsx",
        pool.name,
        pool_members.header(),
        pool_members.rows(results, lambda code: names.stage_name(code, run.scheme_version)),
    )


@government_required
def statistics_page(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(Run, pk=run_id, status="done")
    require(request, "scoring.view_run", run)
    with reports():  # the figures from the read replica, when one is configured
        numbers = stats.build(run, scope.narrowing_prefix(request.user, run.region))
    tiers = [t.code for t in run.scheme_version.scheme().tiers.levels]
    return render(
        request,
        "analysis/statistics.html",
        _context(
            request,
            gettext("统计分析 · 测算 #%(pk)s") % {"pk": run.pk},
            s=numbers,
            run=run,
            tiers=tiers,
            charts=figures.statistics_charts(numbers, tiers),
            totals=figures.statistics_totals(numbers),
            timings=names.in_step_order((run.report or {}).get("timings_s", {})),
            recent_jobs=recent_jobs.recent(request.user, limit=20, exclude=frozenset({"matching"})),
        ),
    )


@government_required
def statistics_xlsx(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(Run, pk=run_id, status="done")
    require(request, "scoring.view_run", run)
    narrowed = scope.narrowing_prefix(request.user, run.region)
    with reports():
        numbers = stats.build(run, narrowed)
    response = HttpResponse(stats.to_xlsx(numbers), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="statistics-run{run.pk}.xlsx"'
    return response
