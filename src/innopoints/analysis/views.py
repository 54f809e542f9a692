from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from innopoints.accounts import scope
from innopoints.accounts.decorators import government_required, require
from innopoints.analysis import board_words, boards, dossier, pool_members, stats
from innopoints.analysis.models import Leaderboard, Pool
from innopoints.analysis.portrait import portrait
from innopoints.core import exports, recent_jobs
from innopoints.core.exports import Workbook
from innopoints.core.routers import reports
from innopoints.registry.models import Enterprise
from innopoints.scoring.coverage import min_coverage, percent_number
from innopoints.scoring.models import Run
from innopoints.site import names
from innopoints.site.paging import link_query, page_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _context(request: HttpRequest, title: str, **extra: object) -> dict[str, object]:
    return {"title": title, **extra}


@government_required
def portrait_page(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = get_object_or_404(Enterprise, pk=enterprise_id)
    require(request, "registry.view_enterprise_file", enterprise)
    view = portrait(enterprise)
    chart = {
        "axes": [{"name": a.name, "max": 100} for a in view.axes],
        "mine": [a.mine for a in view.axes],
        "median": [a.median for a in view.axes],
        "p90": [a.p90 for a in view.axes],
        "trend": [{"run": r.run_id, "period": r.run.period, "total": r.total} for r in view.trend],
    }
    return render(
        request,
        "analysis/portrait.html",
        _context(
            request,
            gettext("企业画像：%(name)s") % {"name": enterprise.name},
            p=view,
            chart=chart,  # json_script in the page (analysis/static/analysis/portrait.js)
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


class BoardForm(forms.ModelForm):
    class Meta:
        model = Leaderboard
        fields = ["title", "kind", "filter_value", "top_n", "share_from", "share_to"]
        help_texts = {
            "filter_value": gettext_lazy(
                "产业领域榜填领域名称，成长阶段榜填阶段名称（如 成长期），培育库名单填培育库名称；"
                "筛选名单写条件，如 档次=A,B；阶段=成长期；地区=成都市；最低总积分=60"
            )
        }


@government_required
def board_list(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(Run, pk=run_id, status="done")
    require(request, "scoring.view_run", run)
    form = BoardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        require(request, "scoring.manage_run", run)
        board = form.save(commit=False)
        board.run = run
        board.save()
        return HttpResponseRedirect(reverse("analysis:board", args=[board.pk]))
    return render(
        request,
        "analysis/boards.html",
        _context(
            request,
            gettext("积分榜 · 测算 #%(pk)s") % {"pk": run.pk},
            run=run,
            form=form,
            boards=Leaderboard.objects.filter(run=run),
        ),
    )


@government_required
def board_detail(request: HttpRequest, pk: int) -> HttpResponse:
    board = get_object_or_404(Leaderboard.objects.select_related("run"), pk=pk)
    require(request, "analysis.view_board", board)
    rows = boards.entries(
        board, scope.narrowing_prefix(request.user, board.run.region), min_coverage(request)
    )
    page = page_of(request, rows)  # 50 rows a page: a 6,000-row list was one 196,000 px page
    return render(
        request,
        "analysis/board.html",
        _context(
            request,
            board.title,
            board=board,
            rows=page.object_list,
            page=page,
            page_query=link_query(request),
        ),
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
    board = get_object_or_404(Leaderboard, pk=pk)
    require(request, "analysis.view_board", board)
    workbook = Workbook()  # written as rows come, then streamed
    sheet = workbook.create_sheet(gettext("榜单"))
    sheet.append([*pool_members.header(), gettext("数据覆盖率（%）")])
    narrowed = scope.narrowing_prefix(request.user, board.run.region)
    for row in boards.entries(board, narrowed, min_coverage(request)):
        sheet.append(
            [
                row["position"],
                row.get("credit_code"),
                row.get("name"),
                names.stage_name(row.get("stage"), board.run.scheme_version),
                row.get("industry"),
                row.get("total_after", row.get("total")),
                row.get("tier_after", row.get("tier")),
                percent_number(boards.row_coverage(row)),
            ]
        )
    return workbook.response(f"board-{board.pk}.xlsx")


@government_required
def pools_page(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(Run, pk=run_id, status="done")
    require(request, "scoring.view_run", run)
    narrowed = scope.narrowing_prefix(request.user, run.region)
    return render(
        request,
        "analysis/pools.html",
        _context(
            request,
            gettext("培育库 · 测算 #%(pk)s") % {"pk": run.pk},
            run=run,
            pools=pool_members.counts(run, narrowed),
        ),
    )


@government_required
def pool_page(request: HttpRequest, run_id: int, code: str) -> HttpResponse:
    """Every member of one pool with its score, 50 a page."""
    run = get_object_or_404(Run.objects.select_related("scheme_version"), pk=run_id, status="done")
    require(request, "scoring.view_run", run)
    pool = get_object_or_404(Pool, code=code)
    results = pool_members.members(run, pool, scope.narrowing_prefix(request.user, run.region))
    page = page_of(request, results)
    return render(
        request,
        "analysis/pool.html",
        _context(
            request,
            gettext("%(pool)s · 测算 #%(pk)s")
            % {"pool": board_words.pool_name(pool), "pk": run.pk},
            run=run,
            pool=pool,
            page=page,
            page_query=link_query(request),
        ),
    )


@government_required
def pool_xlsx(request: HttpRequest, run_id: int, code: str) -> HttpResponse:
    """Every member of one pool with its score, as the page lists them."""
    run = get_object_or_404(Run.objects.select_related("scheme_version"), pk=run_id, status="done")
    require(request, "scoring.view_run", run)
    pool = get_object_or_404(Pool, code=code)
    results = pool_members.members(run, pool, scope.narrowing_prefix(request.user, run.region))
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
        figures = stats.build(run, scope.narrowing_prefix(request.user, run.region))
    chart = {
        "histogram": figures.histogram,
        "regions": [[r["prefecture"], r["n"]] for r in figures.by_region],
    }
    return render(
        request,
        "analysis/statistics.html",
        _context(
            request,
            gettext("统计分析 · 测算 #%(pk)s") % {"pk": run.pk},
            s=figures,
            run=run,
            tiers=[t.code for t in run.scheme_version.scheme().tiers.levels],
            chart=chart,  # json_script in the page (analysis/static/analysis/statistics.js)
            timings=sorted((run.report or {}).get("timings_s", {}).items()),
            recent_jobs=recent_jobs.recent(request.user, limit=20, exclude=frozenset({"matching"})),
        ),
    )


@government_required
def statistics_xlsx(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(Run, pk=run_id, status="done")
    require(request, "scoring.view_run", run)
    narrowed = scope.narrowing_prefix(request.user, run.region)
    with reports():
        figures = stats.build(run, narrowed)
    response = HttpResponse(stats.to_xlsx(figures), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="statistics-run{run.pk}.xlsx"'
    return response
