"""The design system's list (site/listing.py): filtered, sorted, at most 50 rows a page whatever
the query string asks, and exported exactly as filtered and sorted — every page of it."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import django_filters
import django_tables2 as tables
import pytest
from django.db.models import Count
from django.template import Context, Template
from django.test import RequestFactory

from innopoints.registry.models import Region
from innopoints.site.listing import PER_PAGE, Listing, NumberColumn, Table


class RegionTable(Table):
    code = tables.Column(verbose_name="代码")
    name = tables.Column(verbose_name="名称")
    n_children = NumberColumn(verbose_name="下级区划（个）")


class RegionFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="contains", label="名称")

    class Meta:
        model = Region
        fields = ["level"]


def build(query: dict[str, str]) -> Listing:
    request = RequestFactory().get("/regions/", query)
    return Listing.build(
        request, RegionTable, regions(), filters=RegionFilter, export_name="regions"
    )


def regions() -> Any:
    return Region.objects.annotate(n_children=Count("children"))


def test_a_page_holds_at_most_50_rows_whatever_is_asked(db: Any) -> None:
    n = Region.objects.count()
    assert n > 2 * PER_PAGE  # the reference divisions of Sichuan
    listing = build({"per_page": "100000"})
    assert len(list(listing.table.page.object_list)) == PER_PAGE
    assert listing.count == n
    last = build({"page": "99999"})  # past the end: the last page
    assert last.table.page.number == last.table.paginator.num_pages
    assert build({"page": "x"}).table.page.number == 1


def test_filters_and_sort_choose_the_rows(db: Any) -> None:
    listing = build({"level": "2", "sort": "-code"})
    rows = [row.record for row in listing.table.page.object_list]
    expected = list(Region.objects.filter(level=2).order_by("-code"))
    assert rows == expected[:PER_PAGE]
    assert listing.count == len(expected)


def test_the_export_is_exactly_what_is_filtered_and_sorted_on_every_page(db: Any) -> None:
    response = build({"name": "区", "sort": "-code", "export": "csv", "page": "2"}).export
    assert response is not None
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(body)))
    assert lines[0] == ["代码", "名称", "下级区划（个）"]
    expected = Region.objects.filter(name__contains="区").order_by("-code")
    assert [line[0] for line in lines[1:]] == [r.code for r in expected]
    assert len(lines) - 1 == expected.count() > PER_PAGE  # all pages, not the one shown
    assert response["Content-Disposition"].startswith('attachment; filename="regions-')


def test_an_invalid_filter_shows_no_rows_and_says_why(db: Any) -> None:
    listing = build({"level": "not-a-number"})
    assert listing.count == 0
    assert listing.filters is not None and listing.filters.errors


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_list_draws_headers_sort_links_exports_and_pager(db: Any, language: str) -> None:
    from django.utils import translation  # noqa: PLC0415

    request = RequestFactory().get("/regions/", {"sort": "code"})
    listing = Listing.build(request, RegionTable, regions(), filters=RegionFilter)
    with translation.override(language):
        html = Template('{% include "site/listing.html" %}').render(
            Context({"listing": listing, "request": request})
        )
    assert re.search(r'<th class="[^"]*\bnum\b[^"]*" scope="col"', html)
    assert "下级区划（个）" in html
    first = Region.objects.order_by("code").first()
    assert first is not None
    shown = f"<td>{first.code}</td><td>{first.name}</td>"
    assert f'{shown}<td class="num">{first.children.count():,}</td>' in html
    assert "sort=-code" in html  # the sorted column's link turns the order round
    assert "export=xlsx" in html and "export=csv" in html
    assert 'rel="next"' in html
    assert '<input type="hidden" name="sort" value="code">' in html  # filtering keeps the order
    assert ("共" in html) == (language == "zh-hans")
