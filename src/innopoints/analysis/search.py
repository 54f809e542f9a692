"""政府端 → 企业查询: the government frame's search box (core/menu.py ``register_search``) finds
enterprises of the user's jurisdiction by a part of the name, the unified social credit code
(or its beginning), the legal representative or the pinyin initials (registry/search.py,
through its indexes), each leading to its portrait and 一企一档. A full credit code of one
enterprise goes straight to its portrait. Scoped like every government page
(accounts/scope.py ``governed_enterprises``); the division filter takes names (成都, 武侯区)."""

from __future__ import annotations

from typing import Any

import django_filters
import django_tables2 as tables
from django.db.models import CharField, FloatField, OuterRef, QuerySet, Subquery, Value
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy

from innopoints.accounts import scope
from innopoints.accounts.decorators import government_required
from innopoints.analysis.publication import official_run
from innopoints.registry import search
from innopoints.registry.english import localised
from innopoints.registry.models import Enterprise
from innopoints.scoring.models import Result, Run
from innopoints.scoring.tables import RegionFilter, searching_regions
from innopoints.site import names
from innopoints.site.listing import Listing, NumberColumn, Table


class EnterpriseTable(Table):
    name = tables.Column(verbose_name=gettext_lazy("企业名称"))
    credit_code = tables.Column(verbose_name=gettext_lazy("统一社会信用代码"))
    legal_representative = tables.Column(verbose_name=gettext_lazy("法定代表人"))
    region = tables.Column(verbose_name=gettext_lazy("地区"), order_by=("region_id",))
    established = tables.DateColumn(verbose_name=gettext_lazy("成立日期"), format="Y-m-d")
    stage = tables.Column(verbose_name=gettext_lazy("成长阶段"))
    total = NumberColumn(verbose_name=gettext_lazy("积分（分）"), places=2)
    tier = tables.Column(verbose_name=gettext_lazy("档次"))
    files = tables.Column(
        verbose_name=gettext_lazy("档案"),
        empty_values=(),
        orderable=False,
        exclude_from_export=True,
        attrs={"td": {"class": "text-nowrap"}},
    )

    class Meta(Table.Meta):
        attrs = {"class": "table table-sm table-hover align-middle", "id": "enterprise-results"}
        empty_text = gettext_lazy("本辖区没有符合条件的企业")

    def __init__(
        self, *args: Any, tiers: dict[str, str] | None = None, run: Run | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.tiers = tiers or {}
        self.version = run.scheme_version if run is not None else None

    def render_tier(self, value: str) -> str:
        return self.tiers.get(value, value)

    def render_stage(self, value: str) -> str:
        return names.stage_name(value, self.version)

    def value_stage(self, value: str) -> str:
        return names.stage_name(value, self.version) if value else ""

    def render_name(self, record: Enterprise) -> Any:
        url = reverse("analysis:portrait", args=[record.pk])
        return format_html('<a href="{}">{}</a>', url, record.name)

    def value_name(self, record: Enterprise) -> str:
        return record.name

    def render_region(self, record: Enterprise) -> str:
        return localised(record.region.name) if record.region else "—"

    def render_files(self, record: Enterprise) -> Any:
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("analysis:portrait", args=[record.pk]),
            gettext("画像"),
            reverse("analysis:dossier", args=[record.pk]),
            gettext("一企一档"),
        )


class EnterpriseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=gettext_lazy("名称、信用代码、法定代表人或拼音首字母"), method="search"
    )
    # chosen by name from a search: an admin's jurisdiction is the whole country
    region = RegionFilter(field_name="region__code")
    tier = django_filters.ChoiceFilter(
        label=gettext_lazy("档次（正式测算）"), empty_label=gettext_lazy("全部")
    )

    def __init__(self, data: Any = None, *args: Any, request: Any = None, **kwargs: Any):
        super().__init__(data, *args, request=request, **kwargs)
        user = getattr(request, "user", None)
        self.filters["tier"].extra["choices"] = list(tier_names(official_run(user)).items())
        searching_regions(self)
        self.capped = False

    def filter_queryset(self, queryset: Any) -> Any:
        # the search last: its at most search.CAP hits are taken among the filtered ones
        data = self.form.cleaned_data
        text = data.pop("q", "")
        try:
            queryset = super().filter_queryset(queryset)
        finally:
            data["q"] = text
        return self.search(queryset, "q", text) if text else queryset

    def search(self, queryset: QuerySet[Enterprise], name: str, value: str) -> Any:
        try:
            found = search.find(queryset, value)
        except search.EmptyQuery:
            return queryset
        self.capped = found.capped
        return queryset.filter(pk__in=found.ids)


def tier_names(run: Run | None) -> dict[str, str]:
    """The official run's tiers by name in the page's language (A → A档 / Tier A)."""
    if run is None:
        return {}
    levels = run.scheme_version.scheme().tiers.levels
    return {t.code: (t.name.en if names.english() and t.name.en else t.name.zh) for t in levels}


def searchable(user: Any, run: Run | None) -> QuerySet[Enterprise]:
    """The user's enterprises with their total and tier in the official run (if any)."""
    enterprises = scope.governed_enterprises(user).select_related("region")
    if run is None:
        return enterprises.annotate(
            total=Value(None, output_field=FloatField()),
            tier=Value("", output_field=CharField()),
            stage=Value("", output_field=CharField()),
        )
    result = Result.objects.filter(run=run, enterprise=OuterRef("pk"))
    return enterprises.annotate(
        total=Subquery(result.values("total")[:1]),
        tier=Subquery(result.values("tier")[:1]),
        stage=Subquery(result.values("stage")[:1]),
    )


@government_required
def enterprise_search(request: HttpRequest) -> HttpResponse:
    run = official_run(request.user)
    enterprises = searchable(request.user, run)
    text = (request.GET.get("q") or "").strip().upper()
    if len(text) == 18 and "export" not in request.GET:  # a whole credit code: its portrait
        found = list(enterprises.filter(credit_code=text).values_list("pk", flat=True)[:2])
        if len(found) == 1:
            return HttpResponseRedirect(reverse("analysis:portrait", args=[found[0]]))
    if request.GET.get("suggest"):
        return _suggestions(request, enterprises, request.GET.get("q") or "")
    listing = Listing.build(
        request,
        EnterpriseTable,
        enterprises.order_by("name", "pk"),
        filters=EnterpriseFilter,
        export_name="enterprises",
        tiers=tier_names(run),
        run=run,
    )
    if listing.export is not None:
        return listing.export
    return render(
        request,
        "analysis/enterprise_search.html",
        {
            "title": gettext("企业查询"),
            "listing": listing,
            "q": request.GET.get("q", ""),
            "cap": search.CAP,
        },
    )


SUGGESTIONS = 8


def _suggestions(request: HttpRequest, enterprises: QuerySet[Enterprise], text: str) -> Any:
    """The header box's few links as one types (htmx); the plain form leads to the page."""
    try:
        ids = search.find(enterprises, text, cap=SUGGESTIONS).ids
    except search.EmptyQuery:
        ids = []
    rows = Enterprise.objects.filter(pk__in=ids).select_related("region").order_by("name")
    items = [
        {
            "label": e.name,
            "note": localised(e.region.name) if e.region else "",
            "url": reverse("analysis:portrait", args=[e.pk]),
        }
        for e in rows
    ]
    return render(request, "site/search_suggest.html", {"items": items, "q": text.strip()})
