"""Every list page the same way: filtered (a django-filter FilterSet drawn as the filter bar),
sorted by any orderable column (django-tables2), paged on the server (at most 50 rows a page)
and exported — exactly the filtered, sorted rows, every page of them — through the platform's
one export writer (core/exports.py: no formulas, no control characters).

In a view::

    listing = Listing.build(request, EnterpriseTable, queryset, filters=EnterpriseFilter,
                            export_name="enterprises")
    if listing.export is not None:
        return listing.export          # ?export=xlsx or ?export=csv
    return render(request, "…", {"listing": listing})

and in its template ``{% include "site/listing.html" %}`` (filter bar, counts, export links,
table with column headers and units, pager). A choice filter's empty choice reads 全部 / All
everywhere (``FILTERS_EMPTY_CHOICE_LABEL`` in settings), never django-filter's "---------".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import django_filters
import django_tables2 as tables
from django.core.paginator import EmptyPage
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from innopoints.core.exports import csv_response, table_response

PER_PAGE = 50
EXPORTS = ("xlsx", "csv")


class Table(tables.Table):
    """The platform's table: its template, an empty text, numbers right-aligned by
    ``NumberColumn``. Subclasses list their columns (``verbose_name`` with the unit)."""

    class Meta:
        template_name = "site/tables/table.html"
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("没有符合条件的记录")


class NumberColumn(tables.Column):
    """A right-aligned figure; ``places`` decimals (grouped digits), None shown as —."""

    def __init__(self, *args: Any, places: int = 0, **kwargs: Any) -> None:
        attrs = kwargs.pop("attrs", {})
        attrs.setdefault("th", {"class": "num"})
        attrs.setdefault("td", {"class": "num"})
        super().__init__(*args, attrs=attrs, **kwargs)
        self.places = places

    def render(self, value: Any) -> str:
        return f"{float(value):,.{self.places}f}" if self.places else f"{int(value):,}"

    def value(self, value: Any) -> Any:  # exports keep numbers as numbers
        return value


@dataclass
class Listing:
    table: Table
    filters: django_filters.FilterSet | None
    export: HttpResponse | None
    export_name: str

    @classmethod
    def build(
        cls,
        request: HttpRequest,
        table_class: type[Table],
        rows: QuerySet[Any] | list[Any],
        *,
        filters: type[django_filters.FilterSet] | None = None,
        export_name: str = "list",
        per_page: int = PER_PAGE,
        **table_kwargs: Any,
    ) -> Listing:
        filterset = None
        if filters is not None:
            filterset = filters(request.GET or None, queryset=rows, request=request)
            if filterset.is_bound and filterset.is_valid():
                rows = filterset.qs
            elif filterset.is_bound:
                rows = rows.none() if isinstance(rows, QuerySet) else []
        table = table_class(rows, request=request, **table_kwargs)
        order_by = request.GET.getlist(table.prefixed_order_by_field)
        if order_by:
            table.order_by = order_by
        fmt = request.GET.get("export")
        if fmt in EXPORTS:
            return cls(table, filterset, _export(table, fmt, export_name), export_name)
        # never more than PER_PAGE rows, whatever the query string asks
        page = _page_number(request.GET.get(table.prefixed_page_field))
        try:
            table.paginate(page=page, per_page=min(per_page, PER_PAGE))
        except EmptyPage:  # past the end: the last page
            table.paginate(page=table.paginator.num_pages, per_page=min(per_page, PER_PAGE))
        return cls(table, filterset, None, export_name)

    @property
    def count(self) -> int:
        return self.table.paginator.count if self.table.page else len(self.table.rows)


def _page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and 0 < len(raw) < 10 else 1


def _export(table: Table, fmt: str, name: str) -> HttpResponse:
    values = table.as_values()
    headers = next(values)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        return csv_response(f"{name}-{stamp}.csv", headers, values)
    return table_response(f"{name}-{stamp}.xlsx", name, headers, values)
