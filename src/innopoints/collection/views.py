from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext, pgettext

from innopoints.accounts import scope
from innopoints.accounts.decorators import government_required, require
from innopoints.audit.log import record
from innopoints.collection import access, quality, resolution
from innopoints.collection.forms import ResolveForm
from innopoints.collection.listings import FindingFilter, FindingTable, QualityTable
from innopoints.collection.models import DataSource, Dispute, DisputeEvidence, FactValue, Finding
from innopoints.collection.source_columns import field_unit
from innopoints.registry.models import Region
from innopoints.registry.regions import UnknownRegion, resolve_region
from innopoints.site.listing import Listing


def _parameters(request: HttpRequest) -> tuple[str, Region | None, DataSource | None]:
    periods = quality.periods()
    period = request.GET.get("period") or (periods[0] if periods else "2025")
    asked = (request.GET.get("region") or "").strip()
    region = None
    if asked:
        try:  # a code or a name (成都, 武侯区)
            region = resolve_region(asked, scope.region_prefix(request.user) or "")
        except UnknownRegion as exc:
            messages.error(request, str(exc))
    if not scope.governs_region(request.user, region):
        region = scope.region_of(request.user)  # a government user sees only its own divisions
    source = DataSource.objects.filter(code=request.GET.get("source", "")).first()
    return period, region, source


@government_required
def quality_report(request: HttpRequest) -> HttpResponse:
    period, region, source = _parameters(request)
    report = quality.build(period, region, source)
    listing = Listing.build(
        request, QualityTable, report.indicators, export_name=f"data-quality-{period}"
    )
    if listing.export is not None:
        return listing.export
    labels = dict(Finding.KINDS)
    context = {
        "report": report,
        "listing": listing,
        "findings_by_kind": [(labels.get(k, k), n) for k, n in report.findings_by_kind.items()],
        "periods": quality.periods(),
        "regions": scope.governed_regions(request.user).filter(level__lte=2),
        "sources": DataSource.objects.filter(manual=False),
        "title": gettext("数据质量报告"),
        "query": request.GET.urlencode(),
    }
    return render(request, "collection/quality.html", context)


@government_required
def quality_report_xlsx(request: HttpRequest) -> HttpResponse:
    period, region, source = _parameters(request)
    content = quality.to_xlsx(quality.build(period, region, source, wait=True))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="data-quality-{period}.xlsx"'
    return response


def resolve_finding(
    request: HttpRequest,
    finding: Finding,
    *,
    template: str,
    done_url: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """The resolution form of one finding (accept a source, correct, dismiss), shared by the
    admin and the government portal; every resolution is a new manual version with history."""
    form = ResolveForm(request.POST or None, finding=finding)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "accept":
                resolution.accept_source(
                    finding, data["source"], request.user, data.get("reason") or ""
                )
            elif data["action"] == "correct":
                resolution.correct(finding, data["value"], request.user, data["reason"])
            else:
                resolution.dismiss(finding, request.user, data["reason"])
        except resolution.ResolutionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("核验问题 %(pk)s 已处理") % {"pk": finding.pk})
            return HttpResponseRedirect(done_url)
    versions = (
        FactValue.objects.filter(
            enterprise=finding.enterprise, period=finding.period, field_code=finding.field_code
        )
        .select_related("source", "batch", "recorded_by")
        .order_by("source__code", "-version")
    )
    dispute = Dispute.objects.filter(finding=finding).select_related("fact__source").first()
    context = {
        **(extra or {}),
        "dispute": dispute,
        "evidence": list(dispute.evidence.defer("content")) if dispute else [],
        "finding": finding,
        "form": form,
        "versions": versions,
        "title": gettext("处理核验问题 %(pk)s") % {"pk": finding.pk},
    }
    return render(request, template, context)


@government_required
def findings(request: HttpRequest) -> HttpResponse:
    """The findings of the user's own enterprises (open ones unless another status is
    chosen), newest first: filtered, sorted, paged and exported (site/listing.py)."""
    mine = scope.enterprise_filter(request.user)
    if access.governs_sources(request.user):  # the sources' delivery findings too
        mine |= Q(enterprise__isnull=True)
    query = (
        Finding.objects.filter(mine)
        .select_related("enterprise", "batch__source", "responsible_source")
        .defer("batch__content", "batch__column_map")
        .order_by("-pk")
    )
    listing = Listing.build(
        request, FindingTable, query, filters=FindingFilter, export_name="findings"
    )
    if listing.export is not None:
        return listing.export
    return render(
        request,
        "collection/findings.html",
        {"title": pgettext("plural", "核验问题"), "listing": listing},
    )


@government_required
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(Finding.objects.select_related("enterprise"), pk=pk)
    require(request, "collection.resolve_finding", finding)
    return resolve_finding(
        request,
        finding,
        template="collection/resolve.html",
        done_url=reverse("collection:findings"),
        extra={"unit": field_unit(finding.field_code)},
    )


@government_required
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """An evidence file of a dispute, for the government users who may resolve it."""
    found = get_object_or_404(
        DisputeEvidence.objects.select_related("dispute__finding__enterprise"), pk=pk
    )
    require(request, "collection.resolve_finding", found.dispute.finding)
    return evidence_response(found)


def evidence_response(found: DisputeEvidence) -> HttpResponse:
    record(
        "export",
        obj=found,
        enterprise=found.dispute.enterprise,
        summary=gettext("下载异议证明材料：%(name)s") % {"name": found.name},
    )
    response = HttpResponse(bytes(found.content), content_type=found.content_type)
    suffix = found.name.rsplit(".", 1)[-1].lower() if "." in found.name else "bin"
    response["Content-Disposition"] = f'attachment; filename="evidence-{found.pk}.{suffix}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
