"""政府端's read-only list of the 融资申请 in its division: a province user sees every
application of an enterprise under the province's code, a city user its own prefix (the
division recorded on the application, else the enterprise's). Filtered by state, institution
and region, exported as filtered; government never moves an application (no action here)."""

from __future__ import annotations

from typing import Any

import django_filters
import django_tables2 as tables
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innopoints.accounts import scope
from innopoints.accounts.decorators import portal_required
from innopoints.audit.log import record
from innopoints.lending.models import Application
from innopoints.registry.models import Institution, Region
from innopoints.site import names
from innopoints.site.listing import Listing, NumberColumn, Table

S = Application.Status


def under(prefix: str) -> Q:
    """Applications under a division code prefix ('' = all): the division recorded on the
    application, else (none recorded) the enterprise's."""
    if not prefix:
        return Q()
    return Q(region_code__startswith=prefix) | Q(
        region_code="", enterprise__region__code__startswith=prefix
    )


class DivisionTable(Table):
    enterprise = tables.Column(verbose_name=gettext_lazy("企业名称"), accessor="enterprise__name")
    institution = tables.Column(verbose_name=gettext_lazy("金融机构"), accessor="institution__name")
    offering = tables.Column(
        verbose_name=gettext_lazy("产品"), accessor="offering__name", default="—"
    )
    amount_requested = NumberColumn(
        verbose_name=gettext_lazy("申请金额（万元）"), places=2, default="—"
    )
    status = tables.Column(verbose_name=gettext_lazy("状态"))
    tier = tables.Column(verbose_name=gettext_lazy("申请时档次"), default="—")
    stage = tables.Column(verbose_name=gettext_lazy("申请时成长阶段"), empty_values=())
    region = tables.Column(
        verbose_name=gettext_lazy("地区"), accessor="region_code", empty_values=()
    )
    created_at = tables.DateColumn(verbose_name=gettext_lazy("提交日期"), format="Y-m-d")

    class Meta(Table.Meta):
        attrs = {**Table.Meta.attrs, "id": "gov-applications"}
        empty_text = gettext_lazy("辖区内暂无融资申请")

    def render_status(self, value: str, record: Application) -> str:
        return record.get_status_display()

    def value_status(self, value: str, record: Application) -> str:
        return record.get_status_display()

    def render_stage(self, value: str, record: Application) -> str:
        return names.stage_name(record.stage)

    def value_stage(self, value: str, record: Application) -> str:
        return names.stage_name(record.stage)

    def render_region(self, value: str, record: Application) -> str:
        return _region_of(record)

    def value_region(self, value: str, record: Application) -> str:
        return _region_of(record)


def _region_of(app: Application) -> str:
    if app.region_code:
        return names.region_name(app.region_code)
    region = app.enterprise.region
    return names.region_name(region.code) if region is not None else "—"


class DivisionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=S.choices)
    institution = django_filters.ModelChoiceFilter(
        label=gettext_lazy("金融机构"), queryset=Institution.objects.none()
    )
    region = django_filters.ChoiceFilter(label=gettext_lazy("地区"), method="in_region")

    class Meta:
        model = Application
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rows = self.queryset
        self.filters["institution"].queryset = Institution.objects.filter(
            pk__in=rows.values("institution_id")
        ).order_by("name")
        prefix = scope.region_prefix(self.request.user) or ""
        # the next level down only (a province its cities, a city its counties): a select of
        # the country's 3,000 counties would weigh more than the page
        below = Region.objects.filter(code__startswith=prefix, level=_level(prefix) + 1)
        self.filters["region"].extra["choices"] = [
            (r.code, names.region_name(r.code)) for r in below.order_by("code")
        ]

    def in_region(self, queryset: QuerySet[Application], _name: str, value: str) -> Any:
        region = Region.objects.filter(code=value).first()
        if region is None:
            return queryset.none()
        return queryset.filter(under(region.code_prefix()))


def _level(prefix: str) -> int:
    """The level of the division a prefix names (0: the whole country)."""
    return {0: 0, 2: 1, 4: 2}.get(len(prefix), 3)


@portal_required("lending.view_division")
def gov_list(request: HttpRequest) -> HttpResponse:
    prefix = scope.region_prefix(request.user)
    if prefix is None:
        raise PermissionDenied
    listing = Listing.build(
        request,
        DivisionTable,
        Application.objects.filter(under(prefix)).select_related(
            "enterprise__region", "institution", "offering"
        ),
        filters=DivisionFilter,
        export_name="applications",
    )
    if listing.export is not None:
        record(
            "export",
            summary=_("导出辖区内的融资申请（%(n)d 件）") % {"n": len(listing.table.rows)},
            request=request,
            object_type="lending.application",
        )
        return listing.export
    return render(
        request,
        "lending/gov_list.html",
        {
            "title": _("辖区融资申请"),
            "listing": listing,
            "division": names.division_name(prefix) if prefix else _("全部地区"),
        },
    )
