"""金融端: the lists sent to this institution (name, tier, score band only), an enterprise's
detailed file only while its authorisation is active and within its scope, and the financing
records. Every view or export of an enterprise's detailed data is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from innopoints.accounts import scope
from innopoints.accounts.decorators import institution_required, require
from innopoints.analysis import boards
from innopoints.analysis.publication import published_result
from innopoints.applications.indication import Indication
from innopoints.applications.list_indication import list_indications, list_offering
from innopoints.applications.models import Dispatch, Financing, Message, Offering
from innopoints.audit.log import record
from innopoints.collection import access
from innopoints.collection.models import Authorisation
from innopoints.core.exports import Workbook
from innopoints.lending.models import Application, Invitation
from innopoints.portals import bank_figures
from innopoints.portals.rows import RowFilterSet, Rows
from innopoints.registry.models import Enterprise
from innopoints.scoring.coverage import min_coverage, percent, percent_number
from innopoints.scoring.explain import explain, lines_in_scope
from innopoints.scoring.models import LARGE_RUN_FIELDS
from innopoints.site import charts, formats, names
from innopoints.site.formats import score_band
from innopoints.site.forms import DateInput, with_unit
from innopoints.site.listing import Listing, NumberColumn, Table

BOARD_RUN_LARGE = tuple(f"board__{f}" for f in LARGE_RUN_FIELDS)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _institution(request: HttpRequest) -> object:
    institution = scope.institution_of(request.user)
    if institution is None:
        raise Http404
    return institution


HOME_AUTHORISED = 8
HOME_LISTS = 10


def _authorised_ids(institution: object, day: dt.date) -> set[int]:
    return set(
        Authorisation.objects.active_on(day)
        .filter(institution=institution)
        .values_list("enterprise_id", flat=True)
    )


@institution_required
def home(request: HttpRequest) -> HttpResponse:
    """金融端's dashboard: key figures, the lists received and how many of their enterprises
    authorised the institution, its applications by state, authorisations by month, the outcome
    curve; then the lists, the newest authorisations and its messages."""
    from innopoints.applications.financing_figures import (  # noqa: PLC0415
        financing_figures,
        outcome_figures,
    )

    institution = _institution(request)
    today = timezone.localdate()
    dispatches = list(
        Dispatch.objects.filter(institution=institution, board__status="published")
        .select_related("board__run", "sent_by")
        .defer(*BOARD_RUN_LARGE)
    )
    authorised_ids = _authorised_ids(institution, today)
    reach = bank_figures.list_reach(
        (
            (d.board.title, (r.get("enterprise_id") for r in boards.entries(d.board)))
            for d in dispatches
        ),
        authorised_ids,
    )
    for dispatch, row in zip(dispatches, reach, strict=True):
        dispatch.reach = row  # type: ignore[attr-defined]
    authorised = Authorisation.objects.of_institution_newest_first(institution, today)
    records = Financing.objects.filter(institution=institution)
    states = bank_figures.status_counts(Application.objects.filter(institution=institution))
    money = financing_figures(records)
    outcomes_ = outcome_figures(records)
    curve = bank_figures.outcome_curve(outcomes_.by_band)
    grants = bank_figures.monthly_grants(institution, today)
    pending = sum(n for code, _label, n in states if code in bank_figures.PENDING)
    shown = reach[:HOME_LISTS]
    reach_chart = charts.stacked_bar(
        [row["title"] for row in shown][::-1],
        {
            _("已授权本机构"): [row["authorised"] for row in shown][::-1],
            _("尚未授权"): [row["n"] - row["authorised"] for row in shown][::-1],
        },
        unit=_("家"),
    )
    return render(
        request,
        "portals/fin_home.html",
        {
            "title": _("金融端"),
            "institution": institution,
            "dispatches": dispatches,
            "authorised": authorised[:HOME_AUTHORISED],
            "authorised_count": len(authorised_ids),
            "inbox": Message.objects.filter(institution=institution)[:8],
            "f": money,
            "o": outcomes_,
            "pending": pending,
            "default_rate": (100.0 * outcomes_.defaults / outcomes_.n if outcomes_.n else None),
            "has_records": any(n for _code, _label, n in states),
            "reach_chart": bank_figures.slim(bank_figures.horizontal(reach_chart)),
            "states_chart": bank_figures.slim(
                charts.bar(
                    [label for _code, label, _n in states],
                    [n for _code, _label, n in states],
                    name=_("件数"),
                    unit=_("件"),
                )
            ),
            "grants_chart": bank_figures.slim(
                charts.bar(
                    [month for month, _n in grants],
                    [n for _month, n in grants],
                    name=_("新增授权"),
                    unit=_("家"),
                )
            ),
            "has_grants": any(n for _month, n in grants),
            "curve": curve,
            "curve_chart": bank_figures.slim(
                charts.stacked_bar(
                    curve["bands"],
                    {_("正常"): curve["performing"], _("违约"): curve["defaulted"]},
                    unit="%",
                ),
                64,
            ),
        },
    )


def _list_rows(request: HttpRequest, dispatch: Dispatch) -> Rows:
    """The list's rows as the institution may see them (name, tier, score band, coverage),
    narrowed by ``q`` (a name's part or the exact credit code) and ``min_coverage``."""
    query = (request.GET.get("q") or "").strip()
    authorised = _authorised_ids(dispatch.institution, timezone.localdate())
    rows = Rows()
    for row in boards.entries(dispatch.board, min_coverage=min_coverage(request)):
        name = str(row.get("name") or "")
        if query and query not in name and query != row.get("credit_code"):
            continue
        total = row.get("total_after", row.get("total"))
        coverage = boards.row_coverage(row)
        rows.append(
            {
                "position": row["position"],
                "enterprise_id": row.get("enterprise_id"),
                "name": name,
                "tier": row.get("tier_after", row.get("tier")) or "",
                "band": score_band(total),
                "band_low": -1 if total is None else int(float(total) // 10),
                "coverage": coverage,
                "coverage_sort": -1.0 if coverage is None else coverage,
                "authorised": row.get("enterprise_id") in authorised,
            }
        )
    return rows


@dataclass(frozen=True)
class ListContext:
    """What a received list's 预授信参考 and 邀请授权 columns need."""

    dispatch_id: int
    run: Any
    offering: Offering | None
    authorised: set[int]
    pending: set[int]
    may_invite: bool


class ListTable(Table):
    position = NumberColumn(verbose_name=gettext_lazy("名次"))
    name = tables.Column(verbose_name=gettext_lazy("企业名称"))
    tier = tables.Column(verbose_name=gettext_lazy("档次"))
    band = tables.Column(verbose_name=gettext_lazy("分数段"), order_by=("band_low",))
    coverage = tables.Column(
        verbose_name=gettext_lazy("数据覆盖率（%）"),
        order_by=("coverage_sort",),
        attrs={"th": {"class": "num"}, "td": {"class": "num"}},
    )
    indication = tables.Column(
        verbose_name=gettext_lazy("预授信参考（额度 / 年利率）"),
        accessor="enterprise_id",
        orderable=False,
        exclude_from_export=True,
        empty_values=(),
    )
    file = tables.Column(
        verbose_name=gettext_lazy("档案"),
        accessor="enterprise_id",
        orderable=False,
        exclude_from_export=True,
    )
    invite = tables.Column(
        verbose_name=gettext_lazy("操作"),
        accessor="enterprise_id",
        orderable=False,
        exclude_from_export=True,
        empty_values=(),
    )

    class Meta(Table.Meta):
        attrs = {**Table.Meta.attrs, "id": "fin-list"}
        empty_text = gettext_lazy("没有符合条件的企业")

    def __init__(self, *args: Any, list_context: ListContext | None = None, **kwargs: Any) -> None:
        self.list_context = list_context
        exclude = () if list_context is not None and list_context.may_invite else ("invite",)
        super().__init__(*args, exclude=exclude, **kwargs)
        self._shown: dict[int, Indication] | None = None

    def _indications(self) -> dict[int, Indication]:
        """Computed once, for the rows of the page drawn only."""
        if self._shown is None:
            context = self.list_context
            rows = self.page.object_list if self.page else self.rows
            ids = [r.record["enterprise_id"] for r in rows if r.record.get("enterprise_id")]
            if context is None or context.offering is None:
                self._shown = {}
            else:
                self._shown = list_indications(
                    context.run, context.offering, ids, context.authorised
                )
        return self._shown

    def render_indication(self, value: int | None, record: dict[str, object]) -> str:
        found = self._indications().get(value) if value is not None else None
        if found is None or found.empty:
            return "—"
        rate = "—" if found.rate is None else f"{found.rate}%"
        return f"{formats.wan(found.amount)} / {rate}"

    def render_invite(self, value: int | None, record: dict[str, object]) -> str:
        context = self.list_context
        if context is None or value is None:
            return ""
        if value in context.pending:
            return _("已邀请，待回复")
        query = {"dispatch": context.dispatch_id, "enterprise": record["name"]}
        if context.offering is not None:
            query["offering"] = context.offering.pk
        return format_html(
            '<a class="btn btn-sm btn-outline-primary" href="{}?{}">{}</a>',
            reverse("lending:bank_invitations"),
            urlencode(query),
            _("邀请授权"),
        )

    def render_coverage(self, value: float | None) -> str:
        return percent(value)

    def value_coverage(self, value: float | None) -> float | None:
        return percent_number(value)

    def render_file(self, value: int | None, record: dict[str, object]) -> str:
        if not record.get("authorised") or value is None:
            return ""
        return format_html(
            '<a href="{}">{}</a>',
            reverse("portals:fin_enterprise", args=[value]),
            _("查看档案（已授权）"),
        )


class ListFilter(RowFilterSet):
    q = django_filters.CharFilter(label=gettext_lazy("企业名称或统一社会信用代码"))
    tier = django_filters.ChoiceFilter(label=gettext_lazy("档次"), empty_label=gettext_lazy("全部"))
    min_coverage = django_filters.NumberFilter(
        label=gettext_lazy("数据覆盖率不低于（%）"),
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "any"}),
    )
    authorised = django_filters.BooleanFilter(
        label=gettext_lazy("授权"),
        widget=forms.Select(
            choices=[
                ("", gettext_lazy("全部")),
                ("true", gettext_lazy("已授权本机构")),
                ("false", gettext_lazy("尚未授权")),
            ]
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tiers = sorted({str(r["tier"]) for r in self.queryset if r.get("tier")})
        self.filters["tier"].extra["choices"] = [(t, t) for t in tiers]

    def keep(self, row: dict[str, Any], data: dict[str, Any]) -> bool:
        # q and min_coverage narrowed the rows already (_list_rows, shared with list_xlsx)
        if data.get("tier") and row["tier"] != data["tier"]:
            return False
        wanted = data.get("authorised")
        return wanted is None or row["authorised"] is wanted


def _dispatch(request: HttpRequest, pk: int) -> Dispatch:
    dispatch = get_object_or_404(
        Dispatch.objects.select_related("board__run").defer(*BOARD_RUN_LARGE),
        pk=pk,
        institution=_institution(request),
        board__status="published",
    )
    require(request, "analysis.view_board", dispatch.board)
    return dispatch


def _audit_list_export(request: HttpRequest, dispatch: Dispatch, n: int) -> None:
    record(
        "export",
        obj=dispatch.board,
        summary=_("导出推荐名单（%(n)d 家企业，仅名称、档次、分数段、数据覆盖率）") % {"n": n},
        request=request,
    )


def _list_context(request: HttpRequest, dispatch: Dispatch) -> ListContext:
    institution = dispatch.institution
    return ListContext(
        dispatch_id=dispatch.pk,
        run=dispatch.board.run,
        offering=list_offering(institution, dispatch.board.run_id),
        authorised=_authorised_ids(institution, timezone.localdate()),
        pending=set(
            Invitation.objects.filter(
                institution=institution, status=Invitation.Status.PENDING
            ).values_list("enterprise_id", flat=True)
        ),
        may_invite=request.user.has_perm("lending.invite"),
    )


@institution_required
def list_page(request: HttpRequest, pk: int) -> HttpResponse:
    dispatch = _dispatch(request, pk)
    context = _list_context(request, dispatch)
    listing = Listing.build(
        request,
        ListTable,
        _list_rows(request, dispatch),
        filters=ListFilter,
        export_name=f"list-{dispatch.pk}",
        list_context=context,
    )
    if listing.export is not None:
        _audit_list_export(request, dispatch, len(listing.table.rows))
        return listing.export
    return render(
        request,
        "portals/fin_list.html",
        {
            "title": dispatch.board.title,
            "dispatch": dispatch,
            "listing": listing,
            "indication_offering": context.offering,
        },
    )


@institution_required
def list_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    dispatch = _dispatch(request, pk)
    workbook = Workbook()
    sheet = workbook.create_sheet(_("推荐名单"))
    sheet.append([_("名次"), _("企业名称"), _("档次"), _("分数段"), _("数据覆盖率（%）")])
    rows = _list_rows(request, dispatch)
    filters = ListFilter(request.GET or None, queryset=rows, request=request)
    if filters.is_bound and filters.is_valid():
        rows = filters.qs
    for row in rows:
        coverage = percent_number(row["coverage"])  # type: ignore[arg-type]
        sheet.append([row["position"], row["name"], row["tier"], row["band"], coverage])
    _audit_list_export(request, dispatch, len(rows))
    return workbook.response(f"list-{dispatch.pk}.xlsx")


def _scope_names(codes: list[str]) -> str:
    return pgettext("list separator", "、").join(names.field_name(c) for c in codes) or _(
        "全部指标"
    )


class AuthorisedTable(Table):
    enterprise = tables.Column(
        verbose_name=gettext_lazy("企业名称"), accessor="enterprise__name", linkify=False
    )
    credit_code = tables.Column(
        verbose_name=gettext_lazy("统一社会信用代码"), accessor="enterprise__credit_code"
    )
    scope = tables.Column(verbose_name=gettext_lazy("授权范围"), orderable=False)
    valid_from = tables.DateColumn(verbose_name=gettext_lazy("生效日期"), format="Y-m-d")
    valid_to = tables.DateColumn(verbose_name=gettext_lazy("有效期至"), format="Y-m-d")
    created_at = tables.DateTimeColumn(verbose_name=gettext_lazy("授权时间"), format="Y-m-d H:i")

    class Meta(Table.Meta):
        attrs = {**Table.Meta.attrs, "id": "fin-authorised-list"}
        empty_text = gettext_lazy("暂无企业授权本机构")

    def render_enterprise(self, value: str, record: Authorisation) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("portals:fin_enterprise", args=[record.enterprise_id]),
            value,
        )

    def render_scope(self, value: list[str]) -> str:
        return _scope_names(value)

    def value_scope(self, value: list[str]) -> str:
        return _scope_names(value)

    def render_valid_to(self, value: dt.date | None) -> str:
        return value.isoformat() if value else _("长期")


def _of_enterprise(queryset: Any, text: str) -> Any:
    """Rows whose enterprise's name holds ``text`` or whose credit code is ``text``."""
    text = text.strip()
    return queryset.filter(Q(enterprise__name__contains=text) | Q(enterprise__credit_code=text))


class AuthorisedFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=gettext_lazy("企业名称或统一社会信用代码"), method="search")
    ends_by = django_filters.DateFilter(
        label=gettext_lazy("有效期截止不晚于"),
        field_name="valid_to",
        lookup_expr="lte",
        widget=DateInput(),
    )

    class Meta:
        model = Authorisation
        fields: list[str] = []

    def search(self, queryset: Any, _name: str, value: str) -> Any:
        return _of_enterprise(queryset, value)


