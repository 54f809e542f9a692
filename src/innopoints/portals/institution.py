"""金融端: the lists sent to this institution (name, tier, score band only), an enterprise's
detailed file only while its authorisation is active and within its scope, and the financing
records. Every view or export of an enterprise's detailed data is audited."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from innopoints.accounts import scope
from innopoints.accounts.decorators import institution_required, require
from innopoints.analysis import boards
from innopoints.analysis.publication import published_result
from innopoints.applications.models import Dispatch, Financing, Message
from innopoints.audit.log import record
from innopoints.collection import access
from innopoints.collection.models import Authorisation
from innopoints.core.exports import Workbook
from innopoints.portals.widgets import IsoDateInput
from innopoints.registry.models import Enterprise
from innopoints.scoring.coverage import min_coverage, percent_number
from innopoints.scoring.explain import explain, lines_in_scope
from innopoints.scoring.models import LARGE_RUN_FIELDS
from innopoints.site.formats import score_band

BOARD_RUN_LARGE = tuple(f"board__{f}" for f in LARGE_RUN_FIELDS)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _institution(request: HttpRequest) -> object:
    institution = scope.institution_of(request.user)
    if institution is None:
        raise Http404
    return institution


AUTHORISED_PER_PAGE = 50


@institution_required
def home(request: HttpRequest) -> HttpResponse:
    """Lists sent to the institution, the enterprises that authorised it (newest first, a page
    at a time: a bank may hold thousands of authorisations) and its messages."""
    institution = _institution(request)
    dispatches = (
        Dispatch.objects.filter(institution=institution, board__status="published")
        .select_related("board__run", "sent_by")
        .defer(*BOARD_RUN_LARGE)
    )
    authorised = Authorisation.objects.of_institution_newest_first(
        institution, timezone.localdate()
    )
    page = Paginator(authorised, AUTHORISED_PER_PAGE).get_page(request.GET.get("page"))
    inbox = Message.objects.filter(institution=institution)[:20]
    return render(
        request,
        "portals/fin_home.html",
        {
            "title": _("金融端"),
            "dispatches": dispatches,
            "authorised": page,
            "inbox": inbox,
        },
    )


def _list_rows(request: HttpRequest, dispatch: Dispatch) -> list[dict[str, object]]:
    query = (request.GET.get("q") or "").strip()
    rows = []
    for row in boards.entries(dispatch.board, min_coverage=min_coverage(request)):
        name = str(row.get("name") or "")
        if query and query not in name and query != row.get("credit_code"):
            continue
        rows.append(
            {
                "position": row["position"],
                "enterprise_id": row.get("enterprise_id"),
                "name": name,
                "tier": row.get("tier_after", row.get("tier")),
                "band": score_band(row.get("total_after", row.get("total"))),
                "coverage": boards.row_coverage(row),
            }
        )
    return rows


def _dispatch(request: HttpRequest, pk: int) -> Dispatch:
    dispatch = get_object_or_404(
        Dispatch.objects.select_related("board__run").defer(*BOARD_RUN_LARGE),
        pk=pk,
        institution=_institution(request),
        board__status="published",
    )
    require(request, "analysis.view_board", dispatch.board)
    return dispatch


@institution_required
def list_page(request: HttpRequest, pk: int) -> HttpResponse:
    dispatch = _dispatch(request, pk)
    rows = _list_rows(request, dispatch)
    authorised = set(
        Authorisation.objects.active_on(timezone.localdate())
        .filter(institution=dispatch.institution)
        .values_list("enterprise_id", flat=True)
    )
    return render(
        request,
        "portals/fin_list.html",
        {
            "title": dispatch.board.title,
            "dispatch": dispatch,
            "rows": rows,
            "authorised": authorised,
            "q": request.GET.get("q", ""),
        },
    )


@institution_required
def list_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    dispatch = _dispatch(request, pk)
    workbook = Workbook()
    sheet = workbook.create_sheet(_("推荐名单"))
    sheet.append([_("名次"), _("企业名称"), _("档次"), _("分数段"), _("数据覆盖率（%）")])
    rows = _list_rows(request, dispatch)
    for row in rows:
        coverage = percent_number(row["coverage"])  # type: ignore[arg-type]
        sheet.append([row["position"], row["name"], row["tier"], row["band"], coverage])
    record(
        "export",
        obj=dispatch.board,
        summary=_("导出推荐名单（%(n)d 家企业，仅名称、档次、分数段、数据覆盖率）")
        % {"n": len(rows)},
        request=request,
    )
    return workbook.response(f"list-{dispatch.pk}.xlsx")


@institution_required
def enterprise_file(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = get_object_or_404(Enterprise.objects.select_related("region"), pk=enterprise_id)
    require(request, "registry.view_enterprise_file", enterprise)
    allowed = access.authorised_scope(request.user, enterprise) or set()
    result = published_result(enterprise)
    lines = []
    if result is not None:
        lines = lines_in_scope(explain(result).lines, allowed)
    record(
        "view",
        obj=enterprise,
        enterprise=enterprise,
        summary=_("查看企业详细档案与积分明细（授权范围：%(scope)s）")
        % {"scope": pgettext("list separator", "、").join(sorted(allowed)) or _("全部")},
        request=request,
    )
    return render(
        request,
        "portals/fin_enterprise.html",
        {
            "title": enterprise.name,
            "enterprise": enterprise,
            "result": result,
            "lines": lines,
            "scope": sorted(allowed),
            "qualifications": enterprise.qualifications.all(),
            "financings": Financing.objects.filter(
                enterprise=enterprise, institution=_institution(request)
            ),
        },
    )


class FinancingForm(forms.ModelForm):
    class Meta:
        model = Financing
        fields = [
            "kind",
            "product",
            "applied_on",
            "amount_requested",
            "status",
            "amount",
            "rate",
            "term_months",
            "guarantee_share",
            "decided_on",
            "disbursed_on",
            "note",
        ]
        widgets = {
            "applied_on": IsoDateInput(),
            "decided_on": IsoDateInput(),
            "disbursed_on": IsoDateInput(),
            "note": forms.Textarea(attrs={"rows": 2}),
        }


@institution_required
def financing_new(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = get_object_or_404(Enterprise, pk=enterprise_id)
    require(request, "applications.record_financing", enterprise)
    form = FinancingForm(request.POST or None)
    if request.method == "POST":
        form.instance.enterprise = enterprise
        form.instance.institution = _institution(request)  # type: ignore[assignment]
        form.instance.recorded_by = request.user  # type: ignore[assignment]
        if form.is_valid():
            financing = form.save()
            Message.objects.create(
                enterprise=enterprise,
                kind="financing",
                subject=_("%(institution)s 记录了您的融资申请：%(status)s")
                % {"institution": financing.institution, "status": financing.get_status_display()},
            )
            messages.success(request, _("融资记录已保存"))
            return HttpResponseRedirect(reverse("portals:fin_financings"))
    return render(
        request,
        "portals/fin_financing_form.html",
        {"title": _("记录融资申请：%(name)s") % {"name": enterprise.name}, "form": form},
    )


@institution_required
def financing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    financing = get_object_or_404(Financing.objects.select_related("enterprise"), pk=pk)
    require(request, "applications.update_financing", financing)
    form = FinancingForm(request.POST or None, instance=financing)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("融资记录已更新"))
        return HttpResponseRedirect(reverse("portals:fin_financings"))
    return render(
        request,
        "portals/fin_financing_form.html",
        {"title": _("更新融资记录：%(name)s") % {"name": financing.enterprise.name}, "form": form},
    )


@institution_required
def financings(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    query = (request.GET.get("q") or "").strip()
    records = Financing.objects.filter(institution=institution).select_related("enterprise")
    if query:
        records = records.filter(
            Q(enterprise__name__contains=query) | Q(enterprise__credit_code=query)
        )
    return render(
        request,
        "portals/fin_financings.html",
        {"title": pgettext("plural", "融资记录"), "records": records[:200], "q": query},
    )


@institution_required
def outcomes(request: HttpRequest) -> HttpResponse:
    """This institution's own financings: volumes and whether the score predicted outcomes."""
    from innopoints.applications.financing_figures import (  # noqa: PLC0415
        financing_figures,
        outcome_figures,
    )

    records = Financing.objects.filter(institution=_institution(request))
    return render(
        request,
        "portals/financing_figures.html",
        {
            "title": _("本机构融资统计与积分有效性"),
            "f": financing_figures(records),
            "o": outcome_figures(records),
            "show_targets": False,
        },
    )
