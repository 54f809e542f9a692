from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext

from innopoints.accounts import scope
from innopoints.accounts.decorators import government_required
from innopoints.collection import quality
from innopoints.collection.models import DataSource, FactValue, Finding
from innopoints.registry.models import Region


def _parameters(request: HttpRequest) -> tuple[str, Region | None, DataSource | None]:
    periods = list(
        FactValue.objects.values_list("period", flat=True).distinct().order_by("-period")[:20]
    )
    period = request.GET.get("period") or (periods[0] if periods else "2025")
    region = Region.objects.filter(code=request.GET.get("region", "")).first()
    if not scope.governs_region(request.user, region):
        region = scope.region_of(request.user)  # a government user sees only its own divisions
    source = DataSource.objects.filter(code=request.GET.get("source", "")).first()
    return period, region, source


@government_required
def quality_report(request: HttpRequest) -> HttpResponse:
    period, region, source = _parameters(request)
    report = quality.build(period, region, source)
    labels = dict(Finding.KINDS)
    periods = FactValue.objects.values_list("period", flat=True).distinct().order_by("-period")
    context = {
        **admin.site.each_context(request),
        "report": report,
        "findings_by_kind": [(labels.get(k, k), n) for k, n in report.findings_by_kind.items()],
        "periods": list(periods[:20]),
        "regions": scope.governed_regions(request.user).filter(level__lte=2),
        "sources": DataSource.objects.filter(manual=False),
        "title": gettext("数据质量报告"),
        "query": request.GET.urlencode(),
    }
    return render(request, "collection/quality.html", context)


@government_required
def quality_report_xlsx(request: HttpRequest) -> HttpResponse:
    period, region, source = _parameters(request)
    content = quality.to_xlsx(quality.build(period, region, source))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="data-quality-{period}.xlsx"'
    return response