@institution_required
def authorised(request: HttpRequest) -> HttpResponse:
    """Every enterprise whose authorisation of the institution is in force, newest first."""
    institution = _institution(request)
    grants = Authorisation.objects.of_institution_newest_first(institution, timezone.localdate())
    listing = Listing.build(
        request, AuthorisedTable, grants, filters=AuthorisedFilter, export_name="authorised"
    )
    if listing.export is not None:
        record(
            "export",
            summary=_("导出授权本机构的企业名单（%(n)d 家）") % {"n": len(listing.table.rows)},
            request=request,
            object_type="authorisation",
            object_repr=str(institution),
        )
        return listing.export
    return render(
        request,
        "portals/fin_authorised.html",
        {"title": _("授权本机构的企业"), "listing": listing},
    )


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
    """A financing application and its outcome: money in 万元, rates and shares in %, dates as
    the browser's date picker gives them; the model's rules answer next to their field."""

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
        labels = {
            "amount_requested": gettext_lazy("申请金额"),
            "amount": gettext_lazy("批准金额"),
            "rate": gettext_lazy("年利率"),
            "term_months": gettext_lazy("期限"),
            "guarantee_share": gettext_lazy("担保比例"),
        }
        help_texts = {
            "product": gettext_lazy("如：天府科创贷"),
            "amount": gettext_lazy("批准、放款后必填"),
            "decided_on": gettext_lazy("批准、放款后必填，不早于申请日期"),
            "guarantee_share": gettext_lazy("0 到 100 之间"),
        }
        widgets = {
            "applied_on": DateInput(),
            "decided_on": DateInput(),
            "disbursed_on": DateInput(),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        for name in ("amount_requested", "amount"):
            with_unit(self.fields[name], _("万元"))
        with_unit(self.fields["rate"], "%")
        with_unit(self.fields["guarantee_share"], "%")
        with_unit(self.fields["term_months"], _("个月"))


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


class FinancingTable(Table):
    enterprise = tables.Column(verbose_name=gettext_lazy("企业"), accessor="enterprise__name")
    kind = tables.Column(verbose_name=gettext_lazy("类型"))
    product = tables.Column(verbose_name=gettext_lazy("产品"))
    status = tables.Column(verbose_name=gettext_lazy("状态"))
    amount_requested = NumberColumn(verbose_name=gettext_lazy("申请金额（万元）"), places=2)
    amount = NumberColumn(verbose_name=gettext_lazy("批准金额（万元）"), places=2)
    rate = NumberColumn(verbose_name=gettext_lazy("年利率（%）"), places=2)
    term_months = NumberColumn(verbose_name=gettext_lazy("期限（月）"))
    guarantee_share = NumberColumn(verbose_name=gettext_lazy("担保比例（%）"))
    applied_on = tables.DateColumn(verbose_name=gettext_lazy("申请日期"), format="Y-m-d")
    disbursed_on = tables.DateColumn(verbose_name=gettext_lazy("放款日期"), format="Y-m-d")

    class Meta(Table.Meta):
        attrs = {**Table.Meta.attrs, "id": "financings"}
        empty_text = gettext_lazy("暂无融资记录")

    def render_enterprise(self, value: str, record: Financing) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("portals:fin_financing_edit", args=[record.pk]), value
        )

    def render_status(self, value: str, record: Financing) -> str:
        tone = STATUS_TONES.get(record.status, "secondary")
        return format_html('<span class="badge text-bg-{}">{}</span>', tone, value)


