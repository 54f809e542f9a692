"""监测评价 pages: the divisions' dashboard and ranking with their trend, the data delivery
board, delivery deadlines (the province's) and work summaries (uploaded by cities and
counties, reviewed above them). A province sees its cities, a city its counties, a county
itself (``deliveries.supervised_divisions``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from innopoints.accounts import scope
from innopoints.accounts.decorators import portal_required, require
from innopoints.audit.log import record
from innopoints.core.exports import table_response
from innopoints.site import charts, names
from innopoints.site.listing import Listing
from innopoints.targets import deliveries, supervision
from innopoints.targets.models import DeliveryDeadline, WorkSummary
from innopoints.targets.supervision_forms import DeadlineForm, ReviewForm, SummaryForm
from innopoints.targets.supervision_tables import RankingTable, SummaryTable

TREND_YEARS = 5


def _year(request: HttpRequest, default: int) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and len(raw) == 4 else default


@portal_required("targets.view_supervision")
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    divisions = deliveries.supervised_divisions(user)
    years = supervision.run_years(user)
    year = _year(request, years[-1] if years else timezone.localdate().year - 1)
    metric = request.GET.get("metric", "coverage")
    if metric not in supervision.METRICS:
        metric = "coverage"
    rows = supervision.figures(user, divisions, year)
    ranking = supervision.ranked(rows, metric)
    listing = Listing.build(
        request,
        RankingTable,
        [{"rank": rank, "figures": row} for rank, row in ranking],
        export_name=f"divisions-{year}",
    )
    if listing.export is not None:
        record("export", summary=_("导出各地区监测评价（%(year)s 年）") % {"year": year})
        return listing.export
    trend_years = sorted({*years, year})[-TREND_YEARS:]
    series = supervision.trend(user, divisions, trend_years, metric)
    chart = charts.line(
        [str(y) for y in trend_years],
        {names.region_name(code): values for code, values in series.items()},
        unit=str(supervision.UNITS[metric]),
    )
    return render(
        request,
        "targets/supervision_dashboard.html",
        {
            "title": _("各地区监测评价"),
            "own": deliveries.own_division(user),
            "divisions": divisions,
            "year": year,
            "years": sorted({*years, year}, reverse=True),
            "metric": metric,
            "metrics": list(supervision.METRICS.items()),
            "metric_label": supervision.METRICS[metric],
            "listing": listing,
            "chart": chart,
        },
    )


@portal_required("targets.view_supervision")
def delivery_board(request: HttpRequest) -> HttpResponse:
    user = request.user
    divisions = deliveries.supervised_divisions(user)
    period = request.GET.get("period", "").strip() or deliveries.default_period()
    try:
        deliveries.default_due(period)
    except ValueError:  # not a period: last year's
        period = deliveries.default_period()
    periods = deliveries.known_periods()
    if period not in periods:
        periods = sorted({*periods, period}, reverse=True)
    board = deliveries.board(divisions, period)
    summaries_due = deliveries.summaries_due(divisions, period)
    if request.GET.get("export") == "xlsx":
        record("export", summary=_("导出数据报送情况（%(period)s）") % {"period": period})
        headers = [
            _("行政区划"),
            _("数据来源"),
            _("数据期"),
            _("报送截止日期"),
            _("报送时间"),
            _("状态"),
            _("逾期天数"),
        ]
        lines = [
            [
                names.region_name(cell.division.code),
                cell.source.display_name,
                period,
                cell.due_on.isoformat(),
                timezone.localtime(cell.delivered_at).strftime("%Y-%m-%d %H:%M")
                if cell.delivered_at
                else "",
                cell.label,
                cell.days_late,
            ]
            for _division, cells in board.rows()
            for cell in cells
        ]
        summary_source = _("年度工作总结")
        lines += [
            [names.region_name(d.code), summary_source, period, "", "", label, ""]
            for d in divisions
            for _status, label in [summaries_due[d.code]]
        ]
        return table_response(f"deliveries-{period}.xlsx", _("数据报送情况"), headers, lines)
    totals = board.counts()
    return render(
        request,
        "targets/delivery_board.html",
        {
            "title": _("数据报送情况"),
            "board": board,
            "rows": [
                (d, cells, board.timeliness(d), summaries_due[d.code]) for d, cells in board.rows()
            ],
            "totals": [(code, deliveries.STATUS_LABELS[code], totals[code]) for code in totals],
            "period": period,
            "periods": periods,
            "may_set": user.has_perm("targets.set_deadline", None),
        },
    )


@portal_required("targets.view_supervision")
def deadlines(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(request, "targets.set_deadline", None)
    form = DeadlineForm(request.POST or None, user=user, initial=_deadline_initial(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not user.has_perm("targets.set_deadline", data["division"]):
            raise PermissionDenied
        sources = [data["source"]] if data["source"] is not None else deliveries.expected_sources()
        with transaction.atomic():
            for source in sources:
                DeliveryDeadline.objects.update_or_create(
                    source=source,
                    division=data["division"],
                    period=data["period"],
                    defaults={"due_on": data["due_on"], "note": data["note"], "updated_by": user},
                )
        messages.success(request, _("报送截止日期已保存"))
        return HttpResponseRedirect(f"{reverse('targets:deliveries')}?period={data['period']}")
    own = deliveries.own_division(user)
    rows = DeliveryDeadline.objects.select_related("source", "updated_by").order_by(
        "-period", "division", "source"
    )
    if own is not None and not scope.is_admin(user):
        rows = rows.filter(division__code__startswith=own.code_prefix())
    return render(
        request,
        "targets/deadlines.html",
        {
            "title": _("报送截止日期"),
            "form": form,
            "rows": rows[:200],
            "default_rule": _("未单独设定时，数据期结束后次年 6 月 30 日"),
        },
    )


def _deadline_initial(request: HttpRequest) -> dict[str, Any]:
    period = request.GET.get("period", "") or deliveries.default_period()
    try:
        due = deliveries.default_due(period)
    except ValueError:
        return {}
    return {"period": period, "due_on": due}


@portal_required("targets.view_supervision")
def summaries(request: HttpRequest) -> HttpResponse:
    user = request.user
    own = deliveries.own_division(user)
    may_upload = user.has_perm("targets.upload_summary", own)
    form = SummaryForm(request.POST or None, request.FILES or None) if may_upload else None
    if request.method == "POST":
        if form is None or own is None:
            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            WorkSummary.objects.create(
                division=own,
                year=form.cleaned_data["year"],
                text=form.cleaned_data["text"],
                file_name=upload.name[:255],
                content=content,
                size=len(content),
                uploaded_by=user,
            )
            messages.success(request, _("工作总结已提交，等待上级审阅"))
            return HttpResponseRedirect(reverse("targets:summaries"))
    prefix = scope.region_prefix(user)
    rows = WorkSummary.objects.select_related("uploaded_by", "reviewed_by").defer("content")
    if prefix:
        rows = rows.filter(division__code__startswith=prefix)
    elif prefix is None:
        rows = rows.none()
    listing = Listing.build(request, SummaryTable, rows, export_name="work-summaries")
    if listing.export is not None:
        record("export", summary=_("导出工作总结列表"))
        return listing.export
    return render(
        request,
        "targets/summaries.html",
        {"title": _("工作总结"), "form": form, "listing": listing},
    )


@portal_required("targets.view_supervision")
def summary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    summary = get_object_or_404(WorkSummary.objects.defer("content"), pk=pk)
    require(request, "targets.view_summary", summary)
    may_review = user.has_perm("targets.review_summary", summary)
    form = ReviewForm(request.POST or None) if may_review else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            summary.status = form.cleaned_data["decision"]
            summary.review_note = form.cleaned_data["note"]
            summary.reviewed_by = user
            summary.reviewed_at = timezone.now()
            summary.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
            messages.success(request, _("审阅结果已保存"))
            return HttpResponseRedirect(reverse("targets:summary", args=[summary.pk]))
    return render(
        request,
        "targets/summary_detail.html",
        {
            "title": _("工作总结：%(division)s %(year)s 年")
            % {"division": summary.division_name, "year": summary.year},
            "summary": summary,
            "form": form,
        },
    )


@portal_required("targets.view_supervision")
def summary_file(request: HttpRequest, pk: int) -> HttpResponse:
    summary = get_object_or_404(WorkSummary, pk=pk)
    require(request, "targets.view_summary", summary)
    response = HttpResponse(bytes(summary.content), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, summary.file_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
