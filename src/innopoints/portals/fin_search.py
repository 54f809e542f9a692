"""金融端 → 检索企业: the frame's search box for a financial institution. It finds, by a part
of the name, the credit code (or its beginning), the legal representative or the pinyin
initials (registry/search.py), only the enterprises the institution may see: those on the
lists sent to it and those whose authorisation of it is in force. One row each, with the
lists it is on (tier and band from the newest), a file link only where authorised."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import django_tables2 as tables
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from innopoints.accounts.decorators import institution_required
from innopoints.analysis import boards
from innopoints.applications.models import Dispatch
from innopoints.audit.log import record
from innopoints.collection.models import Authorisation
from innopoints.portals.institution import BOARD_RUN_LARGE, _institution
from innopoints.portals.rows import Rows
from innopoints.registry import search as finder
from innopoints.registry.english import localised
from innopoints.registry.models import Enterprise
from innopoints.site.formats import score_band
from innopoints.site.listing import Listing, Table


class SearchTable(Table):
    name = tables.Column(verbose_name=gettext_lazy("企业名称"))
    credit_code = tables.Column(verbose_name=gettext_lazy("统一社会信用代码"))
    region = tables.Column(verbose_name=gettext_lazy("地区"))
    lists = tables.Column(verbose_name=gettext_lazy("所在名单"), orderable=False)
    tier = tables.Column(verbose_name=gettext_lazy("档次"))
    band = tables.Column(verbose_name=gettext_lazy("分数段"), order_by=("band_low",))
    file = tables.Column(
        verbose_name=gettext_lazy("档案"),
        accessor="enterprise_id",
        orderable=False,
        exclude_from_export=True,
    )

    class Meta(Table.Meta):
        attrs = {**Table.Meta.attrs, "id": "fin-search-results"}
        empty_text = gettext_lazy("没有找到符合条件的企业")

    def render_lists(self, value: list[str]) -> str:
        return pgettext("list separator", "、").join(value) or "—"

    def value_lists(self, value: list[str]) -> str:
        return pgettext("list separator", "、").join(value)

    def render_file(self, value: int, record: dict[str, object]) -> str:
        if not record.get("authorised"):
            return _("未授权")
        return format_html(
            '<a href="{}">{}</a>',
            reverse("portals:fin_enterprise", args=[value]),
            _("查看档案（已授权）"),
        )


def _listed(institution: object) -> dict[int, list[dict[str, Any]]]:
    """Each enterprise on a published list sent to the institution: (list title, row) pairs,
    newest list first (Dispatch's ordering)."""
    listed: dict[int, list[dict[str, Any]]] = {}
    dispatches = (
        Dispatch.objects.filter(institution=institution, board__status="published")
        .select_related("board__run")
        .defer(*BOARD_RUN_LARGE)
    )
    for dispatch in dispatches:
        for row in boards.entries(dispatch.board):
            eid = row.get("enterprise_id")
            if eid is not None:
                listed.setdefault(eid, []).append({"title": dispatch.board.title, "row": row})
    return listed


def search_rows(institution: object, query: str, day: dt.date) -> Rows:
    """The enterprises ``query`` finds among those the institution may see."""
    if not finder.normalise(query):
        return Rows()
    listed = _listed(institution)
    authorised = set(
        Authorisation.objects.active_on(day)
        .filter(institution=institution)
        .values_list("enterprise_id", flat=True)
    )
    visible = Enterprise.objects.filter(pk__in=sorted(set(listed) | authorised))
    hits = finder.find(visible, query).ids
    details = {e.pk: e for e in Enterprise.objects.filter(pk__in=hits).select_related("region")}
    found = []
    for eid in hits:
        enterprise = details[eid]
        on_lists = listed.get(eid, [])
        newest = on_lists[0]["row"] if on_lists else {}
        total = newest.get("total_after", newest.get("total"))
        titles: list[str] = []
        for entry in on_lists:
            if entry["title"] not in titles:
                titles.append(entry["title"])
        found.append(
            {
                "enterprise_id": eid,
                "name": enterprise.name,
                "credit_code": enterprise.credit_code,
                "region": localised(enterprise.region.name) if enterprise.region else "—",
                "lists": titles,
                "tier": (newest.get("tier_after", newest.get("tier")) or "") if newest else "",
                "band": score_band(total) if newest else "—",
                "band_low": -1 if total is None else int(float(total) // 10),
                "authorised": eid in authorised,
            }
        )
    return Rows(sorted(found, key=lambda r: (not r["authorised"], r["name"])))


@institution_required
def search(request: HttpRequest) -> HttpResponse:
    """The frame's search box for 金融端."""
    institution = _institution(request)
    query = (request.GET.get("q") or "").strip()
    if request.GET.get("suggest"):
        return _suggestions(request, search_rows(institution, query, timezone.localdate()), query)
    listing = Listing.build(
        request,
        SearchTable,
        search_rows(institution, query, timezone.localdate()),
        export_name="search",
    )
    if listing.export is not None:
        record(
            "export",
            summary=_("导出企业检索结果（%(n)d 家：名称、信用代码、地区、名单、档次、分数段）")
            % {"n": len(listing.table.rows)},
            request=request,
            object_type="search",
            object_repr=query[:100],
        )
        return listing.export
    return render(
        request,
        "portals/fin_search.html",
        {"title": _("检索企业"), "listing": listing, "q": query},
    )


def _suggestions(request: HttpRequest, rows: Rows, query: str) -> HttpResponse:
    """The header box's few links as one types (htmx): an authorised enterprise's file, else
    the results page for that name."""
    items = []
    for row in list(rows)[:8]:
        url = (
            reverse("portals:fin_enterprise", args=[row["enterprise_id"]])
            if row["authorised"]
            else reverse("portals:fin_search") + "?" + urlencode({"q": row["name"]})
        )
        items.append({"label": row["name"], "note": row["region"], "url": url})
    return render(request, "site/search_suggest.html", {"items": items, "q": query})
