"""政府端 → 数据导入: what each source's file must carry — a page listing every source's
columns (name, type, unit, longest value) and, per source, an import template (XLSX) with
exactly those headers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext

from innopoints.accounts.decorators import government_required
from innopoints.collection.models import DataSource
from innopoints.collection.source_columns import columns, template_xlsx


@government_required
def import_columns(request: HttpRequest) -> HttpResponse:
    sources = [(s, columns(s)) for s in DataSource.objects.filter(manual=False).order_by("pk")]
    return render(
        request,
        "portals/gov_import_columns.html",
        {"title": gettext("导入模板与列说明"), "sources": sources},
    )


@government_required
def import_template(request: HttpRequest, source: str) -> HttpResponse:
    chosen = get_object_or_404(DataSource, code=source, manual=False)
    return template_xlsx(chosen).response(f"template-{chosen.code}.xlsx")