STATUS_TONES = {
    "applied": "info",
    "approved": "primary",
    "rejected": "secondary",
    "disbursed": "success",
    "repaid": "success",
    "overdue": "warning",
    "defaulted": "danger",
}


class FinancingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=gettext_lazy("企业名称或统一社会信用代码"), method="search")
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("状态"),
        choices=Financing.Status.choices,
        empty_label=gettext_lazy("全部"),
    )
    kind = django_filters.ChoiceFilter(
        label=gettext_lazy("类型"), choices=Financing.Kind.choices, empty_label=gettext_lazy("全部")
    )
    applied_from = django_filters.DateFilter(
        label=gettext_lazy("申请日期不早于"),
        field_name="applied_on",
        lookup_expr="gte",
        widget=DateInput(),
    )
    applied_to = django_filters.DateFilter(
        label=gettext_lazy("申请日期不晚于"),
        field_name="applied_on",
        lookup_expr="lte",
        widget=DateInput(),
    )

    class Meta:
        model = Financing
        fields: list[str] = []

    def search(self, queryset: Any, _name: str, value: str) -> Any:
        return _of_enterprise(queryset, value)


@institution_required
def financings(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    records = Financing.objects.filter(institution=institution).select_related("enterprise")
    listing = Listing.build(
        request, FinancingTable, records, filters=FinancingFilter, export_name="financings"
    )
    if listing.export is not None:
        record(
            "export",
            summary=_("导出本机构融资记录（%(n)d 笔）") % {"n": len(listing.table.rows)},
            request=request,
            object_type="financing",
            object_repr=str(institution),
        )
        return listing.export
    return render(
        request,
        "portals/fin_financings.html",
        {"title": pgettext("plural", "融资记录"), "listing": listing},
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
